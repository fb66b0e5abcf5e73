"""The services overview (oversigtsskema, SPEC 3.2): who can help with what, and the contact.

Reference data loads the first version (data/reference/services.json); after that the coordinators
own it and maintain it in the UI (the loader only creates services that are missing).

Services has no version column, so concurrent edits are caught with a fingerprint of the values the
editor read: a save based on stale values raises Conflict instead of overwriting silently."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from viaviden.core.errors import Conflict, NotFound, ValidationFailed

from .models import Organisation, Service

EDITABLE_FIELDS = (
    "organisation", "name", "description", "contact", "contact_email", "contact_phone",
    "serves_all_municipalities", "active",
)


# --- Selectors ---------------------------------------------------------------------------------------


def services_public() -> QuerySet[Service]:
    """Active services of active organisations, ordered for grouping by organisation."""
    return (
        Service.objects.filter(active=True, organisation__active=True)
        .select_related("organisation")
        .prefetch_related("match_types")
        .order_by("organisation__name", "name")
    )


def services_all() -> QuerySet[Service]:
    """Every service, inactive ones included (coordinators' list)."""
    return Service.objects.select_related("organisation").prefetch_related("match_types").order_by(
        "organisation__name", "name"
    )


def access_service(pk: int) -> Service:
    service = services_all().filter(pk=pk).first()
    if service is None:
        raise NotFound(_("Ydelsen findes ikke."))
    return service


def service_fingerprint(service: Service) -> str:
    """A short hash of the editable values (and match types) as read, for optimistic locking."""
    values = {f: str(getattr(service, f"{f}_id" if f == "organisation" else f)) for f in EDITABLE_FIELDS}
    values["match_types"] = sorted(mt.pk for mt in service.match_types.all())
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


# --- Services ----------------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "ydelse"
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_and_save(service: Service, match_types, *, update_fields: list[str] | None = None) -> None:
    try:
        service.full_clean()
    except ValidationError as exc:
        details = exc.message_dict
        raise ValidationFailed(next(iter(details.values()))[0], code="invalid_service", details=details) from exc
    service.save(update_fields=update_fields)
    service.match_types.set(match_types)


def service_create(
    *, organisation: Organisation, name: str, description: str, contact: str = "", contact_email: str = "",
    contact_phone: str = "", match_types=(), serves_all_municipalities: bool = True, active: bool = True,
) -> Service:
    """Add a service to the overview (coordinators)."""
    with transaction.atomic():
        service = Service(
            slug=_unique_slug(name), organisation=organisation, name=name.strip(), description=description.strip(),
            contact=contact.strip(), contact_email=contact_email.strip(), contact_phone=contact_phone.strip(),
            serves_all_municipalities=serves_all_municipalities, active=active,
        )
        _clean_and_save(service, match_types)
    return service


def service_update(
    *, service: Service, fingerprint: str | None, organisation: Organisation, name: str, description: str,
    contact: str = "", contact_email: str = "", contact_phone: str = "", match_types=(),
    serves_all_municipalities: bool = True, active: bool = True,
) -> Service:
    """Change a service (deactivate it with active=False). `fingerprint` is service_fingerprint() of the
    values the editor read; when someone saved in between, Conflict is raised and nothing changes."""
    with transaction.atomic():
        current = Service.objects.select_for_update().filter(pk=service.pk).first()
        if current is None:
            raise NotFound(_("Ydelsen findes ikke."))
        if fingerprint is not None and service_fingerprint(current) != fingerprint:
            raise Conflict(
                _("Ydelsen er ændret af en anden, siden du åbnede den. Åbn den igen, og indtast dine ændringer."),
                code="service_conflict",
            )
        current.organisation = organisation
        current.name = name.strip()
        current.description = description.strip()
        current.contact = contact.strip()
        current.contact_email = contact_email.strip()
        current.contact_phone = contact_phone.strip()
        current.serves_all_municipalities = serves_all_municipalities
        current.active = active
        _clean_and_save(current, match_types, update_fields=list(EDITABLE_FIELDS))
    return current
