"""How each activity target is measured: one function per `ActivityTarget.Measure`, each calling the one
function of the module that owns the fact (docs/reports.md, "Figures and their sources").

A measure returns a `Measured`: the figure (a count, or a percentage for percent targets) in total and
per project year, and the numbers behind a percentage. `None` means the platform cannot measure it (yet).
Every measure honours `as_of`: rows dated after the cut-off do not count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from viaviden.cases.selectors import partner_coverage
from viaviden.cohorts.selectors import effect_figures
from viaviden.events.selectors import held_events_measure, knowledge_share_measure
from viaviden.matches.models import ActivityRegistration, ActivityTarget, Programme
from viaviden.matches.progress import activity_match_counts, activity_match_counts_by_year, programme_aggregates
from viaviden.organisations.models import Organisation
from viaviden.vaekstpilot.models import FollowUp
from viaviden.vaekstpilot.selectors import pilot_figures, scheme_rules


def pct(part: float, whole: float | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Measured:
    actual: float | None
    by_year: dict[int, float | None] = field(default_factory=dict)
    numerator: int | None = None  # for percentages: e.g. 9 in ordinary employment …
    denominator: int | None = None  # … of 9 answered follow-ups
    note: str = ""


@dataclass
class Context:
    """What the measures share for one programme and cut-off (read once per call of the figures)."""

    programme: Programme
    as_of: dt.date
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


# The shared reads, each under one key: the measures below, and the dashboard's other blocks through
# reports.figures.figures_context, read each of them once per programme and cut-off.


def match_aggregates(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    return ctx.once("aggregates", lambda: programme_aggregates(ctx.programme, as_of=ctx.as_of))


def vaekstpilot_rules(ctx: Context) -> list[Any]:
    return ctx.once("scheme_rules", scheme_rules)


def pilots(ctx: Context) -> dict[str, Any]:
    return ctx.once("pilots", lambda: pilot_figures(ctx.programme, as_of=ctx.as_of, rules=vaekstpilot_rules(ctx)))


def knowledge(ctx: Context) -> dict[str, Any]:
    return ctx.once("knowledge", lambda: knowledge_share_measure(ctx.programme, as_of=ctx.as_of))


def held_events(ctx: Context) -> list[dict[str, Any]]:
    return ctx.once("events", lambda: held_events_measure(ctx.programme, as_of=ctx.as_of))


def _partner(at: ActivityTarget) -> Organisation | None:
    return at.organisation.partner if at.organisation_id else None


def _organisations(ctx: Context) -> list[Organisation]:
    return ctx.once("orgs", lambda: list(Organisation.objects.select_related("parent__parent__parent")))


def _org_ids_of_partner(ctx: Context, partner: Organisation) -> list[int]:
    by_partner: dict[int, list[int]] = ctx.once("org_ids_by_partner", lambda: _ids_by_partner(_organisations(ctx)))
    return by_partner.get(partner.pk, [])


def _ids_by_partner(orgs: list[Organisation]) -> dict[int, list[int]]:
    """Organisation ids per partner (a partner with its units), in the order read."""
    out: dict[int, list[int]] = {}
    for o in orgs:
        out.setdefault(o.partner.pk, []).append(o.pk)
    return out


def _org_ids_under(ctx: Context, root: int) -> list[int]:
    """The organisation and every unit below it, at any depth (as cohorts.selectors reads the tree), from
    the organisations read once."""
    children: dict[int, list[int]] = ctx.once("org_children", lambda: _children(_organisations(ctx)))
    ids, frontier = {root}, [root]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, ()) if c not in ids]
        ids.update(frontier)
    return sorted(ids)


def _children(orgs: list[Organisation]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for o in orgs:
        if o.parent_id is not None:
            out.setdefault(o.parent_id, []).append(o.pk)
    return out


def measure_matches(ctx: Context, at: ActivityTarget) -> Measured:
    """Counted matches of the target's partner (all partners without one), its activities and type group."""
    partner = _partner(at)
    counts = ctx.once("match_counts", lambda: activity_match_counts(ctx.programme, as_of=ctx.as_of,
                                                                    aggregates=match_aggregates(ctx)))
    actual = sum(
        n for (partner_id, activity, group), n in counts.items()
        if (partner is None or partner_id == partner.pk)
        and (not at.match_activities or activity in at.match_activities)
        and (not at.match_type_group or group == at.match_type_group)
    )
    by_year: dict[int, float | None] = {}
    if at.per_project_year:
        by_year = dict(activity_match_counts_by_year(
            ctx.programme, as_of=ctx.as_of, partner=partner.pk if partner else None,
            activities=list(at.match_activities), group=at.match_type_group,
        ))
    return Measured(actual, by_year)


def measure_vaekstpilot_granted(ctx: Context, at: ActivityTarget) -> Measured:
    granted = pilots(ctx)["granted"]
    return Measured(sum(granted.values()), dict(granted))


def measure_vaekstpilot_started(ctx: Context, at: ActivityTarget) -> Measured:
    started = pilots(ctx)["started"]
    return Measured(sum(started.values()), dict(started))


