"""/api/bourses: bourse cases, participants and their rankings, the preference upload, assignment runs (stable
or optimal), hand-move previews, locks and the confirmation into matches (SPEC 3.4, issue 5).

The same services and selectors as the web pages (events/bourse_services.py, bourse_selectors.py), so the
API enforces exactly their rules: organisers' staff and coordinators manage a bourse; every partner's staff
may submit a case on a company's behalf; only the lead organiser's staff and coordinators confirm (the
matches are registered for the lead organiser); the steering group gets 403 everywhere."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from viaviden import assignment as A
from viaviden.companies.models import Company
from viaviden.companies.selfservice import municipality_for_postal_code
from viaviden.companies.services import company_get_or_create
from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.core.models import TEXT_MAX_LENGTH
from viaviden.events import bourse_selectors as sel
from viaviden.events import bourse_services as svc
from viaviden.events.models import AssignmentLock, BourseCase, BourseParticipant, BourseRun
from viaviden.organisations.models import User

from .auth import current_user
from .common import require_individual_access, version_from
from .pagination import PageNumberPagination
from .schemas import ErrorOut

router = Router(tags=["bourses"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------------


class BourseOut(Schema):
    id: int
    title: str
    type: str
    status: str
    starts_at: Any
    organiser: str = Field(..., description="Slug of the lead organiser")
    max_ranked_choices: int
    case_deadline: Any = None
    preference_deadline: Any = None

    @staticmethod
    def resolve_organiser(obj) -> str:
        return obj.organiser.slug


class CaseOut(Schema):
    id: int
    event: int
    title: str
    challenge: str
    collaboration_kind: str = Field(..., description="project | internship | student_job")
    match_type: str
    company_cvr: str
    company_name: str
    capacity: int
    min_group_size: int
    max_group_size: int | None
    levels: list[str]
    programmes: list[str]
    timing: str
    status: str
    version: int

    @staticmethod
    def resolve_event(obj) -> int:
        return obj.event_id

    @staticmethod
    def resolve_match_type(obj) -> str:
        return obj.match_type_code

    @staticmethod
    def resolve_company_cvr(obj) -> str:
        return obj.company.cvr

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name

    @staticmethod
    def resolve_levels(obj) -> list[str]:
        return sorted(lv.code for lv in obj.wished_levels.all())

    @staticmethod
    def resolve_programmes(obj) -> list[str]:
        return sorted(p.slug for p in obj.wished_programmes.all())


class CaseIn(Schema):
    cvr: str
    company_name: str = Field("", description="Needed only when the CVR number is not in the register")
    postal_code: str = Field("", description="Needed only when the CVR number is not in the register")
    title: str
    challenge: str = Field(..., max_length=TEXT_MAX_LENGTH)
    collaboration_kind: str = Field(..., description="project | internship | student_job")
    capacity: int = Field(..., ge=1)
    min_group_size: int = Field(1, ge=1)
    max_group_size: int | None = Field(None, ge=1)
    levels: list[str] = Field(default_factory=list, description="KVU/MVU/LVU; empty = any")
    programmes: list[str] = Field(default_factory=list, description="Study programme slugs; empty = any")
    timing: str = ""
    submitter_name: str = ""
    submitter_email: str = ""
    submitter_phone: str = ""
    publish: bool = Field(False, description="Organisers and coordinators may publish at once")


class CaseStatusIn(Schema):
    status: str = Field(..., description="submitted | published | rejected | withdrawn")
    version: int | None = None


class MemberOut(Schema):
    name: str = ""
    email: str = ""
    level: str = ""
    programme: str = ""


class ParticipantOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    contact_email: str
    members: list[MemberOut]
    ranking: list[int] = Field(..., description="Case ids, first choice first")

    @staticmethod
    def resolve_ranking(obj) -> list[int]:
        return [p.case_id for p in obj.preferences.all()]


class PreferencesIn(Schema):
    cases: list[int] = Field(..., description="Case ids, first choice first")


class ImportOut(Schema):
    committed: bool
    rows_total: int
    participants_created: int
    participants_updated: int
    preferences: int


class RunIn(Schema):
    mode: str = Field(..., description="stable | optimal")
    time_limit: float = Field(A.DEFAULT_TIME_LIMIT, gt=0, le=600)


class RunOut(Schema):
    id: int
    event: int
    mode: str
    created_at: Any
    is_confirmed: bool
    confirmed_at: Any = None
    result: dict = Field(..., description="placement (participant id -> case id), ranks, figures, unassigned "
                                          "with reasons, the verifier's verdict; ids are the primary keys as text")

    @staticmethod
    def resolve_event(obj) -> int:
        return obj.event_id


class MoveIn(Schema):
    participant: int
    case: int | None = Field(None, description="None takes the participant out")


class MoveOut(Schema):
    participant: str
    from_case: str | None
    to_case: str | None
    capacity_ok: bool
    free_seats_after: int | None
    breaks_lock: bool
    seated_students_delta: int
    total_rank_delta: int
    new_violations: list[str]
    new_blocking_pairs: list[str]
    resolved_blocking_pairs: list[str]
    summary: str
    verdict: str


class LockIn(Schema):
    participant: int
    case: int


class LockOut(Schema):
    id: int
    participant: int
    case: int

    @staticmethod
    def resolve_participant(obj) -> int:
        return obj.participant_id

    @staticmethod
    def resolve_case(obj) -> int:
        return obj.case_id


class ConfirmOut(Schema):
    run: int
    created: int
    merged: int
    already: int
    matches: list[int]


# --- Helpers ----------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = current_user(request)
    require_individual_access(user)
    return user


def _managed(user: User, event_id: int):
    return sel.access_bourse_managed(user, event_id)


def _case_managed(user: User, case_id: int) -> BourseCase:
    return sel.access_case_managed(user, case_id)


# --- Bourses and cases ------------------------------------------------------------------------------


@router.get("", response={200: list[BourseOut], 403: ErrorOut}, summary="List bourses you can see")
@paginate(PageNumberPagination)
def bourse_list(request: HttpRequest):
    return sel.bourses_for(_user(request))


@router.get("/{event_id}/cases", response={200: list[CaseOut], **ERRORS}, summary="Cases of a bourse (organisers)")
@paginate(PageNumberPagination)
def case_list(request: HttpRequest, event_id: int, status: str = ""):
    return sel.bourse_cases(_managed(_user(request), event_id), status=status)


@router.post("/{event_id}/cases", response={201: CaseOut, **ERRORS}, summary="Submit a case on a company's behalf")
def case_create(request: HttpRequest, event_id: int, payload: CaseIn):
    """Any partner's staff may submit a case for a company (found by CVR number, or created with name and
    postal code); organisers and coordinators may publish it at once (`publish`)."""
    user = _user(request)
    event = sel.access_bourse(user, event_id)
    data = svc.CaseData(
        title=payload.title, challenge=payload.challenge, collaboration_kind=payload.collaboration_kind,
        capacity=payload.capacity, min_group_size=payload.min_group_size, max_group_size=payload.max_group_size,
        level_codes=[lv.upper() for lv in payload.levels], programme_slugs=payload.programmes, timing=payload.timing,
        submitter_name=payload.submitter_name, submitter_email=payload.submitter_email,
        submitter_phone=payload.submitter_phone,
    )
    with acting_as(user), transaction.atomic():
        company = Company.objects.filter(cvr=payload.cvr.strip()).first()
        if company is None:
            if not payload.company_name.strip():
                raise ValidationFailed(_("Virksomheden er ikke i registret. Angiv dens navn og postnummer."),
                                       code="validation_error",
                                       details={"company_name": [_("Feltet skal udfyldes.")]})
            municipality = municipality_for_postal_code(postal_code=payload.postal_code)
            company, _created = company_get_or_create(cvr=payload.cvr, name=payload.company_name,
                                                      municipality=municipality)
        while company.merged_into_id is not None:
            company = Company.objects.get(pk=company.merged_into_id)
        case = svc.bourse_case_submit_staff(user=user, event=event, company=company, data=data,
                                            publish=payload.publish)
    return Status(201, sel.access_case_managed(user, case.pk) if sel.can_manage_event(user, event) else
                  BourseCase.objects.select_related("company").get(pk=case.pk))


@router.post("/cases/{case_id}/status", response={200: CaseOut, **ERRORS}, summary="Publish, reject or withdraw")
def case_status(request: HttpRequest, case_id: int, payload: CaseStatusIn):
    user = _user(request)
    case = _case_managed(user, case_id)
    with acting_as(user):
        svc.bourse_case_set_status(user=user, case=case, status=payload.status,
                                   version=version_from(request, payload.version))
    return sel.access_case_managed(user, case_id)


# --- Participants and preferences -------------------------------------------------------------------


@router.get("/{event_id}/participants", response={200: list[ParticipantOut], **ERRORS},
            summary="Participants and their rankings (organisers)")
@paginate(PageNumberPagination)
def participant_list(request: HttpRequest, event_id: int):
    return sel.bourse_participants(_managed(_user(request), event_id))


@router.put("/participants/{participant_id}/preferences", response={200: ParticipantOut, **ERRORS},
            summary="Set a participant's ranking (organisers; also after the deadline)")
def participant_preferences(request: HttpRequest, participant_id: int, payload: PreferencesIn):
    user = _user(request)
    participant = BourseParticipant.objects.select_related("event").filter(pk=participant_id).first()
    if participant is None or not sel.can_manage_event(user, participant.event):
        raise NotFound(_("Deltageren findes ikke, eller du har ikke adgang til børsen."))
    with acting_as(user):
        svc.bourse_preferences_set(participant=participant, case_ids=payload.cases, staff_user=user)
    return sel.bourse_participants(participant.event).get(pk=participant_id)


@router.post("/{event_id}/preferences/import", response={200: ImportOut, **ERRORS},
             summary="Upload preferences (CSV or XLSX)")
def preferences_import(request: HttpRequest, event_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """One row per ranked case: deltager, email, stoerrelse, prioritet, case, niveau, uddannelse (see the upload
    page). All or nothing: with any bad row nothing is saved and the answer is 422 with every row error in
    `details.rows` ({row, column, message}; row 1 is the header)."""
    user = _user(request)
    event = _managed(user, event_id)
    with acting_as(user):
        result = svc.bourse_preferences_import(user=user, event=event, path_or_file=file)
    if not result.committed:
        raise ValidationFailed(
            result.summary(), code="invalid_file",
            details={"rows": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]},
        )
    return result


# --- Runs, moves, locks, confirmation ---------------------------------------------------------------


@router.get("/{event_id}/runs", response={200: list[RunOut], **ERRORS}, summary="Computed assignments")
@paginate(PageNumberPagination)
def run_list(request: HttpRequest, event_id: int):
    return sel.bourse_runs(_managed(_user(request), event_id))


@router.post("/{event_id}/runs", response={201: RunOut, **ERRORS}, summary="Compute an assignment")
def run_create(request: HttpRequest, event_id: int, payload: RunIn):
    """Stable (participant-proposing deferred acceptance) or optimal (most students seated, then the smallest
    total rank), around the current locks. The run stores its input, so later changes do not alter it."""
    user = _user(request)
    event = _managed(user, event_id)
    with acting_as(user):
        run = svc.bourse_run_create(user=user, event=event, mode=payload.mode, time_limit=payload.time_limit)
    return Status(201, run)


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS}, summary="Get a computed assignment")
def run_detail(request: HttpRequest, run_id: int):
    return sel.access_run_managed(_user(request), run_id)


def _pair_text(pairs) -> list[str]:
    return [b.message for b in pairs]


@router.post("/runs/{run_id}/move-effect", response={200: MoveOut, **ERRORS},
             summary="What moving a participant by hand would do")
def run_move_effect(request: HttpRequest, run_id: int, payload: MoveIn):
    """Nothing is changed: the answer gives the capacity, broken rules, new and resolved blocking pairs and the
    change in seated students and total rank. To keep a move, lock it and compute again."""
    run = sel.access_run_managed(_user(request), run_id)
    instance, assignment = sel.run_assignment(run)
    pid, cid = str(payload.participant), None if payload.case is None else str(payload.case)
    if pid not in instance.participants or (cid is not None and cid not in instance.cases):
        raise ValidationFailed(_("Deltageren og casen skal være med i fordelingen."), code="validation_error",
                               details={"participant": [_("Ukendt værdi: %(value)s.") % {"value": pid}]})
    e = A.move_effect(instance, assignment, pid, cid)
    return {
        "participant": pid, "from_case": e.from_case, "to_case": e.to_case, "capacity_ok": e.capacity_ok,
        "free_seats_after": e.free_seats_after, "breaks_lock": e.breaks_lock,
        "seated_students_delta": e.seated_students_delta, "total_rank_delta": e.total_rank_delta,
        "new_violations": [v.message for v in e.new_violations],
        "new_blocking_pairs": _pair_text(e.new_blocking_pairs),
        "resolved_blocking_pairs": _pair_text(e.resolved_blocking_pairs),
        "summary": e.summary, "verdict": e.verdict.summary,
    }


@router.post("/{event_id}/locks", response={201: LockOut, **ERRORS}, summary="Lock a participant to a case")
def lock_create(request: HttpRequest, event_id: int, payload: LockIn):
    user = _user(request)
    event = _managed(user, event_id)
    participant = BourseParticipant.objects.filter(pk=payload.participant, event=event).first()
    case = BourseCase.objects.filter(pk=payload.case, event=event).first()
    if participant is None or case is None:
        raise ValidationFailed(_("Deltageren og casen skal høre til børsen."), code="validation_error",
                               details={"participant" if participant is None else "case": [_("Ukendt værdi.")]})
    with acting_as(user):
        lock = svc.bourse_lock_set(user=user, event=event, participant=participant, case=case)
    return Status(201, lock)


@router.delete("/locks/{lock_id}", response={204: None, **ERRORS}, summary="Remove a lock")
def lock_delete(request: HttpRequest, lock_id: int):
    user = _user(request)
    lock = AssignmentLock.objects.select_related("event").filter(pk=lock_id).first()
    if lock is None or not sel.can_manage_event(user, lock.event):
        raise NotFound(_("Låsen findes ikke, eller du har ikke adgang til børsen."))
    with acting_as(user):
        svc.bourse_lock_remove(user=user, lock=lock)
    return Status(204, None)


@router.post("/runs/{run_id}/confirm", response={200: ConfirmOut, **ERRORS}, summary="Confirm into matches")
def run_confirm(request: HttpRequest, run_id: int):
    """One registered match per seated student (a group gives one per member) of the case's kind, activity
    'bourse', registered by the lead organiser with the other organisers as contributors. Confirming again
    creates nothing new. 409 when the bourse's data changed since the run (compute again) or another run is
    confirmed."""
    user = _user(request)
    run: BourseRun = sel.access_run_managed(user, run_id)
    with acting_as(user):
        result = svc.bourse_run_confirm(user=user, run=run)
    return {"run": run.pk, "created": result.created, "merged": result.merged, "already": result.already,
            "matches": [m.pk for m in result.matches]}
