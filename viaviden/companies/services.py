"""Writes to the company register: companies, production units and merging two records of one company.

Company data is shared between partners (SPEC 3.2): all partner staff create and edit companies; a
merge (which moves everything of one record to another) is for partner leads and coordinators."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.organisations.models import User
from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import normalise_cvr, validate_cvr
from .models import Company, CompanyMerge, ProductionUnit
from .selectors import company_relations, relation_key

# Fields a partner edits on a company (the CVR number is the identity: a wrong one is fixed by merging).
COMPANY_FIELDS = ("name", "municipality", "industry", "size_class", "has_highly_educated_staff")
UNIT_FIELDS = ("p_number", "name", "address", "postal_code", "city", "municipality", "is_primary")
# Filled on the survivor from the merged record when the survivor has no value.
MERGE_FILL_FIELDS = ("industry", "size_class", "has_highly_educated_staff")

_P_NUMBER = re.compile(r"\d{10}")


# ------------------------------------------------------------------------------------------ permissions


def can_edit_companies(user: User) -> bool:
    """Partner staff (and coordinators) keep the shared register; the steering group sees aggregates only."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.aggregates_only
        and (user.sees_everything or user.organisation_id is not None)
    )


def can_merge_companies(user: User) -> bool:
    return can_edit_companies(user) and (user.sees_everything or user.role == User.Role.PARTNER_LEAD)


def _require_edit(user: User) -> None:
    if not can_edit_companies(user):
        raise Forbidden(_("Du har ikke adgang til at ændre virksomhedsregistret."))


# ------------------------------------------------------------------------------------------ validation


def _failed(exc: ValidationError) -> ValidationFailed:
    """A model ValidationError as ValidationFailed with the messages per field."""
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(details.values()))[0]
    return ValidationFailed(first, code="validation_error", details=details)


def clean_cvr(value: Any) -> str:
    """The normalised CVR number, or ValidationFailed (code invalid_cvr) with the Danish reason."""
    cvr = normalise_cvr(value)
    try:
        validate_cvr(cvr)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid_cvr", details={"cvr": exc.messages}) from exc
    return cvr


def postal_code_municipalities(postal_code: str) -> list[Municipality]:
    """The municipalities a postal code lies in (several when it crosses a border), by name."""
    return list(Municipality.objects.filter(postal_codes__code=postal_code).order_by("name").distinct())


def resolve_unit_municipality(postal_code: str, municipality: Municipality | None) -> Municipality:
    """The municipality of an address: the postal code's own when it lies in one municipality; when it
    lies in several, `municipality` must be given and be one of them."""
    postal_code = (postal_code or "").strip()
    if not re.fullmatch(r"\d{4}", postal_code):
        message = _("Postnummeret skal bestå af 4 cifre.")
        raise ValidationFailed(message, code="invalid_postal_code", details={"postal_code": [message]})
    candidates = postal_code_municipalities(postal_code)
    if not candidates:
        message = _("Postnummeret %(code)s findes ikke i referencedata for de nordjyske kommuner.") % {
            "code": postal_code
        }
        raise ValidationFailed(message, code="unknown_postal_code", details={"postal_code": [message]})
    if municipality is not None:
        if municipality.pk not in {m.pk for m in candidates}:
            message = _("Postnummeret %(code)s ligger ikke i %(name)s Kommune. Det ligger i: %(names)s.") % {
                "code": postal_code,
                "name": municipality.name,
                "names": ", ".join(m.name for m in candidates),
            }
            raise ValidationFailed(message, code="postal_code_municipality", details={"municipality": [message]})
        return municipality
    if len(candidates) > 1:
        message = _("Postnummeret %(code)s ligger i flere kommuner (%(names)s). Vælg kommunen.") % {
            "code": postal_code,
            "names": ", ".join(m.name for m in candidates),
        }
        raise ValidationFailed(message, code="municipality_required", details={"municipality": [message]})
    return candidates[0]


# --------------------------------------------------------------------------------------------- company


def company_get_or_create(
    *, cvr: str, name: str = "", municipality: Municipality | None = None,
    industry: Industry | None = None, size_class: SizeClass | None = None,
    has_highly_educated_staff: bool | None = None,
) -> tuple[Company, bool]:
    """Find a company by CVR number or create it (name and municipality are then required).
    Fills in industry, size class and "has highly educated staff" on an existing company when they were
    missing. A merged record's CVR number finds the company it was merged into."""
    cvr = clean_cvr(cvr)
    with transaction.atomic():
        company = Company.objects.filter(cvr=cvr).select_related("merged_into").first()
        if company is not None:
            if company.merged_into_id is not None:
                company = company.merged_into
            fields = []
            if industry and not company.industry_id:
                company.industry, fields = industry, fields + ["industry"]
            if size_class and not company.size_class_id:
                company.size_class, fields = size_class, fields + ["size_class"]
            if has_highly_educated_staff is not None and company.has_highly_educated_staff is None:
                company.has_highly_educated_staff = has_highly_educated_staff
                fields.append("has_highly_educated_staff")
            if fields:
                company.version += 1
                company.save(update_fields=[*fields, "version", "updated_at"])
            return company, False
        if not name.strip() or municipality is None:
            raise ValidationFailed(
                _("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv navn og kommune for at oprette den.")
                % {"cvr": cvr},
                code="company_unknown",
            )
        company = Company(cvr=cvr, name=name.strip(), municipality=municipality, industry=industry,
                          size_class=size_class, has_highly_educated_staff=has_highly_educated_staff)
        # The unique CVR number is the database's to enforce: a concurrent request may insert it between
        # our look-up and our insert, and then that company is the answer (issue 13).
        company.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError:
            existing = Company.objects.filter(cvr=cvr).select_related("merged_into").first()
            if existing is None:
                raise
            return existing.merged_into or existing, False
        return company, True


