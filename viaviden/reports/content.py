"""The content of a status report (SPEC 3.7): one JSON-serialisable structure that every format renders.

A report is a dict with its kind, subject, as-of date, language and a list of sections; a section has
paragraphs, headline figures and tables; a table has columns and rows (plain numbers and strings, never
model objects), an optional chart drawn from its own columns, and for each row the match-list filter
behind its counts (so a coordinator can follow a number to the registrations as of the cut-off).

The figures are THE figures: the match tables come from `reports.figures.programme_figures` and the activity
targets from `reports.figures.activity_target_figures` (what the dashboard, the targets page and
/api/progress show); the other sections call the one function of the module that owns the fact
(`vaekstpilot.selectors.pilot_figures`, `events.selectors.held_events_measure` and `knowledge_share_measure`,
`companies.answer_promise.answer_times_report`, `cases.selectors.partner_coverage` and `coverage`), the same
functions the activity targets' measures call. This module only adds labels, columns and each row's
match-list filter. The as-of date is honoured wherever the source allows it:
- matches: only matches with a start date on or before the cut-off count; pace is measured on it;
- activity targets: as `activity_target_figures` (registrations dated on or before the cut-off, …);
- events: held on or before the cut-off; the answer promise: requests received up to the cut-off;
- Vækstpilot grants, starts, waiting list, subsidy approved and paid, and retention: as of the cut-off
  (funded places and budget are the scheme's quotas);
- cases: published by the cut-off, and in progress then (a case archived since is left out: no archiving
  date is kept).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from viaviden.cases.selectors import coverage, partner_coverage
from viaviden.companies.answer_promise import answer_times_report
from viaviden.events.models import EventType
from viaviden.events.selectors import KNOWLEDGE_TARGET_PCT, held_events_measure, knowledge_share_measure
from viaviden.matches.models import ActivityTarget, Match, Programme
from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality
from viaviden.vaekstpilot.selectors import pilot_figures, vaekstpilot_figures

from .figures import activity_target_figures, programme_figures
from .render import fmt_number

SCHEMA_VERSION = 1


class Kind:
    YEARLY = "yearly"
    STEERING = "steering"
    MUNICIPALITY = "municipality"
    PARTNER = "partner"
    ALL = ("yearly", "steering", "municipality", "partner")
    WITH_SUBJECT = ("municipality", "partner")


def kind_label(kind: str) -> str:
    return {
        Kind.YEARLY: _("Årlig status til KKR Nordjylland og BRN"),
        Kind.STEERING: _("Styregruppens fremdriftsoversigt"),
        Kind.MUNICIPALITY: _("Kommuneark"),
        Kind.PARTNER: _("Partnerark"),
    }[kind]


# --- Small helpers ---------------------------------------------------------------------------------------


def _pct(part: float | None, whole: float | None) -> float | None:
    return round(100 * part / whole, 1) if part is not None and whole else None


def _col(key: str, label: str, kind: str = "int", *, link: str | None = None) -> dict[str, Any]:
    """A table column; `kind` tells renderers how to format (text, int, pct, dkk, date, bool);
    `link` names the match status whose list the cell links to (counted, registered, verified)."""
    return {"key": key, "label": label, "kind": kind, "link": link}


def _table(key: str, title: str, columns: list[dict[str, Any]], rows: list[dict[str, Any]], *,
           chart: dict[str, Any] | None = None, detail: bool = False, note: str = "") -> dict[str, Any]:
    return {"key": key, "title": title, "columns": columns, "rows": rows, "chart": chart, "detail": detail,
            "note": note}


def _figure(key: str, label: str, value: Any, unit: str = "int") -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "unit": unit}


def _section(key: str, title: str, *, paragraphs: Iterable[str] = (), figures: Iterable[dict] = (),
             tables: Iterable[dict] = (), basis: str = "cut_off") -> dict[str, Any]:
    """`basis`: "cut_off" when the section's figures are as of the report's date, "generated" when the
    source can only tell the state at the time the report was made."""
    return {"key": key, "title": title, "paragraphs": list(paragraphs), "figures": list(figures),
            "tables": list(tables), "basis": basis}


# --- Matches as of the cut-off: reports.figures.programme_figures ----------------------------------------

_ROW_KEYS = ("key", "label", "target", "registered", "verified", "actual", "pct", "expected", "on_track",
             "projection", "required_per_month", "share")


def _values(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A row of programme_figures as a report row's values (the same numbers, plain data)."""
    return {**{k: row.get(k) for k in _ROW_KEYS}, **extra}


