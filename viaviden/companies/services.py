"""Writes to the company register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from viaviden.core.errors import ValidationFailed
from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import normalise_cvr, validate_cvr
from .models import Company


def company_get_or_create(
    *, cvr: str, name: str = "", municipality: Municipality | None = None,
    industry: Industry | None = None, size_class: SizeClass | None = None,
) -> tuple[Company, bool]:
    """Find a company by CVR number or create it (name and municipality are then required).
    Fills in industry and size class on an existing company when they were missing."""
    cvr = normalise_cvr(cvr)
    try:
        validate_cvr(cvr)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid_cvr", details={"cvr": exc.messages}) from exc
    with transaction.atomic():
        company = Company.objects.filter(cvr=cvr).first()
        if company is not None:
            fields = []
            if industry and not company.industry_id:
                company.industry, fields = industry, fields + ["industry"]
            if size_class and not company.size_class_id:
                company.size_class, fields = size_class, fields + ["size_class"]
            if fields:
                company.save(update_fields=[*fields, "updated_at"])
            return company, False
        if not name.strip() or municipality is None:
            raise ValidationFailed(
                _("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv navn og kommune for at oprette den.")
                % {"cvr": cvr},
                code="company_unknown",
            )
        company = Company(cvr=cvr, name=name.strip(), municipality=municipality, industry=industry,
                          size_class=size_class)
        company.full_clean()
        company.save()
        return company, True
