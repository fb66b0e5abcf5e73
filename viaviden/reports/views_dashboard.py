"""The progress dashboard (SPEC 3.1 "Progress") and its CSV/XLSX exports: every figure from
`reports.figures` (the same functions as the targets page, /api/progress and the status reports)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.tabular import safe_csv_writer, safe_row
from viaviden.events.selectors import event_figures
from viaviden.matches.models import Programme
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.matches.progress import TABLES
from viaviden.matches.views.programme import selected_programme
from viaviden.organisations.access import staff_required
from viaviden.reports.headline import headline_figures

from .figures import activity_target_figures, figures_context, programme_figures
from .measures import held_events, knowledge

EXPORT_TABLES = ("totals", *TABLES, "activities")

TABLE_TITLES = {
    "totals": gettext_lazy("Hele programmet og måltalsandele"),
    "municipalities": gettext_lazy("Kommuner (kommunal andel, efter arbejdsstedets kommune)"),
    "partners": gettext_lazy("Partnere (efter registrerende partner)"),
    "match_types": gettext_lazy("Matchtyper"),
    "levels": gettext_lazy("Uddannelsesniveauer"),
    "half_years": gettext_lazy("Halvår"),
    "project_years": gettext_lazy("Projektår (juli–juni)"),
    "activities": gettext_lazy("Aktivitetsmål"),
}


def selected_as_of(request: HttpRequest) -> dt.date:
    """The cut-off chosen with ?as_of=YYYY-MM-DD (default: today); a bad date is a 404, not a silent today."""
    raw = request.GET.get("as_of") or request.POST.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404(_("Ugyldig dato: brug formatet ÅÅÅÅ-MM-DD.")) from None


def _with_dates(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with the period's dates as dates again, for the template's date filter."""
    period = dict(figures["period"])
    period["start"], period["end"] = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])
    return {**figures, "period": period}


_STATUSES = ("counted", "registered", "verified")


def _add_links(rows: list[dict[str, Any]], base: str, programme_slug: str, as_of: dt.date) -> None:
    # "Actual" counts registered + verified matches of the shown programme starting on or before the cut-off:
    # the list gets the same filter, so the rows behind a number are the ones it counts.
    # Each query is `urlencode({**row params, programme, start_date_to, status})`, built from its parts (a
    # row's keys are filters, never these three): the same text, the shared tail encoded once per page.
    cut_off = urlencode({"programme": programme_slug, "start_date_to": as_of.isoformat()})
    tails = {s: f"{cut_off}&{urlencode({'status': s})}" for s in _STATUSES}

    def link(params: dict[str, Any], status: str) -> str:
        return f"{base}?{urlencode(params)}&{tails[status]}" if params else f"{base}?{tails[status]}"

    for row in rows:
        row["links"] = {
            "actual": link(row["params"], "counted"),
            "registered": link(row["params"], "registered"),
            "verified": link(row["params"], "verified"),
        }
        if "all_params" in row:
            row["links"]["all_actual"] = link(row["all_params"], "counted")


