"""/api/referrals: referrals of needs to services and the answer promise (SPEC 3.2).

The same services as the web pages: only the receiving side accepts, asks or declines (and must suggest
an alternative when declining), only the referring side answers questions or withdraws. Every step takes
the `version` you read (optional; with it, a referral changed in between is a 409)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.companies import referral_services as services
from viaviden.companies.answer_promise import (
    Request,
    answer_times_report,
    answer_times_scope,
    overdue_requests,
)
from viaviden.companies.models import Need, Referral
from viaviden.companies.referral_selectors import (
    access_referral,
    active_services,
    referrals_all,
    referrals_received,
    referrals_sent,
)
from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden
from viaviden.organisations.models import Service, User

from .auth import current_user
from .common import References, require_individual_access
from .pagination import PageNumberPagination
from .schemas import CompanyRef, ErrorOut, InputSchema, IsoDate, choice

router = Router(tags=["referrals"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------------


class ServiceRef(Schema):
    slug: str
    name: str
    organisation: str = Field(..., description="Slug of the service's organisation.")
    organisation_name: str

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.slug

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class ReferralOut(Schema):
    id: int
    need: int = Field(..., description="Id of the referred need.")
    need_title: str
    company: CompanyRef
    service: ServiceRef
    from_organisation: str = Field(..., description="Slug of the referring organisation.")
    from_organisation_name: str
    message: str
    status: choice(Referral.Status, "ReferralStatus")
    due: IsoDate = Field(..., description="Answer deadline (Danish working days).")
    is_overdue: bool
    created_at: dt.datetime
    question: str
    question_answer: str
    decline_reason: str
    alternative_service: ServiceRef | None = None
    alternative_text: str
    responded_at: dt.datetime | None = None
    version: int

    @staticmethod
    def resolve_need(obj) -> int:
        return obj.need_id

    @staticmethod
    def resolve_need_title(obj) -> str:
        return obj.need.title

    @staticmethod
    def resolve_company(obj):
        return obj.need.company

    @staticmethod
    def resolve_from_organisation(obj) -> str:
        return obj.from_organisation.slug

    @staticmethod
    def resolve_from_organisation_name(obj) -> str:
        return obj.from_organisation.name

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.is_open and obj.due < timezone.localdate()


class ReferralFilter(Schema):
    direction: Literal["received", "sent", "all"] = Field(
        "received",
        description="received: to a service of your organisation; sent: by your organisation; all: coordinators.",
    )
    status: choice(Referral.Status, "ReferralStatus") | None = None


class ReferralCreateIn(InputSchema):
    need: int = Field(..., description="Id of the need to refer.")
    service: str = Field(..., description="Slug of the service (see the services overview).",
                         examples=["central-matchningsenhed"])
    message: str = Field("", max_length=4000)


class VersionIn(InputSchema):
    version: int | None = Field(None, description="The version you read; without it the current one is used.")


class QuestionIn(VersionIn):
    question: str = Field(..., max_length=4000)


class AnswerIn(VersionIn):
    answer: str = Field(..., max_length=4000)


class DeclineIn(VersionIn):
    reason: str = Field("", max_length=4000)
    alternative_service: str | None = Field(None, description="Slug of the service you suggest instead.")
    alternative_text: str = Field("", max_length=4000, description="The alternative you suggest.")


class RequestOut(Schema):
    kind: Literal["need", "referral"]
    id: int = Field(..., description="Id of the need or the referral.")
    need: int
    need_title: str
    company: CompanyRef
    organisation: str = Field(..., description="Slug of the organisation that must answer.")
    organisation_name: str
    received: IsoDate
    due: IsoDate
    age_working_days: int
    overdue_working_days: int

    @staticmethod
    def from_request(r: Request) -> dict[str, Any]:
        return {
            "kind": r.kind, "id": r.pk, "need": r.need.pk, "need_title": r.need.title,
            "company": {"cvr": r.need.company.cvr, "name": r.need.company.name},
            "organisation": r.organisation.slug, "organisation_name": r.organisation.name,
            "received": r.received, "due": r.due, "age_working_days": r.age, "overdue_working_days": r.overdue_days,
        }


class AnswerTimesRowOut(Schema):
    organisation: str | None = Field(..., description="Organisation slug; null for the total row.")
    name: str
    received: int
    answered: int
    median_working_days: float | None
    mean_working_days: float | None
    within_deadline_share: float | None = Field(..., description="Per cent answered by the deadline.")
    open: int
    overdue: int


class AnswerTimesOut(Schema):
    date_from: IsoDate
    date_to: IsoDate
    rows: list[AnswerTimesRowOut]


# --- Endpoints ---------------------------------------------------------------------------------------


def _service(refs: References, field: str, slug: str | None) -> Service | None:
    return refs.get(Service, field, slug, lookup="slug")


def _get(user: User, referral_id: int) -> Referral:
    return access_referral(user, referral_id)


@router.get("/overdue", response={200: list[RequestOut], 403: ErrorOut},
            summary="Open requests past their deadline (coordinators)")
def overdue(request: HttpRequest):
    """Needs and referrals not answered by their deadline (Danish working days), oldest deadline first."""
    user = current_user(request)
    require_individual_access(user)
    if not user.sees_everything:
        raise Forbidden(_("Kun koordinationsgruppen ser listen over overskredne svarfrister."))
    return [RequestOut.from_request(r) for r in overdue_requests(timezone.localdate())]


@router.get("/answer-times", response={200: AnswerTimesOut, 403: ErrorOut, 422: ErrorOut},
            summary="Answer times per organisation (coordinators; partner leads for their own)")
def answer_times(request: HttpRequest, date_from: IsoDate | None = None, date_to: IsoDate | None = None):
    """Requests received from date_from to date_to (default: the last 365 days): per organisation that must
    answer, how many were answered, median and mean working days to the answer, the share answered by the
    deadline, and how many are open and overdue today. The last row (organisation null) is the total."""
    user = current_user(request)
    require_individual_access(user)
    org_ids = answer_times_scope(user)
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to - dt.timedelta(days=364)
    rows = answer_times_report(date_from, date_to, org_ids=org_ids, today=today)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "rows": [
            {
                "organisation": row.organisation.slug if row.organisation is not None else None,
                "name": row.label,
                "received": row.received,
                "answered": row.answered,
                "median_working_days": row.median_days,
                "mean_working_days": row.mean_days,
                "within_deadline_share": row.within_deadline_share,
                "open": row.open,
                "overdue": row.overdue,
            }
            for row in rows
        ],
    }


@router.get("", response={200: list[ReferralOut], 403: ErrorOut}, summary="List referrals")
@paginate(PageNumberPagination)
def referral_list(request: HttpRequest, filters: ReferralFilter = Query(...)):  # noqa: B008
    """Received (to a service of your organisation) or sent (by it); open first, nearest deadline first."""
    user = current_user(request)
    require_individual_access(user)
    if filters.direction == "sent":
        qs = referrals_sent(user)
    elif filters.direction == "all":
        if not user.sees_everything:
            raise Forbidden(_("Kun koordinationsgruppen kan se alle henvisninger."))
        qs = referrals_all(user)
    else:
        qs = referrals_received(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.post("", response={201: ReferralOut, **ERRORS}, summary="Refer a need to a service")
def referral_create(request: HttpRequest, payload: ReferralCreateIn):
    """Sends the need to the service, with a deadline in working days. The service's contact and staff are
    e-mailed. Only the need's owner organisation and coordinators refer a need."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    need = refs.get(Need, "need", payload.need)
    service = refs.get(Service, "service", payload.service, lookup="slug", required=True)
    if service is not None and not active_services().filter(pk=service.pk).exists():
        refs.errors.setdefault("service", []).append(_("Ydelsen er ikke længere aktiv. Vælg en anden."))
    refs.check()
    with acting_as(user):
        referral = services.referral_create(user=user, need=need, service=service, message=payload.message)
    return Status(201, _get(user, referral.pk))


