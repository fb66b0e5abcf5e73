"""Writes of referrals (henvisninger, SPEC 3.2): a need is sent to the service best placed to help; the
receiving service accepts, asks a question, or declines with an alternative; the referring side
answers questions and may withdraw. Every step is timed, written to the need's history (public texts
without person names) and e-mailed to the other side once the transaction commits.

A referral is a company request under the answer promise: it gets a deadline in working days when it
is sent, and counts as answered when the service accepts it or declines it with an alternative."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.models import Service, User

from .answer_promise import answer_due_for, notify, organisation_emails, url_or_empty
from .models import Need, NeedEvent, Referral
from .referral_selectors import OPEN_STATUSES, can_refer, is_receiver, is_sender
from .timeline import need_log_event

DECLINE_NEEDS_ALTERNATIVE = gettext_lazy("Du skal foreslå et alternativ, når du afviser en henvisning.")


def _da(text: Any, **params: Any) -> str:
    """A text stored in the history or sent by e-mail: always Danish, whatever the request's language."""
    with translation.override("da"):
        return str(text) % params if params else str(text)


# --- Recipients -------------------------------------------------------------------------------------


def _receiver_emails(referral: Referral, *, actor: User) -> list[str]:
    """The service's own contact address and the active users of the service's organisation."""
    service = referral.service
    emails = [service.contact_email, *organisation_emails(service.organisation_id, exclude=[actor.email])]
    return [e for e in emails if e and e.lower() != (actor.email or "").lower()]


def _sender_emails(referral: Referral, *, actor: User) -> list[str]:
    """The person who referred, or (when they have left) the active users of the referring organisation."""
    sender = referral.from_user
    if sender is not None and sender.is_active and sender.email:
        emails = [sender.email]
    else:
        emails = organisation_emails(referral.from_organisation_id)
    return [e for e in emails if e.lower() != (actor.email or "").lower()]


def _mail(referral: Referral, *, template: str, subject: Any, recipients: list[str], actor: User) -> list[str]:
    need = referral.need
    return notify(
        template=template,
        subject=_da(subject, company=need.company.name, service=referral.service.name),
        recipients=recipients,
        context={
            "referral": referral,
            "need": need,
            "company": need.company,
            "service": referral.service,
            "actor": actor,
            "actor_name": actor.get_full_name() or actor.username,
            "actor_organisation": actor.organisation,
            "link": url_or_empty("referral_detail", referral.pk),
            "need_link": url_or_empty("need_detail", need.pk),
        },
    )


# --- Steps ----------------------------------------------------------------------------------------


