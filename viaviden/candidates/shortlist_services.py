"""The consultant's shortlist for a need (SPEC 3.3): put a suggested candidate on it, record how it went,
contact the candidate about the need (only with their COMPANY_CONTACT consent) and register a match from it.

Who acts: users who may act on the need (its owner organisation — partner and units — and coordinators),
like the need itself. The steering group never. Changes are audit-logged (Shortlist is registered with
auditlog); the e-mail to the candidate is sent after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.companies.models import Need
from viaviden.companies.need_selectors import OPEN_STATUSES, can_act_on_need
from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.models import User

from .models import Candidate, Consent, Shortlist

MAX_REASONS = 20
MAX_MESSAGE = 2000


def _require_actor(user: User, need: Need) -> None:
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har kun adgang til samlede tal, ikke til enkelte kandidater."), code="aggregates_only")
    if not can_act_on_need(user, need):
        raise Forbidden(
            _("Kun behovets ansvarlige organisation og koordinationsgruppen kan bruge kortlisten."),
            code="not_need_owner",
        )


def _require_open(need: Need) -> None:
    if need.status not in OPEN_STATUSES:
        raise ValidationFailed(
            _("Behovet er ikke åbent. Kortlisten kan kun bruges, mens behovet er åbent."), code="need_not_open"
        )


def _has_consent(candidate: Candidate, purpose: str) -> bool:
    return Consent.objects.filter(candidate=candidate, purpose=purpose, withdrawn_at__isnull=True).exists()


def _clean_and_save(entry: Shortlist, update_fields: list[str] | None = None) -> None:
    try:
        entry.full_clean(validate_constraints=False)
    except ValidationError as exc:
        details = exc.message_dict
        raise ValidationFailed(next(iter(details.values()))[0], code="validation_error", details=details) from exc
    entry.save(update_fields=update_fields)


@transaction.atomic
def shortlist_add(
    *, user: User, need: Need, candidate: Candidate, reasons: Iterable[str] = (), note: str = ""
) -> Shortlist:
    """Put a suggested candidate on the need's shortlist, with the reasons they were suggested. Only candidates
    with an active MATCHING consent can be shortlisted; each candidate once per need."""
    _require_actor(user, need)
    _require_open(need)
    if not _has_consent(candidate, Consent.Purpose.MATCHING):
        # The same answer whether the candidate exists or not: the person did not agree to be suggested.
        raise NotFound(
            _("Kandidaten kan ikke foreslås: der er ikke samtykke til matchning."), code="no_matching_consent"
        )
    if Shortlist.objects.filter(need=need, candidate=candidate).exists():
        raise Conflict(_("Kandidaten er allerede på kortlisten for behovet."), code="already_shortlisted")
    entry = Shortlist(
        need=need,
        candidate=candidate,
        organisation=user.organisation,
        added_by=user,
        reasons=[str(r)[:300] for r in list(reasons)[:MAX_REASONS]],
        note=note.strip(),
    )
    _clean_and_save(entry)
    return entry


@transaction.atomic
def shortlist_set_status(*, user: User, entry: Shortlist, status: str, note: str | None = None) -> Shortlist:
    """Record how it went: contacted, interested, not interested, matched (or back on the list)."""
    _require_actor(user, entry.need)
    if status not in Shortlist.Status.values:
        raise ValidationFailed(
            _("Ukendt status."), code="validation_error", details={"status": [_("Vælg en status fra listen.")]}
        )
    locked = Shortlist.objects.select_for_update().get(pk=entry.pk)
    locked.status = status
    fields = ["status", "updated_at"]
    if note is not None:
        locked.note = note.strip()
        fields.append("note")
    _clean_and_save(locked, fields)
    return locked


def _place(need: Need) -> str:
    municipality = need.place_municipality or need.company.municipality
    parts = [municipality.name if municipality else "", need.place.strip()]
    return " – ".join(p for p in parts if p)


@transaction.atomic
def shortlist_contact(*, user: User, entry: Shortlist, message: str) -> Shortlist:
    """Tell the candidate about the need by e-mail (company, tasks, place) with the consultant's message,
    organisation and e-mail address, so the candidate can answer the consultant directly. Only with the
    candidate's active COMPANY_CONTACT consent; the consultant does not see the candidate's address."""
    need = entry.need
    _require_actor(user, need)
    _require_open(need)
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(
            _("Skriv en besked til kandidaten."),
            code="validation_error",
            details={"message": [_("Skriv en besked til kandidaten.")]},
        )
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed(
            _("Beskeden må højst være %(max)s tegn.") % {"max": MAX_MESSAGE},
            code="validation_error",
            details={"message": [_("Højst %(max)s tegn.") % {"max": MAX_MESSAGE}]},
        )
    # Lock the entry only (the need's place is a nullable join, which PostgreSQL cannot lock).
    locked = Shortlist.objects.select_for_update(of=("self",)).select_related("candidate").get(pk=entry.pk)
    candidate = locked.candidate
    if not _has_consent(candidate, Consent.Purpose.COMPANY_CONTACT):
        raise Forbidden(
            _(
                "Kandidaten har ikke givet samtykke til at blive kontaktet om virksomheders behov. "
                "Kontakt kan ikke sendes."
            ),
            code="no_contact_consent",
        )
    if not user.email:
        raise ValidationFailed(
            _("Din brugerprofil har ingen e-mailadresse, som kandidaten kan svare til."), code="no_sender_email"
        )
    now = timezone.now()
    locked.contacted_at = now
    fields = ["contacted_at", "updated_at"]
    if locked.status == Shortlist.Status.SHORTLISTED:
        locked.status = Shortlist.Status.CONTACTED
        fields.append("status")
    _clean_and_save(locked, fields)
    context = {
        "company": need.company.name,
        "title": need.title,
        "tasks": need.tasks,
        "place": _place(need),
        "earliest_start": need.earliest_start,
        "message": message,
        "consultant_organisation": user.organisation.name if user.organisation_id else "",
        "consultant_name": user.get_full_name() or _("konsulenten"),
        "consultant_email": user.email,
    }
    subject = _("En virksomhed i Nordjylland søger en som dig: %(title)s") % {"title": need.title}
    body = render_to_string("candidates/email/suggestion_contact.txt", context)
    send_email(to=candidate.email, subject=subject, body=body, language=translation.get_language())
    return locked


def shortlist_to_match(*, user: User, entry: Shortlist) -> str:
    """Where to register a match from a shortlist entry: the match form, prefilled from the need and the
    candidate (match_create?need=<pk>&candidate=<pk>)."""
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har kun adgang til samlede tal, ikke til enkelte kandidater."), code="aggregates_only")
    return reverse("match_create") + "?" + urlencode({"need": entry.need_id, "candidate": entry.candidate_id})