def company_create(*, user: User, cvr: str, data: dict[str, Any]) -> Company:
    """Register a new company; a CVR number already in the register is refused (code company_exists)."""
    _require_edit(user)
    cvr = clean_cvr(cvr)
    unknown = set(data) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"unknown company fields: {sorted(unknown)}")
    with transaction.atomic():
        existing = Company.objects.filter(cvr=cvr).first()
        if existing is not None:
            message = _("Virksomheden med CVR-nummer %(cvr)s findes allerede i registret (%(name)s).") % {
                "cvr": cvr,
                "name": (existing.merged_into or existing).name,
            }
            raise ValidationFailed(message, code="company_exists", details={"cvr": [message]})
        company = Company(cvr=cvr, **{**data, "name": (data.get("name") or "").strip()})
        try:
            company.full_clean()
        except ValidationError as exc:
            raise _failed(exc) from exc
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as exc:
            # Registered by a concurrent request after our look-up: the same answer as above, 409.
            message = _("Virksomheden med CVR-nummer %(cvr)s blev netop oprettet af en anden.") % {"cvr": cvr}
            raise Conflict(message, code="company_exists", details={"cvr": [message]}) from exc
    return company


def company_update(*, user: User, company: Company, data: dict[str, Any], version: int) -> Company:
    """Change a company's facts (COMPANY_FIELDS). `version` is the one the user read; if someone else
    saved the company in between, Conflict is raised and nothing changes."""
    _require_edit(user)
    unknown = set(data) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"unknown company fields: {sorted(unknown)}")
    with transaction.atomic():
        current = Company.objects.select_for_update().filter(pk=company.pk).first()
        if current is None:
            raise NotFound(_("Virksomheden findes ikke."))
        if current.merged_into_id is not None:
            raise ValidationFailed(
                _("Virksomheden er lagt sammen med en anden post og kan ikke ændres. Ret den samlede post."),
                code="company_merged",
            )
        if current.version != version:
            raise Conflict(
                _("Virksomheden er ændret af en anden, siden du åbnede den. Dine ændringer er ikke gemt."),
                code="version_conflict",
            )
        if "name" in data:
            data = {**data, "name": (data["name"] or "").strip()}
        changed = [name for name, value in data.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, data[name])
        if not changed:
            return current
        try:
            current.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise _failed(exc) from exc
        current.version += 1
        current.save(update_fields=[*changed, "version", "updated_at"])
    return current


# ---------------------------------------------------------------------------------------- production units


def _clean_unit(unit: ProductionUnit, data: dict[str, Any]) -> None:
    unknown = set(data) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown unit fields: {sorted(unknown)}")
    values = {**{f: getattr(unit, f, None) for f in UNIT_FIELDS if f != "municipality"}, **data}
    for name in ("p_number", "name", "address", "postal_code", "city"):
        values[name] = (values.get(name) or "").strip()
    if values["p_number"] and not _P_NUMBER.fullmatch(values["p_number"]):
        message = _("P-nummeret skal bestå af 10 cifre.")
        raise ValidationFailed(message, code="invalid_p_number", details={"p_number": [message]})
    if not values["address"]:
        message = _("Angiv adressen.")
        raise ValidationFailed(message, code="validation_error", details={"address": [message]})
    given = data.get("municipality") if "municipality" in data else None
    if "municipality" not in data and unit.pk and unit.postal_code == values["postal_code"]:
        given = unit.municipality  # unchanged address: keep the chosen municipality
    municipality = resolve_unit_municipality(values["postal_code"], given)
    if values["p_number"]:
        same = ProductionUnit.objects.filter(company_id=unit.company_id, p_number=values["p_number"])
        if unit.pk:
            same = same.exclude(pk=unit.pk)
        if same.exists():
            message = _("Virksomheden har allerede en produktionsenhed med P-nummer %(p)s.") % {"p": values["p_number"]}
            raise ValidationFailed(message, code="duplicate_p_number", details={"p_number": [message]})
    for name in ("p_number", "name", "address", "postal_code", "city"):
        setattr(unit, name, values[name])
    unit.municipality = municipality
    unit.is_primary = bool(values.get("is_primary"))
    try:
        unit.full_clean()
    except ValidationError as exc:
        raise _failed(exc) from exc


