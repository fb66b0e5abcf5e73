"""/api/events: events (SPEC 3.4) — the internal calendar, create/edit/publish/cancel/mark held, sign-ups,
check-in, results and the aggregate figures. Reads go through events.selectors and writes through
events.services, as the web pages do; sign-ups (names, e-mail addresses) only for the event's organisers
and coordinators."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden, NotFound, ValidationFailed
from viaviden.events import selectors, services
from viaviden.events.models import Audience, Event, EventType, Registration
from viaviden.events.services import EventData
from viaviden.matches.models import ActivityTarget
from viaviden.matches.selectors import programme_or_current
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import Municipality

from .auth import current_user
from .common import References, require_individual_access, version_from
from .pagination import PageNumberPagination
from .schemas import ErrorOut, InputSchema, IsoDate

router = Router(tags=["events"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------------


class EventFilter(Schema):
    type: str | None = Field(None, description=f"Event type: {', '.join(EventType.values)}.")
    municipality: str | None = Field(None, description="Municipality code, e.g. 851.")
    audience: str | None = Field(None, description=f"Audience: {', '.join(Audience.values)}.")
    from_date: IsoDate | None = Field(None, description="Events ending on or after this date.")
    to_date: IsoDate | None = Field(None, description="Events starting on or before this date.")
    status: str | None = Field(None, description="draft, published, cancelled or held.")


class EventOut(Schema):
    id: int
    title: str
    type: str
    type_label: str
    description: str
    status: str
    organiser: str = Field(..., description="Slug of the lead organiser.")
    co_organisers: list[str]
    municipality: str
    place: str
    address: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    audiences: list[str]
    capacity: int | None
    waitlist_enabled: bool
    public: bool
    signup_deadline: dt.datetime | None
    activity_target: str | None = Field(None, description="Code of the activity target it counts towards.")
    participants_target: str | None
    registered: int
    waitlisted: int
    version: int

    @staticmethod
    def resolve_type_label(obj: Event) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_organiser(obj: Event) -> str:
        return obj.organiser.slug

    @staticmethod
    def resolve_co_organisers(obj: Event) -> list[str]:
        return [o.slug for o in obj.co_organisers.all()]

    @staticmethod
    def resolve_municipality(obj: Event) -> str:
        return obj.municipality_id

    @staticmethod
    def resolve_activity_target(obj: Event) -> str | None:
        return obj.activity_target.code if obj.activity_target_id else None

    @staticmethod
    def resolve_participants_target(obj: Event) -> str | None:
        return obj.participants_target.code if obj.participants_target_id else None

    @staticmethod
    def resolve_registered(obj: Event) -> int:
        return getattr(obj, "n_registered", 0)

    @staticmethod
    def resolve_waitlisted(obj: Event) -> int:
        return getattr(obj, "n_waitlisted", 0)


class EventIn(InputSchema):
    title: str = Field(..., max_length=200)
    type: str = Field(..., description=f"One of: {', '.join(EventType.values)}.")
    description: str = Field("", max_length=10000)
    organiser: str = Field(..., description="Slug of the lead organiser (one of your own organisations).")
    co_organisers: list[str] = Field(default_factory=list, description="Slugs of co-organising partners.")
    municipality: str = Field(..., description="Municipality code.")
    place: str = Field(..., max_length=200)
    address: str = Field("", max_length=300)
    starts_at: dt.datetime
    ends_at: dt.datetime
    audiences: list[str] = Field(..., description=f"Any of: {', '.join(Audience.values)}.")
    capacity: int | None = Field(None, ge=1)
    waitlist_enabled: bool = True
    public: bool = True
    signup_deadline: dt.datetime | None = None
    activity_target: str | None = Field(
        None, description="Activity target code (current programme); only a target measured by manual "
                          "registrations (measure `registrations`): targets measured from events count held events "
                          "by themselves.")
    participants_target: str | None = None
    max_ranked_choices: int = Field(5, ge=1, le=20)
    preference_deadline: dt.datetime | None = None
    case_deadline: dt.datetime | None = None


class EventUpdateIn(EventIn):
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class VersionIn(InputSchema):
    version: int | None = None


class CancelIn(VersionIn):
    message: str = Field("", max_length=2000, description="Sent to everyone signed up.")


class RegistrationOut(Schema):
    id: int
    kind: str
    audience: str
    name: str
    email: str
    phone: str
    organisation_name: str
    cvr: str
    status: str
    waitlist_position: int | None = None
    attended_at: dt.datetime | None
    consent_at: dt.datetime | None
    created_at: dt.datetime


class RegistrationIn(InputSchema):
    kind: str = Field("person", description="person or company.")
    name: str = Field(..., max_length=200)
    email: str = Field(..., max_length=254)
    phone: str = Field("", max_length=30)
    audience: str = Field("", description="students, graduates, unemployed or staff (persons).")
    organisation_name: str = Field("", max_length=200)
    cvr: str = Field("", max_length=16)
    consent: bool = Field(False, description="The person has consented (required for persons).")


class AttendanceIn(InputSchema):
    attended: bool


class KnowledgeOut(Schema):
    sent: int
    answered: int
    knowledge_pct: int | None
    collab_pct: int | None


class SurveyResultsOut(Schema):
    company: KnowledgeOut
    participant: KnowledgeOut
    all: KnowledgeOut
    target_pct: int
    target_met: bool


class EventResultsOut(Schema):
    registered: int
    waitlisted: int
    cancelled: int
    attended: int
    surveys: SurveyResultsOut


class FigureRowOut(Schema):
    key: str
    label: str
    events: int
    participants: int


class EventFiguresOut(Schema):
    programme: str
    events_held: int
    participants: int
    by_type: list[FigureRowOut]
    by_partner: list[FigureRowOut]
    surveys: SurveyResultsOut


# --- Helpers ----------------------------------------------------------------------------------------


def _event_data(payload: EventIn) -> EventData:
    refs = References()
    organiser = refs.get(Organisation, "organiser", payload.organiser, lookup="slug", required=True)
    municipality = refs.get(Municipality, "municipality", payload.municipality, required=True)
    co = [refs.get(Organisation, "co_organisers", slug, lookup="slug") for slug in payload.co_organisers]
    programme = programme_or_current(None)
    targets = ActivityTarget.objects.filter(programme=programme)
    def target(name: str, code: str | None) -> ActivityTarget | None:
        # Codes repeat across programme periods: look the code up in the current one.
        if not code:
            return None
        found = targets.filter(code=code).first()
        if found is None:
            refs.errors.setdefault(name, []).append(_("Målet hører ikke til den aktuelle programperiode."))
        return found

    activity_target = target("activity_target", payload.activity_target)
    participants_target = target("participants_target", payload.participants_target)
    refs.check()
    return EventData(
        title=payload.title, type=payload.type, description=payload.description, organiser=organiser,
        co_organisers=[o for o in co if o is not None], municipality=municipality, place=payload.place,
        address=payload.address, starts_at=payload.starts_at, ends_at=payload.ends_at,
        audiences=list(payload.audiences), capacity=payload.capacity, waitlist_enabled=payload.waitlist_enabled,
        public=payload.public, signup_deadline=payload.signup_deadline, activity_target=activity_target,
        participants_target=participants_target, max_ranked_choices=payload.max_ranked_choices,
        preference_deadline=payload.preference_deadline, case_deadline=payload.case_deadline,
    )


def _visible(user: User, event_id: int) -> Event:
    require_individual_access(user)
    return selectors.access_event(user, event_id)


def _managed(user: User, event_id: int) -> Event:
    require_individual_access(user)
    event = selectors.access_event(user, event_id)
    if not selectors.can_manage_event(user, event):
        raise Forbidden(_("Kun arrangørerne og koordinationsgruppen har adgang til det."), code="forbidden")
    return event


def _out(user: User, event_id: int) -> Event:
    return selectors.access_event(user, event_id)


# --- Endpoints --------------------------------------------------------------------------------------


@router.get("", response={200: list[EventOut], 403: ErrorOut}, summary="Events (internal calendar)")
@paginate(PageNumberPagination)
def event_list(request: HttpRequest, filters: EventFilter = Query(...)):  # noqa: B008
    """Every event that is not a draft, and drafts of your own organisation, soonest first. Without
    `from_date` or `status`, events from 30 days back."""
    user = current_user(request)
    require_individual_access(user)
    f = selectors.CalendarFilter(type=filters.type or "", municipality=filters.municipality or "",
                                 audience=filters.audience or "", from_date=filters.from_date,
                                 to_date=filters.to_date, status=filters.status or "")
    return selectors.internal_calendar(user, f).select_related("activity_target", "participants_target")


@router.get("/figures", response={200: EventFiguresOut, 404: ErrorOut}, summary="Event figures of a programme")
def event_figures(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Aggregates only (events held per type and partner, participants, survey shares vs the 90 % target) as of
    `as_of` (default today: events held and answers given by then); open to every role, the steering group
    included."""
    selected = programme_or_current(programme)
    figures = selectors.event_figures(selected, as_of=as_of)
    return {
        "programme": selected.slug,
        "events_held": figures["events_held"],
        "participants": figures["participants"],
        "by_type": [{"key": r["type"], "label": str(r["label"]), "events": r["events"],
                     "participants": r["participants"]} for r in figures["by_type"]],
        "by_partner": [{"key": r["partner"].slug, "label": r["partner"].name, "events": r["events"],
                        "participants": r["participants"]} for r in figures["by_partner"]],
        "surveys": figures["surveys"],
    }