def _match_progress(programme: Programme, *, as_of: dt.date, municipality: str | None = None,
                    partner: Organisation | None = None) -> dict[str, Any]:
    """The report's match tables, every number taken from `programme_figures` (the function the dashboard,
    the targets page and /api/progress show); this only adds labels and each row's match-list filter."""
    f = programme_figures(programme, as_of=as_of, municipality=municipality, partner=partner)
    return {
        "figures": f,
        "period": f["period"],
        "totals": {"values": _values(f["totals"], label=_("I alt")), "filter": {}},
        "parts": [{"values": _values(r, key=str(r["key"]), label=str(r["label"])),
                   "filter": {"target_part": str(r["key"])}} for r in f["parts"]],
        "outside_aalborg": {k: f["outside_aalborg"][k] for k in ("count", "total", "pct")},
        "municipalities": [
            {"values": _values(r, all_actual=r["all_actual"], excluded=r["excluded"]),
             "filter": {"municipality": r["key"], "target_part": Organisation.TargetPart.MUNICIPAL}}
            for r in f["municipalities"] if municipality is None or r["key"] == municipality
        ],
        "partners": [
            {"values": _values(r, key=r["slug"], target_part=str(r["target_part_label"])),
             "filter": {"partner": r["slug"]}}
            for r in f["partners"]
        ],
        "match_types": [{"values": _values(r, group=str(r["group_label"])), "filter": {"match_type": r["key"]}}
                        for r in f["match_types"]],
        "levels": [{"values": _values(r), "filter": {"level": r["key"]}} for r in f["levels"]],
        "project_years": [{"values": _values(r), "filter": {"project_year": r["key"]}} for r in f["project_years"]],
    }


# --- Activity targets: reports.figures.activity_target_figures -------------------------------------------


