"""Writes for events (SPEC 3.4): create, edit, publish, cancel, mark held; sign-up with capacity and
waiting list; cancellation with promotion from the waiting list; check-in; the automatic activity
registrations of a held event.

Activity targets (SPEC 3.1): when an event is marked held, the platform records `ActivityRegistration`
rows itself — 1 for an "events" target (e.g. "UCN: afholdte børser") and the number who attended for a
"people" target (e.g. "medlemmer i Talent Attraction-arrangementer"). The rows are linked from the event
(`held_registration`, `participants_registration`), so a later attendance correction updates them and
every number can be traced back to the event. Targets measured from matches ("matches from events") are
counted by the match registry from the match's activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.companies.cvr import normalise_cvr, validate_cvr
from viaviden.companies.models import Company
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.core.mail import send_email, site_url
from viaviden.matches.models import ActivityRegistration, ActivityTarget
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import Municipality

from .models import CONSENT_TEXT_VERSION, Audience, Event, EventType, Registration
from .selectors import can_manage_event, waitlist_position
from .surveys import surveys_create_for_event


def _raise_validation(exc: ValidationError, code: str) -> None:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}
    first = next(iter(details.values()))[0]
    raise ValidationFailed(first, code=code, details=details) from exc


def _mail(subject: str, template: str, context: dict[str, Any], recipient: str) -> None:
    """Render now (Danish), send after commit."""
    with translation.override("da"):
        body = render_to_string(template, context)
    send_email(to=recipient, subject=subject, body=body, language="da")


# --- Events -----------------------------------------------------------------------------------------


@dataclass
class EventData:
    title: str
    type: str
    organiser: Organisation
    municipality: Municipality
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str = ""
    address: str = ""
    co_organisers: list[Organisation] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    capacity: int | None = None
    waitlist_enabled: bool = True
    public: bool = True
    signup_deadline: dt.datetime | None = None
    activity_target: ActivityTarget | None = None
    participants_target: ActivityTarget | None = None
    max_ranked_choices: int = 5
    preference_deadline: dt.datetime | None = None
    case_deadline: dt.datetime | None = None


EVENT_FIELDS = (
    "title", "type", "organiser", "municipality", "place", "starts_at", "ends_at", "description", "address",
    "capacity", "waitlist_enabled", "public", "signup_deadline", "activity_target", "participants_target",
    "max_ranked_choices", "preference_deadline", "case_deadline",
)


def _check_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har ikke adgang til at administrere arrangementer."), code="forbidden")


def _validate(user: User, data: EventData, *, keep_organiser: Organisation | None = None) -> None:
    """`keep_organiser`: an existing event's lead, which may stay even if it is not the user's own."""
    errors: dict[str, list[str]] = {}
    own = data.organiser.pk in partner_org_ids(user) or (keep_organiser is not None and data.organiser == keep_organiser)
    if not user.sees_everything and not own:
        errors["organiser"] = [_("Du kan kun oprette arrangementer for din egen organisation.")]
    if data.type not in EventType.values:
        errors["type"] = [_("Ukendt arrangementstype.")]
    unknown = [a for a in data.audiences if a not in Audience.values]
    if unknown:
        errors["audiences"] = [_("Ukendt målgruppe.")]
    elif not data.audiences:
        errors["audiences"] = [_("Vælg mindst én målgruppe.")]
    if data.ends_at and data.starts_at and data.ends_at < data.starts_at:
        errors["ends_at"] = [_("Arrangementet kan ikke slutte, før det starter.")]
    if data.signup_deadline and data.starts_at and data.signup_deadline > data.ends_at:
        errors["signup_deadline"] = [_("Tilmeldingsfristen skal ligge før arrangementet slutter.")]
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = [_("Antal pladser skal være mindst 1 (eller tomt for ubegrænset).")]
    # Never both: an event is registered on a target only where the target is measured by manual
    # registrations; a target measured from events (or matches, Vækstpilot, …) counts it by itself.
    for name, target in (("activity_target", data.activity_target), ("participants_target", data.participants_target)):
        if target is not None and not target.manual:
            errors[name] = [_("Aktivitetsmålet »%(title)s« måles automatisk (%(measure)s) og kan ikke tælle "
                              "arrangementer registreret herfra, ellers talte de to gange. Vælg et mål, der måles "
                              "ved manuelle registreringer, eller intet mål.")
                            % {"title": target.title_da, "measure": target.get_measure_display()}]
    if "activity_target" not in errors and data.activity_target is not None and \
            data.activity_target.unit in (ActivityTarget.Unit.PERCENT, ActivityTarget.Unit.PILOTS):
        errors["activity_target"] = [_("Et procentmål kan ikke tælle arrangementer. Vælg et andet mål.")]
    if "participants_target" not in errors and data.participants_target is not None and \
            data.participants_target.unit != ActivityTarget.Unit.PEOPLE:
        errors["participants_target"] = [_("Deltagere kan kun tælle med i et mål, der måles i personer.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code="invalid_event", details=errors)


def _apply(event: Event, data: EventData) -> None:
    for name in EVENT_FIELDS:
        setattr(event, name, getattr(data, name))
    event.title = event.title.strip()
    for code, name in Event.AUDIENCE_FIELDS.items():
        setattr(event, name, code in data.audiences)


def _save_validated(event: Event, code: str = "invalid_event") -> None:
    try:
        event.full_clean()
    except ValidationError as exc:
        _raise_validation(exc, code)
    event.save()


def event_create(*, user: User, data: EventData) -> Event:
    """A new event (a draft until published) organised by `data.organiser` (the lead) and co-organisers."""
    _check_access(user)
    _validate(user, data)
    with transaction.atomic():
        event = Event(created_by=user)
        _apply(event, data)
        _save_validated(event)
        event.co_organisers.set([o for o in data.co_organisers if o.pk != data.organiser.pk])
    return event


def _locked(event: Event, version: int | None) -> Event:
    current = Event.objects.select_for_update().get(pk=event.pk)
    if version is None or current.version != version:
        raise Conflict(_("Arrangementet er ændret af en anden, siden du åbnede det. Genindlæs siden, og prøv igen."))
    return current


def _require_manage(user: User, event: Event) -> None:
    if not can_manage_event(user, event):
        raise Forbidden(_("Kun arrangørerne og koordinationsgruppen kan ændre arrangementet."), code="forbidden")


def event_update(*, user: User, event: Event, version: int | None, data: EventData) -> Event:
    """Edit an event (optimistic locking on `version`). More places promote people from the waiting list."""
    _require_manage(user, event)
    _validate(user, data, keep_organiser=event.organiser)
    with transaction.atomic():
        current = _locked(event, version)
        _apply(current, data)
        current.version += 1
        _save_validated(current)
        current.co_organisers.set([o for o in data.co_organisers if o.pk != data.organiser.pk])
        _promote_waiting(current)
        if current.status == Event.Status.HELD:
            _sync_activity_registrations(current, user)
    return current


def event_publish(*, user: User, event: Event, version: int | None) -> Event:
    _require_manage(user, event)
    with transaction.atomic():
        current = _locked(event, version)
        if current.status != Event.Status.DRAFT:
            raise ValidationFailed(_("Kun en kladde kan offentliggøres."), code="invalid_status")
        current.status = Event.Status.PUBLISHED
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
    return current


def event_cancel(*, user: User, event: Event, version: int | None, message: str = "") -> Event:
    """Cancel the event; everyone signed up or waiting gets an e-mail."""
    _require_manage(user, event)
    with transaction.atomic():
        current = _locked(event, version)
        if current.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
            raise ValidationFailed(_("Et afholdt eller aflyst arrangement kan ikke aflyses."), code="invalid_status")
        was_published = current.status == Event.Status.PUBLISHED
        current.status = Event.Status.CANCELLED
        current.cancelled_at = timezone.now()
        current.version += 1
        current.save(update_fields=["status", "cancelled_at", "version", "updated_at"])
        if was_published:
            active = current.registrations.filter(
                status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED]
            )
            subject = _("Aflyst: %(title)s") % {"title": current.title}
            for reg in active:
                _mail(subject, "events/email/event_cancelled.txt",
                      {"event": current, "registration": reg, "message": message.strip()}, reg.email)
    return current


def event_mark_held(*, user: User, event: Event, version: int | None) -> Event:
    """The event took place: record the activity registrations and create the follow-up surveys for those
    who attended (sent by `manage.py send_event_surveys`)."""
    _require_manage(user, event)
    with transaction.atomic():
        current = _locked(event, version)
        if current.status != Event.Status.PUBLISHED:
            raise ValidationFailed(_("Kun et offentliggjort arrangement kan markeres som afholdt."),
                                   code="invalid_status")
        if current.starts_at > timezone.now():
            raise ValidationFailed(_("Arrangementet er ikke begyndt endnu."), code="not_started")
        current.status = Event.Status.HELD
        current.held_at = timezone.now()
        current.version += 1
        current.save(update_fields=["status", "held_at", "version", "updated_at"])
        _sync_activity_registrations(current, user)
        surveys_create_for_event(event=current)
    return current


def _attended_count(event: Event) -> int:
    return event.registrations.filter(attended_at__isnull=False).count()


def _upsert_registration(
    current: ActivityRegistration | None, target: ActivityTarget | None, *, event: Event, amount: int, what: str,
    user: User | None,
) -> ActivityRegistration | None:
    if target is None:
        if current is not None:
            current.delete()
        return None
    note = f"{what}: {event.title} ({timezone.localtime(event.starts_at):%d-%m-%Y}, #{event.pk})"[:300]
    day = timezone.localtime(event.starts_at).date()
    if current is None:
        current = ActivityRegistration(registered_by=user)
    current.activity_target = target
    current.date = day
    current.amount = amount
    current.note = note
    current.full_clean()
    current.save()
    return current


def _sync_activity_registrations(event: Event, user: User | None) -> None:
    """Keep the held event's activity registrations in line with the event (targets and attendance)."""
    with translation.override("da"):
        attended = _attended_count(event)
        target = event.activity_target
        events_target = target if target is not None and target.unit != ActivityTarget.Unit.MATCHES else None
        amount = 1 if events_target is not None and events_target.unit != ActivityTarget.Unit.PEOPLE else attended
        held = _upsert_registration(
            event.held_registration, events_target, event=event, amount=amount, user=user,
            what=_("Afholdt arrangement") if amount == 1 and events_target and
            events_target.unit != ActivityTarget.Unit.PEOPLE else _("Deltagere i arrangement"),
        )
        people = _upsert_registration(
            event.participants_registration, event.participants_target, event=event, amount=attended,
            user=user, what=_("Deltagere i arrangement"),
        )
    fields = []
    if (held.pk if held else None) != event.held_registration_id:
        event.held_registration = held
        fields.append("held_registration")
    if (people.pk if people else None) != event.participants_registration_id:
        event.participants_registration = people
        fields.append("participants_registration")
    if fields:
        event.save(update_fields=fields)


