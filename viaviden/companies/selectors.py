"""Reads of the company register. Company data is shared between all partners (SPEC 3.2)."""

from __future__ import annotations

from django.db.models import QuerySet

from .cvr import is_valid_cvr, normalise_cvr
from .models import Company


def company_list() -> QuerySet[Company]:
    return Company.objects.select_related("municipality", "industry", "size_class")


def company_by_cvr(cvr: str) -> Company | None:
    """The company with this CVR number (any spacing or 'DK' prefix), or None."""
    cvr = normalise_cvr(cvr)
    if not is_valid_cvr(cvr):
        return None
    return company_list().filter(cvr=cvr).first()


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
