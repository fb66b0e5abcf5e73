"""Progress towards the programme's targets (SPEC 3.1 "Progress"): read-only selectors over Match.

Attribution rule
----------------
- Every match that is not rejected counts once towards the programme total (registered and verified
  alike; the two are shown side by side). Duplicates were merged at registration, so a match that
  several partners reported is still one match; contributing partners do not count it again.
- It counts for the partner that registered it (``Match.partner``): a municipality's jobcentre,
  business office and units (such as the Central Matching Unit under Jobcenter Aalborg) roll up to
  the municipality.
- The programme total splits in a municipal part (1,400 for Vækst Via Viden 2.0) and a partner part
  (600). A match registered by a municipal organisation (``Match.target_part == "municipal"``) counts
  in the municipal part, for the municipality where the company's workplace is
  (``Match.municipality``) — not for the municipality that registered it. A match registered by AAU,
  UCN or Akademikernes A-kasse (``target_part == "partner"``) counts in the partner part, for that
  partner. Organisations without a target share (``"none"``, e.g. Magistrenes A-kasse) count in the
  total only.
- Outside-Aalborg share = non-rejected matches whose workplace is outside Aalborg Municipality
  (``Match.outside_aalborg``) divided by all non-rejected matches.

Pace: a target is expected to be reached linearly over the period; "expected to date" is the target
times the share of the period's days that have passed (today included), and "required per month" is
what is left divided by the months left. Targets per project year and half-year are the programme
total split by the share of the period's days in each (largest remainder, so they sum exactly).

Every function reads with a fixed number of aggregate queries (``values().annotate(Count)`` on the
stored derived fields), independent of the number of matches, so the dashboard stays fast at 200,000.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel, Municipality

from .models import (
    Match,
    MatchContribution,
    MatchTally,
    MatchTallyActivity,
    MatchTallyKind,
    MatchTallyPlace,
    MatchTallyTime,
    MatchType,
    Programme,
    Target,
)
from .tallies import tallies_kept
from .targets import largest_remainder

DAYS_PER_MONTH = 365.25 / 12
COUNTED = ~Q(status=Match.Status.REJECTED)

# The match aggregates are cached under a fingerprint of the programme's matches: the newest id catches
# every insert (form, API, import, demo), the latest `updated_at` every edit, verification and rejection.
# A deletion of an older match is not seen until the entry expires (matches are rejected, not deleted).
AGGREGATE_CACHE_SECONDS = 600


def _scope(programme: Programme, *, as_of: dt.date | None, municipality: str | None,
           partner: int | None) -> Q:
    """The matches a figure counts: not rejected, started on or before `as_of` (a match whose start date
    is after the cut-off does not count yet), optionally one workplace municipality or one partner."""
    q = COUNTED
    if as_of is not None and as_of < programme.end_date:
        q &= Q(start_date__lte=as_of)
    if municipality is not None:
        q &= Q(municipality_id=municipality)
    if partner is not None:
        q &= Q(partner_id=partner)
    return q


# The four aggregates: their keys (besides the status) and the tally that holds them per start month.
AGGREGATES: dict[str, tuple[type[MatchTally], tuple[str, ...]]] = {
    "main": (MatchTallyPlace, ("municipality_id", "partner_id", "target_part", "outside_aalborg", "status")),
    "kinds": (MatchTallyKind, ("match_type_id", "education_level_id", "status")),
    "times": (MatchTallyTime, ("project_year", "half_year", "status")),
    # Grouped by the type's code, not its group, so the index answers without a join.
    "activities": (MatchTallyActivity, ("partner_id", "activity", "match_type_id")),
}


def _cut(programme: Programme, as_of: dt.date | None) -> dt.date | None:
    return as_of if as_of is not None and as_of < programme.end_date else None


def _scanned(programme: Programme, *, as_of: dt.date | None, municipality: str | None,
             partner: int | None) -> dict[str, list[dict[str, Any]]]:
    """The four aggregates by GROUP BY scans over the programme's counted matches (one pass each)."""
    counted = Match.objects.filter(programme=programme).filter(
        _scope(programme, as_of=as_of, municipality=municipality, partner=partner)).order_by()
    return {name: list(counted.values(*keys).annotate(n=Count("*"))) for name, (_tally, keys) in AGGREGATES.items()}


