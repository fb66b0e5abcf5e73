"""Writes of the contact log and hand-overs (systematised follow-up across partners, seed 5.3.1).

A contact is logged in under a minute: company, date, channel, topic, a short note and an optional
next step with a date and an owner. A hand-over passes a lead to another partner; it stays pending
until a user of the receiving organisation accepts it (or declines it with a reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Organisation, User

from .answer_promise import absolute_url, notify, organisation_emails
from .contact_selectors import (
    can_complete_next_step,
    can_edit_contact,
    handover_receiver_choices,
    organisation_tree_ids,
)
from .models import Company, ContactEntry, Handover, Need, NeedEvent
from .timeline import need_log_event

CONTACT_EDITABLE_FIELDS = (
    "contact_date", "channel", "topic", "note", "mentions_person", "need", "next_step", "next_step_due",
    "next_step_owner",
)


def _require_workspace_user(user: User) -> None:
    if not can_see_individual_matches(user) or user.organisation_id is None:
        raise Forbidden(_("Du har ikke adgang til virksomhedernes kontaktlog."), code="forbidden")


def _survivor(company: Company) -> Company:
    """A company merged into another is logged on the surviving record."""
    seen = set()
    while company.merged_into_id is not None and company.pk not in seen:
        seen.add(company.pk)
        company = company.merged_into
    return company


def _clean(entry: ContactEntry, *, today: dt.date) -> None:
    """The rules of a contact entry; all problems are reported together, per field."""
    errors: dict[str, list[str]] = {}
    try:
        # The check constraints are the rules below, with Danish messages per field.
        entry.full_clean(
            exclude=["company", "organisation", "author", "need", "next_step_owner"], validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if entry.contact_date and entry.contact_date > today:
        errors.setdefault("contact_date", []).append(_("Datoen for kontakten kan ikke ligge efter i dag."))
    entry.next_step = (entry.next_step or "").strip()
    if entry.next_step and entry.next_step_due is None:
        errors.setdefault("next_step_due", []).append(_("Angiv en dato for næste skridt."))
    if not entry.next_step and (entry.next_step_due is not None or entry.next_step_owner_id is not None):
        errors.setdefault("next_step", []).append(_("Beskriv næste skridt, eller fjern dato og ansvarlig."))
    if entry.next_step_due and entry.contact_date and entry.next_step_due < entry.contact_date:
        errors.setdefault("next_step_due", []).append(_("Næste skridt kan ikke ligge før kontakten."))
    if entry.next_step_owner_id is not None:
        owner = entry.next_step_owner
        if not owner.is_active or owner.organisation_id not in organisation_tree_ids(entry.organisation):
            errors.setdefault("next_step_owner", []).append(
                _("Den ansvarlige skal være en aktiv bruger i %(org)s.") % {"org": entry.organisation.partner.name}
            )
    if entry.need_id is not None and entry.need.company_id != entry.company_id:
        errors.setdefault("need", []).append(_("Behovet hører til en anden virksomhed."))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code="validation_error", details=errors)


@transaction.atomic
def contact_create(
    *,
    user: User,
    company: Company,
    contact_date: dt.date | None = None,
    channel: str = ContactEntry.Channel.PHONE,
    topic: str,
    note: str = "",
    mentions_person: bool = False,
    need: Need | None = None,
    next_step: str = "",
    next_step_due: dt.date | None = None,
    next_step_owner: User | None = None,
) -> ContactEntry:
    """Log a contact with a company for the user's organisation. A next step needs a date; its owner
    defaults to the author and must work in the author's partner organisations."""
    _require_workspace_user(user)
    today = timezone.localdate()
    next_step = (next_step or "").strip()
    if next_step and next_step_owner is None:
        next_step_owner = user
    entry = ContactEntry(
        company=_survivor(company),
        organisation=user.organisation,
        author=user,
        contact_date=contact_date or today,
        channel=channel,
        topic=(topic or "").strip(),
        note=(note or "").strip(),
        mentions_person=bool(mentions_person),
        need=need,
        next_step=next_step,
        next_step_due=next_step_due,
        next_step_owner=next_step_owner,
    )
    _clean(entry, today=today)
    entry.save()
    return entry