def _chart(key: str, rows: list[dict[str, Any]], *, with_target: bool, with_expected: bool = False) -> dict[str, Any]:
    datasets = [
        {"label": _("Verificeret"), "data": [r["verified"] for r in rows], "stack": "actual", "kind": "verified"},
        {"label": _("Registreret"), "data": [r["registered"] for r in rows], "stack": "actual", "kind": "registered"},
    ]
    if with_expected:
        datasets.append(
            {
                "label": _("Forventet til dato"),
                "data": [r["expected"] for r in rows],
                "stack": "expected",
                "kind": "expected",
            }
        )
    if with_target:
        datasets.append(
            {"label": _("Måltal"), "data": [r["target"] for r in rows], "stack": "target", "kind": "target"}
        )
    return {
        "id": f"chart-{key}",
        "table": f"table-{key}",
        "labels": [str(r["label"]) for r in rows],
        "datasets": datasets,
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Target vs actual vs pace for everyone on staff; the steering group sees the same numbers unlinked."""
    programme, programmes = selected_programme(request)
    as_of = selected_as_of(request)
    # One read of each figure for the whole page: the blocks share them (the Vækstpilot figures, the held
    # events and the knowledge share feed both the activity targets and the headline / event blocks).
    ctx = figures_context(programme, as_of=as_of)
    overview = _with_dates(programme_figures(programme, as_of=as_of, ctx=ctx))
    activities = activity_target_figures(programme, as_of=as_of, ctx=ctx)
    linked = can_see_individual_matches(request.user)
    if linked:
        base = reverse("match_list")
        _add_links([overview["totals"], *overview["parts"], *(r for key in TABLES for r in overview[key])],
                   base, programme.slug, as_of)
    # Every table names all three flags, so the template never looks up a missing key (a failed lookup
    # costs Django an exception and a dir() each, per row).
    flags = {"target": False, "municipal": False, "partner": False}
    tables = [
        {**flags, "key": "municipalities", "title": TABLE_TITLES["municipalities"], "rows": overview["municipalities"],
         "target": True, "municipal": True},
        {**flags, "key": "partners", "title": TABLE_TITLES["partners"], "rows": overview["partners"],
         "target": True, "partner": True},
        {**flags, "key": "match_types", "title": TABLE_TITLES["match_types"], "rows": overview["match_types"]},
        {**flags, "key": "levels", "title": TABLE_TITLES["levels"], "rows": overview["levels"]},
        {**flags, "key": "half_years", "title": TABLE_TITLES["half_years"], "rows": overview["half_years"],
         "target": True},
        {**flags, "key": "project_years", "title": TABLE_TITLES["project_years"], "rows": overview["project_years"],
         "target": True},
    ]
    for a in activities:
        a.setdefault("edit_form", None)  # the targets page's; read by the shared activity table
    charts = [
        _chart("municipalities", overview["municipalities"], with_target=True, with_expected=True),
        _chart(
            "partners",
            [r for r in overview["partners"] if r["target"] is not None],
            with_target=True,
            with_expected=True,
        ),
        _chart("match_types", overview["match_types"], with_target=False),
        _chart("levels", overview["levels"], with_target=False),
        _chart("half_years", overview["half_years"], with_target=True, with_expected=True),
        _chart("project_years", overview["project_years"], with_target=True, with_expected=True),
    ]
    charts_by_key = {c["id"].removeprefix("chart-"): c for c in charts}
    for t in tables:
        t["chart"] = charts_by_key[t["key"]]
    return render(
        request,
        "matches/dashboard.html",
        {
            "programme": programme,
            "as_of": as_of,
            "programmes": programmes,
            "overview": overview,
            "headline": headline_figures(programme, overview, ctx=ctx),
            "tables": tables,
            "activities": activities,
            "event_figures": event_figures(programme, as_of=as_of, held_events=held_events(ctx),
                                           knowledge=knowledge(ctx)),
            "charts": charts,
            "linked": linked,
            "basis": programme.basis_dataset,
            "export_tables": [(k, TABLE_TITLES[k]) for k in EXPORT_TABLES],
        },
    )


# --- Export ---------------------------------------------------------------------------------------------


def _progress_columns(*, target: bool) -> list[tuple[str, str]]:
    cols = [("label", _("Navn"))]
    if target:
        cols += [("target", _("Måltal")), ("expected", _("Forventet til dato"))]
    cols += [("registered", _("Registreret")), ("verified", _("Verificeret")), ("actual", _("I alt"))]
    if target:
        cols += [("pct", _("Pct. af måltal")), ("required_per_month", _("Nødvendigt tempo pr. måned"))]
    cols += [("share", _("Andel af alle match (%)"))]
    return cols


def export_table(programme: Programme, table: str, *, as_of: dt.date) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one dashboard table as of `as_of`, as plain values for CSV/XLSX."""
    if table == "activities":
        cols = [
            ("organisation", _("Organisation")),
            ("code", _("Kode")),
            ("title", _("Aktivitetsmål")),
            ("period", _("Projektår")),
            ("unit_label", _("Enhed")),
            ("target", _("Måltal")),
            ("target_max", _("Måltal, øvre")),
            ("actual", _("Opnået")),
            ("share", _("Pct. af måltal")),
            ("source_label", _("Måles ud fra")),
            ("source", _("Kilde")),
        ]
        rows: list[dict[str, Any]] = []
        for r in activity_target_figures(programme, as_of=as_of):
            r["organisation"] = r["organisation_name"] or _("Alle partnere")
            r["period"] = _("hele perioden") if not r["per_project_year"] else r["current_year"]
            rows.append(r)
            for y in r["years"]:  # a per-year target: one line per project year, never a sum
                rows.append({**r, **y, "period": y["label"]})
        return [str(c[1]) for c in cols], [[r[k] for k, _label in cols] for r in rows]

    overview = programme_figures(programme, as_of=as_of)
    if table == "totals":
        rows = [overview["totals"], *overview["parts"]]
        cols = _progress_columns(target=True)
    elif table == "municipalities":
        rows = overview[table]
        cols = [
            ("key", _("Kommunekode")),
            *_progress_columns(target=True),
            ("all_actual", _("Alle match med arbejdssted i kommunen")),
            ("excluded", _("Uden for fordelingen")),
        ]
        for r in rows:
            r["excluded"] = _("ja") if r["excluded"] else _("nej")
    elif table == "partners":
        rows = overview[table]
        cols = [*_progress_columns(target=True), ("target_part_label", _("Måltalsandel"))]
        for r in rows:
            r["target_part_label"] = str(r["target_part_label"])
    elif table in ("half_years", "project_years"):
        rows = overview[table]
        cols = [("key", _("Periode")), *_progress_columns(target=True)]
    else:
        rows = overview[table]
        cols = [("key", _("Kode")), *_progress_columns(target=False)]
    return [str(c[1]) for c in cols], [[_plain(r[k]) for k, _label in cols] for r in rows]


def _csv_cell(value: Any) -> Any:
    """Danish Excel reads ';'-separated files with decimal comma, whatever the page language was."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return value


def _plain(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, int | float | str) else value


@staff_required
def dashboard_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One dashboard table as CSV (semicolon, UTF-8 with BOM, decimal comma: Danish Excel) or XLSX."""
    if table not in EXPORT_TABLES or fmt not in ("csv", "xlsx"):
        raise Http404(_("Ukendt tabel eller format."))
    programme, _programmes = selected_programme(request)
    as_of = selected_as_of(request)
    header, rows = export_table(programme, table, as_of=as_of)
    filename = f"fremdrift-{programme.slug}-{table}-{as_of:%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = safe_csv_writer(buf, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
        response = HttpResponse(buf.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = table[:31]
        ws.append(safe_row(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(safe_row(row))
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
