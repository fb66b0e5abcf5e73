"""Reads of needs (afdækning) and the job profile interface the matching engine reads.

Needs are shared with all partner staff (SPEC 3.2), never with the steering group. A need is acted on
(edited, assigned, closed, reopened) by users of its owner organisation — the partner and its units —
or by coordinators."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import BooleanField, Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.core.change_notices import NEED_NOTICES, Kept
from viaviden.core.errors import NotFound
from viaviden.core.sql import CompiledQuery
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import User

from .models import Company, Need, NeedEvent, Referral

OPEN_STATUSES = (Need.Status.NEW, Need.Status.IN_PROGRESS)


def with_overdue(qs: QuerySet[Need], today: dt.date | None = None) -> QuerySet[Need]:
    """Annotate `is_overdue`: an open need whose answer deadline has passed."""
    today = today or timezone.localdate()
    return qs.annotate(
        is_overdue=Case(
            When(status__in=OPEN_STATUSES, answer_due__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def open_first(qs: QuerySet[Need]) -> QuerySet[Need]:
    """Open needs first (the nearest deadline first, those without one after), then the rest, newest first."""
    return qs.annotate(
        open_rank=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("open_rank", F("answer_due").asc(nulls_last=True), "-created_at", "-id")


def need_queryset() -> QuerySet[Need]:
    """Needs with what lists and pages show, in a fixed number of queries."""
    return with_overdue(
        Need.objects.select_related(
            "company__municipality", "owner_organisation", "owner", "place_municipality"
        ).prefetch_related("match_types", "education_levels")
    )


def visible_needs(user: User, qs: QuerySet[Need] | None = None) -> QuerySet[Need]:
    """All needs for partner staff and coordinators; none for the steering group or users without an
    organisation."""
    qs = need_queryset() if qs is None else qs
    return qs if _may_see_needs(user) else qs.none()


def _may_see_needs(user: User) -> bool:
    return user.is_authenticated and user.is_active and can_see_individual_matches(user)


def access_need(user: User, pk: int, qs: QuerySet[Need] | None = None) -> Need:
    """Fetch a need the user may see, or raise NotFound."""
    need = visible_needs(user, qs).filter(pk=pk).first()
    if need is None:
        raise NotFound(_("Behovet findes ikke, eller du har ikke adgang til det."))
    return need


def can_act_on_need(user: User, need: Need) -> bool:
    """Edit, assign, close and reopen: the owner organisation (partner and units) and coordinators."""
    if not user.is_authenticated or not can_see_individual_matches(user):
        return False
    if user.sees_everything:
        return True
    return need.owner_organisation_id in partner_org_ids(user)


def need_list(
    user: User,
    *,
    status: str | None = None,
    open_only: bool = False,
    owner_organisation: int | None = None,
    mine: bool = False,
    municipality: str | None = None,
    match_type: str | None = None,
    overdue: bool = False,
    company: int | None = None,
    q: str | None = None,
) -> QuerySet[Need]:
    """The needs the user may see, filtered, open first. `owner_organisation` includes its units;
    `municipality` is the place of work (or the company's workplace when no place is given)."""
    qs = visible_needs(user)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if owner_organisation:
        qs = qs.filter(
            Q(owner_organisation_id=owner_organisation)
            | Q(owner_organisation__parent_id=owner_organisation)
            | Q(owner_organisation__parent__parent_id=owner_organisation)
        )
    if mine:
        qs = qs.filter(owner=user)
    if municipality:
        qs = qs.filter(
            Q(place_municipality_id=municipality)
            | Q(place_municipality__isnull=True, company__municipality_id=municipality)
        )
    if match_type:
        qs = qs.filter(match_types__code=match_type)
    if overdue:
        qs = qs.filter(is_overdue=True)
    if company:
        qs = qs.filter(company_id=company)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(company__name__icontains=text) | Q(company__cvr__startswith=text))
    return open_first(qs)


def company_needs(company: Company) -> QuerySet[Need]:
    """A company's needs, open first (for the company page)."""
    return open_first(with_overdue(Need.objects.filter(company=company).select_related("owner_organisation")))


def need_referrals(need: Need) -> QuerySet[Referral]:
    return need.referrals.select_related("service__organisation", "from_organisation").order_by("created_at", "id")


def need_matches(user: User, need: Need) -> list:
    """The matches registered from the need, each marked `visible` when the user may open it (person
    data stays with the partners that registered or contributed to the match)."""
    matches = list(need.matches.select_related("match_type", "registering_org").order_by("start_date", "id"))
    if matches:
        visible = set(need.matches.visible_to(user).values_list("pk", flat=True))
        for match in matches:
            match.visible = match.pk in visible
    return matches


def need_detail_queryset() -> QuerySet[Need]:
    return need_queryset().select_related("company__industry", "company__size_class", "created_by").prefetch_related(
        Prefetch("events", queryset=NeedEvent.objects.select_related("organisation", "user").order_by("at", "id"))
    )


# --- The job profile (jobprofil) -------------------------------------------------------------