def _tallied(programme: Programme, *, as_of: dt.date | None) -> dict[str, list[dict[str, Any]]]:
    """The four aggregates of the whole programme from the tallies (matches/models.py, kept by triggers).
    Without a cut-off: the whole-period rows. With one, exactly, whichever reads fewer rows: a cut-off in
    the period's first half sums the months before the cut-off's month; a later one takes the whole period
    minus the months after the cut-off's month. The cut-off's own month comes from the match table (its
    matches up to the cut-off day, or after it). Equal to `_scanned` for every cut-off (tests/test_tallies.py)."""
    cut = _cut(programme, as_of)
    month = cut.replace(day=1) if cut is not None else None
    sign, rest = 1, None
    if cut is not None:
        early = (cut - programme.start_date) * 2 < programme.end_date - programme.start_date
        sign = 1 if early else -1
        span = Q(start_date__gte=month, start_date__lte=cut) if early else Q(
            start_date__gt=cut, start_date__lt=(month + dt.timedelta(days=32)).replace(day=1))
        rest = {
            name: list(Match.objects.filter(COUNTED, span, programme=programme)
                       .order_by().values(*keys).annotate(n=Count("*")))
            for name, (_tally, keys) in AGGREGATES.items()
        }
    data: dict[str, list[dict[str, Any]]] = {}
    for name, (tally, keys) in AGGREGATES.items():
        rows = tally.objects.filter(programme_id=programme.pk).exclude(status=Match.Status.REJECTED)
        sums: dict[tuple, int] = defaultdict(int)
        if month is None:
            parts = [(1, rows.filter(month=MatchTally.ALL_TIME))]
        elif sign == 1:
            parts = [(1, rows.filter(month__gt=MatchTally.ALL_TIME, month__lt=month))]
        else:
            parts = [(1, rows.filter(month=MatchTally.ALL_TIME)), (-1, rows.filter(month__gt=month))]
        for factor, part in parts:
            for r in part.order_by().values_list(*keys).annotate(n=Sum("count")):
                sums[r[:-1]] += factor * r[-1]
        for r in rest[name] if rest is not None else ():
            sums[tuple(r[k] for k in keys)] += sign * r["n"]
        data[name] = [
            {**dict(zip(keys, k, strict=True)), "n": n} for k, n in sorted(sums.items(), key=str) if n
        ]
    return data