def _live_company(company: Company) -> Company:
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if locked.merged_into_id is not None:
        raise ValidationFailed(
            _("Virksomheden er lagt sammen med en anden post og kan ikke ændres. Ret den samlede post."),
            code="company_merged",
        )
    return locked


def _only_primary(unit: ProductionUnit) -> None:
    if unit.is_primary:
        ProductionUnit.objects.filter(company_id=unit.company_id, is_primary=True).exclude(pk=unit.pk).update(
            is_primary=False
        )


def production_unit_add(*, user: User, company: Company, data: dict[str, Any]) -> ProductionUnit:
    """Add a production unit. Its municipality follows from the postal code (which must be in the
    reference data); a postal code in several municipalities needs `municipality`."""
    _require_edit(user)
    with transaction.atomic():
        company = _live_company(company)
        unit = ProductionUnit(company=company)
        if not company.units.exists():
            data = {**data, "is_primary": True}  # the first unit is the main workplace
        _clean_unit(unit, data)
        unit.save()
        _only_primary(unit)
    return unit


def production_unit_update(*, user: User, unit: ProductionUnit, data: dict[str, Any]) -> ProductionUnit:
    _require_edit(user)
    with transaction.atomic():
        _live_company(unit.company)
        _clean_unit(unit, data)
        unit.save()
        _only_primary(unit)
    return unit


def production_unit_delete(*, user: User, unit: ProductionUnit) -> None:
    _require_edit(user)
    with transaction.atomic():
        _live_company(unit.company)
        unit.delete()


# ----------------------------------------------------------------------------------------------- merge


def company_merge(*, user: User, survivor: Company, merged: Company, reason: str = "") -> CompanyMerge:
    """Merge `merged` into `survivor`: everything that refers to `merged` moves to `survivor`, empty
    facts of `survivor` are filled from `merged`, and `merged` stays as a tombstone (merged_into) so its
    CVR number still finds the company. A CompanyMerge row records what moved."""
    if not can_merge_companies(user):
        raise Forbidden(_("Kun leadpartnere og koordinationsgruppen kan lægge virksomheder sammen."))
    if survivor.pk == merged.pk:
        message = _("En virksomhed kan ikke lægges sammen med sig selv.")
        raise ValidationFailed(message, code="merge_same", details={"other": [message]})
    with transaction.atomic():
        rows = Company.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")
        locked = {c.pk: c for c in rows}
        if len(locked) != 2:
            raise NotFound(_("Virksomheden findes ikke."))
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        if merged.merged_into_id is not None:
            message = _("%(name)s (CVR %(cvr)s) er allerede lagt sammen med en anden virksomhed.") % {
                "name": merged.name,
                "cvr": merged.cvr,
            }
            raise ValidationFailed(message, code="merge_already_merged", details={"other": [message]})
        if survivor.merged_into_id is not None:
            message = _(
                "%(name)s (CVR %(cvr)s) er selv lagt sammen med en anden virksomhed; vælg den samlede post."
            ) % {"name": survivor.name, "cvr": survivor.cvr}
            raise ValidationFailed(message, code="merge_into_tombstone", details={"other": [message]})

        moved: dict[str, Any] = {}
        survivor_has_primary = survivor.units.filter(is_primary=True).exists()
        for rel in company_relations():
            field = rel.field.name
            objects = list(rel.related_model._default_manager.select_for_update().filter(**{field: merged}))
            for obj in objects:
                # One save per object, so each moved row has its own audit-log entry.
                setattr(obj, field, survivor)
                update = [field]
                if isinstance(obj, ProductionUnit) and obj.is_primary and survivor_has_primary:
                    obj.is_primary = False
                    update.append("is_primary")
                if hasattr(obj, "version"):
                    obj.version += 1
                    update.append("version")
                if hasattr(obj, "updated_at"):
                    update.append("updated_at")
                obj.save(update_fields=update)
            moved[relation_key(rel)] = len(objects)
        # Earlier tombstones of `merged` now point at the survivor: a CVR number is one step from its company.
        earlier = list(Company.objects.select_for_update().filter(merged_into=merged))
        for tomb in earlier:
            tomb.merged_into = survivor
            tomb.save(update_fields=["merged_into", "updated_at"])
        moved["merged_records"] = len(earlier)

        filled = [f for f in MERGE_FILL_FIELDS if getattr(survivor, f) is None and getattr(merged, f) is not None]
        for f in filled:
            setattr(survivor, f, getattr(merged, f))
        moved["filled"] = filled
        survivor.version += 1
        survivor.save(update_fields=[*filled, "version", "updated_at"])
        merged.merged_into = survivor
        merged.version += 1
        merged.save(update_fields=["merged_into", "version", "updated_at"])
        record = CompanyMerge(
            survivor=survivor,
            merged=merged,
            merged_cvr=merged.cvr,
            merged_name=merged.name,
            moved=moved,
            reason=(reason or "").strip()[:300],
            merged_by=user,
        )
        record.save()
    return record
