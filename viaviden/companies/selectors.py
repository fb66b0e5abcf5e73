"""Reads of the company register. Company data is shared between all partners (SPEC 3.2); the steering
group sees aggregates only, so every reader first checks `can_read_companies`.

A record merged into another one is a tombstone (`merged_into`): lists leave it out, and its CVR number
finds the company it was merged into."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from viaviden.core.errors import Forbidden, NotFound
from viaviden.organisations.models import User
from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import is_valid_cvr, normalise_cvr
from .models import Company, CompanyMerge, ProductionUnit


def can_read_companies(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.aggregates_only
        and (user.sees_everything or user.organisation_id is not None)
    )


def _all_companies() -> QuerySet[Company]:
    return Company.objects.select_related("municipality", "industry", "size_class")


def company_list() -> QuerySet[Company]:
    """The register without tombstones."""
    return _all_companies().filter(merged_into__isnull=True)


def company_by_cvr(cvr: str) -> Company | None:
    """The company with this CVR number (any spacing or 'DK' prefix), or None. A merged record's number
    gives the company it was merged into."""
    cvr = normalise_cvr(cvr)
    if not is_valid_cvr(cvr):
        return None
    company = _all_companies().filter(cvr=cvr).first()
    if company is not None and company.merged_into_id is not None:
        return _all_companies().get(pk=company.merged_into_id)
    return company


def company_record_by_cvr(cvr: str) -> Company | None:
    """The record with this CVR number as stored, a tombstone included (merging chooses records)."""
    cvr = normalise_cvr(cvr)
    if not is_valid_cvr(cvr):
        return None
    return _all_companies().select_related("merged_into").filter(cvr=cvr).first()


def company_search(q: str, *, limit: int = 10) -> list[Company]:
    """Companies whose CVR number starts with `q` (when it is digits) or whose name contains it."""
    text = (q or "").strip()
    if not text:
        return []
    cvr = normalise_cvr(text)
    if cvr.isdigit():
        qs = company_list().filter(cvr__startswith=cvr).order_by("cvr")
    else:
        qs = company_list().filter(name__icontains=text).order_by("name", "cvr")
    return list(qs[:limit])


def company_filter(
    qs: QuerySet[Company] | None = None,
    *,
    q: str | None = None,
    municipality: Municipality | str | None = None,
    industry: Industry | str | None = None,
    size_class: SizeClass | str | None = None,
    has_highly_educated_staff: bool | None = None,
) -> QuerySet[Company]:
    """The register's search: `q` is a name (contains), a CVR number (prefix) or a P-number (prefix),
    including the numbers of merged records; `municipality` matches the company's or a unit's. Empty
    values are ignored."""
    qs = company_list() if qs is None else qs
    text = (q or "").strip()
    if text:
        cond = Q(name__icontains=text)
        digits = normalise_cvr(text)
        if digits.isdigit():
            cond |= Q(cvr__startswith=digits)
            cond |= Exists(ProductionUnit.objects.filter(company=OuterRef("pk"), p_number__startswith=digits))
            cond |= Exists(Company.objects.filter(merged_into=OuterRef("pk"), cvr__startswith=digits))
        qs = qs.filter(cond)
    if municipality not in (None, ""):
        code = municipality.pk if isinstance(municipality, Municipality) else str(municipality)
        qs = qs.filter(
            Q(municipality_id=code)
            | Exists(ProductionUnit.objects.filter(company=OuterRef("pk"), municipality_id=code))
        )
    if industry not in (None, ""):
        qs = qs.filter(industry_id=industry.pk if isinstance(industry, Industry) else str(industry).upper())
    if size_class not in (None, ""):
        qs = qs.filter(size_class_id=size_class.pk if isinstance(size_class, SizeClass) else str(size_class))
    if has_highly_educated_staff is not None:
        qs = qs.filter(has_highly_educated_staff=has_highly_educated_staff)
    return qs


def companies_for(user: User) -> QuerySet[Company]:
    """The register as `user` reads it (list pages and the API), with the unit count."""
    if not can_read_companies(user):
        raise Forbidden(_("Du har ikke adgang til virksomhedsregistret."), code="aggregates_only")
    return company_list().annotate(unit_count=Count("units"))


def with_units(qs: QuerySet[Company]) -> QuerySet[Company]:
    units = ProductionUnit.objects.select_related("municipality").order_by("-is_primary", "name", "id")
    return qs.prefetch_related(Prefetch("units", queryset=units))


def access_company(user: User, pk: int) -> Company:
    """The company with this id, tombstones included (the view sends those on to the survivor);
    Forbidden for the steering group, NotFound when there is none."""
    if not can_read_companies(user):
        raise Forbidden(_("Du har ikke adgang til virksomhedsregistret."), code="aggregates_only")
    company = with_units(_all_companies().select_related("merged_into")).filter(pk=pk).first()
    if company is None:
        raise NotFound(_("Virksomheden findes ikke."))
    return company


def access_unit(user: User, company: Company, unit_pk: int) -> ProductionUnit:
    if not can_read_companies(user):
        raise Forbidden(_("Du har ikke adgang til virksomhedsregistret."), code="aggregates_only")
    unit = ProductionUnit.objects.select_related("company", "municipality").filter(pk=unit_pk, company=company).first()
    if unit is None:
        raise NotFound(_("Produktionsenheden findes ikke."))
    return unit


def company_merges(company: Company) -> QuerySet[CompanyMerge]:
    """Merges into this company, and into the records that were later merged into it."""
    return (
        CompanyMerge.objects.filter(Q(survivor=company) | Q(survivor__merged_into=company))
        .select_related("merged_by", "merged_by__organisation", "survivor")
        .order_by("-merged_at", "-id")
    )


def company_relations() -> list[models.ManyToOneRel]:
    """Every foreign key to Company that a merge moves (matches, needs, contact log, hand-overs,
    production units, and whatever later refers to a company), keyed by its accessor name."""
    return [
        rel
        for rel in Company._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ManyToOneRel)
        and not rel.one_to_one
        and rel.related_model not in (CompanyMerge, Company)
    ]


def relation_key(rel: models.ManyToOneRel) -> str:
    return rel.related_model._meta.model_name if rel.hidden else (rel.get_accessor_name() or "")


def company_related_counts(company: Company) -> dict[str, int]:
    """How many rows of each kind refer to the company: what a merge would move."""
    counts = {
        relation_key(rel): rel.related_model._default_manager.filter(**{rel.field.name: company}).count()
        for rel in company_relations()
    }
    counts["merged_records"] = Company.objects.filter(merged_into=company).count()
    return counts
