"""/api/contacts: the shared contact log and hand-overs between partners.

Reads go through companies.contact_selectors, so the privacy rule is the web interface's: a note
that mentions a person is readable only by the author's organisation (its partner organisations);
everyone else gets `note: null` and `note_hidden: true`. Writes go through
companies.contact_services."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.companies import contact_selectors as selectors
from viaviden.companies import contact_services as services
from viaviden.companies.cvr import normalise_cvr
from viaviden.companies.models import Company, ContactEntry, Handover, Need
from viaviden.companies.selectors import company_by_cvr
from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.core.models import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import Organisation, User

from .auth import current_user
from .common import References, require_individual_access
from .pagination import PageNumberPagination
from .schemas import CompanyRef, ErrorOut, InputSchema, IsoDate, choice

router = Router(tags=["contacts"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas ---------------------------------------------------------------------------------


class OrganisationRef(Schema):
    slug: str
    name: str


class ContactOut(Schema):
    id: int
    company: CompanyRef
    organisation: OrganisationRef = Field(..., description="The organisation that logged the contact.")
    author: str | None = Field(None, description="Username of the staff member who logged it.")
    contact_date: IsoDate
    channel: choice(ContactEntry.Channel, "ContactEntryChannel")
    topic: str
    note: str | None = Field(
        None, description="Null when the note mentions a person and you are not in the author's organisation."
    )
    note_hidden: bool
    mentions_person: bool
    need: int | None = Field(None, description="Id of the need the contact is about.")
    next_step: str
    next_step_due: IsoDate | None = None
    next_step_owner: str | None = Field(None, description="Username of the owner of the next step.")
    next_step_done_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime = Field(..., description="Send it back when editing, to detect concurrent edits.")

    @staticmethod
    def resolve_author(obj) -> str | None:
        return obj.author.username if obj.author_id else None

    @staticmethod
    def resolve_note(obj) -> str | None:
        return None if obj.note_hidden else obj.note

    @staticmethod
    def resolve_need(obj) -> int | None:
        return obj.need_id

    @staticmethod
    def resolve_next_step_owner(obj) -> str | None:
        return obj.next_step_owner.username if obj.next_step_owner_id else None


class ContactFilter(Schema):
    company_cvr: str | None = Field(None, description="CVR number of the company.")
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    mine: bool | None = Field(None, description="Only contacts you logged or whose next step is yours.")


class ContactIn(InputSchema):
    company_cvr: str = Field(..., description="CVR number of a registered company (see /api/companies).")
    contact_date: IsoDate | None = Field(None, description="Defaults to today; not in the future.")
    channel: choice(ContactEntry.Channel, "ContactEntryChannel") = ContactEntry.Channel.PHONE
    topic: str = Field(..., max_length=200, description="Visible to all partners: no person names.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)
    mentions_person: bool = Field(False, description="True: only your organisation can read the note.")
    need: int | None = Field(None, description="Id of one of the company's needs.")
    next_step: str = Field("", max_length=200)
    next_step_due: IsoDate | None = Field(None, description="Required with a next step.")
    next_step_owner: str | None = Field(
        None, description="Username of a user in your organisation; defaults to you when there is a next step."
    )


class ContactUpdateIn(InputSchema):
    updated_at: dt.datetime | None = Field(
        None, description="The updated_at you read; if the contact changed since, the answer is 409."
    )
    contact_date: IsoDate | None = None
    channel: choice(ContactEntry.Channel, "ContactEntryChannel") | None = None
    topic: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    mentions_person: bool | None = None
    need: int | None = None
    next_step: str | None = Field(None, max_length=200)
    next_step_due: IsoDate | None = None
    next_step_owner: str | None = None


class HandoverOut(Schema):
    id: int
    company: CompanyRef
    need: int | None = None
    from_organisation: OrganisationRef
    from_user: str | None = None
    to_organisation: OrganisationRef
    message: str | None = Field(None, description="Null unless your organisation sent or received the hand-over.")
    message_hidden: bool
    status: choice(Handover.Status, "HandoverStatus")
    responded_by: str | None = None
    responded_at: dt.datetime | None = None
    response_note: str | None = None
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_need(obj) -> int | None:
        return obj.need_id

    @staticmethod
    def resolve_from_user(obj) -> str | None:
        return obj.from_user.username if obj.from_user_id else None

    @staticmethod
    def resolve_responded_by(obj) -> str | None:
        return obj.responded_by.username if obj.responded_by_id else None

    @staticmethod
    def resolve_message(obj) -> str | None:
        return None if obj.message_hidden else obj.message

    @staticmethod
    def resolve_response_note(obj) -> str | None:
        return None if obj.message_hidden else obj.response_note


class HandoverFilter(Schema):
    direction: str | None = Field(None, description="received or sent; both when left out.")
    status: choice(Handover.Status, "HandoverStatus") | None = None
    company_cvr: str | None = None


class HandoverIn(InputSchema):
    company_cvr: str
    to_organisation: str = Field(..., description="Slug of the receiving partner organisation.")
    message: str = Field(..., description="What it is about and what was agreed; only sender and receiver read it.", max_length=TEXT_MAX_LENGTH)
    need: int | None = Field(None, description="Id of one of the company's open needs, to hand over that need.")


class HandoverAcceptIn(InputSchema):
    version: int | None = Field(None, description="The version you read; defaults to the current one.")


class HandoverDeclineIn(InputSchema):
    reason: str = Field(..., description="Required: why you decline (the sender reads it).", max_length=NOTE_MAX_LENGTH)
    version: int | None = None


# --- Helpers ---------------------------------------------------------------------------------


def _company(refs: References, cvr: str) -> Company | None:
    company = company_by_cvr(cvr)
    if company is None:
        refs.errors.setdefault("company_cvr", []).append(
            _("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret.") % {"cvr": cvr}
        )
    return company


def _user(refs: References, field: str, username: str | None) -> User | None:
    return refs.get(User, field, username, lookup="username")


def _need(refs: References, field: str, pk: int | None) -> Need | None:
    return refs.get(Need, field, pk)


def _contact(user: User, contact_id: int) -> ContactEntry:
    entry = selectors.access_contact(user, contact_id)
    if entry is None:
        raise NotFound(_("Kontakten findes ikke."))
    return entry


def _handover(user: User, handover_id: int) -> Handover:
    handover = selectors.access_handover(user, handover_id)
    if handover is None:
        raise NotFound(_("Overdragelsen findes ikke, eller din organisation er ikke part i den."))
    return handover


# --- Hand-overs (before /{contact_id}, so the path is not read as an id) ----------------------


@router.get("/handovers", response={200: list[HandoverOut], 403: ErrorOut}, summary="List your hand-overs")
@paginate(PageNumberPagination)
def handover_list(request: HttpRequest, filters: HandoverFilter = Query(...)):  # noqa: B008
    """Hand-overs your partner organisations sent or received, newest first."""
    user = current_user(request)
    require_individual_access(user)
    orgs = partner_org_ids(user)
    qs = selectors.user_handovers(user, orgs=orgs)
    if filters.direction == "received":
        qs = qs.filter(to_organisation_id__in=orgs)
    elif filters.direction == "sent":
        qs = qs.filter(from_organisation_id__in=orgs)
    elif filters.direction:
        raise ValidationFailed(
            _("Ugyldig værdi. Tilladte værdier: %(values)s.") % {"values": "received, sent"},
            details={"direction": [_("Ugyldig værdi.")]},
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.company_cvr:
        qs = qs.filter(company__cvr=normalise_cvr(filters.company_cvr))
    return qs


@router.post("/handovers", response={201: HandoverOut, **ERRORS}, summary="Hand a company over to another partner")
def handover_create(request: HttpRequest, payload: HandoverIn):
    """Pending until a user of the receiving organisation accepts or declines; its users get an e-mail."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    company = _company(refs, payload.company_cvr)
    to_organisation = refs.get(Organisation, "to_organisation", payload.to_organisation, lookup="slug", required=True)
    need = _need(refs, "need", payload.need)
    refs.check()
    with acting_as(user):
        handover = services.handover_create(
            user=user, company=company, to_organisation=to_organisation, message=payload.message, need=need
        )
    return Status(201, _handover(user, handover.pk))


