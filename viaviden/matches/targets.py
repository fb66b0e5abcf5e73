"""Target arithmetic: the largest-remainder split (pure) and computing a programme's targets."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TypeVar

from django.db import transaction

from viaviden.organisations.models import Organisation
from viaviden.reference.models import BasisValue, Municipality

from .models import Target

K = TypeVar("K")


def largest_remainder(total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """Split `total` in proportion to `weights` so the parts sum exactly to `total`.

    Each key gets the floor of its exact quota; the remaining units go to the largest fractional
    remainders (ties: larger weight first, then key order, so the result is deterministic).
    Keys with weight 0 get 0. If all weights are 0, everything is 0 (there is nothing to split by).
    """
    if total < 0:
        raise ValueError("total must be non-negative")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        return dict.fromkeys(weights, 0)
    quotas = {k: Fraction(total * w, weight_sum) for k, w in weights.items()}
    parts = {k: int(q) for k, q in quotas.items()}
    left = total - sum(parts.values())
    order = sorted(
        weights, key=lambda k: (quotas[k] - parts[k], weights[k]), reverse=True
    )
    for k in order[:left]:
        parts[k] += 1
    return parts


@transaction.atomic
def targets_recompute(*, programme, partner_weights: Mapping[str, int] | None = None) -> None:
    """(Re)compute municipal and partner targets from the basis. Targets someone edited by hand
    keep their value (their `computed` is refreshed so the difference shows)."""
    excluded = set(programme.excluded_municipalities.values_list("code", flat=True))
    basis = {}
    if programme.basis_dataset_id:
        basis = dict(
            BasisValue.objects.filter(dataset_id=programme.basis_dataset_id).values_list(
                "municipality_id", "value"
            )
        )
    municipalities = list(Municipality.objects.filter(in_region=True).order_by("code"))
    weights = {m.code: (0 if m.code in excluded else basis.get(m.code, 0)) for m in municipalities}
    split = largest_remainder(programme.municipal_target, weights)
    for m in municipalities:
        _upsert(Target, programme, Target.Kind.MUNICIPALITY, {"municipality": m}, basis.get(m.code, 0), split[m.code])

    existing = {t.organisation.slug: t for t in programme.targets.filter(kind=Target.Kind.PARTNER).select_related("organisation")}
    if partner_weights is None:
        partner_weights = {slug: t.basis for slug, t in existing.items()}
    if partner_weights:
        psplit = largest_remainder(programme.partner_target, dict(partner_weights))
        for slug, weight in partner_weights.items():
            org = Organisation.objects.get(slug=slug)
            _upsert(Target, programme, Target.Kind.PARTNER, {"organisation": org}, weight, psplit[slug])


def _upsert(model, programme, kind, scope, basis, computed):
    target, created = model.objects.get_or_create(
        programme=programme, kind=kind, **scope,
        defaults={"basis": basis, "computed": computed, "value": computed},
    )
    if created:
        return
    fields = []
    if target.basis != basis:
        target.basis, fields = basis, fields + ["basis"]
    if target.computed != computed:
        target.computed, fields = computed, fields + ["computed"]
    if not target.overridden and target.value != computed:
        target.value, fields = computed, fields + ["value"]
    if fields:
        target.save(update_fields=[*fields, "updated_at"])