@dataclass(frozen=True)
class JobProfile:
    """A need as the matching engine reads it (SPEC 3.2/3.3). Plain data, no database access.

    - `tasks`: the title and the tasks to be solved, as free text.
    - `match_types`: wished match type codes; empty means any of the seven.
    - `education_levels`: KVU/MVU/LVU codes; empty means every level is accepted ("ved ikke" or none chosen).
    - `education_wish`: wished education or competences, free text.
    - `municipality`: code of the place of work (the need's place, else the company's workplace).
    - `earliest_start`: the earliest start date, or None.
    """

    need_id: int
    company_cvr: str
    tasks: str
    match_types: tuple[str, ...]
    education_levels: tuple[str, ...]
    education_wish: str
    municipality: str
    earliest_start: dt.date | None
    time_frame: str
    recognised: bool

    def as_dict(self) -> dict:
        return {
            "need_id": self.need_id,
            "company_cvr": self.company_cvr,
            "tasks": self.tasks,
            "match_types": list(self.match_types),
            "education_levels": list(self.education_levels),
            "education_wish": self.education_wish,
            "municipality": self.municipality,
            "earliest_start": self.earliest_start,
            "time_frame": self.time_frame,
            "recognised": self.recognised,
        }


def _job_profile(
    *, pk: int, cvr: str, title: str, tasks: str, match_types, levels, level_unknown: bool, education_wish: str,
    municipality: str, earliest_start: dt.date | None, time_frame: str, recognised: bool,
) -> JobProfile:
    tasks = tasks.strip()
    title = title.strip()
    return JobProfile(
        need_id=pk,
        company_cvr=cvr,
        tasks=f"{title}\n\n{tasks}" if title and title not in tasks else tasks,
        match_types=tuple(sorted(match_types)),
        education_levels=() if level_unknown else tuple(sorted(levels)),
        education_wish=education_wish.strip(),
        municipality=municipality,
        earliest_start=earliest_start,
        time_frame=time_frame.strip(),
        recognised=recognised,
    )


def need_job_profile(need: Need) -> JobProfile:
    """The documented interface the matching engine reads (uses prefetched match types and levels)."""
    return _job_profile(
        pk=need.pk,
        cvr=need.company.cvr,
        title=need.title,
        tasks=need.tasks,
        match_types=[mt.code for mt in need.match_types.all()],
        levels=[lv.code for lv in need.education_levels.all()],
        level_unknown=need.level_unknown,
        education_wish=need.education_wish,
        municipality=need.place_municipality_id or need.company.municipality_id,
        earliest_start=need.earliest_start,
        time_frame=need.time_frame,
        recognised=need.recognised,
    )


_PROFILE_FIELDS = (
    "pk", "company__cvr", "title", "tasks", "level_unknown", "education_wish", "place_municipality_id",
    "company__municipality_id", "earliest_start", "time_frame", "recognised", "match_types__code",
    "education_levels__code",
)


_PK_SENTINEL = -7_340_991_203  # stands for the need's id in the compiled query


@functools.cache
def _job_profile_query(alias: str) -> CompiledQuery:
    """access_need_job_profile's query, compiled once per process (core.sql, issue 16)."""
    qs = Need.objects.using(alias).filter(pk=_PK_SENTINEL).order_by().values_list(*_PROFILE_FIELDS)
    return CompiledQuery(qs, slots={"pk": (_PK_SENTINEL, None)})


def warm_up_job_profile(*, run: bool = False) -> None:
    """Compiles access_need_job_profile's query before the first request needs it (config/warmup.py); `run`:
    also runs it once on this process's connection (a need id that never exists)."""
    query = _job_profile_query(router.db_for_read(Need))
    if run:
        query.run(pk=0)


def access_need_job_profile(user: User, pk: int) -> JobProfile:
    """need_job_profile of a need the user may see (NotFound otherwise, as `access_need`), in one query and
    without model instances (issue 16: the suggestions API): the need joined with its company, match types and
    levels, one row per (match type, level) pair. On PostgreSQL the profile is kept until a need, its match
    types or levels, or a company changes (core.change_notices); whether the user may see it is asked each time."""
    alias = router.db_for_read(Need)
    low, high = connections[alias].ops.integer_field_range(Need._meta.pk.get_internal_type())
    if not (_may_see_needs(user) and low <= pk <= high):  # an id past the column's range is no need
        raise NotFound(_("Behovet findes ikke, eller du har ikke adgang til det."))
    stamp = _PROFILES.stamp(alias)
    profile = _PROFILES.get(stamp, (alias, pk))
    if profile is not None:
        return profile
    rows = _job_profile_query(alias).run(pk=pk)
    if not rows:
        raise NotFound(_("Behovet findes ikke, eller du har ikke adgang til det."))
    (pk, cvr, title, tasks, level_unknown, education_wish, place, company_municipality, earliest_start, time_frame,
     recognised, _type, _level) = rows[0]
    profile = _job_profile(
        pk=pk,
        cvr=cvr,
        title=title,
        tasks=tasks,
        match_types={row[-2] for row in rows if row[-2] is not None},
        levels={row[-1] for row in rows if row[-1] is not None},
        level_unknown=level_unknown,
        education_wish=education_wish,
        municipality=place or company_municipality,
        earliest_start=earliest_start,
        time_frame=time_frame,
        recognised=recognised,
    )
    _PROFILES.put(stamp, (alias, pk), profile)
    return profile


# Job profiles by (database, need id), kept until a need or company changes (access_need_job_profile).
_PROFILES = Kept(NEED_NOTICES, max_age=600.0, max_items=5000)
