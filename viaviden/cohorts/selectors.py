"""Reads of cohorts: lists with permissions applied, and the measured effect.

The effect (the seed's Jobcenter Aalborg target: "50 % of the 700 offered in work within 4 months")
---------------------------------------------------------------------------------------------------
- A participant's window closes 4 calendar months after the course's end date (end 15-03 → 15-07;
  a shorter month ends on its last day, 31-10 → 28-02).
- As of a date D, a participant is *closed* when the window closed on or before D, and *open* while it
  has not yet closed; only cohorts that have started by D count at all.
- *In work*: closed participants whose outcome is an ordinary job or a job with wage subsidy that started
  on or before the window's end (a job that began during the course counts).
- *Share* = in work / closed, as a percentage with one decimal (None while nothing is closed). Open
  participants are shown apart (with how many of them already have a job), never in the share.
- Closed participants without a registered outcome count as not in work: a missing answer is not a
  success. They are reported as `unregistered` so they can be chased.
- *Offered* = every participant of a cohort that started by D (the seed's "700 offered").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from viaviden.core.dates import add_months
from viaviden.matches.models import Programme
from viaviden.organisations.models import Organisation, User

from .models import WORK_OUTCOMES, Cohort, Participant
from .permissions import visible_cohorts

EFFECT_MONTHS = 4


def window_end(end_date: dt.date, months: int = EFFECT_MONTHS) -> dt.date:
    """The last day a job may start and still count: `months` calendar months after the course ended."""
    return add_months(end_date, months)


def _organisation_ids(organisation: Organisation | str | int) -> list[int]:
    """An organisation (object, slug or id) and the units below it (Jobcenter Aalborg with its Central
    Matching Unit; a municipality with its jobcentre and business office)."""
    if isinstance(organisation, Organisation):
        root = organisation.pk
    elif isinstance(organisation, int) or str(organisation).isdigit():
        root = int(organisation)
    else:
        root = Organisation.objects.filter(slug=organisation).values_list("pk", flat=True).first() or 0
    ids, frontier = {root}, [root]
    while frontier:
        frontier = [c for c in Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                    if c not in ids]
        ids.update(frontier)
    return sorted(ids)


def _empty() -> dict[str, Any]:
    return {"cohorts": 0, "offered": 0, "closed": 0, "in_work": 0, "ordinary_job": 0, "subsidised_job": 0,
            "education": 0, "none": 0, "unregistered": 0, "late_job": 0, "open": 0, "open_in_work": 0}


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["share"] = round(100 * row["in_work"] / row["closed"], 1) if row["closed"] else None
    return row


def _effect_rows(cohorts: QuerySet[Cohort], *, as_of: dt.date, months: int) -> dict[int, dict[str, Any]]:
    """Per organisation id: the effect counts. One query over the participants grouped by cohort and outcome
    (a few hundred groups), plus the cohorts."""
    cohorts = cohorts.filter(start_date__lte=as_of)
    info = {c["id"]: c for c in cohorts.order_by().values("id", "organisation_id", "end_date")}
    out: dict[int, dict[str, Any]] = defaultdict(_empty)
    for c in info.values():
        out[c["organisation_id"]]["cohorts"] += 1
    if not info:
        return out
    groups = (
        Participant.objects.filter(cohort__in=cohorts).order_by()
        .values("cohort_id", "outcome", "outcome_date").annotate(n=Count("id"))
    )
    for g in groups:
        cohort = info[g["cohort_id"]]
        row = out[cohort["organisation_id"]]
        n, outcome, day = g["n"], g["outcome"], g["outcome_date"]
        row["offered"] += n
        deadline = window_end(cohort["end_date"], months)
        working = outcome in WORK_OUTCOMES and day is not None and day <= deadline
        if deadline > as_of:
            row["open"] += n
            if working and day <= as_of:
                row["open_in_work"] += n
            continue
        row["closed"] += n
        if working:
            row["in_work"] += n
            row[outcome] += n
        elif outcome in WORK_OUTCOMES:
            row["late_job"] += n  # a job, but started after the window
        elif outcome:
            row[outcome] += n
        else:
            row["unregistered"] += n
    return out


def effect_figures(*, programme: Programme, organisation: Organisation | str | int | None = None,
                   as_of: dt.date, activity: str | None = None, months: int = EFFECT_MONTHS,
                   organisation_ids: list[int] | None = None) -> dict[str, Any]:
    """The measured effect of a programme's cohorts (of one organisation and its units, or all) as of a date.

    Returns {"in_work", "closed", "open", "share", "offered", "cohorts", "open_in_work", "ordinary_job",
    "subsidised_job", "education", "none", "unregistered", "late_job", "as_of", "months"}; `share` is the
    percentage in work among the closed (one decimal) or None. See the module docstring for the definition.
    Two queries over cohorts and participants (plus the organisation tree), whatever their number.
    `organisation_ids`: the organisation and its units when the caller has them (no tree queries then)."""
    qs = Cohort.objects.filter(programme=programme)
    if organisation is not None:
        ids = _organisation_ids(organisation) if organisation_ids is None else organisation_ids
        qs = qs.filter(organisation_id__in=ids)
    if activity:
        qs = qs.filter(activity=activity)
    total = _empty()
    for row in _effect_rows(qs, as_of=as_of, months=months).values():
        for key in total:
            total[key] += row[key]
    return {**_finish(total), "as_of": as_of.isoformat(), "months": months}


def effect_by_organisation(*, programme: Programme, as_of: dt.date, organisation_ids: list[int] | None = None,
                           months: int = EFFECT_MONTHS) -> list[dict[str, Any]]:
    """The effect per organisation that has cohorts (restricted to `organisation_ids` unless None)."""
    qs = Cohort.objects.filter(programme=programme)
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=organisation_ids)
    rows = _effect_rows(qs, as_of=as_of, months=months)
    names = dict(Organisation.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    slugs = dict(Organisation.objects.filter(pk__in=list(rows)).values_list("pk", "slug"))
    return sorted(({"organisation": names[pk], "slug": slugs[pk], **_finish(row)} for pk, row in rows.items()),
                  key=lambda r: r["organisation"])


def cohort_effect(cohort: Cohort, *, as_of: dt.date, months: int = EFFECT_MONTHS) -> dict[str, Any]:
    """The effect counts of one cohort (as `effect_figures`)."""
    row = _effect_rows(Cohort.objects.filter(pk=cohort.pk), as_of=as_of, months=months).get(
        cohort.organisation_id, _empty())
    return {**_finish(row), "as_of": as_of.isoformat(), "months": months, "window_end": window_end(cohort.end_date,
                                                                                                     months)}


def cohorts_for(user: User, *, programme: Programme | None = None, organisation: str = "", activity: str = "",
                q: str = "") -> QuerySet[Cohort]:
    """The cohorts the user may see, filtered, with participant counts (one query)."""
    qs = visible_cohorts(user, Cohort.objects.select_related("organisation", "programme"))
    if programme is not None:
        qs = qs.filter(programme=programme)
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    if activity:
        qs = qs.filter(activity=activity)
    if q.strip():
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(external_id=q.strip()))
    return qs.annotate(
        n_participants=Count("participants"),
        n_registered=Count("participants", filter=~Q(participants__outcome="")),
        n_work=Count("participants", filter=Q(participants__outcome__in=WORK_OUTCOMES)),
    ).order_by("-start_date", "-id")


def cohort_participants(cohort: Cohort) -> QuerySet[Participant]:
    return cohort.participants.select_related("education_level", "outcome_registered_by").order_by("number")


def participant_status(participant: Participant, *, cohort: Cohort, as_of: dt.date,
                       months: int = EFFECT_MONTHS) -> str:
    """'in_work' / 'not_in_work' once the window has closed, else 'open' (shown on the cohort page)."""
    deadline = window_end(cohort.end_date, months)
    if deadline > as_of:
        return "open"
    ok = participant.outcome in WORK_OUTCOMES and participant.outcome_date is not None
    return "in_work" if ok and participant.outcome_date <= deadline else "not_in_work"

