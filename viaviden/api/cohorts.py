"""/api/cohorts: job-search and upskilling cohorts, their pseudonymous participants and outcomes, and the
measured effect. Reads go through the cohort permissions, writes through cohorts.services, so the API
enforces exactly the rules of the web pages. The effect (aggregates) is open to the steering group."""

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from viaviden.cohorts import selectors, services
from viaviden.cohorts.models import Cohort, Participant
from viaviden.cohorts.permissions import access_cohort, can_see_cohorts, effect_organisations
from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden, NotFound
from viaviden.matches.selectors import programme_or_current
from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel

from .auth import current_user
from .common import References
from .schemas import ErrorOut, InputSchema

router = Router(tags=["cohorts and effect"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ActivityCode = Literal["job_search", "upskilling", "other"]
OutcomeCode = Literal["", "ordinary_job", "subsidised_job", "education", "none"]


class ParticipantOut(Schema):
    id: int
    number: int = Field(..., description="The participant's number in the cohort (participants are pseudonymous).")
    education_level: str | None = Field(None, alias="education_level_id")
    outcome: str = Field(..., description="ordinary_job, subsidised_job, education, none, or '' (not registered).")
    outcome_date: dt.date | None = Field(None, description="First day in the job or education.")
    outcome_registered_at: dt.datetime | None = None


class CohortOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.slug")
    organisation: str = Field(..., alias="organisation.slug")
    activity: str
    title: str
    start_date: dt.date
    end_date: dt.date
    external_id: str
    note: str
    version: int
    is_synthetic: bool


class CohortDetailOut(CohortOut):
    participants: list[ParticipantOut]


class CohortCreateIn(InputSchema):
    organisation: str | None = Field(None, description="Slug; default: your own organisation.")
    title: str = Field(..., max_length=200)
    activity: ActivityCode = "job_search"
    start_date: dt.date
    end_date: dt.date
    note: str = Field("", max_length=300)
    external_id: str = Field("", max_length=64, description="Your id for the cohort (unique per organisation).")
    participants: list[str] = Field(
        default_factory=list,
        description="Your identifiers of the participants (case numbers or e-mails). Stored only as a "
        "pseudonymous key; never CPR numbers.",
    )


class CohortUpdateIn(InputSchema):
    version: int = Field(..., description="The version you read; 409 if the cohort changed since.")
    title: str | None = Field(None, max_length=200)
    activity: ActivityCode | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    note: str | None = Field(None, max_length=300)


class ParticipantsIn(InputSchema):
    participants: list[str] = Field(..., min_length=1, description="Identifiers to add; repeats are ignored.")
    education_level: str | None = Field(None, description="KVU, MVU or LVU for all of them.")


class ParticipantsAddedOut(Schema):
    added: int
    already: int
    cohort: CohortDetailOut


class OutcomeIn(InputSchema):
    outcome: OutcomeCode
    outcome_date: dt.date | None = None


class EffectOut(Schema):
    programme: str
    organisation: str | None
    as_of: dt.date
    months: int
    cohorts: int
    offered: int = Field(..., description="Participants of cohorts that started by as_of.")
    closed: int = Field(..., description="Participants whose window (course end + months) closed by as_of.")
    in_work: int = Field(..., description="Closed participants in an ordinary or subsidised job started in time.")
    share: float | None = Field(..., description="in_work / closed in per cent (one decimal); null if none closed.")
    open: int = Field(..., description="Participants whose window has not yet closed (not in the share).")
    open_in_work: int
    ordinary_job: int
    subsidised_job: int
    education: int
    none: int
    unregistered: int
    late_job: int


class EffectFilter(Schema):
    programme: str | None = None
    organisation: str | None = Field(None, description="Slug; includes its units.")
    as_of: dt.date | None = Field(None, description="Default: today.")
    activity: ActivityCode | None = None


def _aggregates_message() -> str:
    return _("Du har kun adgang til samlede tal (effekt), ikke til enkelte forløb.")


def _require_cohorts(user) -> None:
    if not can_see_cohorts(user):
        raise Forbidden(_aggregates_message(), code="aggregates_only")


def _detail_qs():
    return Cohort.objects.select_related("programme", "organisation").prefetch_related("participants")


def _get(user, cohort_id: int) -> Cohort:
    return access_cohort(user, cohort_id, _detail_qs())


@router.get("", response={200: list[CohortOut], 403: ErrorOut}, summary="List the cohorts you can see")
@paginate(PageNumberPagination)
def cohort_list(request: HttpRequest, programme: str | None = None, organisation: str | None = None,
                activity: ActivityCode | None = None):
    user = current_user(request)
    _require_cohorts(user)
    selected = programme_or_current(programme) if programme else None
    return selectors.cohorts_for(user, programme=selected, organisation=organisation or "", activity=activity or "")


@router.get("/effect", response={200: EffectOut, 403: ErrorOut, 404: ErrorOut},
            summary="The measured effect (share in work within 4 months)")
def cohort_effect(request: HttpRequest, filters: EffectFilter = Query(...)):  # noqa: B008
    """Aggregates: coordinators and the steering group for any organisation (or all), partner staff for
    their own partner only. Definition: docs/cohorts.md."""
    user = current_user(request)
    selected = programme_or_current(filters.programme)
    allowed = effect_organisations(user)
    org = None
    if filters.organisation:
        org = Organisation.objects.filter(slug=filters.organisation).first()
        if org is None or (allowed is not None and org.pk not in allowed):
            raise NotFound(_org_not_found(filters.organisation))
    elif allowed is not None:
        org = user.organisation.partner if user.organisation_id else None
        if org is None:
            raise Forbidden(_aggregates_message())
    as_of = filters.as_of or timezone.localdate()
    figures = selectors.effect_figures(programme=selected, organisation=org, as_of=as_of,
                                       activity=filters.activity)
    return {**figures, "programme": selected.slug, "organisation": org.slug if org else None, "as_of": as_of}


def _org_not_found(slug: str) -> str:
    return _("Organisationen %(slug)s findes ikke, eller du har ikke adgang til dens tal.") % {"slug": slug}


@router.get("/{cohort_id}", response={200: CohortDetailOut, **ERRORS}, summary="Get a cohort with participants")
def cohort_detail(request: HttpRequest, cohort_id: int):
    user = current_user(request)
    _require_cohorts(user)
    return _get(user, cohort_id)


@router.post("", response={201: CohortDetailOut, **ERRORS}, summary="Create a cohort")
def cohort_create(request: HttpRequest, payload: CohortCreateIn):
    user = current_user(request)
    _require_cohorts(user)
    refs = References()
    org = refs.get(Organisation, "organisation", payload.organisation, lookup="slug") or user.organisation
    refs.check()
    with acting_as(user):
        cohort = services.cohort_create(
            user=user, organisation=org, title=payload.title, activity=payload.activity,
            start_date=payload.start_date, end_date=payload.end_date, note=payload.note,
            external_id=payload.external_id, identifiers=payload.participants,
        )
    return Status(201, _get(user, cohort.pk))


@router.patch("/{cohort_id}", response={200: CohortDetailOut, **ERRORS}, summary="Correct a cohort")
def cohort_update(request: HttpRequest, cohort_id: int, payload: CohortUpdateIn):
    user = current_user(request)
    _require_cohorts(user)
    cohort = _get(user, cohort_id)
    sent = payload.model_dump(exclude_unset=True)
    with acting_as(user):
        services.cohort_update(
            user=user, cohort=cohort, version=payload.version, title=sent.get("title") or cohort.title,
            activity=sent.get("activity") or cohort.activity, start_date=sent.get("start_date") or cohort.start_date,
            end_date=sent.get("end_date") or cohort.end_date,
            note=cohort.note if sent.get("note") is None else sent["note"],
        )
    return _get(user, cohort_id)


@router.delete("/{cohort_id}", response={204: None, **ERRORS}, summary="Delete a cohort (lead or coordinator)")
def cohort_delete(request: HttpRequest, cohort_id: int):
    user = current_user(request)
    _require_cohorts(user)
    cohort = _get(user, cohort_id)
    with acting_as(user):
        services.cohort_delete(user=user, cohort=cohort)
    return Status(204, None)


@router.post("/{cohort_id}/participants", response={200: ParticipantsAddedOut, **ERRORS},
             summary="Add pseudonymous participants")
def participants_add(request: HttpRequest, cohort_id: int, payload: ParticipantsIn):
    user = current_user(request)
    _require_cohorts(user)
    cohort = _get(user, cohort_id)
    refs = References()
    level = refs.get(EducationLevel, "education_level", (payload.education_level or "").upper())
    refs.check()
    with acting_as(user):
        result = services.participants_add(user=user, cohort=cohort, identifiers=payload.participants,
                                           education_level=level)
    return {"added": result.added, "already": result.already, "cohort": _get(user, cohort_id)}


@router.put("/{cohort_id}/participants/{participant_id}/outcome", response={200: ParticipantOut, **ERRORS},
            summary="Register or correct a participant's outcome")
def participant_outcome(request: HttpRequest, cohort_id: int, participant_id: int, payload: OutcomeIn):
    """`outcome` "" clears it. A job or education needs `outcome_date` (not before the course start)."""
    user = current_user(request)
    _require_cohorts(user)
    cohort = _get(user, cohort_id)
    participant = Participant.objects.filter(cohort=cohort, pk=participant_id).select_related("cohort").first()
    if participant is None:
        raise NotFound(_participant_not_found())
    with acting_as(user), transaction.atomic():
        return services.participant_set_outcome(user=user, participant=participant, outcome=payload.outcome,
                                                outcome_date=payload.outcome_date)


def _participant_not_found() -> str:
    return _("Deltageren findes ikke i forløbet.")
