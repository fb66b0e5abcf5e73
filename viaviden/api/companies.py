"""/api/companies: the shared company register (search, look up, register by CVR number, edit, production
units). Reads and writes go through companies.selectors and companies.services, as the web pages do.
A merged record's CVR number answers with the company it was merged into."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from viaviden.companies import selectors as company_selectors
from viaviden.companies import services as company_services
from viaviden.companies.models import Company
from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.organisations.models import User
from viaviden.reference.models import Industry, Municipality, SizeClass

from .auth import current_user
from .common import References, require_individual_access, version_from
from .pagination import PageNumberPagination
from .schemas import (
    CompanyFilter,
    CompanyIn,
    CompanyOut,
    CompanyUpdateIn,
    ErrorOut,
    ProductionUnitIn,
    ProductionUnitOut,
)

router = Router(tags=["companies"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _companies(user: User) -> QuerySet[Company]:
    require_individual_access(user)
    return company_selectors.with_units(company_selectors.companies_for(user))


def _get_company(user: User, cvr: str) -> Company:
    """The company with this CVR number (a merged record's number gives its survivor), with its units."""
    require_individual_access(user)
    found = company_selectors.company_by_cvr(cvr)
    if found is None:
        raise NotFound(_("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret.") % {"cvr": cvr})
    return company_selectors.access_company(user, found.pk)


def _with_etag(response: HttpResponse, company: Company) -> Company:
    response["ETag"] = f'"{company.version}"'
    return company


@router.get("", response={200: list[CompanyOut], 403: ErrorOut}, summary="Search companies")
@paginate(PageNumberPagination)
def company_list(request: HttpRequest, filters: CompanyFilter = Query(...)):  # noqa: B008
    qs = _companies(current_user(request))
    params = filters.dict()
    cvr = params.pop("cvr", None)
    if cvr:
        found = company_selectors.company_by_cvr(cvr)
        qs = qs.filter(pk=found.pk) if found is not None else qs.none()
    return company_selectors.company_filter(qs, **params).order_by("name", "id")


@router.get("/{cvr}", response={200: CompanyOut, **ERRORS}, summary="Get a company by CVR number")
def company_detail(request: HttpRequest, cvr: str, response: HttpResponse):
    return _with_etag(response, _get_company(current_user(request), cvr))


@router.post(
    "",
    response={200: CompanyOut, 201: CompanyOut, **ERRORS},
    summary="Find or register a company by CVR number",
)
def company_create(request: HttpRequest, payload: CompanyIn):
    """Returns 201 when the company was created, 200 when it was already registered."""
    user = current_user(request)
    require_individual_access(user)
    with acting_as(user):
        company, created = company_from_payload(payload, field_prefix="")
    return Status(201 if created else 200, company_selectors.access_company(user, company.pk))


@router.patch("/{cvr}", response={200: CompanyOut, **ERRORS}, summary="Edit a company")
def company_edit(request: HttpRequest, cvr: str, payload: CompanyUpdateIn, response: HttpResponse):
    """Send only the fields to change, and the `version` you read (or an If-Match header). If someone
    else saved the company in between, the answer is 409 and nothing is changed. The CVR number itself
    cannot be changed: two records of one company are merged in the web interface."""
    user = current_user(request)
    company = _get_company(user, cvr)
    version = version_from(request, payload.version)
    if version is None:
        raise ValidationFailed(
            _("Angiv den version af virksomheden, du har læst (feltet version eller headeren If-Match)."),
            code="version_required",
            details={"version": [_("Feltet skal udfyldes.")]},
        )
    sent = payload.model_dump(exclude_unset=True, exclude={"version"})
    refs = References()
    data: dict[str, Any] = {}
    for field, value in sent.items():
        if field in ("name", "municipality") and value is None:
            refs.errors.setdefault(field, []).append(_("Feltet kan ikke tømmes."))
        elif field == "municipality":
            data[field] = refs.get(Municipality, field, value)
        elif field == "industry":
            data[field] = refs.get(Industry, field, value.upper() if value else None)
        elif field == "size_class":
            data[field] = refs.get(SizeClass, field, value)
        else:
            data[field] = value
    refs.check()
    with acting_as(user):
        company_services.company_update(user=user, company=company, data=data, version=version)
    return _with_etag(response, company_selectors.access_company(user, company.pk))


@router.get("/{cvr}/units", response={200: list[ProductionUnitOut], **ERRORS}, summary="A company's production units")
def unit_list(request: HttpRequest, cvr: str):
    return list(_get_company(current_user(request), cvr).units.all())


@router.post("/{cvr}/units", response={201: ProductionUnitOut, **ERRORS}, summary="Add a production unit")
def unit_create(request: HttpRequest, cvr: str, payload: ProductionUnitIn):
    """The unit's municipality follows from the postal code (which must be one of the region's); give
    `municipality` only when the postal code lies in several municipalities."""
    user = current_user(request)
    company = _get_company(user, cvr)
    refs = References()
    municipality = refs.get(Municipality, "municipality", payload.municipality)
    refs.check()
    data = payload.model_dump(exclude={"municipality"})
    if payload.municipality:
        data["municipality"] = municipality
    with acting_as(user):
        unit = company_services.production_unit_add(user=user, company=company, data=data)
    return Status(201, company_selectors.access_unit(user, company, unit.pk))


def company_from_payload(payload: CompanyIn, *, field_prefix: str = "company.") -> tuple[Company, bool]:
    """Find or create the company a payload describes (unknown reference codes are a 422)."""
    refs = References()
    municipality = refs.get(Municipality, f"{field_prefix}municipality", payload.municipality)
    industry = refs.get(Industry, f"{field_prefix}industry", payload.industry.upper() if payload.industry else None)
    size_class = refs.get(SizeClass, f"{field_prefix}size_class", payload.size_class)
    refs.check()
    try:
        return company_services.company_get_or_create(
            cvr=payload.cvr,
            name=payload.name,
            municipality=municipality,
            industry=industry,
            size_class=size_class,
            has_highly_educated_staff=payload.has_highly_educated_staff,
        )
    except ValidationFailed as exc:
        if field_prefix and isinstance(exc.details, dict):
            exc.details = {f"{field_prefix}{k}": v for k, v in exc.details.items()}
        raise