def _lock(referral: Referral, version: int | None) -> Referral:
    """The referral re-read under a row lock; refuses when someone changed it since `version` was read."""
    current = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("need__company", "service__organisation", "from_organisation", "from_user")
        .get(pk=referral.pk)
    )
    if version is not None and current.version != version:
        raise Conflict(_("Henvisningen er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    return current


def _require_open(referral: Referral, *, statuses=OPEN_STATUSES) -> None:
    if referral.status not in statuses:
        raise ValidationFailed(
            _("Henvisningen er %(status)s og kan ikke længere ændres på den måde.")
            % {"status": referral.get_status_display().lower()},
            code="referral_not_open",
        )


def _save(referral: Referral, *fields: str) -> Referral:
    referral.version += 1
    referral.full_clean()
    referral.save(update_fields=[*fields, "version", "updated_at"])
    return referral


def _save_need(need: Need, *fields: str) -> None:
    need.version += 1
    changed = {*fields, "version"}
    need.full_clean(exclude=[f.name for f in Need._meta.concrete_fields if f.name not in changed],
                    validate_unique=False)
    need.save(update_fields=[*changed, "updated_at"])


def _respond(referral: Referral, user: User) -> None:
    referral.responded_by = user
    referral.responded_at = timezone.now()


@transaction.atomic
def referral_create(*, user: User, need: Need, service: Service, message: str = "") -> Referral:
    """Refer an open need to a service (on behalf of the user's organisation); the deadline follows the
    answer rule in force today. A need that was new is now in progress."""
    if not can_refer(user, need):
        raise Forbidden(_("Kun den ansvarlige organisation og koordinationsgruppen kan henvise behovet."))
    need = Need.objects.select_for_update(of=("self",)).select_related("company").get(pk=need.pk)
    errors: dict[str, list[str]] = {}
    code = "referral_invalid"
    if not need.is_open:
        errors["need"] = [_("Behovet er afsluttet og kan ikke henvises.")]
    if not service.active or not service.organisation.active:
        errors["service"] = [_("Ydelsen er ikke længere aktiv. Vælg en anden.")]
    elif service.organisation_id == user.organisation_id:
        errors["service"] = [_("Du kan ikke henvise til din egen organisation.")]
    elif Referral.objects.filter(need=need, service=service, status__in=OPEN_STATUSES).exists():
        code = "duplicate_referral"
        errors["service"] = [_("Behovet er allerede henvist til %(service)s, og henvisningen er ikke besvaret endnu.")
                             % {"service": service.name}]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code=code, details=errors)
    referral = Referral(need=need, service=service, from_organisation=user.organisation, from_user=user,
                        message=message.strip(), due=answer_due_for(timezone.now()))
    referral.full_clean()
    referral.save()
    need_log_event(need=need, kind=NeedEvent.Kind.REFERRED, user=user,
                   text=_da(gettext_lazy("Henvist til %(service)s"), service=service.name))
    if need.status == Need.Status.NEW:
        need.status = Need.Status.IN_PROGRESS
        _save_need(need, "status")
    referral.need = need
    _mail(referral, template="referral_sent", subject=gettext_lazy("Ny henvisning: %(company)s"),
          recipients=_receiver_emails(referral, actor=user), actor=user)
    return referral


def _check_receiver(user: User, referral: Referral) -> None:
    if not is_receiver(user, referral):
        raise Forbidden(_("Kun den organisation, henvisningen er sendt til, kan besvare den."))


def _check_sender(user: User, referral: Referral) -> None:
    if not is_sender(user, referral):
        raise Forbidden(_("Kun den organisation, der har henvist, kan gøre dette."))


@transaction.atomic
def referral_accept(*, user: User, referral: Referral, version: int | None) -> Referral:
    """The service takes the need on: its organisation becomes the need's owner (the accepting user its
    responsible staff member), so it can register the match and close the need."""
    _check_receiver(user, referral)
    referral = _lock(referral, version)
    _require_open(referral)
    need = Need.objects.select_for_update(of=("self",)).select_related("company", "owner_organisation").get(
        pk=referral.need_id
    )
    if not need.is_open:
        raise ValidationFailed(_("Behovet er afsluttet, så henvisningen kan ikke accepteres."), code="need_closed")
    referral.status = Referral.Status.ACCEPTED
    _respond(referral, user)
    _save(referral, "status", "responded_by", "responded_at")
    service = referral.service
    need_log_event(need=need, kind=NeedEvent.Kind.REFERRAL_ACCEPTED, user=user,
                   text=_da(gettext_lazy("%(service)s har accepteret henvisningen"), service=service.name))
    if need.owner_organisation_id != service.organisation_id or need.owner_id != user.pk:
        previous = need.owner_organisation
        need.owner_organisation = service.organisation
        need.owner = user
        _save_need(need, "owner_organisation", "owner")
        need_log_event(
            need=need, kind=NeedEvent.Kind.ASSIGNED, user=user, public=False,
            text=_da(gettext_lazy("Ansvaret er overgået fra %(old)s til %(new)s (henvisning accepteret)"),
                     old=previous.name, new=service.organisation.name),
        )
    referral.need = need
    _mail(referral, template="referral_accepted", subject=gettext_lazy("Henvisning accepteret: %(company)s"),
          recipients=_sender_emails(referral, actor=user), actor=user)
    return referral


@transaction.atomic
def referral_ask(*, user: User, referral: Referral, version: int | None, question: str) -> Referral:
    """The service asks the referring side for more before it answers."""
    _check_receiver(user, referral)
    question = (question or "").strip()
    if not question:
        raise ValidationFailed(_("Skriv dit spørgsmål."), code="question_required",
                               details={"question": [_("Skriv dit spørgsmål.")]})
    referral = _lock(referral, version)
    _require_open(referral, statuses=(Referral.Status.SENT,))
    referral.status = Referral.Status.QUESTION
    referral.question = question
    referral.question_answer = ""
    _respond(referral, user)
    _save(referral, "status", "question", "question_answer", "responded_by", "responded_at")
    need_log_event(need=referral.need, kind=NeedEvent.Kind.REFERRAL_QUESTION, user=user, public=False,
                   text=_da(gettext_lazy("%(service)s spørger: %(question)s"), service=referral.service.name,
                            question=question))
    _mail(referral, template="referral_question", subject=gettext_lazy("Spørgsmål til henvisning: %(company)s"),
          recipients=_sender_emails(referral, actor=user), actor=user)
    return referral


@transaction.atomic
def referral_answer_question(*, user: User, referral: Referral, version: int | None, answer: str) -> Referral:
    """The referring side answers the service's question; the referral waits for the service again."""
    _check_sender(user, referral)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("Skriv dit svar."), code="answer_required", details={"answer": [_("Skriv dit svar.")]})
    referral = _lock(referral, version)
    _require_open(referral, statuses=(Referral.Status.QUESTION,))
    referral.status = Referral.Status.SENT
    referral.question_answer = answer
    _save(referral, "status", "question_answer")
    need_log_event(need=referral.need, kind=NeedEvent.Kind.REFERRAL_ANSWERED, user=user, public=False,
                   text=_da(gettext_lazy("Svar til %(service)s: %(answer)s"), service=referral.service.name,
                            answer=answer))
    recipients = _receiver_emails(referral, actor=user)
    asker = referral.responded_by
    if asker is not None and asker.is_active and asker.email:
        recipients.append(asker.email)
    _mail(referral, template="referral_answered", subject=gettext_lazy("Svar på dit spørgsmål: %(company)s"),
          recipients=recipients, actor=user)
    return referral