@router.get("/{event_id}", response={200: EventOut, **ERRORS}, summary="Get an event")
def event_detail(request: HttpRequest, event_id: int):
    return _visible(current_user(request), event_id)


@router.post("", response={201: EventOut, **ERRORS}, summary="Create an event (a draft)")
def event_create(request: HttpRequest, payload: EventIn):
    user = current_user(request)
    require_individual_access(user)
    data = _event_data(payload)
    with acting_as(user):
        event = services.event_create(user=user, data=data)
    return Status(201, _out(user, event.pk))


@router.put("/{event_id}", response={200: EventOut, **ERRORS}, summary="Edit an event")
def event_update(request: HttpRequest, event_id: int, payload: EventUpdateIn):
    """Send the whole event and the `version` you read (or If-Match); 409 if someone saved in between."""
    user = current_user(request)
    event = _managed(user, event_id)
    version = version_from(request, payload.version)
    if version is None:
        raise ValidationFailed(_("Angiv den version, du har læst (feltet version eller headeren If-Match)."),
                               code="version_required", details={"version": [_("Feltet skal udfyldes.")]})
    data = _event_data(payload)
    with acting_as(user):
        services.event_update(user=user, event=event, version=version, data=data)
    return _out(user, event_id)


def _transition(request: HttpRequest, event_id: int, payload: VersionIn, action) -> Event:
    user = current_user(request)
    event = _managed(user, event_id)
    version = version_from(request, payload.version)
    if version is None:
        version = event.version
    with acting_as(user):
        action(user, event, version)
    return _out(user, event_id)


