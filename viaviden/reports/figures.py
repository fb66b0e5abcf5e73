"""THE figures: every number the dashboard, the targets page, /api/progress, the exports and the status
reports show comes from these two functions, as of a cut-off date (SPEC 3.1 "Progress", 3.7).

- `programme_figures`: matches against the programme's targets (from `matches.progress`, the module that
  owns the match counts), with the pace against an even plan and a projection to the period end.
- `activity_target_figures`: every activity target with its one measure (`reports.measures`).

Both return plain JSON-serialisable data (dates as ISO strings, organisations as slugs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import get_language

from viaviden.matches.models import ActivityTarget, Programme
from viaviden.matches.progress import progress_overview
from viaviden.organisations.models import Organisation

from .measures import MEASURES, Context, match_aggregates, pct


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _projection(totals: dict[str, Any], period: dict[str, Any]) -> dict[str, Any]:
    """At the rate so far (matches per elapsed day), where the programme ends (the totals row's projection)."""
    elapsed = period["elapsed_days"]
    projected = totals["projection"]
    return {
        "rate_per_month": round(totals["actual"] / elapsed * 365.25 / 12, 1) if elapsed else None,
        "projected_total": projected,
        "projected_pct": pct(projected, totals["target"]) if projected is not None else None,
        "reaches_target": None if projected is None or totals["target"] is None else projected >= totals["target"],
    }


def programme_figures(programme: Programme, *, as_of: dt.date, municipality: str | None = None,
                      partner: Organisation | None = None, ctx: Context | None = None) -> dict[str, Any]:
    """Matches against the targets as of `as_of` (matches starting later do not count): the total and its
    registered/verified split, by municipality, partner, match type, education level, half-year and project
    year, the outside-Aalborg share, pace against an even plan and the projection to the period end.
    `municipality` (code) or `partner` (an organisation; its partner counts) narrow the matches counted.
    `ctx`: the page's shared reads for the same programme and day (`figures_context`), so the match
    aggregates are read once for this and `activity_target_figures`."""
    partner_org = partner.partner if partner is not None else None
    shared = _shared(ctx, programme, as_of)
    aggregates = match_aggregates(shared) if shared is not None and municipality is None and partner is None else None
    overview = progress_overview(programme, today=as_of, as_of=as_of, municipality=municipality,
                                 partner=partner_org.pk if partner_org else None, aggregates=aggregates)
    out: dict[str, Any] = {k: v for k, v in overview.items() if k not in ("programme", "today")}
    out["programme"] = programme.slug
    out["programme_name"] = programme.name
    out["as_of"] = as_of.isoformat()
    out["period"] = {k: _iso(v) for k, v in overview["period"].items()}
    out["pace"] = {
        "expected": overview["totals"]["expected"],
        "on_track": overview["totals"]["on_track"],
        "required_per_month": overview["totals"]["required_per_month"],
    }
    out["projection"] = _projection(overview["totals"], overview["period"])
    scope: dict[str, Any] = {"municipality": municipality, "partner": partner_org.slug if partner_org else None}
    if municipality is not None:
        row = next((r for r in overview["municipalities"] if r["key"] == municipality), None)
        scope["target"] = row["target"] if row else None
        scope["actual"] = row["actual"] if row else 0
    elif partner_org is not None:
        row = next((r for r in overview["partners"] if r["key"] == partner_org.pk), None)
        scope["target"] = row["target"] if row else None
        scope["actual"] = row["actual"] if row else 0
    out["scope"] = scope  # the partner rows carry their organisation's slug (progress_overview)
    return out


def figures_context(programme: Programme, *, as_of: dt.date) -> Context:
    """What a page that shows several blocks of figures for one programme and day reads once and shares
    (the match aggregates, the Vækstpilot figures, the held events, the knowledge share …): pass it as
    `ctx` to `programme_figures`, `activity_target_figures` and `reports.headline.headline_figures`."""
    return Context(programme, as_of)


def _shared(ctx: Context | None, programme: Programme, as_of: dt.date) -> Context | None:
    """`ctx` if it is for this programme and day (a context is never used for other figures than its own)."""
    return ctx if ctx is not None and ctx.programme.pk == programme.pk and ctx.as_of == as_of else None


def _title(at: ActivityTarget) -> str:
    return at.title_en if (get_language() or "da")[:2] == "en" else at.title_da


def _year_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


def activity_target_figures(programme: Programme, *, as_of: dt.date,
                            organisation: Organisation | None = None,
                            ctx: Context | None = None) -> list[dict[str, Any]]:
    """Every activity target of the programme (of `organisation`'s partner when given) with its figure as of
    `as_of` from its one measure. A per-project-year target is evaluated in each year (a row per year);
    its headline is the project year of `as_of`, never the sum of the years. `ctx`: see `figures_context`."""
    targets = ActivityTarget.objects.filter(programme=programme).select_related("organisation__parent__parent")
    ctx = _shared(ctx, programme, as_of) or Context(programme, as_of)
    only = organisation.partner.pk if organisation is not None else None
    current_year = programme.project_year_of(min(max(as_of, programme.start_date), programme.end_date))
    out = []
    for at in targets:
        partner = at.organisation.partner if at.organisation_id else None
        if only is not None and (partner is None or partner.pk != only):
            continue
        measured = MEASURES[at.measure](ctx, at)
        years: list[dict[str, Any]] = []
        actual = measured.actual
        if at.per_project_year:
            for year in at.years or programme.project_years():
                value = measured.by_year.get(year, 0) if measured.actual is not None else None
                years.append({
                    "year": year, "label": _year_label(year), "target": at.value, "actual": value,
                    "share": pct(value, at.value) if value is not None else None,
                    "met": None if value is None else value >= at.value,
                    "elapsed": dt.date(year, programme.year_start_month, 1) <= as_of,
                })
            current = next((y for y in years if y["year"] == current_year), None)
            actual = current["actual"] if current else None
        out.append({
            "id": at.pk,
            "code": at.code,
            "title": _title(at),
            "organisation": at.organisation.slug if at.organisation_id else None,
            "organisation_name": at.organisation.name if at.organisation_id else None,
            "partner": partner.slug if partner else None,
            "unit": at.unit,
            "unit_label": str(at.get_unit_display()),
            "measure": at.measure,
            "source_label": str(at.get_measure_display()),
            "source": at.source,
            "target": at.value,
            "target_max": at.value_max,
            "actual": actual,
            "share": pct(actual, at.value) if actual is not None else None,
            "numerator": measured.numerator,
            "denominator": measured.denominator,
            "measured": measured.actual is not None,
            "note": str(measured.note),
            "per_project_year": at.per_project_year,
            "current_year": _year_label(current_year) if at.per_project_year else None,
            "years": years,
        })
    return out