def _respond(request: HttpRequest, handover_id: int, action) -> Handover:
    user = current_user(request)
    require_individual_access(user)
    handover = _handover(user, handover_id)
    with acting_as(user):
        action(user, handover)
    return _handover(user, handover_id)


@router.post("/handovers/{int:handover_id}/accept", response={200: HandoverOut, **ERRORS},
             summary="Accept a hand-over (receiving organisation)")
def handover_accept(request: HttpRequest, handover_id: int, payload: HandoverAcceptIn | None = None):
    """A handed-over need gets your organisation as its owner (and you as the responsible user)."""
    version = payload.version if payload else None
    return _respond(
        request, handover_id, lambda user, h: services.handover_accept(user=user, handover=h, version=version)
    )


@router.post("/handovers/{int:handover_id}/decline", response={200: HandoverOut, **ERRORS},
             summary="Decline a hand-over with a reason (receiving organisation)")
def handover_decline(request: HttpRequest, handover_id: int, payload: HandoverDeclineIn):
    return _respond(
        request,
        handover_id,
        lambda user, h: services.handover_decline(user=user, handover=h, reason=payload.reason, version=payload.version),
    )


# --- Contacts --------------------------------------------------------------------------------


@router.get("", response={200: list[ContactOut], 403: ErrorOut}, summary="List contacts")
@paginate(PageNumberPagination)
def contact_list(request: HttpRequest, filters: ContactFilter = Query(...)):  # noqa: B008
    """Every partner's contacts with companies (company data is shared), newest first."""
    user = current_user(request)
    require_individual_access(user)
    return selectors.filter_contacts(
        selectors.visible_contacts(user),
        user=user,
        company_cvr=normalise_cvr(filters.company_cvr) if filters.company_cvr else None,
        date_from=filters.date_from,
        date_to=filters.date_to,
        mine=filters.mine,
    )