@router.post("/{event_id}/publish", response={200: EventOut, **ERRORS}, summary="Publish a draft")
def event_publish(request: HttpRequest, event_id: int, payload: VersionIn):
    return _transition(request, event_id, payload,
                       lambda u, e, v: services.event_publish(user=u, event=e, version=v))


@router.post("/{event_id}/cancel", response={200: EventOut, **ERRORS}, summary="Cancel an event")
def event_cancel(request: HttpRequest, event_id: int, payload: CancelIn):
    return _transition(request, event_id, payload,
                       lambda u, e, v: services.event_cancel(user=u, event=e, version=v, message=payload.message))


@router.post("/{event_id}/held", response={200: EventOut, **ERRORS}, summary="Mark an event as held")
def event_held(request: HttpRequest, event_id: int, payload: VersionIn):
    """Records the activity registrations and creates the follow-up surveys for those who attended."""
    return _transition(request, event_id, payload,
                       lambda u, e, v: services.event_mark_held(user=u, event=e, version=v))


@router.get("/{event_id}/registrations", response={200: list[RegistrationOut], **ERRORS},
            summary="Sign-ups of an event (organisers and coordinators)")
@paginate(PageNumberPagination)
def registration_list(request: HttpRequest, event_id: int):
    event = _managed(current_user(request), event_id)
    regs = list(selectors.event_registrations(event))
    position = 0
    for reg in sorted((r for r in regs if r.status == Registration.Status.WAITLISTED),
                      key=lambda r: (r.created_at, r.pk)):
        position += 1
        reg.waitlist_position = position
    return regs


@router.post("/{event_id}/registrations", response={201: RegistrationOut, **ERRORS}, summary="Sign someone up")
def registration_create(request: HttpRequest, event_id: int, payload: RegistrationIn):
    """A seat while there is room, else the waiting list. Persons need `consent: true`."""
    user = current_user(request)
    event = _managed(user, event_id)
    with acting_as(user):
        reg = services.registration_create(event=event, registered_by=user, public=False, **payload.model_dump())
    reg.waitlist_position = selectors.waitlist_position(reg)
    return Status(201, reg)


def _registration(event: Event, registration_id: int) -> Registration:
    reg = event.registrations.filter(pk=registration_id).first()
    if reg is None:
        raise NotFound(_("Tilmeldingen findes ikke."))
    reg.event = event
    return reg


@router.post("/{event_id}/registrations/{registration_id}/attendance", response={200: RegistrationOut, **ERRORS},
             summary="Check in (or undo)")
def registration_attendance(request: HttpRequest, event_id: int, registration_id: int, payload: AttendanceIn):
    user = current_user(request)
    event = _managed(user, event_id)
    with acting_as(user):
        return services.registration_set_attended(user=user, registration=_registration(event, registration_id),
                                                  attended=payload.attended)


@router.post("/{event_id}/registrations/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS},
             summary="Cancel a sign-up (the first on the waiting list moves up)")
def registration_cancel(request: HttpRequest, event_id: int, registration_id: int):
    user = current_user(request)
    event = _managed(user, event_id)
    with acting_as(user):
        return services.registration_cancel(registration=_registration(event, registration_id), user=user)


@router.get("/{event_id}/results", response={200: EventResultsOut, **ERRORS}, summary="Attendance and survey results")
def event_results(request: HttpRequest, event_id: int):
    event = _managed(current_user(request), event_id)
    return selectors.event_results(event)
