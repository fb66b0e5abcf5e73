"""Writes to the match registry: register (with duplicate detection), edit, verify, reject."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.companies.models import Company, Need
from viaviden.companies.need_services import need_answer_with_match
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import AALBORG_CODE, EducationLevel, Municipality

from .models import Activity, Match, MatchContribution, MatchType, Programme
from .permissions import can_edit_match, can_register_for, can_verify_match
from .rules import check_type_rule, link_type_rule, require_linked


def person_keyer() -> Callable[[str], str]:
    """`person_key_for` with the pepper read once, for the many keys of an import (reading a setting
    through Django's lazy settings costs about as much as the HMAC itself)."""
    pepper = settings.PERSON_KEY_PEPPER.encode()

    def key(identifier: str) -> str:
        norm = " ".join(identifier.lower().split())
        if not norm:
            return ""
        # hmac.digest: the one-shot form (same value as hmac.new(...).hexdigest(), a fraction of the cost).
        return hmac.digest(pepper, norm.encode(), "sha256").hex()

    return key


def person_key_for(identifier: str) -> str:
    """Pseudonymous key of a person: HMAC of a normalised identifier (e-mail or a partner's own id)."""
    return person_keyer()(identifier)


def programme_for(day: dt.date) -> Programme:
    programme = Programme.objects.filter(start_date__lte=day, end_date__gte=day).order_by("-start_date").first()
    if programme is None:
        raise ValidationFailed(
            _("Startdatoen %(date)s ligger uden for alle programperioder.") % {"date": day.strftime("%d-%m-%Y")},
            code="outside_programme",
        )
    return programme


def derived_fields(*, programme: Programme, start_date: dt.date, municipality_code: str,
                   registering_org: Organisation) -> dict[str, Any]:
    """The stored derived values of a match (outside-Aalborg flag, project year, half-year, part)."""
    return {
        "outside_aalborg": municipality_code != AALBORG_CODE,
        "project_year": programme.project_year_of(start_date),
        "half_year": f"{start_date.year}-H{1 if start_date.month <= 6 else 2}",
        "partner": registering_org.partner,
        "target_part": registering_org.partner.target_part,
    }


@dataclass(frozen=True)
class MatchData:
    """Validated input for a match (from a form, the API or an import row)."""

    company: Company
    match_type: MatchType
    start_date: dt.date
    education_level: EducationLevel
    municipality: Municipality | None = None  # defaults to the company's workplace municipality
    institution: str = ""
    education: str = ""
    person_identifier: str = ""
    person_name: str = ""
    person_email: str = ""
    person_consent: bool = False
    activity: str = Activity.COMPANY_CONTACT
    activity_note: str = ""
    contributors: tuple[Organisation, ...] = ()
    need: Need | None = None  # the need (job profile) the match came from; registering it answers the need
    # The record a match of some types must point to (matches.rules): the granted Vækstpilot application's
    # reference (e.g. VP-00012) for "ordinary job with Vækstpilot".
    reference: str = ""


@dataclass(frozen=True)
class RegisterResult:
    match: Match
    merged: bool  # True when it was a duplicate of an existing match (the registrant is added as contributor)


def _validate(data: MatchData) -> None:
    if (data.person_name or data.person_email) and not data.person_consent:
        raise ValidationFailed(
            _("Navn og kontaktoplysninger må kun registreres, når personen har givet samtykke."),
            code="consent_required",
        )
    if data.activity not in Activity.values:
        raise ValidationFailed(_("Ukendt aktivitet: %(a)s") % {"a": data.activity}, code="invalid_activity")
    if data.start_date > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationFailed(_("Startdatoen ligger mere end et år ude i fremtiden."), code="start_too_late")
    if data.need is not None and data.need.company_id != data.company.pk:
        raise ValidationFailed(
            _("Matchet skal være med den virksomhed, behovet er registreret for (CVR-nummer %(cvr)s).")
            % {"cvr": data.need.company.cvr},
            code="need_company_mismatch",
        )


def find_duplicate(*, programme: Programme, person_key: str, company: Company, match_type: MatchType,
                   start_date: dt.date) -> Match | None:
    """The existing match that is the same person, company and type starting within the window."""
    if not person_key:
        return None
    window = dt.timedelta(days=programme.duplicate_window_days)
    return (
        Match.objects.filter(
            person_key=person_key, company=company, match_type=match_type,
            start_date__gte=start_date - window, start_date__lte=start_date + window,
        )
        .exclude(status=Match.Status.REJECTED)
        .order_by("id")
        .first()
    )


def find_possible_duplicate(*, programme: Programme, data: MatchData) -> Match | None:
    """Without a person key we cannot know; same company, type, education and level in the window is
    flagged for the lead to look at, not merged."""
    window = dt.timedelta(days=programme.duplicate_window_days)
    return (
        Match.objects.filter(
            company=data.company, match_type=data.match_type, education_level=data.education_level,
            education__iexact=data.education, start_date__gte=data.start_date - window,
            start_date__lte=data.start_date + window,
        )
        .exclude(status=Match.Status.REJECTED)
        .order_by("id")
        .first()
    )


@transaction.atomic
def match_register(*, user: User | None, organisation: Organisation, data: MatchData,
                   import_batch=None, import_key: str = "", is_synthetic: bool = False) -> RegisterResult:
    """Register a match for `organisation`; a duplicate merges into the existing match instead."""
    if user is not None and not can_register_for(user, organisation):
        raise Forbidden(_("Du kan kun registrere match for din egen organisation."))
    _validate(data)
    programme = programme_for(data.start_date)
    record = check_type_rule(data.match_type.code, reference=data.reference, cvr=data.company.cvr)
    # Serialise registrations for one company so two partners cannot both create the same match.
    Company.objects.select_for_update().filter(pk=data.company.pk).first()
    person_key = person_key_for(data.person_identifier or data.person_email)
    existing = find_duplicate(programme=programme, person_key=person_key, company=data.company,
                              match_type=data.match_type, start_date=data.start_date)
    if existing is not None:
        _add_contributor(existing, organisation, MatchContribution.Role.DUPLICATE)
        for org in data.contributors:
            _add_contributor(existing, org, MatchContribution.Role.CONTRIBUTED)
        if data.need is not None:
            if existing.need_id is None:
                existing.need = data.need
                existing.save(update_fields=["need", "updated_at"])
            need_answer_with_match(need=data.need, match=existing, user=user)
        return RegisterResult(existing, merged=True)

    municipality = data.municipality or data.company.municipality
    match = Match(
        programme=programme, company=data.company, municipality=municipality, match_type=data.match_type,
        start_date=data.start_date, person_key=person_key, person_name=data.person_name.strip(),
        person_email=data.person_email.strip(),
        person_consent_at=timezone.now() if data.person_consent and (data.person_name or data.person_email) else None,
        institution=data.institution.strip(), education=data.education.strip(),
        education_level=data.education_level, registering_org=organisation, activity=data.activity,
        activity_note=data.activity_note.strip(), created_by=user, import_batch=import_batch,
        import_key=import_key, is_synthetic=is_synthetic, need=data.need,
        possible_duplicate_of=None if person_key else find_possible_duplicate(programme=programme, data=data),
        **derived_fields(programme=programme, start_date=data.start_date, municipality_code=municipality.code,
                         registering_org=organisation),
    )
    match.full_clean(exclude=["company", "programme", "partner"])
    match.save()
    link_type_rule(data.match_type.code, match.pk, record)
    _add_contributor(match, organisation, MatchContribution.Role.REGISTERED)
    for org in data.contributors:
        _add_contributor(match, org, MatchContribution.Role.CONTRIBUTED)
    if data.need is not None:
        need_answer_with_match(need=data.need, match=match, user=user)
    return RegisterResult(match, merged=False)


def _add_contributor(match: Match, organisation: Organisation, role: str) -> None:
    MatchContribution.objects.get_or_create(match=match, organisation=organisation, defaults={"role": role})


EDITABLE_FIELDS = (
    "company", "municipality", "match_type", "start_date", "institution", "education", "education_level",
    "activity", "activity_note", "person_name", "person_email",
)


@transaction.atomic
def match_update(*, user: User, match: Match, version: int, changes: dict[str, Any]) -> Match:
    """Edit a match. `version` is the version the editor read; if someone saved in between, the edit is
    refused (409) instead of silently overwriting theirs. An edited verified match needs verifying again."""
    if not can_edit_match(user, match):
        raise Forbidden(_("Du har ikke adgang til at redigere dette match."))
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"person_consent"}
    if unknown:
        raise ValidationFailed(_("Felter kan ikke ændres: %(f)s") % {"f": ", ".join(sorted(unknown))})
    consent = changes.pop("person_consent", None)
    old_type = match.match_type_id
    for field, value in changes.items():
        setattr(match, field, value)
    if "company" in changes and "municipality" not in changes:
        match.municipality = match.company.municipality
    if match.has_person_data and not (match.person_consent_at or consent):
        raise ValidationFailed(
            _("Navn og kontaktoplysninger må kun registreres, når personen har givet samtykke."),
            code="consent_required",
        )
    if consent and match.has_person_data and not match.person_consent_at:
        match.person_consent_at = timezone.now()
    if not match.has_person_data:
        match.person_consent_at = None
    if match.activity not in Activity.values:
        raise ValidationFailed(_("Ukendt aktivitet: %(a)s") % {"a": match.activity}, code="invalid_activity")
    match.programme = programme_for(match.start_date)
    if match.match_type_id != old_type:
        require_linked(match)
    for k, v in derived_fields(programme=match.programme, start_date=match.start_date,
                               municipality_code=match.municipality_id,
                               registering_org=match.registering_org).items():
        setattr(match, k, v)
    if match.status == Match.Status.VERIFIED:
        match.status, match.verified_by, match.verified_at = Match.Status.REGISTERED, None, None
    match.full_clean(exclude=["company", "programme", "partner"])
    return _save_versioned(match, version)