def _activity_targets(programme: Programme, *, as_of: dt.date,
                      partners: set[str] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every activity target with its measure, source and figure as of the cut-off, and the per-project-year
    rows of the per-year targets, all from `activity_target_figures` (what the dashboard, the targets page
    and /api/progress show). `partners`: only the targets of these partners (slugs). Rows measured from
    matches link to the match list."""
    rows = [r for r in activity_target_figures(programme, as_of=as_of)
            if partners is None or r["partner"] in partners]
    activities = dict(ActivityTarget.objects.filter(programme=programme).values_list("pk", "match_activities"))
    out, years = [], []
    for r in rows:
        filt: dict[str, Any] | None = None
        if r["measure"] == ActivityTarget.Measure.MATCHES:
            acts = activities.get(r["id"]) or []
            filt = {"partner": r["partner"]} if r["partner"] else {}
            if len(acts) == 1:
                filt["activity"] = acts[0]
            elif len(acts) > 1:
                filt = None  # the match list filters one activity at a time
        target_text = f"{r['target']}–{r['target_max']}" if r["target_max"] else str(r["target"])
        values = {
            "code": r["code"],
            "organisation": r["organisation_name"] or _("Alle partnere"),
            "title": r["title"],
            "unit": r["unit_label"],
            "target": target_text,
            "actual": r["actual"],
            "pct": r["share"],
            "numerator": r["numerator"],
            "denominator": r["denominator"],
            "measure": r["source_label"],
            "source": r["source"],
            "current_year": r["current_year"],
            "note": r["note"],
        }
        out.append({"values": values, "filter": filt})
        for y in r["years"]:
            years.append({"values": {"code": r["code"], "title": r["title"], "year": y["label"],
                                     "target": y["target"], "actual": y["actual"], "pct": y["share"],
                                     "met": y["met"]}, "filter": None})
    return out, years


# --- Other domains: each figure from the module that owns it ----------------------------------------------


def _vaekstpilot(programme: Programme, *, as_of: dt.date) -> dict[str, Any]:
    """Grants, started pilots and retention as of the cut-off (vaekstpilot.selectors.pilot_figures, the
    function the Vækstpilot activity targets measure with); the waiting list and the subsidy approved and paid
    against the funded budget as of the cut-off too (vaekstpilot.selectors.vaekstpilot_figures, the
    dashboard's); funded places and budget are the scheme's configuration."""
    p = pilot_figures(programme, as_of=as_of)
    f = vaekstpilot_figures(programme, as_of=as_of)
    return {
        "granted": sum(p["granted"].values()), "started": sum(p["started"].values()),
        "end": p["end"], "later": p["later"], "target_pct": p["target_pct"],
        **{k: f[k] for k in ("waiting", "funded_pilots", "target_min", "funded_amount_ore", "approved_ore",
                             "paid_ore", "spent_pct")},
    }


def _events(programme: Programme, *, as_of: dt.date, partner_ids: set[int] | None = None,
            org_ids: list[int] | None = None) -> dict[str, Any]:
    """Events held up to the cut-off and participants who attended (events.selectors.held_events_measure,
    the rows the events activity targets count) and the companies' knowledge share
    (events.selectors.knowledge_share_measure); on a partner or municipality sheet (`partner_ids`, and
    `org_ids`: those partners with all their units) the events they organised and the share from them."""
    rows = held_events_measure(programme, as_of=as_of)
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={r["organiser_id"] for r in rows})
            .select_related("parent__parent")}
    if partner_ids is not None:
        rows = [r for r in rows if orgs[r["organiser_id"]].partner.pk in partner_ids]
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_partner: dict[str, list] = {}
    for r in rows:
        by_type[r["type"]][0] += 1
        by_type[r["type"]][1] += r["attended"]
        p = orgs[r["organiser_id"]].partner
        entry = by_partner.setdefault(p.slug, [p.name, 0, 0])
        entry[1] += 1
        entry[2] += r["attended"]
    k = knowledge_share_measure(programme, as_of=as_of, organisers=org_ids)
    labels = dict(EventType.choices)
    return {
        "held": len(rows),
        "participants": sum(r["attended"] for r in rows),
        "by_type": [(code, str(labels[code]), *by_type[code]) for code in EventType.values if code in by_type],
        "by_partner": sorted(((slug, *v) for slug, v in by_partner.items()), key=lambda r: (-r[2], r[1])),
        "knowledge_pct": _pct(k["yes"], k["answered"]),
        "knowledge_answered": k["answered"],
        "knowledge_yes": k["yes"],
        "knowledge_target_pct": KNOWLEDGE_TARGET_PCT,
    }


def _answer_promise(programme: Programme, *, as_of: dt.date, org_ids: list[int] | None = None) -> dict[str, Any]:
    """Company needs and referrals received in the period up to the cut-off: answered within the
    deadline, median working days to the answer, per organisation that must answer."""
    rows = answer_times_report(programme.start_date, min(as_of, programme.end_date), org_ids=org_ids, today=as_of)

    def plain(r) -> dict[str, Any]:
        return {"label": r.label if r.organisation is not None else _("I alt"), "received": r.received,
                "answered": r.answered, "within_deadline": r.within_deadline,
                "within_pct": r.within_deadline_share,
                "median_days": float(r.median_days) if r.median_days is not None else None,
                "open": r.open, "overdue": r.overdue}

    return {"rows": [plain(r) for r in rows[:-1]], "total": plain(rows[-1])}


def _partner_coverage(*, as_of: dt.date, partner_slug: str | None = None) -> dict[str, int]:
    """Partners with a case published by the cut-off (cases.selectors.partner_coverage, the case-coverage
    activity target's measure); for a partner sheet: that partner only."""
    return partner_coverage(as_of=as_of, only=partner_slug)


def _case_coverage(*, as_of: dt.date, partner_slug: str | None = None,
                   municipality: str | None = None) -> dict[str, Any]:
    """Success stories per partner and municipality as of the cut-off: published by then, and in progress
    then (the case platform's coverage report, cases.selectors.coverage)."""

    tables = {t.dimension: t for t in coverage(as_of=as_of)}
    out: dict[str, Any] = {}
    for dim in ("partner", "municipality"):
        t = tables[dim]
        rows = t.rows
        if partner_slug and dim == "partner":
            rows = [r for r in rows if r.key == partner_slug]
        if municipality and dim == "municipality":
            rows = [r for r in rows if r.key == municipality]
        out[dim] = {"covered": sum(1 for r in rows if not r.missing), "total": len(rows),
                    "rows": [(r.key, r.label, r.published, r.in_progress) for r in rows]}
    return out


# --- Assembling the report -------------------------------------------------------------------------------


def _progress_columns(*, target: bool, pace: bool = True) -> list[dict[str, Any]]:
    cols = [_col("label", _("Navn"), "text")]
    if target:
        cols.append(_col("target", _("Måltal")))
    cols += [_col("registered", _("Registreret"), link="registered"),
             _col("verified", _("Verificeret"), link="verified"),
             _col("actual", _("I alt"), link="counted")]
    if target:
        cols.append(_col("pct", _("Pct. af måltal"), "pct"))
        if pace:
            cols += [_col("expected", _("Forventet efter jævn plan")),
                     _col("projection", _("Fremskrivning til periodens slut")),
                     _col("required_per_month", _("Nødvendigt tempo pr. måned"), "decimal")]
    if not target:
        cols.append(_col("share", _("Andel af match (%)"), "pct"))
    return cols


def _chart(series: list[str], *, label: str = "label") -> dict[str, Any]:
    return {"kind": "bar", "label": label, "series": series}


def resolve_subject(kind: str, subject: str | None) -> dict[str, Any] | None:
    """The subject of a municipality or partner sheet, from a municipality code or name, or an
    organisation slug. Raises ValueError with a message for people."""
    if kind not in Kind.WITH_SUBJECT:
        if subject:
            raise ValueError(_("Rapporttypen %(kind)s har intet emne.") % {"kind": kind})
        return None
    if not subject:
        raise ValueError(_("Angiv kommunekode eller partner (--subject) for et kommune- eller partnerark."))
    if kind == Kind.MUNICIPALITY:
        m = (Municipality.objects.filter(code=subject).first()
             or Municipality.objects.filter(name__iexact=subject).first())
        if m is None:
            raise ValueError(_("Ukendt kommune: %(s)s") % {"s": subject})
        return {"type": "municipality", "code": m.code, "name": m.name}
    org = Organisation.objects.filter(slug=subject).first()
    if org is None:
        raise ValueError(_("Ukendt partner: %(s)s") % {"s": subject})
    partner = org.partner
    return {"type": "partner", "code": partner.slug, "name": partner.name}


def build_report(*, kind: str, as_of: dt.date, subject: str | None = None, language: str = "da",
                 programme: Programme | None = None, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole report as plain data (see module docstring). `changes` is what changed since the last
    issued report of the same kind and subject (services.changes_since); None when there is none."""
    if kind not in Kind.ALL:
        raise ValueError(_("Ukendt rapporttype: %(kind)s") % {"kind": kind})
    with translation.override(language):
        programme = programme or _programme_on(as_of)
        subj = resolve_subject(kind, subject)
        return _build(kind=kind, as_of=as_of, subj=subj, language=language, programme=programme, changes=changes)


def _programme_on(as_of: dt.date) -> Programme:
    p = (Programme.objects.filter(start_date__lte=as_of, end_date__gte=as_of).order_by("-start_date").first()
         or Programme.objects.filter(start_date__lte=as_of).order_by("-end_date").first()
         or Programme.objects.filter(is_current=True).first())
    if p is None:
        raise ValueError(_("Der er ingen programperiode for %(d)s.") % {"d": as_of.isoformat()})
    return p


def _build(*, kind: str, as_of: dt.date, subj: dict[str, Any] | None, language: str, programme: Programme,
           changes: dict[str, Any] | None) -> dict[str, Any]:
    municipality = subj["code"] if subj and subj["type"] == "municipality" else None
    partner = Organisation.objects.get(slug=subj["code"]) if subj and subj["type"] == "partner" else None
    scoped = subj is not None
    mp = _match_progress(programme, as_of=as_of, municipality=municipality, partner=partner)
    base_filter = {"programme": programme.slug, "start_date_to": as_of.isoformat()}
    if municipality:
        base_filter["municipality"] = municipality
    if partner is not None:
        base_filter["partner"] = partner.slug

    def with_base(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for r in rows:
            if r.get("filter") is not None:
                r["filter"] = {**base_filter, **r["filter"]}
        return rows

    totals = mp["totals"]["values"]
    sections = []

    # 1. Headline
    headline_figs = [
        _figure("actual", _("Match i alt pr. opgørelsesdato"), totals["actual"]),
        _figure("target", _("Måltal"), totals["target"]),
        _figure("pct", _("Pct. af måltal"), totals["pct"], "pct"),
        _figure("expected", _("Forventet efter jævn plan"), totals["expected"]),
        _figure("projection", _("Fremskrivning til periodens slut"), totals["projection"]),
        _figure("verified", _("Heraf verificeret"), totals["verified"]),
        _figure("outside_aalborg_pct", _("Andel uden for Aalborg Kommune"), mp["outside_aalborg"]["pct"], "pct"),
        _figure("elapsed_pct", _("Forløbet af programperioden"), mp["period"]["elapsed_pct"], "pct"),
    ]
    if municipality:
        # A municipality's target is its municipal part: municipal registrations with the workplace there.
        m_row = mp["municipalities"][0]["values"]
        for f in headline_figs:
            if f["key"] in ("actual", "target", "pct", "expected", "projection"):
                f["value"] = m_row[f["key"]]
        headline_figs[0]["label"] = _("Match i den kommunale andel med arbejdssted i kommunen")
        headline_figs.insert(1, _figure("all_actual", _("Alle match med arbejdssted i kommunen"), totals["actual"]))
    pace_text = _pace_text(mp["municipalities"][0]["values"] if municipality else totals, mp["period"])
    sections.append(_section(
        "summary", _("Hovedtal"), paragraphs=[pace_text], figures=headline_figs,
        tables=[_table("totals", _("Måltal og fremdrift"), _progress_columns(target=True),
                       with_base([mp["totals"], *([] if scoped else mp["parts"])]))],
    ))

    # 2. By municipality / partner / type / level / project year
    tables = []
    if not partner or mp["municipalities"]:
        cols = [*_progress_columns(target=True),
                _col("all_actual", _("Alle match med arbejdssted i kommunen")),
                _col("excluded", _("Uden for fordelingen"), "bool")]
        if partner is None:
            tables.append(_table("municipalities", _("Kommuner (kommunal andel, efter arbejdsstedets kommune)"), cols,
                                 with_base(mp["municipalities"]), chart=_chart(["actual", "expected", "target"])))
    tables.append(_table("partners", _("Partnere (efter registrerende partner)"),
                         [*_progress_columns(target=True), _col("target_part", _("Måltalsandel"), "text")],
                         with_base(mp["partners"]), chart=_chart(["actual", "target"])))
    tables.append(_table("match_types", _("Matchtyper"),
                         [*_progress_columns(target=False), _col("group", _("Gruppe"), "text")],
                         with_base(mp["match_types"]), chart=_chart(["actual"])))
    tables.append(_table("levels", _("Uddannelsesniveauer"), _progress_columns(target=False),
                         with_base(mp["levels"]), chart=_chart(["actual"])))
    tables.append(_table("project_years", _("Projektår (juli–juni)"), _progress_columns(target=True),
                         with_base(mp["project_years"]), chart=_chart(["actual", "expected", "target"])))
    sections.append(_section("matches", _("Match fordelt på kommune, partner, type, niveau og projektår"),
                             tables=tables))

    # 3. Activity targets
    partner_ids = None
    if partner is not None:
        partner_ids = {partner.pk}
    elif municipality:
        partner_ids = set(Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY,
                                                      municipality_id=municipality).values_list("pk", flat=True))
    partner_slugs = (set(Organisation.objects.filter(pk__in=partner_ids).values_list("slug", flat=True))
                     if partner_ids is not None else None)
    acts, act_years = _activity_targets(programme, as_of=as_of, partners=partner_slugs)
    acts = with_base(acts)
    for r in acts:  # activity targets count the whole programme's matches of their partner
        if r["filter"] is not None:
            r["filter"].pop("municipality", None)
    sections.append(_section(
        "activities", _("Aktivitetsmål"),
        paragraphs=[_("Hvert aktivitetsmål med sin kilde og hvordan det måles: fra matchregistret eller fra "
                      "partnernes registreringer dateret senest på opgørelsesdatoen.")],
        tables=[
            _table("activities", _("Aktivitetsmål"), [
                _col("organisation", _("Organisation"), "text"), _col("title", _("Aktivitetsmål"), "text"),
                _col("unit", _("Enhed"), "text"), _col("target", _("Måltal"), "text"),
                _col("actual", _("Opnået"), link="counted"), _col("pct", _("Pct. af måltal"), "pct"),
                _col("numerator", _("Tæller")), _col("denominator", _("Nævner")),
                _col("current_year", _("Projektår"), "text"),
                _col("measure", _("Måles fra"), "text"), _col("source", _("Kilde"), "text"),
                _col("note", _("Bemærkning"), "text"),
            ], acts),
            _table("activity_years", _("Aktivitetsmål pr. projektår"), [
                _col("title", _("Aktivitetsmål"), "text"), _col("year", _("Projektår"), "text"),
                _col("target", _("Måltal")), _col("actual", _("Opnået")), _col("pct", _("Pct. af måltal"), "pct"),
                _col("met", _("Nået"), "bool"),
            ], act_years),
        ],
    ))

    # 4. Vækstpilot (programme-wide)
    if not scoped:
        vp = _vaekstpilot(programme, as_of=as_of)
        sections.append(_section(
            "vaekstpilot", _("Nordjysk Vækstpilot"),
            paragraphs=[_("Bevillinger, startede forløb, venteliste, godkendt og udbetalt tilskud og fastholdelse "
                          "pr. opgørelsesdatoen fra Vækstpilot-modulet (de samme tal som aktivitetsmålene og "
                          "fremdriftsoversigten); fastholdelsen er andelen i ordinær beskæftigelse blandt de "
                          "forfaldne og besvarede opfølgninger, og opfølgninger, der endnu ikke er forfaldne, vises "
                          "for sig. Finansierede forløb og budget er ordningens kvoter.")],
            figures=[
                _figure("granted", _("Bevilgede forløb"), vp["granted"]),
                _figure("started", _("Startede forløb"), vp["started"]),
                _figure("waiting", _("På venteliste"), vp["waiting"]),
                _figure("funded_pilots", _("Finansierede forløb"), vp["funded_pilots"]),
                _figure("target_min", _("Mål for antal forløb"), vp["target_min"]),
                _figure("retention_end_pct", _("I ordinær beskæftigelse ved afslutning"), vp["end"]["share"], "pct"),
                _figure("retention_end_asked", _("Besvarede opfølgninger ved afslutning"), vp["end"]["asked"]),
                _figure("retention_end_open", _("Opfølgninger ved afslutning, endnu ikke forfaldne"),
                        vp["end"]["open"]),
                _figure("retention_later_pct", _("I ordinær beskæftigelse måneder efter"), vp["later"]["share"], "pct"),
                _figure("retention_later_asked", _("Besvarede opfølgninger måneder efter"), vp["later"]["asked"]),
                _figure("retention_later_open", _("Opfølgninger måneder efter, endnu ikke forfaldne"),
                        vp["later"]["open"]),
                _figure("retention_target_pct", _("Mål for fastholdelse"), vp["target_pct"], "pct"),
                _figure("funded_amount", _("Finansieret budget (kr.)"), vp["funded_amount_ore"] // 100, "dkk"),
                _figure("approved_amount", _("Godkendt tilskud (kr.)"), vp["approved_ore"] // 100, "dkk"),
                _figure("paid_amount", _("Udbetalt tilskud (kr.)"), vp["paid_ore"] // 100, "dkk"),
                _figure("spent_pct", _("Forbrug af budget"), vp["spent_pct"], "pct"),
            ],
        ))

    # 5. Events (a sheet: the organisations of its partners, each with all its units)
    org_ids = None
    if partner_ids is not None:
        org_ids = list(Organisation.objects.filter(Q(pk__in=partner_ids) | Q(parent_id__in=partner_ids)
                                                   | Q(parent__parent_id__in=partner_ids)).values_list("pk", flat=True))
    ev = _events(programme, as_of=as_of, partner_ids=partner_ids, org_ids=org_ids)
    sections.append(_section(
        "events", _("Arrangementer, deltagere og vidensandel"),
        figures=[
            _figure("held", _("Afholdte arrangementer"), ev["held"]),
            _figure("participants", _("Deltagere (mødt op)"), ev["participants"]),
            _figure("knowledge_pct", _("Virksomheder der har fået ny viden"), ev["knowledge_pct"], "pct"),
            _figure("knowledge_answered", _("Besvarede opfølgninger fra virksomheder"), ev["knowledge_answered"]),
            _figure("knowledge_target_pct", _("Mål for vidensandel"), ev["knowledge_target_pct"], "pct"),
        ],
        tables=[
            _table("events_by_type", _("Afholdte arrangementer efter type"),
                   [_col("label", _("Type"), "text"), _col("events", _("Arrangementer")),
                    _col("participants", _("Deltagere"))],
                   [{"values": {"key": k, "label": lb, "events": e, "participants": p}, "filter": None}
                    for k, lb, e, p in ev["by_type"]], chart=_chart(["events", "participants"])),
            _table("events_by_partner", _("Afholdte arrangementer efter arrangerende partner"),
                   [_col("label", _("Partner"), "text"), _col("events", _("Arrangementer")),
                    _col("participants", _("Deltagere"))],
                   [{"values": {"key": k, "label": lb, "events": e, "participants": p}, "filter": None}
                    for k, lb, e, p in ev["by_partner"]]),
        ],
    ))

    # 6. Answer promise
    ap = _answer_promise(programme, as_of=as_of, org_ids=org_ids)
    ap_cols = [_col("label", _("Organisation"), "text"), _col("received", _("Modtaget")),
               _col("answered", _("Besvaret")), _col("within_deadline", _("Besvaret til tiden")),
               _col("within_pct", _("Andel besvaret til tiden"), "pct"),
               _col("median_days", _("Median svartid (arbejdsdage)"), "decimal"),
               _col("open", _("Åbne")), _col("overdue", _("Over fristen"))]
    sections.append(_section(
        "answer_promise", _("Svarløftet til virksomhederne"),
        figures=[
            _figure("received", _("Henvendelser modtaget"), ap["total"]["received"]),
            _figure("within_pct", _("Andel besvaret inden for fristen"), ap["total"]["within_pct"], "pct"),
            _figure("median_days", _("Median svartid (arbejdsdage)"), ap["total"]["median_days"], "decimal"),
        ],
        tables=[_table("answer_promise", _("Svartider efter organisation"), ap_cols,
                       [{"values": r, "filter": None} for r in [*ap["rows"], ap["total"]]])],
    ))

    # 7. Case coverage
    cov = _case_coverage(as_of=as_of, partner_slug=partner.slug if partner else None, municipality=municipality)
    pcov = _partner_coverage(as_of=as_of, partner_slug=partner.slug if partner else None)
    cov_rows = [{"values": {"key": k, "label": lb, "published": p, "in_progress": ip,
                            "dimension": str(dim_label)}, "filter": None}
                for dim, dim_label in (("partner", _("Partner")), ("municipality", _("Kommune")))
                for k, lb, p, ip in cov[dim]["rows"]]
    sections.append(_section(
        "cases", _("Casedeling: dækning"),
        figures=[
            _figure("partners_covered", _("Partnere med mindst én offentliggjort case"), pcov["covered"]),
            _figure("partners_total", _("Partnere i alt"), pcov["partners"]),
            _figure("municipalities_covered", _("Kommuner med mindst én offentliggjort case"),
                    cov["municipality"]["covered"]),
            _figure("municipalities_total", _("Kommuner i alt"), cov["municipality"]["total"]),
        ],
        tables=[_table("case_coverage", _("Cases efter partner og kommune"), [
            _col("dimension", _("Dimension"), "text"), _col("label", _("Navn"), "text"),
            _col("published", _("Offentliggjort")), _col("in_progress", _("Under arbejde"))], cov_rows)],
    ))

    # 8. Changes since the last issued report
    if changes is not None:
        sections.append(_changes_section(changes))

    # 9. Methods
    sections.append(_section("methods", _("Metode"), paragraphs=_methods(programme)))

    if kind == Kind.STEERING:
        # The steering group's overview: progress, pace, activity targets and what changed; no case table.
        keep = ("summary", "matches", "activities", "vaekstpilot", "events", "answer_promise", "cases", "changes",
                "methods")
        sections = [s for s in sections if s["key"] in keep]
        for s in sections:
            if s["key"] == "cases":
                s["tables"] = []

    title = kind_label(kind) + (f": {subj['name']}" if subj else "")
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "kind_label": kind_label(kind),
        "subject": subj,
        "as_of": as_of.isoformat(),
        "language": language,
        "title": title,
        "programme": {"slug": programme.slug, "name": programme.name,
                      "start": programme.start_date.isoformat(), "end": programme.end_date.isoformat(),
                      "total_target": programme.total_target},
        "synthetic_data": Match.objects.filter(programme=programme, is_synthetic=True).exists(),
        "sections": sections,
    }


def _pace_text(totals: dict[str, Any], period: dict[str, Any]) -> str:
    if totals["target"] is None:
        return _("Der er intet måltal for dette emne; tallene viser registreringerne pr. opgørelsesdatoen.")
    return _(
        "Pr. opgørelsesdatoen er %(elapsed)s %% af programperioden gået. Med en jævn plan ville "
        "%(expected)s af %(target)s match være nået; der er %(actual)s. Fortsætter tempoet, ender perioden på "
        "%(projection)s match."
    ) % {"elapsed": _num(period["elapsed_pct"]), "expected": _num(totals["expected"]),
         "target": _num(totals["target"]), "actual": _num(totals["actual"]),
         "projection": _num(totals["projection"])}


def _num(value: Any) -> str:
    return fmt_number(value)


def _changes_section(changes: dict[str, Any]) -> dict[str, Any]:
    kinds = (("late", _("Sene registreringer")), ("rejected", _("Afviste match")),
             ("merged", _("Sammenlagte dubletter")))
    summary = [{"values": {"key": k, "label": label, "count": len(changes[k]),
                           "effect": changes["effect"][k]}, "filter": None} for k, label in kinds]
    detail = [{"values": {"change": label, **row}, "filter": None} for k, label in kinds for row in changes[k]]
    return _section(
        "changes", _("Ændringer siden sidst udstedte rapport"),
        paragraphs=[_("Sammenlignet med rapport nr. %(id)s (opgjort pr. %(as_of)s, udstedt %(issued)s): match "
                      "dateret senest på den opgørelsesdato, som er registreret, afvist eller lagt sammen efter "
                      "udstedelsen.") % {"id": changes["since"]["id"], "as_of": changes["since"]["as_of"],
                                         "issued": changes["since"]["issued_at"]}],
        tables=[
            _table("changes", _("Ændringer i alt"), [
                _col("label", _("Ændring"), "text"), _col("count", _("Antal")),
                _col("effect", _("Virkning på tallet i den udstedte rapport"))], summary),
            _table("changes_detail", _("Ændrede registreringer"), [
                _col("change", _("Ændring"), "text"), _col("match", _("Match-id"), "text"),
                _col("start_date", _("Startdato"), "date"), _col("match_type", _("Matchtype"), "text"),
                _col("partner", _("Partner"), "text"), _col("municipality", _("Kommune"), "text"),
                _col("at", _("Tidspunkt"), "text")], detail, detail=True),
        ],
    )


def _methods(programme: Programme) -> list[str]:
    basis = programme.basis_dataset
    basis_text = (
        _("Den kommunale andel er fordelt efter %(label)s (%(source)s, %(year)s) med største-rest-metoden.")
        % {"label": basis.label, "source": basis.source, "year": basis.year}
        if basis else _("Der er intet fordelingsgrundlag indlæst.")
    )
    return [
        _("Et match tæller, når det er registreret eller verificeret og ikke afvist, og når dets startdato ligger "
          "senest på opgørelsesdatoen. Det tæller én gang for programmet og for den partner, der registrerede "
          "det; en kommunes jobcenter, erhvervskontor og enheder tæller som kommunen."),
        _("Dubletter (samme person, virksomhed og matchtype med start inden for %(days)s dage) lægges sammen ved "
          "registreringen: matchet tæller én gang, og de øvrige partnere står som bidragydere.")
        % {"days": programme.duplicate_window_days},
        _("Match registreret af kommunale organisationer udgør den kommunale andel og tæller for kommunen, hvor "
          "virksomhedens arbejdssted ligger.") + " " + basis_text,
        _("Forventet efter jævn plan er måltallet gange den andel af periodens dage, der er gået; fremskrivningen "
          "er det opnåede delt med den forløbne andel. Projektårenes måltal er det samlede måltal fordelt efter "
          "dagene i hvert år."),
        _("Udstedte rapporter fryses: tallene gemmes med en SHA-256 af deres JSON og kan genudskrives uændret. "
          "En ny rapport viser, hvad der er ændret siden den sidst udstedte af samme slags."),
    ]