def _to_ms(moment: dt.datetime) -> dt.datetime:
    """Timestamps compared to the millisecond: JSON (the API) carries no more."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@transaction.atomic
def contact_update(
    *, user: User, entry: ContactEntry, changes: dict[str, Any], read_updated_at: dt.datetime | None = None
) -> ContactEntry:
    """Edit a contact entry (the author's organisation only). `read_updated_at` is when the entry was
    last saved as the editor read it; if someone saved in between, the edit is refused (409).
    A changed next step is open again."""
    _require_workspace_user(user)
    if not can_edit_contact(user, entry):
        raise Forbidden(_("Kun den organisation, der registrerede kontakten, kan ændre den."))
    unknown = set(changes) - set(CONTACT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Felter kan ikke ændres: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="validation_error"
        )
    locked = ContactEntry.objects.select_for_update().select_related("organisation", "company").get(pk=entry.pk)
    if read_updated_at is not None and _to_ms(locked.updated_at) != _to_ms(read_updated_at):
        raise Conflict(_("Kontakten er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    before = (locked.next_step, locked.next_step_due)
    for name, value in changes.items():
        if name in ("topic", "note", "next_step") and isinstance(value, str):
            value = value.strip()
        setattr(locked, name, value)
    if changes.get("next_step") and locked.next_step_owner_id is None:
        locked.next_step_owner = user
    if not locked.next_step:
        locked.next_step_due, locked.next_step_owner, locked.next_step_done_at = None, None, None
    elif (locked.next_step, locked.next_step_due) != before:
        locked.next_step_done_at = None
    _clean(locked, today=timezone.localdate())
    locked.save()
    return locked


@transaction.atomic
def contact_next_step_done(*, user: User, entry: ContactEntry) -> ContactEntry:
    """Mark the entry's next step as done (its owner or the author's organisation)."""
    _require_workspace_user(user)
    if not entry.next_step:
        raise ValidationFailed(_("Kontakten har intet næste skridt."), code="no_next_step")
    if not can_complete_next_step(user, entry):
        raise Forbidden(_("Kun den ansvarlige eller den registrerende organisation kan markere skridtet som udført."))
    locked = ContactEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.next_step_done_at is None:
        locked.next_step_done_at = timezone.now()
        locked.save(update_fields=["next_step_done_at", "updated_at"])
    return locked


# --- Hand-overs ------------------------------------------------------------------------------------


def _notify_handover_created(handover: Handover) -> None:
    with translation.override("da"):
        notify(
            template="handover_sent",
            subject=_("Overdragelse fra %(org)s: %(company)s")
            % {"org": handover.from_organisation.name, "company": handover.company.name},
            recipients=organisation_emails(handover.to_organisation_id),
            context={"handover": handover, "link": absolute_url(reverse("handover_list"))},
        )


def _notify_handover_answered(handover: Handover) -> None:
    sender = handover.from_user
    if sender is None or not sender.is_active:
        return
    values = {"org": handover.to_organisation.name, "company": handover.company.name}
    with translation.override("da"):
        if handover.status == Handover.Status.ACCEPTED:
            subject = _("%(org)s har accepteret overdragelsen af %(company)s") % values
        else:
            subject = _("%(org)s har afvist overdragelsen af %(company)s") % values
        notify(
            template="handover_answered",
            subject=subject,
            recipients=[sender.email],
            context={"handover": handover, "link": absolute_url(reverse("handover_list"))},
        )


@transaction.atomic
def handover_create(
    *, user: User, company: Company, to_organisation: Organisation, message: str, need: Need | None = None
) -> Handover:
    """Pass a lead (a company, optionally one of its needs) to another partner. It is pending until a
    user of the receiving organisation accepts it; its users are told by e-mail."""
    _require_workspace_user(user)
    company = _survivor(company)
    errors: dict[str, list[str]] = {}
    message = (message or "").strip()
    if not message:
        errors["message"] = [_("Skriv en besked til modtageren: hvad drejer det sig om, og hvad er aftalt?")]
    if to_organisation is None or not handover_receiver_choices(user).filter(pk=to_organisation.pk).exists():
        errors["to_organisation"] = [_("Vælg en anden projektpartner som modtager.")]
    if need is not None:
        if need.company_id != company.pk:
            errors.setdefault("need", []).append(_("Behovet hører til en anden virksomhed."))
        elif not need.is_open:
            errors.setdefault("need", []).append(_("Behovet er lukket og kan ikke overdrages."))
        elif not user.sees_everything and need.owner_organisation_id not in partner_org_ids(user):
            errors.setdefault("need", []).append(_("Kun behovets ansvarlige organisation kan overdrage det."))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="validation_error", details=errors)
    duplicate = Handover.objects.filter(
        company=company, need=need, to_organisation=to_organisation, status=Handover.Status.PENDING
    ).exists()
    if duplicate:
        raise ValidationFailed(
            _("Der er allerede en overdragelse til %(org)s, som afventer svar.") % {"org": to_organisation.name},
            code="handover_pending",
            details={"to_organisation": [_("Overdragelsen afventer allerede svar.")]},
        )
    handover = Handover(
        company=company,
        need=need,
        from_organisation=user.organisation,
        from_user=user,
        to_organisation=to_organisation,
        message=message,
    )
    handover.full_clean()
    handover.save()
    _notify_handover_created(handover)
    return handover


def _require_receiver(user: User, handover: Handover) -> None:
    _require_workspace_user(user)
    if handover.to_organisation_id not in partner_org_ids(user):
        raise Forbidden(_("Kun den modtagende organisation kan svare på overdragelsen."))


def _lock_pending(user: User, handover: Handover, version: int | None) -> Handover:
    _require_receiver(user, handover)
    locked = Handover.objects.select_for_update().select_related("to_organisation").get(pk=handover.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Overdragelsen er blevet ændret, siden du åbnede den. Genindlæs og prøv igen."))
    if locked.status != Handover.Status.PENDING:
        raise Conflict(
            _("Overdragelsen er allerede besvaret (%(status)s).") % {"status": locked.get_status_display()},
            code="already_answered",
        )
    return locked


@transaction.atomic
def handover_accept(*, user: User, handover: Handover, version: int | None = None) -> Handover:
    """The receiving organisation takes the lead. A handed-over need gets the receiver as its owner."""
    locked = _lock_pending(user, handover, version)
    now = timezone.now()
    locked.status, locked.responded_by, locked.responded_at = Handover.Status.ACCEPTED, user, now
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "responded_by", "responded_at", "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    if locked.need_id is not None:
        need = Need.objects.select_for_update().get(pk=locked.need_id)
        need.owner_organisation, need.owner, need.version = locked.to_organisation, user, need.version + 1
        need.save(update_fields=["owner_organisation", "owner", "version", "updated_at"])
        need_log_event(
            need=need,
            kind=NeedEvent.Kind.HANDED_OVER,
            user=user,
            organisation=locked.to_organisation,
            # Public: the company reads it on its status page; organisation names only, no persons.
            text=_("Behovet er overdraget til %(org)s, som følger op.") % {"org": locked.to_organisation.name},
        )
    _notify_handover_answered(locked)
    return locked


@transaction.atomic
def handover_decline(*, user: User, handover: Handover, reason: str, version: int | None = None) -> Handover:
    """The receiving organisation declines, with a reason for the sender."""
    _require_receiver(user, handover)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Skriv en begrundelse, når du afviser en overdragelse."),
            code="reason_required",
            details={"reason": [_("Skriv en begrundelse.")]},
        )
    locked = _lock_pending(user, handover, version)
    locked.status, locked.responded_by, locked.responded_at = Handover.Status.DECLINED, user, timezone.now()
    locked.response_note = reason
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "responded_by", "responded_at", "response_note", "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    _notify_handover_answered(locked)
    return locked