def measure_vaekstpilot_retention(ctx: Context, at: ActivityTarget) -> Measured:
    """Share in ordinary employment (same or another company) among the end-of-pilot follow-ups due and
    answered by the cut-off; those not yet due are shown apart."""
    f = pilots(ctx)[FollowUp.Kind.END]
    return Measured(f["share"], numerator=f["retained"], denominator=f["asked"],
                    note=_("%(open)s opfølgninger er endnu ikke forfaldne.") % {"open": f["open"]} if f["open"] else "")


def measure_knowledge_share(ctx: Context, at: ActivityTarget) -> Measured:
    k = knowledge(ctx)
    return Measured(pct(k["yes"], k["answered"]), numerator=k["yes"], denominator=k["answered"])


def _events(ctx: Context, at: ActivityTarget) -> tuple[int, int, dict[int, list[int]]]:
    """(events, participants, {project year: [events, participants]}) of the target's event types and
    organiser (the target's partner with its units; any organiser without one)."""
    rows = held_events(ctx)
    partner = _partner(at)
    orgs = set(_org_ids_of_partner(ctx, partner)) if partner else None
    by_year: dict[int, list[int]] = {}
    for r in rows:
        if (at.event_types and r["type"] not in at.event_types) or (orgs is not None and r["organiser_id"] not in orgs):
            continue
        year = by_year.setdefault(r["project_year"], [0, 0])
        year[0] += 1
        year[1] += r["attended"]
    return sum(v[0] for v in by_year.values()), sum(v[1] for v in by_year.values()), by_year


def measure_events_held(ctx: Context, at: ActivityTarget) -> Measured:
    events, _participants, by_year = _events(ctx, at)
    return Measured(events, {y: v[0] for y, v in by_year.items()})


def measure_event_participants(ctx: Context, at: ActivityTarget) -> Measured:
    _events_n, participants, by_year = _events(ctx, at)
    return Measured(participants, {y: v[1] for y, v in by_year.items()})


def measure_case_coverage(ctx: Context, at: ActivityTarget) -> Measured:
    c = ctx.once("coverage", lambda: partner_coverage(as_of=ctx.as_of))
    value = pct(c["covered"], c["partners"]) if at.unit == ActivityTarget.Unit.PERCENT else c["covered"]
    return Measured(value, numerator=c["covered"], denominator=c["partners"])


def measure_cohort_in_work(ctx: Context, at: ActivityTarget) -> Measured:
    """Share in work within 4 months of the course end among the closed participants of the target's
    organisation (cohorts.selectors.effect_figures); those still within the 4 months are shown apart."""
    f = effect_figures(programme=ctx.programme, organisation=at.organisation, as_of=ctx.as_of,
                       organisation_ids=_org_ids_under(ctx, at.organisation_id) if at.organisation_id else None)
    share = f.get("share")
    return Measured(
        None if share is None else round(float(share), 1), numerator=f.get("in_work"), denominator=f.get("closed"),
        note=_("%(open)s deltagere er endnu ikke 4 måneder efter forløbets afslutning.") % {"open": f.get("open", 0)},
    )


def _registrations(ctx: Context) -> dict[int, list[tuple[dt.date, int, int]]]:
    """Manual registrations of the programme dated on or before `as_of`, per target: (date, id, amount)."""
    out: dict[int, list[tuple[dt.date, int, int]]] = {}
    rows = ActivityRegistration.objects.filter(activity_target__programme=ctx.programme, date__lte=ctx.as_of) \
        .order_by().values_list("activity_target_id", "date", "id", "amount")
    for target_id, day, pk, amount in rows:
        out.setdefault(target_id, []).append((day, pk, amount))
    return out


def measure_registrations(ctx: Context, at: ActivityTarget) -> Measured:
    """Manual registrations dated on or before `as_of`: their sum; for a percentage the latest one."""
    regs = ctx.once("registrations", lambda: _registrations(ctx)).get(at.pk, [])
    if at.unit == ActivityTarget.Unit.PERCENT:
        return Measured(float(max(regs)[2]) if regs else None)
    by_year: dict[int, float | None] = {}
    for day, _pk, amount in regs:
        year = ctx.programme.project_year_of(day)
        by_year[year] = (by_year.get(year) or 0) + amount
    return Measured(sum(r[2] for r in regs), by_year)


MEASURES: dict[str, Callable[[Context, ActivityTarget], Measured]] = {
    ActivityTarget.Measure.MATCHES: measure_matches,
    ActivityTarget.Measure.VAEKSTPILOT_GRANTED: measure_vaekstpilot_granted,
    ActivityTarget.Measure.VAEKSTPILOT_STARTED: measure_vaekstpilot_started,
    ActivityTarget.Measure.VAEKSTPILOT_RETENTION: measure_vaekstpilot_retention,
    ActivityTarget.Measure.KNOWLEDGE_SHARE: measure_knowledge_share,
    ActivityTarget.Measure.EVENTS_HELD: measure_events_held,
    ActivityTarget.Measure.EVENT_PARTICIPANTS: measure_event_participants,
    ActivityTarget.Measure.CASE_COVERAGE: measure_case_coverage,
    ActivityTarget.Measure.COHORT_IN_WORK: measure_cohort_in_work,
    ActivityTarget.Measure.REGISTRATIONS: measure_registrations,
}
