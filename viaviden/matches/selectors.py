"""Reads of targets (the matches themselves are read through permissions.visible_matches)."""

from __future__ import annotations

from typing import Any

from viaviden.reference.models import Municipality

from .models import Programme, Target


def targets_summary(programme: Programme) -> dict[str, Any]:
    """The programme's current targets as one plain structure (the `targets --json` output)."""
    targets = list(programme.targets.select_related("municipality", "organisation"))
    municipal = {t.municipality_id: t for t in targets if t.kind == Target.Kind.MUNICIPALITY}
    partners = [t for t in targets if t.kind == Target.Kind.PARTNER]
    excluded = set(programme.excluded_municipalities.values_list("code", flat=True))
    basis = programme.basis_dataset
    municipalities = []
    for m in Municipality.objects.filter(in_region=True).order_by("name"):
        t = municipal.get(m.code)
        municipalities.append({
            "code": m.code, "name": m.name, "basis": t.basis if t else 0, "target": t.value if t else 0,
            "computed": t.computed if t else 0, "overridden": bool(t and t.overridden),
            "excluded": m.code in excluded,
        })
    return {
        "programme": programme.slug,
        "name": programme.name,
        "start_date": programme.start_date.isoformat(),
        "end_date": programme.end_date.isoformat(),
        "total": programme.total_target,
        "municipal_total": programme.municipal_target,
        "partner_total": programme.partner_target,
        "municipal_sum": sum(m["target"] for m in municipalities),
        "partner_sum": sum(t.value for t in partners),
        "basis": {
            "label": basis.label if basis else None,
            "kind": basis.kind if basis else None,
            "is_proxy": basis.is_proxy if basis else None,
            "source": basis.source if basis else None,
            "year": basis.year if basis else None,
        },
        "municipalities": municipalities,
        "partners": [
            {"slug": t.organisation.slug, "name": t.organisation.name, "basis": t.basis, "target": t.value,
             "computed": t.computed, "overridden": t.overridden}
            for t in sorted(partners, key=lambda t: t.organisation.name)
        ],
        "partner_split_note": programme.partner_split_note,
    }