@router.post("", response={201: ContactOut, **ERRORS}, summary="Log a contact")
def contact_create(request: HttpRequest, payload: ContactIn):
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    company = _company(refs, payload.company_cvr)
    need = _need(refs, "need", payload.need)
    owner = _user(refs, "next_step_owner", payload.next_step_owner)
    refs.check()
    with acting_as(user):
        entry = services.contact_create(
            user=user,
            company=company,
            contact_date=payload.contact_date,
            channel=payload.channel,
            topic=payload.topic,
            note=payload.note,
            mentions_person=payload.mentions_person,
            need=need,
            next_step=payload.next_step,
            next_step_due=payload.next_step_due,
            next_step_owner=owner,
        )
    return Status(201, _contact(user, entry.pk))


@router.get("/{int:contact_id}", response={200: ContactOut, **ERRORS}, summary="Get a contact")
def contact_detail(request: HttpRequest, contact_id: int):
    user = current_user(request)
    require_individual_access(user)
    return _contact(user, contact_id)


@router.patch("/{int:contact_id}", response={200: ContactOut, **ERRORS}, summary="Edit a contact")
def contact_edit(request: HttpRequest, contact_id: int, payload: ContactUpdateIn):
    """Your organisation's contacts only. Send only the fields to change (null clears need and next
    step fields); send `updated_at` as you read it to be told (409) if someone changed it since."""
    user = current_user(request)
    require_individual_access(user)
    entry = _contact(user, contact_id)
    sent = payload.model_dump(exclude_unset=True, exclude={"updated_at"})
    refs = References()
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if name == "need":
            changes[name] = _need(refs, name, value)
        elif name == "next_step_owner":
            changes[name] = _user(refs, name, value)
        elif value is None and name in ("next_step", "note"):
            changes[name] = ""
        elif value is None and name != "next_step_due":
            refs.errors.setdefault(name, []).append(_("Feltet kan ikke tømmes."))
        else:
            changes[name] = value
    refs.check()
    with acting_as(user):
        services.contact_update(user=user, entry=entry, changes=changes, read_updated_at=payload.updated_at)
    return _contact(user, contact_id)


@router.post("/{int:contact_id}/done", response={200: ContactOut, **ERRORS}, summary="Mark the next step as done")
def contact_done(request: HttpRequest, contact_id: int):
    user = current_user(request)
    require_individual_access(user)
    entry = _contact(user, contact_id)
    with acting_as(user):
        services.contact_next_step_done(user=user, entry=entry)
    return _contact(user, contact_id)