# --- Sign-up ----------------------------------------------------------------------------------------


def signup_open(event: Event, *, now: dt.datetime | None = None) -> tuple[bool, str]:
    """Whether people can sign up now, and if not, why (Danish)."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return False, str(_("Der er ikke åbent for tilmelding."))
    deadline = event.signup_deadline or event.starts_at
    if now > deadline:
        return False, str(_("Tilmeldingsfristen er overskredet."))
    return True, ""


def _active_count(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.REGISTERED).count()


def _has_room(event: Event) -> bool:
    return event.capacity is None or _active_count(event) < event.capacity


def registration_create(
    *,
    event: Event,
    kind: str,
    name: str,
    email: str,
    phone: str = "",
    organisation_name: str = "",
    cvr: str = "",
    audience: str = "",
    consent: bool = False,
    registered_by: User | None = None,
    candidate=None,
    public: bool = True,
) -> Registration:
    """Sign a person or a company up: a seat while there is room, else the waiting list (when the event
    has one). A person's data is only saved with consent. The confirmation e-mail holds the private
    cancel link. The same e-mail address can be signed up once per event."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if kind not in Registration.Kind.values:
        errors["kind"] = [_("Vælg, om du tilmelder dig som person eller virksomhed.")]
    if not (name or "").strip():
        errors["name"] = [_("Skriv dit navn.")]
    if not email:
        errors["email"] = [_("Skriv din e-mailadresse.")]
    if kind == Registration.Kind.PERSON and not consent:
        errors["consent"] = [_("Du skal give samtykke, før vi kan gemme din tilmelding.")]
    if audience and audience not in Audience.values:
        errors["audience"] = [_("Ukendt målgruppe.")]
    company = None
    if kind == Registration.Kind.COMPANY:
        if not (organisation_name or "").strip():
            errors["organisation_name"] = [_("Skriv virksomhedens navn.")]
        cvr = normalise_cvr(cvr or "")
        try:
            validate_cvr(cvr)
        except ValidationError as exc:
            errors["cvr"] = list(exc.messages)
        else:
            company = Company.objects.filter(cvr=cvr).first()
            while company is not None and company.merged_into_id is not None:
                company = Company.objects.get(pk=company.merged_into_id)
        audience = Audience.COMPANIES
    else:
        cvr = ""
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="invalid_registration", details=errors)

    with transaction.atomic():
        # Sign-ups of one event are serialised on the event row, so two people cannot take the last seat.
        event = Event.objects.select_for_update().get(pk=event.pk)
        if public and not event.public:
            raise ValidationFailed(_("Der er ikke åben tilmelding til arrangementet."), code="signup_closed")
        if public:
            is_open, reason = signup_open(event)
        else:  # staff may add people (e.g. at the door) until the event ends
            is_open = event.status == Event.Status.PUBLISHED and timezone.now() <= event.ends_at
            reason = str(_("Arrangementet er ikke åbent for tilmelding."))
        if not is_open:
            raise ValidationFailed(reason, code="signup_closed")
        existing = event.registrations.filter(email=email).first()
        if existing is not None and existing.status != Registration.Status.CANCELLED:
            msg = _("Den e-mailadresse er allerede tilmeldt arrangementet. Se linket i din bekræftelse.")
            raise ValidationFailed(msg, code="already_registered", details={"email": [msg]})
        if _has_room(event):
            status = Registration.Status.REGISTERED
        elif event.waitlist_enabled:
            status = Registration.Status.WAITLISTED
        else:
            raise ValidationFailed(_("Arrangementet er fuldt booket."), code="event_full")
        now = timezone.now()
        reg = existing or Registration(event=event)
        reg.kind = kind
        reg.audience = audience
        reg.name = name.strip()
        reg.email = email
        reg.phone = (phone or "").strip()
        reg.organisation_name = (organisation_name or "").strip()
        reg.cvr = cvr
        reg.company = company
        reg.candidate = candidate
        reg.status = status
        reg.attended_at = None
        reg.consent_at = now if consent else None
        reg.consent_text_version = CONSENT_TEXT_VERSION if consent else ""
        reg.registered_by = registered_by
        try:
            reg.full_clean(exclude=["event"] if existing is None else None, validate_unique=False)
        except ValidationError as exc:
            _raise_validation(exc, "invalid_registration")
        try:
            with transaction.atomic():
                reg.save()
        except IntegrityError as exc:  # a simultaneous sign-up with the same e-mail address
            msg = _("Den e-mailadresse er allerede tilmeldt arrangementet. Se linket i din bekræftelse.")
            raise ValidationFailed(msg, code="already_registered", details={"email": [msg]}) from exc
        if existing is not None:
            # Signing up again after cancelling: to the back of the queue.
            Registration.objects.filter(pk=reg.pk).update(created_at=now)
            reg.created_at = now
        _send_confirmation(reg)
    return reg