@router.get("/{referral_id}", response={200: ReferralOut, **ERRORS}, summary="Get a referral")
def referral_detail(request: HttpRequest, referral_id: int):
    user = current_user(request)
    require_individual_access(user)
    return _get(user, referral_id)


@router.post("/{referral_id}/accept", response={200: ReferralOut, **ERRORS}, summary="Accept (receiving side)")
def referral_accept(request: HttpRequest, referral_id: int, payload: VersionIn | None = None):
    """Your organisation takes the need on and becomes responsible for answering the company."""
    user = current_user(request)
    require_individual_access(user)
    referral = _get(user, referral_id)
    with acting_as(user):
        services.referral_accept(user=user, referral=referral, version=payload.version if payload else None)
    return _get(user, referral_id)


@router.post("/{referral_id}/question", response={200: ReferralOut, **ERRORS}, summary="Ask (receiving side)")
def referral_question(request: HttpRequest, referral_id: int, payload: QuestionIn):
    user = current_user(request)
    require_individual_access(user)
    referral = _get(user, referral_id)
    with acting_as(user):
        services.referral_ask(user=user, referral=referral, version=payload.version, question=payload.question)
    return _get(user, referral_id)


@router.post("/{referral_id}/answer", response={200: ReferralOut, **ERRORS},
             summary="Answer the question (referring side)")
def referral_answer(request: HttpRequest, referral_id: int, payload: AnswerIn):
    user = current_user(request)
    require_individual_access(user)
    referral = _get(user, referral_id)
    with acting_as(user):
        services.referral_answer_question(user=user, referral=referral, version=payload.version,
                                          answer=payload.answer)
    return _get(user, referral_id)


@router.post("/{referral_id}/decline", response={200: ReferralOut, **ERRORS},
             summary="Decline with an alternative (receiving side)")
def referral_decline(request: HttpRequest, referral_id: int, payload: DeclineIn):
    """Give `alternative_service` (a slug), `alternative_text`, or both: declining without an alternative
    is refused (422, code alternative_required)."""
    user = current_user(request)
    require_individual_access(user)
    referral = _get(user, referral_id)
    refs = References()
    alternative = _service(refs, "alternative_service", payload.alternative_service)
    refs.check()
    with acting_as(user):
        services.referral_decline(user=user, referral=referral, version=payload.version, reason=payload.reason,
                                  alternative_service=alternative, alternative_text=payload.alternative_text)
    return _get(user, referral_id)


@router.post("/{referral_id}/withdraw", response={200: ReferralOut, **ERRORS}, summary="Withdraw (referring side)")
def referral_withdraw(request: HttpRequest, referral_id: int, payload: VersionIn | None = None):
    user = current_user(request)
    require_individual_access(user)
    referral = _get(user, referral_id)
    with acting_as(user):
        services.referral_withdraw(user=user, referral=referral, version=payload.version if payload else None)
    return _get(user, referral_id)

