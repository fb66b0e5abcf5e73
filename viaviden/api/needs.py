"""/api/needs: company needs (afdækning) and their job profiles. Reads go through the need selectors,
writes through the need services, so the API enforces exactly the rules of the web interface:
needs are shared with all partner staff; the owner organisation and coordinators change them; a need
is only closed with an answer (a match is registered with POST /api/matches and `need`)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.companies import need_services as services
from viaviden.companies.models import Need
from viaviden.companies.need_selectors import access_need, need_detail_queryset, need_job_profile, need_list
from viaviden.core.audit import acting_as
from viaviden.core.errors import ValidationFailed
from viaviden.core.models import NOTE_MAX_LENGTH
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .auth import current_user
from .common import References, require_individual_access, version_from
from .companies import company_from_payload
from .pagination import PageNumberPagination
from .schemas import CompanyIn, CompanyRef, ErrorOut, InputSchema, IsoDate, OrgRef, choice

router = Router(tags=["needs"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas -------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.get_full_name() or obj.username


class NeedOut(Schema):
    id: int
    version: int = Field(..., description="Send it back with PATCH, status and close (optimistic locking).")
    company: CompanyRef
    title: str
    tasks: str
    recognised: bool = Field(..., description="False: a need the company has not recognised itself yet.")
    match_types: list[str] = Field(..., description="Wished match type codes; empty: any type.")
    education_levels: list[str] = Field(..., description="Wished levels (KVU, MVU, LVU); empty: every level.")
    level_unknown: bool = Field(..., description="The company does not know which level fits.")
    education_wish: str
    time_frame: str
    earliest_start: IsoDate | None
    place_municipality: str | None = Field(None, description="Municipality code of the place of work.")
    place: str
    status: choice(Need.Status, "NeedStatus")
    source: choice(Need.Source, "NeedSource")
    owner_organisation: OrgRef
    owner: PersonRef | None
    requested_at: dt.datetime | None = Field(None, description="Set when the need is a company request.")
    answer_due: IsoDate | None = Field(None, description="The answer promise's deadline.")
    overdue: bool = Field(..., description="Open and past the answer deadline.")
    answer: str = Field(..., description="match, alternative or no_match; empty while open.")
    answer_note: str = Field(..., description="The reason or alternative; the company reads it.")
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    is_synthetic: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_match_types(obj) -> list[str]:
        return sorted(mt.code for mt in obj.match_types.all())

    @staticmethod
    def resolve_education_levels(obj) -> list[str]:
        return sorted(lv.code for lv in obj.education_levels.all())

    @staticmethod
    def resolve_place_municipality(obj) -> str | None:
        return obj.place_municipality_id

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class NeedEventOut(Schema):
    at: dt.datetime
    kind: str
    text: str
    public: bool = Field(..., description="Shown to the company on its status page.")
    organisation: str | None = Field(None, description="Organisation slug.")

    @staticmethod
    def resolve_organisation(obj) -> str | None:
        return obj.organisation.slug if obj.organisation_id else None


class NeedDetailOut(NeedOut):
    submitter_name: str = Field(..., description="Self-service: the company's contact person (partner staff only).")
    submitter_email: str
    submitter_phone: str
    events: list[NeedEventOut]
    referrals: list[int] = Field(..., description="Ids of the need's referrals (/api/referrals).")
    matches: list[int] = Field(..., description="Ids of the matches registered from the need.")

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())

    @staticmethod
    def resolve_referrals(obj) -> list[int]:
        return list(obj.referrals.order_by("id").values_list("id", flat=True))

    @staticmethod
    def resolve_matches(obj) -> list[int]:
        return list(obj.matches.order_by("id").values_list("id", flat=True))


class NeedFilter(Schema):
    status: choice(Need.Status, "NeedStatus") | None = None
    open: bool = Field(False, description="Only new and in-progress needs.")
    owner_organisation: str | None = Field(None, description="Organisation slug (its units included).")
    mine: bool = Field(False, description="Only needs you are responsible for.")
    municipality: str | None = Field(None, description="Municipality code of the place of work.")
    match_type: str | None = None
    overdue: bool = Field(False, description="Only open needs past their answer deadline.")
    company_cvr: str | None = None
    q: str | None = Field(None, description="Text in the title, the company name, or a CVR prefix.")


class NeedCreateIn(InputSchema):
    company: CompanyIn
    tasks: str = Field(..., max_length=5000, description="The tasks the company wants solved.")
    title: str = Field("", max_length=200, description="Defaults to the first line of the tasks.")
    recognised: bool = True
    match_types: list[str] = Field(default_factory=list, description="Match type codes; empty: any type.")
    education_levels: list[str] = Field(default_factory=list, description="KVU, MVU, LVU; empty: every level.")
    level_unknown: bool = False
    education_wish: str = Field("", max_length=300)
    time_frame: str = Field("", max_length=200)
    earliest_start: IsoDate | None = None
    place_municipality: str | None = Field(None, description="Municipality code; default the company's workplace.")
    place: str = Field("", max_length=200)
    owner_organisation: str | None = Field(None, description="Slug; defaults to your own organisation.")


class NeedUpdateIn(InputSchema):
    version: int | None = Field(None, description="The version you read; or send it as If-Match.")
    title: str | None = Field(None, max_length=200)
    tasks: str | None = Field(None, max_length=5000)
    recognised: bool | None = None
    match_types: list[str] | None = None
    education_levels: list[str] | None = None
    level_unknown: bool | None = None
    education_wish: str | None = Field(None, max_length=300)
    time_frame: str | None = Field(None, max_length=200)
    earliest_start: IsoDate | None = None
    place_municipality: str | None = None
    place: str | None = Field(None, max_length=200)


class NeedCloseIn(InputSchema):
    version: int | None = Field(None, description="The version you read; or send it as If-Match.")
    answer: str = Field("", description="alternative, no_match, or match (only when a match is registered from it).", max_length=NOTE_MAX_LENGTH)
    answer_note: str = Field("", max_length=5000, description="Required for alternative and no_match; the company reads it.")


class NeedStatusIn(InputSchema):
    version: int | None = Field(None, description="The version you read; or send it as If-Match.")
    status: str = Field(..., description="in_progress (take a new need on) or reopen (with reason).")
    reason: str = Field("", max_length=2000, description="Why a closed need is reopened.")


class JobProfileOut(Schema):
    """The need as the matching engine reads it (companies.need_selectors.JobProfile)."""

    need_id: int
    company_cvr: str
    tasks: str
    match_types: list[str] = Field(..., description="Empty: any match type.")
    education_levels: list[str] = Field(..., description="Empty: every level is accepted.")
    education_wish: str
    municipality: str = Field(..., description="Municipality code of the place of work.")
    earliest_start: IsoDate | None
    time_frame: str
    recognised: bool


# --- Helpers -------------------------------------------------------------------------------------


def _get_need(user: User, need_id: int) -> Need:
    return access_need(user, need_id, need_detail_queryset())


def _with_etag(response: HttpResponse, need: Need) -> Need:
    response["ETag"] = f'"{need.version}"'
    return need


def _required_version(request: HttpRequest, body_version: int | None) -> int:
    version = version_from(request, body_version)
    if version is None:
        raise ValidationFailed(
            _("Angiv den version af behovet, du har læst (feltet version eller headeren If-Match)."),
            code="version_required",
            details={"version": [_("Feltet skal udfyldes.")]},
        )
    return version


def _references(refs: References, data: dict[str, Any]) -> dict[str, Any]:
    """Resolve the codes of a payload's need fields into objects (unknown ones are collected in refs)."""
    out = dict(data)
    if "match_types" in data:
        out["match_types"] = [refs.get(MatchType, "match_types", code) for code in data["match_types"] or []]
    if "education_levels" in data:
        out["education_levels"] = [
            refs.get(EducationLevel, "education_levels", code.upper()) for code in data["education_levels"] or []
        ]
    if "place_municipality" in data:
        out["place_municipality"] = refs.get(Municipality, "place_municipality", data["place_municipality"])
    return out


