"""/api/activity-registrations: partners' registrations towards the activity targets (events held, people
reached, percentages). Reads through matches.registrations.visible_registrations; writes through the same
services as the pages (targets_services.activity_register, registrations.activity_registration_*)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from viaviden.core.audit import acting_as
from viaviden.core.errors import ValidationFailed
from viaviden.matches.models import ActivityTarget
from viaviden.matches.registrations import (
    access_registration,
    activity_registration_delete,
    activity_registration_update,
    registrations_for,
)
from viaviden.matches.selectors import programme_or_current
from viaviden.matches.targets_services import activity_register

from .auth import current_user
from .common import require_individual_access
from .schemas import ErrorOut, InputSchema

router = Router(tags=["activity registrations"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RegistrationOut(Schema):
    id: int
    programme: str = Field(..., alias="activity_target.programme.slug")
    activity_target: str = Field(..., alias="activity_target.code", description="The activity target's code.")
    organisation: str | None = Field(None, description="Slug of the target's organisation.")
    date: dt.date
    amount: int
    note: str
    registered_by: str | None = Field(None, description="Username of the person who registered it.")
    version: int

    @staticmethod
    def resolve_organisation(obj) -> str | None:
        org = obj.activity_target.organisation
        return org.slug if org else None

    @staticmethod
    def resolve_registered_by(obj) -> str | None:
        return obj.registered_by.username if obj.registered_by else None


class RegistrationIn(InputSchema):
    activity_target: str = Field(..., description="Code of the activity target, e.g. aka-talent-attraction-events.")
    programme: str | None = Field(None, description="Programme slug; default: the current programme.")
    date: dt.date
    amount: int = Field(..., ge=0, description="A number; for a percentage target the percentage (0–100).")
    note: str = Field("", max_length=300)


class RegistrationUpdateIn(InputSchema):
    version: int = Field(..., description="The version you read; 409 if the registration changed since.")
    date: dt.date | None = None
    amount: int | None = Field(None, ge=0)
    note: str | None = Field(None, max_length=300)


@router.get("", response={200: list[RegistrationOut], 403: ErrorOut}, summary="List activity registrations")
@paginate(PageNumberPagination)
def registration_list(request: HttpRequest, programme: str | None = None, activity_target: str | None = None,
                      organisation: str | None = None):
    user = current_user(request)
    require_individual_access(user)
    selected = programme_or_current(programme) if programme else None
    return registrations_for(user, programme=selected, target=activity_target or "", organisation=organisation or "")


@router.get("/{registration_id}", response={200: RegistrationOut, **ERRORS}, summary="Get an activity registration")
def registration_detail(request: HttpRequest, registration_id: int):
    user = current_user(request)
    require_individual_access(user)
    return access_registration(user, registration_id)


@router.post("", response={201: RegistrationOut, **ERRORS}, summary="Register an activity")
def registration_create(request: HttpRequest, payload: RegistrationIn):
    user = current_user(request)
    require_individual_access(user)
    programme = programme_or_current(payload.programme)
    target = ActivityTarget.objects.select_related("programme", "organisation__parent").filter(
        programme=programme, code=payload.activity_target).first()
    if target is None:
        message = _("Ukendt værdi: %(value)s.") % {"value": payload.activity_target}
        raise ValidationFailed(message, details={"activity_target": [message]})
    with acting_as(user):
        registration = activity_register(user=user, activity_target=target, date=payload.date,
                                         amount=payload.amount, note=payload.note)
    return Status(201, access_registration(user, registration.pk))


@router.patch("/{registration_id}", response={200: RegistrationOut, **ERRORS}, summary="Correct a registration")
def registration_update(request: HttpRequest, registration_id: int, payload: RegistrationUpdateIn):
    """The organisation's lead, the person who registered it, or a coordinator. Send the `version` you read."""
    user = current_user(request)
    require_individual_access(user)
    registration = access_registration(user, registration_id)
    sent = payload.model_dump(exclude_unset=True)
    with acting_as(user):
        activity_registration_update(
            user=user, registration=registration, version=payload.version,
            date=sent.get("date") or registration.date,
            amount=registration.amount if sent.get("amount") is None else sent["amount"],
            note=registration.note if sent.get("note") is None else sent["note"],
        )
    return access_registration(user, registration_id)


@router.delete("/{registration_id}", response={204: None, **ERRORS}, summary="Delete a registration")
def registration_delete(request: HttpRequest, registration_id: int):
    user = current_user(request)
    require_individual_access(user)
    registration = access_registration(user, registration_id)
    with acting_as(user):
        activity_registration_delete(user=user, registration=registration)
    return Status(204, None)
