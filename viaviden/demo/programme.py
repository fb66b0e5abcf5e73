"""The demo's synthetic programme period: a made-up period that contains today, with the same target
structure as the real programme it is modelled on (programme total, municipal split on the same basis,
partner targets with the same weights, the same activity targets). Vækst Via Viden 2.0 ended on 2023-06-30,
so without it every date-bound flow of the demo (confirming a bourse, starting a Vækstpilot) would fail and
pace and projection would show nothing.

The period is computed from the date the demo is loaded: three project years (July–June), today in the
second. It is marked `Programme.is_synthetic`, named as synthetic, and made the current programme while the
demo data exists; `synthetic_programme_delete` removes it and gives the mark back to the latest real period.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import ProtectedError

from viaviden.matches.models import ActivityTarget, Programme, Target
from viaviden.matches.targets import targets_recompute

SYNTHETIC_PROGRAMME_SLUG = "syntetisk-demoperiode"
YEARS = 3


def synthetic_period(today: dt.date, *, year_start_month: int = 7) -> tuple[dt.date, dt.date]:
    """Three project years with `today` in the second (e.g. 2025-07-01 – 2028-06-30 for 2026-12-06)."""
    first = (today.year if today.month >= year_start_month else today.year - 1) - 1
    start = dt.date(first, year_start_month, 1)
    end = dt.date(first + YEARS, year_start_month, 1) - dt.timedelta(days=1)
    return start, end


def _model_programme() -> Programme | None:
    """The real programme the synthetic one copies its targets from (the current one, else the latest)."""
    real = Programme.objects.filter(is_synthetic=False)
    return real.filter(is_current=True).first() or real.order_by("-start_date").first()


def synthetic_programme_ensure(today: dt.date) -> Programme | None:
    """Create the synthetic period (if missing) and make it the current programme. None when there is no
    real programme to model it on, or when a real programme already covers the period (then the demo has a
    current programme without it)."""
    existing = Programme.objects.filter(slug=SYNTHETIC_PROGRAMME_SLUG).first()
    if existing is not None:
        return existing
    model = _model_programme()
    if model is None:
        return None
    start, end = synthetic_period(today, year_start_month=model.year_start_month)
    if Programme.objects.filter(start_date__lte=end, end_date__gte=start).exists():
        return None
    programme = Programme.objects.create(
        slug=SYNTHETIC_PROGRAMME_SLUG,
        name=f"Syntetisk demoperiode {start.year}–{end.year} (som {model.name})",
        start_date=start, end_date=end, year_start_month=model.year_start_month,
        total_target=model.total_target, municipal_target=model.municipal_target,
        partner_target=model.partner_target, duplicate_window_days=model.duplicate_window_days,
        basis_dataset=model.basis_dataset, is_synthetic=True,
        partner_split_note=(
            f"Syntetiske demodata: samme måltal, fordelingsgrundlag og partnervægte som {model.name}."
        ),
    )
    programme.excluded_municipalities.set(model.excluded_municipalities.all())
    weights = {
        t.organisation.slug: t.basis
        for t in model.targets.filter(kind=Target.Kind.PARTNER).select_related("organisation")
    }
    targets_recompute(programme=programme, partner_weights=weights)
    ActivityTarget.objects.bulk_create([
        ActivityTarget(
            programme=programme, code=a.code, organisation=a.organisation, title_da=a.title_da, title_en=a.title_en,
            unit=a.unit, value=a.value, value_max=a.value_max, match_activities=a.match_activities,
            match_type_group=a.match_type_group, source=a.source, measure=a.measure, event_types=a.event_types,
            per_project_year=a.per_project_year, years=a.years,
        )
        for a in model.activity_targets.order_by("pk")
    ])
    Programme.objects.filter(is_current=True).update(is_current=False)
    programme.is_current = True
    programme.save(update_fields=["is_current"])
    return programme


def synthetic_programme_delete() -> int:
    """Delete the synthetic period once its synthetic rows are gone; the latest real period becomes current
    again. A period that real rows use (a match registered in the demo's current period) is kept."""
    deleted = 0
    for programme in Programme.objects.filter(is_synthetic=True):
        try:
            with transaction.atomic():
                programme.delete()
            deleted += 1
        except ProtectedError:
            continue
    if not Programme.objects.filter(is_current=True).exists():
        latest = Programme.objects.order_by("-start_date").first()
        if latest is not None:
            latest.is_current = True
            latest.save(update_fields=["is_current"])
    return deleted