def _save_versioned(match: Match, version: int) -> Match:
    updated = Match.objects.filter(pk=match.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise Conflict(_("Matchet er blevet ændret af en anden, siden du åbnede det. Genindlæs og prøv igen."))
    match.version = version + 1
    match.save()
    return match


@transaction.atomic
def match_verify(*, user: User, match: Match, version: int) -> Match:
    """The partner's lead confirms the match."""
    if not can_verify_match(user, match):
        raise Forbidden(_("Kun partnerens leadpartner kan verificere matchet."))
    if match.status == Match.Status.VERIFIED:
        raise ValidationFailed(_("Matchet er allerede verificeret."), code="already_verified")
    match.status, match.verified_by, match.verified_at = Match.Status.VERIFIED, user, timezone.now()
    match.rejection_reason = ""
    return _save_versioned(match, version)


@transaction.atomic
def match_reject(*, user: User, match: Match, version: int, reason: str) -> Match:
    """The partner's lead rejects the match with a reason; it no longer counts towards targets."""
    if not can_verify_match(user, match):
        raise Forbidden(_("Kun partnerens leadpartner kan afvise matchet."))
    if not reason.strip():
        raise ValidationFailed(_("Angiv en begrundelse for afvisningen."), code="reason_required")
    match.status, match.rejection_reason = Match.Status.REJECTED, reason.strip()
    match.verified_by, match.verified_at = user, timezone.now()
    return _save_versioned(match, version)