def _match_aggregates(programme: Programme, *, as_of: dt.date | None = None, municipality: str | None = None,
                      partner: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """The four aggregates over the programme's non-rejected matches that every progress number comes from,
    cached until a match of the programme changes. The whole programme's come from the tallies (PostgreSQL;
    GROUP BY scans on SQLite); narrowed to
    a municipality (code) or a partner (organisation id) they are GROUP BY scans. `as_of` cuts the matches
    counted (those starting later do not count)."""
    matches = Match.objects.filter(programme=programme)
    # The newest id and the latest change in one round trip (two index-ordered subqueries).
    newest, changed = Programme.objects.filter(pk=programme.pk).annotate(
        newest=Subquery(matches.order_by("-id").values("id")[:1]),
        changed=Subquery(matches.order_by("-updated_at").values("updated_at")[:1]),
    ).values_list("newest", "changed").get()
    cut = _cut(programme, as_of)
    key = (f"viaviden:progress:{programme.pk}:{newest}:{changed.isoformat() if changed else ''}"
           f":{cut.isoformat() if cut else ''}:{municipality or ''}:{partner or ''}")
    data = cache.get(key)
    if data is None:
        if municipality is None and partner is None and tallies_kept():
            data = _tallied(programme, as_of=as_of)
        else:
            data = _scanned(programme, as_of=as_of, municipality=municipality, partner=partner)
        cache.set(key, data, AGGREGATE_CACHE_SECONDS)
    return data


def programme_aggregates(programme: Programme, *, as_of: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The whole programme's four aggregates as of `as_of` (cached, see `_match_aggregates`): read once by a
    page that shows both the overview and the activity targets, and passed to both."""
    return _match_aggregates(programme, as_of=as_of)


REGISTERED, VERIFIED = Match.Status.REGISTERED.value, Match.Status.VERIFIED.value

# The tables of the overview, in display order (also the names used by the export URL).
TABLES = ("municipalities", "partners", "match_types", "levels", "half_years", "project_years")


def _days(start: dt.date, end: dt.date) -> int:
    """Days from start to end, both included (0 if the span is empty)."""
    return max((end - start).days + 1, 0)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _pct(part: float, whole: float | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class _Span:
    """A stretch of the programme period (the whole period, a project year, a half-year) and how much
    of it has passed on `today`."""

    def __init__(self, start: dt.date, end: dt.date, today: dt.date):
        self.start, self.end = start, end
        self.days = _days(start, end)
        self.elapsed_days = _days(start, min(end, today))
        self.remaining_days = self.days - self.elapsed_days

    @property
    def elapsed_share(self) -> float:
        return self.elapsed_days / self.days if self.days else 0.0

    def expected(self, target: int | None) -> int | None:
        return None if target is None else _round_half_up(target * self.elapsed_share)

    def projection(self, actual: int) -> int | None:
        """The actual at the span's end if the rate so far (per elapsed day) continues."""
        return _round_half_up(actual * self.days / self.elapsed_days) if self.elapsed_days else None

    def required_per_month(self, target: int | None, actual: int) -> float | None:
        if target is None or self.remaining_days <= 0:
            return None
        return round(max(target - actual, 0) / (self.remaining_days / DAYS_PER_MONTH), 1)


def _row(
    *,
    key: Any,
    label: str,
    counts: dict[str, int],
    total_actual: int,
    params: dict[str, Any],
    target: int | None = None,
    span: _Span | None = None,
    **extra: Any,
) -> dict[str, Any]:
    registered, verified = counts.get(REGISTERED, 0), counts.get(VERIFIED, 0)
    actual = registered + verified
    expected = span.expected(target) if span is not None else None
    return {
        "key": key,
        "label": label,
        "target": target,
        "registered": registered,
        "verified": verified,
        "actual": actual,
        "expected": expected,
        "pct": _pct(actual, target),
        "projection": span.projection(actual) if span is not None and target is not None else None,
        "required_per_month": span.required_per_month(target, actual) if span is not None else None,
        "on_track": None if expected is None else actual >= expected,
        "share": _pct(actual, total_actual) or 0.0,
        "params": params,
        **extra,
    }


def _by(rows: Iterable[dict[str, Any]], *keys: str) -> dict[Any, dict[str, int]]:
    """Sum `n` of aggregate rows per key (a tuple when several keys) and status."""
    out: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        k = r[keys[0]] if len(keys) == 1 else tuple(r[x] for x in keys)
        out[k][r["status"]] += r["n"]
    return out


def _localised(obj: Any, field: str = "name") -> str:
    lang = (get_language() or "da")[:2]
    return getattr(obj, f"{field}_en" if lang == "en" else f"{field}_da")


def _half_year_span(key: str, programme: Programme, today: dt.date) -> _Span:
    year, half = int(key[:4]), key[-1]
    start = dt.date(year, 1, 1) if half == "1" else dt.date(year, 7, 1)
    end = dt.date(year, 6, 30) if half == "1" else dt.date(year, 12, 31)
    return _Span(max(start, programme.start_date), min(end, programme.end_date), today)


def _project_year_span(year: int, programme: Programme, today: dt.date) -> _Span:
    start = dt.date(year, programme.year_start_month, 1)
    end = dt.date(year + 1, programme.year_start_month, 1) - dt.timedelta(days=1)
    return _Span(max(start, programme.start_date), min(end, programme.end_date), today)


def programme_half_years(programme: Programme) -> list[str]:
    keys, day = [], programme.start_date
    while day <= programme.end_date:
        keys.append(f"{day.year}-H{1 if day.month <= 6 else 2}")
        day = dt.date(day.year, 7, 1) if day.month <= 6 else dt.date(day.year + 1, 1, 1)
    return keys


def _time_table(
    keys: list[Any],
    counts: dict[Any, dict[str, int]],
    spans: dict[Any, _Span],
    total_target: int | None,
    total_actual: int,
    param: str,
    label,
) -> list[dict[str, Any]]:
    """Rows per project year or half-year with the total target split by the days of the period in each."""
    targets = largest_remainder(total_target, {k: spans[k].days for k in keys}) if total_target is not None else {}
    rows = [
        _row(
            key=k,
            label=label(k),
            counts=counts.get(k, {}),
            total_actual=total_actual,
            params={param: k},
            target=targets.get(k),
            span=spans[k],
        )
        for k in keys
    ]
    for k in sorted(set(counts) - set(keys), key=str):  # outside the period (should not happen)
        rows.append(_row(key=k, label=label(k), counts=counts[k], total_actual=total_actual, params={param: k}))
    return rows


def progress_overview(programme: Programme, *, today: dt.date | None = None, as_of: dt.date | None = None,
                      municipality: str | None = None, partner: int | None = None,
                      aggregates: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Target vs actual vs pace (on `today`) for the programme: headline totals and one table per dimension.
    `as_of` cuts the matches counted (those starting later do not count; reports.figures passes the same
    day as `today`); `municipality` (code) and `partner` (organisation id) narrow them. Narrowed, the
    overview is the scope's: the totals and the project years and half-years measure against the scope's
    target (the municipality's municipal target, the partner's target; none for a partner without one),
    the parts have no target, and the tables list the scope's municipality and the partners counted.
    `aggregates`: `programme_aggregates(programme, as_of=as_of)` when the caller has read them (unscoped only)."""
    today = today or timezone.localdate()
    period = _Span(programme.start_date, programme.end_date, today)
    # Three aggregate scans cover every table; the rest are small reference tables.
    if aggregates is None or municipality is not None or partner is not None:
        aggregates = _match_aggregates(programme, as_of=as_of, municipality=municipality, partner=partner)
    main, kinds, times = aggregates["main"], aggregates["kinds"], aggregates["times"]

    by_status = _by(main, "status")
    total_counts = {s: sum(c.values()) for s, c in by_status.items()}
    total_actual = sum(total_counts.values())
    parts = _by(main, "target_part")
    outside = sum(r["n"] for r in main if r["outside_aalborg"])

    targets = list(Target.objects.filter(programme=programme).select_related("organisation"))
    muni_targets = {t.municipality_id: t for t in targets if t.kind == Target.Kind.MUNICIPALITY}
    partner_targets = {t.organisation_id: t for t in targets if t.kind == Target.Kind.PARTNER}
    excluded = set(programme.excluded_municipalities.values_list("code", flat=True))
    scoped = municipality is not None or partner is not None
    scope_target: int | None = programme.total_target
    if municipality is not None:
        scope_target = muni_targets[municipality].value if municipality in muni_targets else 0
    elif partner is not None:
        scope_target = partner_targets[partner].value if partner in partner_targets else None

    # Municipal part: by workplace municipality, municipal registrations only.
    municipal = _by([r for r in main if r["target_part"] == Organisation.TargetPart.MUNICIPAL], "municipality_id")
    in_municipality = _by(main, "municipality_id")
    municipal_actual = sum(sum(c.values()) for c in municipal.values())
    municipalities = []
    for m in Municipality.objects.order_by("name"):
        t = muni_targets.get(m.code)
        if municipality is not None and m.code != municipality:
            continue
        if t is None and not m.in_region and m.code not in in_municipality:
            continue
        all_counts = in_municipality.get(m.code, {})
        municipalities.append(
            _row(
                key=m.code,
                label=m.name,
                counts=municipal.get(m.code, {}),
                total_actual=municipal_actual,
                params={"municipality": m.code, "target_part": Organisation.TargetPart.MUNICIPAL},
                target=t.value if t else 0,
                span=period,
                excluded=m.code in excluded,
                all_actual=sum(all_counts.values()),
                all_params={"municipality": m.code},
            )
        )

    # By registering partner (rolled up); partner targets for the partner part.
    per_partner = _by(main, "partner_id")
    shown = set(per_partner) | (set() if scoped else set(partner_targets)) | ({partner} if partner else set())
    orgs = Organisation.objects.filter(pk__in=shown).order_by("name")
    part_order = {Organisation.TargetPart.PARTNER: 0, Organisation.TargetPart.MUNICIPAL: 1}
    partners = [
        _row(
            key=o.pk,
            label=o.name,
            counts=per_partner.get(o.pk, {}),
            total_actual=total_actual,
            params={"partner": o.pk},
            target=partner_targets[o.pk].value if o.pk in partner_targets else None,
            span=period,
            target_part=o.target_part,
            target_part_label=o.get_target_part_display(),
            slug=o.slug,
        )
        for o in sorted(orgs, key=lambda o: (part_order.get(o.target_part, 2), o.name))
    ]

    per_type = _by(kinds, "match_type_id")
    match_types = [
        _row(
            key=t.code,
            label=_localised(t),
            counts=per_type.get(t.code, {}),
            total_actual=total_actual,
            params={"match_type": t.code},
            group=t.group,
            group_label=t.get_group_display(),
        )
        for t in MatchType.objects.order_by("order")
    ]
    per_level = _by(kinds, "education_level_id")
    levels = [
        _row(
            key=lv.code,
            label=f"{lv.code} – {_localised(lv)}",
            counts=per_level.get(lv.code, {}),
            total_actual=total_actual,
            params={"level": lv.code},
        )
        for lv in EducationLevel.objects.order_by("order")
    ]

    half_keys = programme_half_years(programme)
    half_years = _time_table(
        half_keys,
        _by(times, "half_year"),
        {k: _half_year_span(k, programme, today) for k in half_keys},
        scope_target,
        total_actual,
        "half_year",
        lambda k: _("%(year)s, %(half)s. halvår") % {"year": k[:4], "half": k[-1]},
    )
    year_keys = programme.project_years()
    project_years = _time_table(
        year_keys,
        _by(times, "project_year"),
        {y: _project_year_span(y, programme, today) for y in year_keys},
        scope_target,
        total_actual,
        "project_year",
        lambda y: f"{y}/{str(y + 1)[-2:]}",
    )

    def part(key: str, target: int | None) -> dict[str, Any]:
        return _row(
            key=key,
            label=str(Organisation.TargetPart(key).label),
            counts=parts.get(key, {}),
            total_actual=total_actual,
            params={"target_part": key},
            target=target,
            span=period,
        )

    totals = _row(
        key="total",
        label=_("Hele programmet"),
        counts=total_counts,
        total_actual=total_actual,
        params={},
        target=scope_target,
        span=period,
    )
    return {
        "programme": programme,
        "today": today,
        "period": {
            "start": programme.start_date,
            "end": programme.end_date,
            "days": period.days,
            "elapsed_days": period.elapsed_days,
            "remaining_days": period.remaining_days,
            "elapsed_pct": round(100 * period.elapsed_share, 1),
            "remaining_months": round(period.remaining_days / DAYS_PER_MONTH, 1),
        },
        "totals": totals,
        "parts": [
            part(Organisation.TargetPart.MUNICIPAL, None if scoped else programme.municipal_target),
            part(Organisation.TargetPart.PARTNER, None if scoped else programme.partner_target),
            part(Organisation.TargetPart.NONE, None),
        ],
        "outside_aalborg": {
            "count": outside,
            "total": total_actual,
            "pct": _pct(outside, total_actual) or 0.0,
            "first_project_pct": 40.0,
        },
        "target_sums": {
            "municipal": sum(t.value for t in muni_targets.values()),
            "partner": sum(t.value for t in partner_targets.values()),
        },
        "municipalities": municipalities,
        "partners": partners,
        "match_types": match_types,
        "levels": levels,
        "half_years": half_years,
        "project_years": project_years,
    }


def activity_match_counts(programme: Programme, *, as_of: dt.date,
                          aggregates: dict[str, list[dict[str, Any]]] | None = None) -> dict[tuple[int, str, str], int]:
    """Counted matches as of `as_of` per (partner id, activity, match-type group): what the activity targets
    measured from matches read (reports/measures.py), from the cached aggregates (`aggregates`:
    `programme_aggregates(programme, as_of=as_of)` when the caller has read them)."""
    groups = dict(MatchType.objects.values_list("code", "group"))
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    if aggregates is None:
        aggregates = _match_aggregates(programme, as_of=as_of)
    for r in aggregates["activities"]:
        counts[(r["partner_id"], r["activity"], groups[r["match_type_id"]])] += r["n"]
    return counts


def activity_match_counts_by_year(programme: Programme, *, as_of: dt.date, partner: int | None,
                                  activities: list[str], group: str) -> dict[int, int]:
    """Counted matches per project year for one activity target measured from matches (per-year targets)."""
    qs = Match.objects.filter(programme=programme).filter(_scope(programme, as_of=as_of, municipality=None,
                                                                 partner=partner))
    if activities:
        qs = qs.filter(activity__in=activities)
    if group:
        qs = qs.filter(match_type__group=group)
    return dict(qs.order_by().values_list("project_year").annotate(n=Count("*")))


def targets_overview(programme: Programme) -> dict[str, Any]:
    """The programme's municipal and partner targets with their basis, for the targets page."""
    targets = list(Target.objects.filter(programme=programme).select_related("municipality", "organisation"))
    excluded = set(programme.excluded_municipalities.values_list("code", flat=True))
    municipal = sorted((t for t in targets if t.kind == Target.Kind.MUNICIPALITY), key=lambda t: t.municipality.name)
    partners = sorted((t for t in targets if t.kind == Target.Kind.PARTNER), key=lambda t: t.organisation.name)
    basis_total = sum(t.basis for t in municipal if t.municipality_id not in excluded)
    partner_basis_total = sum(t.basis for t in partners)
    return {
        "basis": programme.basis_dataset,
        "excluded": excluded,
        "municipal": [
            {
                "target": t,
                "excluded": t.municipality_id in excluded,
                "basis_pct": None if t.municipality_id in excluded else _pct(t.basis, basis_total),
            }
            for t in municipal
        ],
        "partners": [{"target": t, "basis_pct": _pct(t.basis, partner_basis_total)} for t in partners],
        "basis_total": basis_total,
        "municipal_sum": sum(t.value for t in municipal),
        "partner_sum": sum(t.value for t in partners),
        "municipal_computed_sum": sum(t.computed for t in municipal),
        "partner_computed_sum": sum(t.computed for t in partners),
    }


def by_contributing_organisation(programme: Programme, *, as_of: dt.date) -> dict[str, Any]:
    """Matches by contributing organisation (SPEC 3.1: "contributing partners"), so a unit that helps
    others, such as the Central Matching Unit, can report its share ("at least 250 of 613").

    Counted: the programme's non-rejected matches that started on or before `as_of`. Per organisation:
    `registered` = matches it registered (they count for its partner); `contributed` = matches registered by
    another organisation that it helped with or registered again (a merged duplicate); `involved` = the
    sum, each match once per organisation; `share` = involved / all counted matches, in per cent. A match
    with helpers appears under each of them, so the rows do not add up to the total. Two queries."""
    counted = Match.objects.filter(programme=programme, start_date__lte=as_of).filter(COUNTED)
    total = counted.count()
    registered = dict(
        counted.order_by().values("registering_org_id").annotate(n=Count("id")).values_list("registering_org_id", "n")
    )
    contributed: dict[int, dict[str, int]] = defaultdict(lambda: {"contributed": 0, "duplicate": 0})
    rows = (
        MatchContribution.objects.filter(match__in=counted)
        .exclude(role=MatchContribution.Role.REGISTERED)
        .exclude(organisation_id=F("match__registering_org_id"))
        .order_by()
        .values("organisation_id", "role")
        .annotate(n=Count("match_id", distinct=True))
    )
    for row in rows:
        key = "duplicate" if row["role"] == MatchContribution.Role.DUPLICATE else "contributed"
        contributed[row["organisation_id"]][key] += row["n"]
    ids = set(registered) | set(contributed)
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    out = []
    for pk in ids:
        helped = contributed.get(pk, {"contributed": 0, "duplicate": 0})
        n_registered = registered.get(pk, 0)
        n_contributed = helped["contributed"] + helped["duplicate"]
        out.append({
            "organisation": orgs[pk],
            "slug": orgs[pk].slug,
            "name": orgs[pk].name,
            "registered": n_registered,
            "contributed": n_contributed,
            "contributed_as_helper": helped["contributed"],
            "contributed_as_duplicate": helped["duplicate"],
            "involved": n_registered + n_contributed,
            "share": _pct(n_registered + n_contributed, total),
        })
    out.sort(key=lambda r: (-r["involved"], r["name"]))
    return {"programme": programme.slug, "as_of": as_of.isoformat(), "total": total, "rows": out}