def _send_confirmation(reg: Registration) -> None:
    event = reg.event
    if reg.status == Registration.Status.REGISTERED:
        subject = _("Du er tilmeldt: %(title)s") % {"title": event.title}
    else:
        subject = _("Du er på venteliste: %(title)s") % {"title": event.title}
    _mail(subject, "events/email/registration_confirmed.txt", {
        "event": event, "registration": reg, "position": waitlist_position(reg),
        "manage_url": site_url(reverse("event_registration_status", args=[reg.token])),
        "event_url": site_url(reverse("event_public_detail", args=[event.pk])),
        "ics_url": site_url(reverse("event_ics", args=[event.pk])),
    }, reg.email)


def _promote_waiting(event: Event) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served; each promoted person is e-mailed.
    Call inside a transaction holding the event row lock."""
    if event.status != Event.Status.PUBLISHED:
        return []
    promoted = []
    free = None if event.capacity is None else event.capacity - _active_count(event)
    waiting = event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "id")
    for reg in waiting:
        if free is not None and free <= 0:
            break
        reg.status = Registration.Status.REGISTERED
        reg.save(update_fields=["status", "updated_at"])
        promoted.append(reg)
        if free is not None:
            free -= 1
        _mail(_("Du har fået en plads: %(title)s") % {"title": event.title}, "events/email/registration_promoted.txt", {
            "event": event, "registration": reg,
            "manage_url": site_url(reverse("event_registration_status", args=[reg.token])),
        }, reg.email)
    return promoted


def registration_cancel(*, registration: Registration, user: User | None = None) -> Registration:
    """Cancel a sign-up (by the person's private link, or by the organiser's staff when `user` is given);
    a freed seat goes to the first on the waiting list."""
    if user is not None:
        _require_manage(user, registration.event)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.status == Registration.Status.CANCELLED:
            return reg
        if event.status not in (Event.Status.PUBLISHED, Event.Status.DRAFT):
            raise ValidationFailed(_("Arrangementet er afholdt eller aflyst; tilmeldingen kan ikke ændres."),
                                   code="invalid_status")
        reg.status = Registration.Status.CANCELLED
        reg.save(update_fields=["status", "updated_at"])
        _mail(_("Din afmelding er modtaget: %(title)s") % {"title": event.title},
              "events/email/registration_cancelled.txt", {"event": event, "registration": reg}, reg.email)
        _promote_waiting(event)
    return reg


def registration_set_attended(*, user: User, registration: Registration, attended: bool) -> Registration:
    """Check a participant in (or undo it). After the event was marked held, the activity registration of
    its participants follows."""
    event = registration.event
    _require_manage(user, event)
    if event.status not in (Event.Status.PUBLISHED, Event.Status.HELD):
        raise ValidationFailed(_("Der kan kun tjekkes ind til et offentliggjort eller afholdt arrangement."),
                               code="invalid_status")
    with transaction.atomic():
        # The event row first, as in sign-up and cancellation, so the locks are always taken in one order.
        locked = Event.objects.select_for_update(of=("self",)).select_related(
            "activity_target", "participants_target", "held_registration", "participants_registration"
        ).get(pk=registration.event_id)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        reg.event = locked
        if reg.status != Registration.Status.REGISTERED:
            raise ValidationFailed(_("Kun tilmeldte kan tjekkes ind."), code="not_registered")
        reg.attended_at = (reg.attended_at or timezone.now()) if attended else None
        reg.save(update_fields=["attended_at", "updated_at"])
        if locked.status == Event.Status.HELD:
            _sync_activity_registrations(locked, user)
    return reg
