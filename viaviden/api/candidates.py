"""/api/candidates: candidate profiles for partner staff, with the privacy rules of the web pages (SPEC 3.9).

Name, e-mail, phone and experience are null unless the candidate shares them with all partners (SHARING
consent) or works with the caller's organisation; `revealed` says which. Every response that reveals them is
audit-logged. Profiles are created on a person's behalf only with the consent the person gave."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.candidates import selectors, services
from viaviden.candidates.models import Candidate, Consent, StudyProgramme
from viaviden.core.audit import acting_as
from viaviden.core.mail import site_base_url
from viaviden.organisations.models import User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .auth import current_user
from .common import References, require_individual_access
from .pagination import PageNumberPagination
from .schemas import ErrorOut, InputSchema, IsoDate, choice

router = Router(tags=["candidates"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------------


class ProgrammeRef(Schema):
    slug: str
    name: str
    institution: str


class CandidateOrgRef(Schema):
    id: int
    slug: str
    name: str


class CandidateOut(Schema):
    id: int
    pseudonym: str = Field(..., examples=["Kandidat K-123"])
    revealed: bool = Field(..., description="Whether name and contact details are shown to you.")
    name: str | None = Field(None, description="Null unless revealed.")
    email: str | None = Field(None, description="Null unless revealed.")
    phone: str | None = Field(None, description="Null unless revealed.")
    experience: str | None = Field(None, description="Null unless revealed.")
    kind: choice(Candidate.Kind, "CandidateKind")
    programme: ProgrammeRef | None = None
    education_text: str = ""
    institution: str = ""
    level: str | None = Field(None, description="KVU, MVU or LVU.")
    expected_graduation: IsoDate | None = None
    competences: str = ""
    match_types: list[str] = []
    available_from: IsoDate | None = None
    home_municipality: str | None = Field(None, description="Municipality code.")
    max_travel_minutes: int | None = None
    willing_to_move: bool = False
    organisation: CandidateOrgRef | None = Field(None, description="The partner that works with the person.")
    consents: list[Consent.Purpose] = Field([], description="Purposes with an active consent.")


class CandidateFilter(Schema):
    """Query parameters of GET /api/candidates (the same filters as the web list)."""

    q: str | None = Field(None, description="Education and competences; name and e-mail only where revealed.")
    level: str | None = Field(None, description="KVU, MVU or LVU.")
    home_municipality: str | None = Field(None, description="Municipality code.")
    match_type: str | None = None
    kind: choice(Candidate.Kind, "CandidateKind") | None = None
    consent: choice(Consent.Purpose, "ConsentPurpose") | None = Field(None, description="Only candidates with this active consent.")
    own: bool | None = Field(None, description="Only your organisation's candidates.")


class CandidateCreateIn(InputSchema):
    email: str = Field(..., max_length=254)
    name: str = Field(..., max_length=200)
    kind: choice(Candidate.Kind, "CandidateKind") = Candidate.Kind.STUDENT
    phone: str = Field("", max_length=30)
    programme: str | None = Field(None, description="Slug of a study programme (see the competence guides).")
    education_text: str = Field("", max_length=200, description="The education, when it is not a listed programme.")
    institution: str = Field("", max_length=200)
    level: str | None = Field(None, description="KVU, MVU or LVU; follows from `programme` when given.")
    expected_graduation: IsoDate | None = None
    competences: str = Field("", max_length=5000)
    experience: str = Field("", max_length=5000)
    match_types: list[str] = Field([], description="Codes of the wished match types.")
    available_from: IsoDate | None = None
    home_municipality: str | None = Field(None, description="Municipality code.")
    max_travel_minutes: int | None = Field(None, ge=1, le=600)
    willing_to_move: bool = False
    consents: list[Consent.Purpose] = Field(..., description="The purposes the person consented to (at least one).")
    consent_method: Literal["mundtligt ved samtale", "skriftligt"] = Field(..., description="How consent was given.")
    consent_date: IsoDate | None = Field(None, description="When consent was given (default today).")


# --- Output ------------------------------------------------------------------------------------------


def _out(view: selectors.CandidateView) -> dict[str, Any]:
    org = view.organisation
    return {
        "id": view.pk,
        "pseudonym": view.pseudonym,
        "revealed": view.revealed,
        "name": view.name,
        "email": view.email,
        "phone": view.phone,
        "experience": view.experience,
        "kind": view.kind,
        "programme": None if view.programme is None else {
            "slug": view.programme.slug, "name": view.programme.name_da, "institution": view.programme.institution,
        },
        "education_text": view.education_text,
        "institution": view.institution,
        "level": view.level.code if view.level is not None else None,
        "expected_graduation": view.expected_graduation,
        "competences": view.competences,
        "match_types": [mt.code for mt in view.match_types],
        "available_from": view.available_from,
        "home_municipality": view.home_municipality.code if view.home_municipality is not None else None,
        "max_travel_minutes": view.max_travel_minutes,
        "willing_to_move": view.willing_to_move,
        "organisation": None if org is None else {"id": org.pk, "slug": org.slug, "name": org.name},
        "consents": sorted(view.consent_purposes),
    }


class _MaskedPage:
    """A filtered queryset that the paginator slices; each page is turned into what the user may see."""

    def __init__(self, user: User, qs):
        self.user, self.qs = user, qs

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [_out(v) for v in selectors.candidate_views(self.user, self.qs[window], log_as="api-list")]


# --- Endpoints ---------------------------------------------------------------------------------------


@router.get("", response={200: list[CandidateOut], 403: ErrorOut}, summary="List candidates you can find")
@paginate(PageNumberPagination)
def candidate_list(request: HttpRequest, filters: CandidateFilter = Query(...)):  # noqa: B008
    user = current_user(request)
    require_individual_access(user)
    params = filters.dict()
    if params.get("level"):
        params["level"] = params["level"].upper()
    return _MaskedPage(user, selectors.candidate_list_for_staff(user, params))


@router.get("/{candidate_id}", response={200: CandidateOut, **ERRORS}, summary="Get a candidate")
def candidate_detail(request: HttpRequest, candidate_id: int):
    """Revealing name and contact details is written to the audit log."""
    user = current_user(request)
    require_individual_access(user)
    return _out(selectors.access_candidate(user, candidate_id, via="api"))


@router.post("", response={201: CandidateOut, **ERRORS}, summary="Create a profile on a person's behalf")
def candidate_create(request: HttpRequest, payload: CandidateCreateIn):
    """Only with the person's consent: give the purposes they agreed to (`consents`, at least one), how
    (`consent_method`) and when (`consent_date`). The profile belongs to your organisation and the person is
    told by e-mail. An e-mail address that already has a profile is refused (422)."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    programme = refs.get(StudyProgramme, "programme", payload.programme, lookup="slug")
    level = refs.get(EducationLevel, "level", payload.level.upper() if payload.level else None)
    municipality = refs.get(Municipality, "home_municipality", payload.home_municipality)
    match_types = [refs.get(MatchType, "match_types", code) for code in payload.match_types]
    refs.check()
    data = payload.model_dump(exclude={"consents", "consent_method", "consent_date"})
    data.update(programme=programme, level=level, home_municipality=municipality, match_types=match_types)
    with acting_as(user):
        candidate = services.candidate_create_by_partner(
            user=user, data=data, consents=[str(p) for p in payload.consents], consent_method=payload.consent_method,
            consent_date=payload.consent_date, base_url=site_base_url(),
        )
    candidate = selectors.with_profile_relations(Candidate.objects.filter(pk=candidate.pk)).get()
    return Status(201, _out(selectors.visible_candidate(user, candidate)))