@transaction.atomic
def referral_decline(*, user: User, referral: Referral, version: int | None, reason: str = "",
                     alternative_service: Service | None = None, alternative_text: str = "") -> Referral:
    """The service declines; it must suggest an alternative (another service and/or a text)."""
    _check_receiver(user, referral)
    alternative_text = (alternative_text or "").strip()
    if alternative_service is None and not alternative_text:
        raise ValidationFailed(DECLINE_NEEDS_ALTERNATIVE, code="alternative_required",
                               details={"alternative_text": [str(DECLINE_NEEDS_ALTERNATIVE)]})
    if alternative_service is not None and (
        not alternative_service.active or alternative_service.pk == referral.service_id
    ):
        message = _("Vælg en anden, aktiv ydelse som alternativ.")
        raise ValidationFailed(message, code="alternative_invalid", details={"alternative_service": [message]})
    referral = _lock(referral, version)
    _require_open(referral)
    referral.status = Referral.Status.DECLINED
    referral.decline_reason = (reason or "").strip()
    referral.alternative_service = alternative_service
    referral.alternative_text = alternative_text
    _respond(referral, user)
    _save(referral, "status", "decline_reason", "alternative_service", "alternative_text", "responded_by",
          "responded_at")
    if alternative_service is not None:
        text = _da(gettext_lazy("%(service)s kan ikke hjælpe og foreslår i stedet %(alternative)s"),
                   service=referral.service.name, alternative=alternative_service.name)
    else:
        text = _da(gettext_lazy("%(service)s kan ikke hjælpe og har foreslået et alternativ"),
                   service=referral.service.name)
    need_log_event(need=referral.need, kind=NeedEvent.Kind.REFERRAL_DECLINED, user=user, text=text)
    _mail(referral, template="referral_declined", subject=gettext_lazy("Henvisning afvist med alternativ: %(company)s"),
          recipients=_sender_emails(referral, actor=user), actor=user)
    return referral


@transaction.atomic
def referral_withdraw(*, user: User, referral: Referral, version: int | None) -> Referral:
    """The referring side takes back a referral that has not been answered."""
    _check_sender(user, referral)
    referral = _lock(referral, version)
    _require_open(referral)
    referral.status = Referral.Status.WITHDRAWN
    _save(referral, "status")
    need_log_event(need=referral.need, kind=NeedEvent.Kind.STATUS, user=user,
                   text=_da(gettext_lazy("Henvisningen til %(service)s er trukket tilbage"),
                            service=referral.service.name))
    _mail(referral, template="referral_withdrawn", subject=gettext_lazy("Henvisning trukket tilbage: %(company)s"),
          recipients=_receiver_emails(referral, actor=user), actor=user)
    return referral
