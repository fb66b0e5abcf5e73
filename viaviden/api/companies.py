"""/api/companies: the shared company register (look up, search, register by CVR number)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from viaviden.companies import selectors as company_selectors
from viaviden.companies.cvr import normalise_cvr
from viaviden.companies.models import Company
from viaviden.companies.services import company_get_or_create
from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.reference.models import Industry, Municipality, SizeClass

from .auth import current_user
from .common import References, require_individual_access
from .schemas import CompanyFilter, CompanyIn, CompanyOut, ErrorOut

router = Router(tags=["companies"])


@router.get("", response={200: list[CompanyOut], 403: ErrorOut}, summary="Search companies")
@paginate(PageNumberPagination)
def company_list(request: HttpRequest, filters: CompanyFilter = Query(...)):  # noqa: B008
    require_individual_access(current_user(request))
    if filters.cvr:
        filters.cvr = normalise_cvr(filters.cvr)
    return filters.filter(company_selectors.company_list().order_by("name", "id"))


@router.get("/{cvr}", response={200: CompanyOut, 403: ErrorOut, 404: ErrorOut}, summary="Get a company by CVR number")
def company_detail(request: HttpRequest, cvr: str):
    require_individual_access(current_user(request))
    company = company_selectors.company_by_cvr(cvr)
    if company is None:
        raise NotFound(_("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret.") % {"cvr": cvr})
    return company


@router.post(
    "",
    response={200: CompanyOut, 201: CompanyOut, 403: ErrorOut, 422: ErrorOut},
    summary="Find or register a company by CVR number",
)
def company_create(request: HttpRequest, payload: CompanyIn):
    """Returns 201 when the company was created, 200 when it was already registered."""
    user = current_user(request)
    require_individual_access(user)
    with acting_as(user):
        company, created = company_from_payload(payload, field_prefix="")
    return Status(201 if created else 200, company)


def company_from_payload(payload: CompanyIn, *, field_prefix: str = "company.") -> tuple[Company, bool]:
    """Find or create the company a payload describes (unknown reference codes are a 422)."""
    refs = References()
    municipality = refs.get(Municipality, f"{field_prefix}municipality", payload.municipality)
    industry = refs.get(Industry, f"{field_prefix}industry", payload.industry.upper() if payload.industry else None)
    size_class = refs.get(SizeClass, f"{field_prefix}size_class", payload.size_class)
    refs.check()
    try:
        return company_get_or_create(
            cvr=payload.cvr,
            name=payload.name,
            municipality=municipality,
            industry=industry,
            size_class=size_class,
        )
    except ValidationFailed as exc:
        if field_prefix and isinstance(exc.details, dict):
            exc.details = {f"{field_prefix}{k}": v for k, v in exc.details.items()}
        raise