# --- Endpoints -----------------------------------------------------------------------------------


@router.get("", response={200: list[NeedOut], 403: ErrorOut}, summary="List needs")
@paginate(PageNumberPagination)
def need_list_endpoint(request: HttpRequest, filters: NeedFilter = Query(...)):  # noqa: B008
    """All partners' needs, open first (nearest deadline first)."""
    user = current_user(request)
    require_individual_access(user)
    owner_org = None
    if filters.owner_organisation:
        found = Organisation.objects.filter(slug=filters.owner_organisation).values_list("pk", flat=True).first()
        owner_org = found or -1
    qs = need_list(
        user,
        status=filters.status,
        open_only=filters.open,
        owner_organisation=owner_org,
        mine=filters.mine,
        municipality=filters.municipality,
        match_type=filters.match_type,
        overdue=filters.overdue,
        q=filters.q,
    )
    if filters.company_cvr:
        qs = qs.filter(company__cvr=filters.company_cvr.strip())
    return qs


@router.post("", response={201: NeedDetailOut, **ERRORS}, summary="Register a need")
def need_create(request: HttpRequest, payload: NeedCreateIn, response: HttpResponse):
    """Registers a need, creating the company first if the CVR number is new (give name and
    municipality). A wished student collaboration makes it a company request with an answer deadline."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    data = _references(refs, payload.model_dump(exclude={"company", "owner_organisation"}))
    owner_organisation = refs.get(Organisation, "owner_organisation", payload.owner_organisation, lookup="slug")
    refs.check()
    with acting_as(user), transaction.atomic():
        company, _created = company_from_payload(payload.company)
        need = services.need_create(user=user, company=company, owner_organisation=owner_organisation, **data)
    need = _get_need(user, need.pk)
    _with_etag(response, need)
    return Status(201, need)


@router.get("/{need_id}", response={200: NeedDetailOut, **ERRORS}, summary="Get a need with its history")
def need_detail(request: HttpRequest, need_id: int, response: HttpResponse):
    user = current_user(request)
    require_individual_access(user)
    return _with_etag(response, _get_need(user, need_id))


@router.patch("/{need_id}", response={200: NeedDetailOut, **ERRORS}, summary="Edit a need")
def need_edit(request: HttpRequest, need_id: int, payload: NeedUpdateIn, response: HttpResponse):
    """Send only the fields to change, and the `version` you read (or If-Match). If someone else saved
    the need in between, the answer is 409 and nothing is changed. Closed needs are not edited."""
    user = current_user(request)
    require_individual_access(user)
    need = _get_need(user, need_id)
    version = _required_version(request, payload.version)
    sent = payload.model_dump(exclude_unset=True, exclude={"version"})
    refs = References()
    for field in ("title", "tasks", "recognised", "level_unknown", "match_types", "education_levels"):
        if field in sent and sent[field] is None:
            refs.errors.setdefault(field, []).append(_("Feltet kan ikke tømmes."))
    for field in ("education_wish", "time_frame", "place"):
        if field in sent and sent[field] is None:
            sent[field] = ""
    fields = _references(refs, sent)
    refs.check()
    with acting_as(user):
        services.need_update(user=user, need=need, version=version, **fields)
    return _with_etag(response, _get_need(user, need_id))


@router.post("/{need_id}/status", response={200: NeedDetailOut, **ERRORS}, summary="Take on or reopen a need")
def need_status(request: HttpRequest, need_id: int, payload: NeedStatusIn, response: HttpResponse):
    user = current_user(request)
    require_individual_access(user)
    need = _get_need(user, need_id)
    version = _required_version(request, payload.version)
    with acting_as(user):
        if payload.status == "reopen":
            services.need_reopen(user=user, need=need, version=version, reason=payload.reason)
        else:
            services.need_set_status(user=user, need=need, status=payload.status, version=version)
    return _with_etag(response, _get_need(user, need_id))


@router.post("/{need_id}/close", response={200: NeedDetailOut, **ERRORS}, summary="Answer and close a need")
def need_close(request: HttpRequest, need_id: int, payload: NeedCloseIn, response: HttpResponse):
    """A need is only closed with an answer: `alternative` (describe it in `answer_note`), `no_match`
    (the reason in `answer_note`; the company reads it), or `match` when a match was registered from
    the need. Without an answer the need stays open (422, code answer_required)."""
    user = current_user(request)
    require_individual_access(user)
    need = _get_need(user, need_id)
    version = _required_version(request, payload.version)
    with acting_as(user):
        services.need_close(
            user=user, need=need, answer=payload.answer, answer_note=payload.answer_note, version=version
        )
    return _with_etag(response, _get_need(user, need_id))


@router.get("/{need_id}/job-profile", response={200: JobProfileOut, **ERRORS}, summary="The need as a job profile")
def need_job_profile_endpoint(request: HttpRequest, need_id: int):
    user = current_user(request)
    require_individual_access(user)
    return need_job_profile(_get_need(user, need_id)).as_dict()
