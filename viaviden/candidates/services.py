"""Writes to candidate profiles (SPEC 3.3, 3.9): self-service registration and e-mail link login, profile
updates, consent per purpose, profiles created by a partner with recorded consent, the person's rights
(export as JSON and PDF, erasure) and retention (warning, then anonymisation).

Personal data never goes into the audit log through these services: rows written here name the candidate by
pseudonym ("Kandidat K-123"), and erasure and anonymisation scrub the person's data from older rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.matches.models import Match
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.matches.services import person_key_for
from viaviden.organisations.models import User

from .matching_index import matching_index_invalidate
from .models import Candidate, Consent, Shortlist
from .selectors import (
    ANONYMISED_DOMAIN,
    candidate_consents,
    candidate_shortlists,
    is_anonymised,
    pseudonym,
    stored_pseudonym,
)

LOGIN_SALT = "viaviden.candidates.login"
REGISTER_SALT = "viaviden.candidates.register"
EMAIL_CHANGE_SALT = "viaviden.candidates.email-change"
LOGIN_LINK_MAX_AGE = dt.timedelta(minutes=30)
REGISTER_LINK_MAX_AGE = dt.timedelta(hours=24)
RATE_LIMIT = 5  # link requests per e-mail address and per IP address ...
RATE_WINDOW_SECONDS = 60 * 60  # ... per hour

SELF_SERVICE_METHOD = "selvbetjening"
# How a partner recorded the person's consent (stored as written here, in Danish: it is evidence).
CONSENT_METHODS = {
    "mundtligt ved samtale": gettext_lazy("Mundtligt ved samtale"),
    "skriftligt": gettext_lazy("Skriftligt (underskrevet eller pr. e-mail)"),
}
ANONYMISED_NAME = "Anonymiseret kandidat"
ERASED_VALUE = "[slettet]"

# Fields a profile form may set (e-mail changes go through a confirmation link, see candidate_email_change_*).
PROFILE_FIELDS = (
    "kind", "name", "phone", "programme", "education_text", "institution", "level", "expected_graduation",
    "competences", "experience", "available_from", "home_municipality", "max_travel_minutes", "willing_to_move",
)
# Fields whose values are personal data: never written to or kept in the audit log.
PERSONAL_FIELDS = ("name", "email", "phone", "competences", "experience", "note", "person_name", "person_email")


# --- Helpers -----------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _stamp(moment: dt.datetime) -> str:
    """A datetime as a stable string (UTC, microseconds) for the single-use check of a link."""
    return moment.astimezone(dt.UTC).isoformat()


def _absolute(base_url: str, path: str) -> str:
    base = base_url or getattr(settings, "SITE_URL", "") or ""
    return base.rstrip("/") + path


def _send_on_commit(subject: str, template: str, context: dict[str, Any], recipient: str) -> None:
    body = render_to_string(template, context)
    send_email(to=recipient, subject=subject, body=body, language=translation.get_language())


def _raise_validation(exc: ValidationError) -> None:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    raise ValidationFailed(next(iter(details.values()))[0], code="validation_error", details=details) from exc


def _touch(candidate: Candidate, now: dt.datetime | None = None) -> None:
    """The profile is in use: the retention clock starts again."""
    now = now or timezone.now()
    Candidate.objects.filter(pk=candidate.pk).update(last_active_at=now, retention_warning_sent_at=None)
    candidate.last_active_at, candidate.retention_warning_sent_at = now, None


def _index_changed(candidate_pk: int) -> None:
    """The matching index reads this candidate again after commit (consent or profile changed, erased)."""
    matching_index_invalidate(candidate_pk)


def _audit(candidate_pk: int, *, action: int, actor: User | None, data: dict[str, Any]) -> LogEntry:
    """An audit row about a candidate that names them by pseudonym only."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Candidate),
        object_pk=str(candidate_pk),
        object_id=candidate_pk,
        object_repr=stored_pseudonym(candidate_pk),
        action=action,
        changes=None,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        additional_data=data,
    )


def _scrub_log_entries(model: type, pks: Iterable[Any], *, object_repr: str | None = None) -> int:
    """Replace personal values in the audit rows of these objects (the rows stay: something happened)."""
    pks = [str(pk) for pk in pks]
    if not pks:
        return 0
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk__in=pks)
    count = 0
    for entry in entries.iterator():
        changed = False
        changes = entry.changes if isinstance(entry.changes, dict) else None
        if changes:
            for name in PERSONAL_FIELDS:
                if name in changes:
                    values = changes[name]
                    changes[name] = [ERASED_VALUE for _v in values] if isinstance(values, list) else ERASED_VALUE
                    changed = True
        if object_repr is not None and entry.object_repr != object_repr:
            entry.object_repr = object_repr
            changed = True
        if changed:
            LogEntry.objects.filter(pk=entry.pk).update(changes=changes, object_repr=entry.object_repr, changes_text="")
            count += 1
    return count


# --- Profile data ------------------------------------------------------------------------------------


def _validate_education(candidate: Candidate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if candidate.programme_id is None and not candidate.education_text.strip():
        errors["programme"] = [_("Vælg din uddannelse på listen, eller skriv den, hvis den ikke er der.")]
    elif candidate.programme_id is None and candidate.level_id is None:
        errors["level"] = [_("Vælg uddannelsens niveau.")]
    if candidate.max_travel_minutes is not None and not 0 < candidate.max_travel_minutes <= 600:
        errors["max_travel_minutes"] = [_("Angiv en rejsetid mellem 1 og 600 minutter.")]
    return errors


def _apply_profile(candidate: Candidate, data: dict[str, Any]) -> None:
    unknown = set(data) - set(PROFILE_FIELDS) - {"match_types"}
    if unknown:
        raise ValidationFailed(_("Felter kan ikke ændres: %(f)s") % {"f": ", ".join(sorted(unknown))},
                               code="unknown_fields")
    for name, value in data.items():
        if name == "match_types":
            continue
        if isinstance(value, str):
            value = value.strip()
        setattr(candidate, name, value)
    if candidate.programme is not None:
        # The programme decides the level; a level given with it would only contradict it.
        candidate.level = candidate.programme.level


def _clean(candidate: Candidate) -> None:
    errors = _validate_education(candidate)
    try:
        candidate.full_clean(exclude=["email"] if not candidate.email else None)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="validation_error", details=errors)


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    qs = Candidate.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _give(candidate: Candidate, purpose: str, *, recorded_by: User | None, method: str,
          given_at: dt.datetime | None = None) -> Consent:
    existing = candidate.consents.filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if existing is not None:
        return existing
    consent = Consent(candidate=candidate, purpose=purpose, given_at=given_at or timezone.now(),
                      recorded_by=recorded_by, method=method)
    try:
        consent.full_clean(validate_constraints=False)
    except ValidationError as exc:
        _raise_validation(exc)
    consent.save()
    return consent


def _check_purposes(purposes: Iterable[str]) -> set[str]:
    purposes = set(purposes)
    unknown = purposes - set(Consent.Purpose.values)
    if unknown:
        raise ValidationFailed(_("Ukendt formål: %(p)s") % {"p": ", ".join(sorted(unknown))}, code="unknown_purpose",
                               details={"consents": [_("Ukendt formål.")]})
    return purposes


# --- E-mail link login -------------------------------------------------------------------------------


def _rate_key(kind: str, value: str) -> str:
    # Hashed: the cache holds no raw e-mail or IP addresses.
    return f"candidates:link:{kind}:" + hashlib.sha256((value or "?").encode()).hexdigest()[:32]


def login_link_rate_limited(*, email: str, ip: str) -> bool:
    """Whether this e-mail address or this IP address has asked for RATE_LIMIT links in the last hour."""
    keys = [_rate_key("email", normalise_email(email)), _rate_key("ip", ip)]
    return any(int(cache.get(key, 0)) >= RATE_LIMIT for key in keys)


def _rate_register(*, email: str, ip: str) -> None:
    for key in (_rate_key("email", normalise_email(email)), _rate_key("ip", ip)):
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)


def login_token(candidate: Candidate) -> str:
    """A signed login token; it embeds last_active_at, which logging in changes, so it works once."""
    return signing.dumps({"c": candidate.pk, "a": _stamp(candidate.last_active_at)}, salt=LOGIN_SALT, compress=False)


def register_token(email: str) -> str:
    return signing.dumps({"e": normalise_email(email)}, salt=REGISTER_SALT, compress=False)


def candidate_login_link_send(*, email: str, ip: str = "", base_url: str = "") -> None:
    """E-mail a login link to a known address and a "create your profile" link to an unknown one. The caller
    shows the same answer either way, so the answer never reveals whether a profile exists."""
    email = normalise_email(email)
    try:
        Candidate._meta.get_field("email").run_validators(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."), code="invalid_email",
                               details={"email": [_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")]}) from exc
    if not email or email.endswith("@" + ANONYMISED_DOMAIN):
        raise ValidationFailed(_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."), code="invalid_email",
                               details={"email": [_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")]})
    if login_link_rate_limited(email=email, ip=ip):
        raise ValidationFailed(
            _("Der er bedt om mange links til denne e-mailadresse eller fra din internetforbindelse den seneste "
              "time. Prøv igen senere."),
            code="rate_limited",
        )
    _rate_register(email=email, ip=ip)
    candidate = Candidate.objects.filter(email__iexact=email).first()
    with transaction.atomic():
        if candidate is not None:
            url = _absolute(base_url, reverse("candidate_login", args=[login_token(candidate)]))
            _send_on_commit(_("Dit login-link til Vækst Via Viden"), "candidates/email/login_link.txt",
                            {"url": url, "minutes": int(LOGIN_LINK_MAX_AGE.total_seconds() // 60)}, email)
        else:
            url = _absolute(base_url, reverse("candidate_register", args=[register_token(email)]))
            _send_on_commit(_("Opret din profil hos Vækst Via Viden"), "candidates/email/register_link.txt",
                            {"url": url, "hours": int(REGISTER_LINK_MAX_AGE.total_seconds() // 3600)}, email)


def _invalid_link() -> NotFound:
    return NotFound(_("Linket er ugyldigt, udløbet eller allerede brugt. Bed om et nyt link."), code="link_invalid")


def candidate_for_login_token(token: str) -> Candidate:
    """The candidate a login link is for, without using it (NotFound when invalid, expired or used)."""
    try:
        data = signing.loads(token or "", salt=LOGIN_SALT, max_age=LOGIN_LINK_MAX_AGE)
        pk, stamp = int(data["c"]), str(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise _invalid_link() from exc
    candidate = Candidate.objects.filter(pk=pk).first()
    if candidate is None or is_anonymised(candidate) or _stamp(candidate.last_active_at) != stamp:
        raise _invalid_link()
    return candidate


@transaction.atomic
def candidate_login(*, token: str) -> Candidate:
    """Check a login link and use it up (logging in moves last_active_at, which the link embeds)."""
    candidate = candidate_for_login_token(token)
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if _stamp(locked.last_active_at) != _stamp(candidate.last_active_at):
        raise _invalid_link()  # used by a concurrent request
    _touch(locked)
    return locked


def email_from_register_token(token: str) -> str:
    """The (verified) e-mail address a "create your profile" link was sent to."""
    try:
        return normalise_email(signing.loads(token or "", salt=REGISTER_SALT, max_age=REGISTER_LINK_MAX_AGE)["e"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise _invalid_link() from exc


@transaction.atomic
def candidate_register_self(*, token: str, data: dict[str, Any], consents: Iterable[str]) -> Candidate:
    """Create the profile of the person who followed a "create your profile" link, with the consents they
    ticked (each purpose separately; none is required)."""
    email = email_from_register_token(token)
    purposes = _check_purposes(consents)
    if _email_taken(email):
        raise Conflict(_("Der findes allerede en profil med din e-mailadresse. Bed om et login-link i stedet."),
                       code="profile_exists")
    candidate = Candidate(email=email, created_via=Candidate.CreatedVia.SELF, last_active_at=timezone.now())
    _apply_profile(candidate, data)
    _clean(candidate)
    candidate.save()
    candidate.match_types.set(data.get("match_types") or [])
    for purpose in sorted(purposes):
        _give(candidate, purpose, recorded_by=None, method=SELF_SERVICE_METHOD)
    _index_changed(candidate.pk)
    return candidate


# --- Profile updates and consent ---------------------------------------------------------------------


def _may_edit(user: User | None, candidate: Candidate) -> bool:
    if user is None:  # the person themself (self-service session)
        return True
    return can_see_individual_matches(user) and candidate.organisation_id in partner_org_ids(user)


@transaction.atomic
def candidate_update(*, candidate: Candidate, version: int, data: dict[str, Any], by: User | None = None) -> Candidate:
    """Correct a profile. `version` is the version the editor read; if the profile was saved in between, the
    edit is refused (Conflict) instead of overwriting. `by` None is the person themself; staff may correct the
    profiles of their own organisation."""
    if not _may_edit(by, candidate):
        raise Forbidden(_("Du kan ikke rette denne profil."))
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.version != version:
        raise Conflict(_("Profilen er blevet ændret, siden du åbnede den. Genindlæs siden, og prøv igen."))
    _apply_profile(locked, data)
    _clean(locked)
    locked.version += 1
    locked.last_active_at = timezone.now()
    locked.retention_warning_sent_at = None
    locked.save()
    if "match_types" in data:
        locked.match_types.set(data["match_types"] or [])
    _index_changed(locked.pk)
    return locked


@transaction.atomic
def consent_give(*, candidate: Candidate, purpose: str, recorded_by: User | None = None,
                 method: str = SELF_SERVICE_METHOD, given_at: dt.datetime | None = None) -> Consent:
    """Record consent for one purpose (giving it again keeps the existing record)."""
    _check_purposes([purpose])
    consent = _give(candidate, purpose, recorded_by=recorded_by, method=method, given_at=given_at)
    if recorded_by is None:
        _touch(candidate)
    _index_changed(candidate.pk)
    return consent


@transaction.atomic
def consent_withdraw(*, candidate: Candidate, purpose: str, by: User | None = None) -> Consent | None:
    """Withdraw consent for one purpose; it takes effect at once (the record stays, with its dates)."""
    _check_purposes([purpose])
    consent = candidate.consents.select_for_update().filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if consent is None:
        return None
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    if by is None:
        _touch(candidate)
    _index_changed(candidate.pk)
    return consent


@transaction.atomic
def consents_set(*, candidate: Candidate, purposes: Iterable[str]) -> tuple[list[str], list[str]]:
    """The person's consent form: give the ticked purposes, withdraw the others. Returns (given, withdrawn)."""
    wanted = _check_purposes(purposes)
    active = set(candidate.consents.filter(withdrawn_at__isnull=True).values_list("purpose", flat=True))
    given, withdrawn = sorted(wanted - active), sorted(active - wanted)
    for purpose in given:
        _give(candidate, purpose, recorded_by=None, method=SELF_SERVICE_METHOD)
    for purpose in withdrawn:
        consent_withdraw(candidate=candidate, purpose=purpose)
    _touch(candidate)
    _index_changed(candidate.pk)
    return given, withdrawn


# --- E-mail address change ---------------------------------------------------------------------------


def candidate_email_change_request(*, candidate: Candidate, new_email: str, base_url: str = "") -> None:
    """Send a confirmation link to the new address. If the address already has a profile, that address is
    told so instead; the person asking sees the same answer either way."""
    new_email = normalise_email(new_email)
    try:
        Candidate._meta.get_field("email").run_validators(new_email)
        if not new_email or new_email.endswith("@" + ANONYMISED_DOMAIN):
            raise ValidationError("invalid")
    except ValidationError as exc:
        raise ValidationFailed(_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."), code="invalid_email",
                               details={"email": [_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")]}) from exc
    if new_email == candidate.email:
        raise ValidationFailed(_("Det er allerede din e-mailadresse."), code="same_email",
                               details={"email": [_("Det er allerede din e-mailadresse.")]})
    with transaction.atomic():
        if _email_taken(new_email):
            _send_on_commit(_("Ændring af e-mailadresse hos Vækst Via Viden"),
                            "candidates/email/email_change_taken.txt", {}, new_email)
            return
        token = signing.dumps({"c": candidate.pk, "e": new_email, "a": _stamp(candidate.last_active_at)},
                              salt=EMAIL_CHANGE_SALT, compress=False)
        url = _absolute(base_url, reverse("candidate_email_confirm", args=[token]))
        _send_on_commit(_("Bekræft din nye e-mailadresse"), "candidates/email/email_change.txt",
                        {"url": url, "minutes": int(LOGIN_LINK_MAX_AGE.total_seconds() // 60)}, new_email)


@transaction.atomic
def candidate_email_change_confirm(*, token: str) -> Candidate:
    try:
        data = signing.loads(token or "", salt=EMAIL_CHANGE_SALT, max_age=LOGIN_LINK_MAX_AGE)
        pk, email, stamp = int(data["c"]), normalise_email(data["e"]), str(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise _invalid_link() from exc
    candidate = Candidate.objects.select_for_update().filter(pk=pk).first()
    if candidate is None or is_anonymised(candidate) or _stamp(candidate.last_active_at) != stamp:
        raise _invalid_link()
    if _email_taken(email, exclude_pk=pk):
        raise Conflict(_("E-mailadressen bruges allerede af en anden profil."), code="email_taken")
    candidate.email = email
    candidate.version += 1
    candidate.last_active_at = timezone.now()
    candidate.retention_warning_sent_at = None
    _clean(candidate)
    candidate.save()
    return candidate


# --- Created by a partner ----------------------------------------------------------------------------


def _consent_moment(day: dt.date | None) -> dt.datetime:
    now = timezone.now()
    if day is None or day == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


@transaction.atomic
def candidate_create_by_partner(*, user: User, data: dict[str, Any], consents: Iterable[str], consent_method: str,
                                consent_date: dt.date | None = None, base_url: str = "") -> Candidate:
    """A partner creates a profile on the person's behalf, with the consents the person gave (at least one),
    how and when they gave them. The profile belongs to the user's organisation; the person is told by e-mail
    and can log in to see, correct, export or erase it."""
    if not can_see_individual_matches(user) or user.organisation_id is None:
        raise Forbidden(_("Du har ikke adgang til at oprette kandidater."), code="aggregates_only")
    data = dict(data)
    email = normalise_email(data.pop("email", ""))
    purposes = _check_purposes(consents)
    errors: dict[str, list[str]] = {}
    if not purposes:
        errors["consents"] = [_("Personen skal have givet samtykke til mindst ét formål, før profilen oprettes.")]
    if consent_method not in CONSENT_METHODS:
        errors["consent_method"] = [_("Vælg, hvordan personen gav samtykke.")]
    if consent_date is not None and consent_date > timezone.localdate():
        errors["consent_date"] = [_("Datoen for samtykket kan ikke ligge i fremtiden.")]
    if email and _email_taken(email):
        errors["email"] = [_("Personen har allerede en profil. Bed personen logge ind på sin profil og give "
                             "samtykke til deling, eller kontakt koordinationsgruppen.")]
    candidate = Candidate(email=email, created_via=Candidate.CreatedVia.PARTNER, created_by=user,
                          organisation=user.organisation, last_active_at=timezone.now())
    try:
        _apply_profile(candidate, data)
        _clean(candidate)
    except ValidationFailed as exc:
        for name, messages in (exc.details or {}).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="validation_error", details=errors)
    candidate.save()
    candidate.match_types.set(data.get("match_types") or [])
    given_at = _consent_moment(consent_date)
    for purpose in sorted(purposes):
        _give(candidate, purpose, recorded_by=user, method=consent_method, given_at=given_at)
    _index_changed(candidate.pk)
    context = {
        "organisation": user.organisation.name,
        "purposes": [str(Consent.Purpose(p).label) for p in sorted(purposes)],
        "url": _absolute(base_url, reverse("candidate_start")),
    }
    _send_on_commit(_("Der er oprettet en profil til dig hos Vækst Via Viden"),
                    "candidates/email/created_by_partner.txt", context, email)
    return candidate


# --- The person's rights: export and erasure ---------------------------------------------------------


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def actor_organisation(entry: LogEntry) -> str:
    actor = entry.actor
    if actor is None:
        return ""
    return actor.organisation.name if actor.organisation_id else ""


ACTION_NAMES = {
    LogEntry.Action.CREATE: gettext_lazy("oprettet"),
    LogEntry.Action.UPDATE: gettext_lazy("ændret"),
    LogEntry.Action.DELETE: gettext_lazy("slettet"),
    LogEntry.Action.ACCESS: gettext_lazy("vist"),
}


OBJECT_NAMES = {
    "candidate": gettext_lazy("profil"),
    "consent": gettext_lazy("samtykke"),
    "shortlist": gettext_lazy("forslag til et behov"),
}


def candidate_audit_entries(candidate: Candidate) -> list[LogEntry]:
    """Audit rows about the candidate, their consents and shortlist entries, oldest first."""
    cts = ContentType.objects.get_for_models(Candidate, Consent, Shortlist)
    consent_pks = [str(pk) for pk in candidate.consents.values_list("pk", flat=True)]
    shortlist_pks = [str(pk) for pk in candidate.shortlists.values_list("pk", flat=True)]
    condition = Q(content_type=cts[Candidate], object_pk=str(candidate.pk))
    if consent_pks:
        condition |= Q(content_type=cts[Consent], object_pk__in=consent_pks)
    if shortlist_pks:
        condition |= Q(content_type=cts[Shortlist], object_pk__in=shortlist_pks)
    return list(
        LogEntry.objects.filter(condition).select_related("actor__organisation", "content_type")
        .order_by("timestamp", "pk")
    )


def _matches_about(candidate: Candidate):
    key = person_key_for(candidate.email)
    condition = Q(person_email__iexact=candidate.email)
    if key:
        condition |= Q(person_key=key)
    return Match.objects.filter(condition)


def export_data(candidate: Candidate) -> dict[str, Any]:
    """Everything the platform holds about the candidate, as plain JSON-ready data (no audit row)."""
    c = Candidate.objects.select_related("programme", "level", "home_municipality", "organisation").get(pk=candidate.pk)
    programme = c.programme
    profile = {
        "id": c.pk,
        "pseudonym": pseudonym(c.pk),
        "kind": c.kind,
        "kind_text": str(c.get_kind_display()),
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "programme": None if programme is None else {
            "slug": programme.slug, "name": programme.name_da, "institution": programme.institution,
            "level": programme.level_id,
        },
        "education_text": c.education_text,
        "institution": c.institution,
        "level": c.level_id,
        "expected_graduation": _iso(c.expected_graduation),
        "competences": c.competences,
        "experience": c.experience,
        "match_types": [{"code": mt.code, "name": mt.label} for mt in c.match_types.order_by("order")],
        "available_from": _iso(c.available_from),
        "home_municipality": None if c.home_municipality is None else {
            "code": c.home_municipality.code, "name": c.home_municipality.name},
        "max_travel_minutes": c.max_travel_minutes,
        "willing_to_move": c.willing_to_move,
        "created_via": c.created_via,
        "organisation": c.organisation.name if c.organisation else None,
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "last_active_at": _iso(c.last_active_at),
        "retention_warning_sent_at": _iso(c.retention_warning_sent_at),
    }
    consents = [
        {
            "purpose": k.purpose,
            "text": str(k.get_purpose_display()),
            "given_at": _iso(k.given_at),
            "withdrawn_at": _iso(k.withdrawn_at),
            "active": k.withdrawn_at is None,
            "method": k.method,
            "recorded_by_organisation": (
                k.recorded_by.organisation.name if k.recorded_by and k.recorded_by.organisation_id else None
            ),
            "text_version": k.text_version,
        }
        for k in candidate_consents(c)
    ]
    shortlists = [
        {
            "need": s.need.title,
            "company": s.need.company.name,
            "organisation": s.organisation.name,
            "status": s.status,
            "status_text": str(s.get_status_display()),
            "reasons": s.reasons,
            "note": s.note,
            "contacted_at": _iso(s.contacted_at),
            "created_at": _iso(s.created_at),
        }
        for s in candidate_shortlists(c)
    ]
    matches = [
        {
            "company": m.company.name,
            "match_type": m.match_type.label,
            "start_date": _iso(m.start_date),
            "registered_by": m.registering_org.name,
            "name": m.person_name,
            "email": m.person_email,
            "consent_at": _iso(m.person_consent_at),
        }
        for m in _matches_about(c).select_related("company", "match_type", "registering_org").order_by("start_date")
    ]
    audit = [
        {
            "timestamp": _iso(e.timestamp),
            "action": str(ACTION_NAMES.get(e.action, e.action)),
            "object": e.content_type.model,
            "object_text": str(OBJECT_NAMES.get(e.content_type.model, e.content_type.model)),
            "by_organisation": actor_organisation(e),
            "fields": sorted((e.changes_dict or {}).keys()) if e.action == LogEntry.Action.UPDATE else [],
            "details": e.additional_data or {},
        }
        for e in candidate_audit_entries(c)
    ]
    return {
        "format": "vaekstviaviden.candidate-export",
        "format_version": 1,
        "exported_at": _iso(timezone.now()),
        "profile": profile,
        "consents": consents,
        "shortlists": shortlists,
        "matches": matches,
        "audit_log": audit,
    }


def candidate_export(candidate: Candidate, *, by: User | None = None) -> dict[str, Any]:
    """The person's data as JSON-ready data (right of access and portability); the export is audit-logged."""
    data = export_data(candidate)
    _audit(candidate.pk, action=LogEntry.Action.ACCESS, actor=by,
           data={"personal_data": True, "via": "export", "format": "json", "by": "staff" if by else "candidate"})
    return data


def candidate_export_pdf(candidate: Candidate, *, by: User | None = None) -> bytes:
    """The same data as a readable PDF; the export is audit-logged."""
    data = export_data(candidate)
    _audit(candidate.pk, action=LogEntry.Action.ACCESS, actor=by,
           data={"personal_data": True, "via": "export", "format": "pdf", "by": "staff" if by else "candidate"})
    return render_export_pdf(data)


def _pdf_text(value: Any) -> str:
    from xml.sax.saxutils import escape

    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, list):
        return escape(", ".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)) or "–"
    if isinstance(value, dict):
        return escape(str(value.get("name", value)))
    return escape(str(value)).replace("\n", "<br/>")


def _when(value: str | None) -> str | None:
    """An ISO date or datetime from the export as Danish d-m-Y (H:M)."""
    if not value:
        return value
    try:
        if "T" in value:
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%d-%m-%Y %H:%M")
        return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
    except ValueError:
        return value


def render_export_pdf(data: dict[str, Any]) -> bytes:
    """The export as an A4 PDF (reportlab's built-in Helvetica covers Danish letters)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    styles["Heading2"].keepWithNext = 1
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=_("Mine data hos Vækst Via Viden"),
                            author="Vækst Via Viden")
    story: list[Any] = [
        Paragraph(_pdf_text(_("Mine data hos Vækst Via Viden")), styles["Title"]),
        Paragraph(_pdf_text(_("Udtrukket %(date)s. Her er alt, hvad platformen har gemt om dig.")
                            % {"date": timezone.localtime().strftime("%d-%m-%Y %H:%M")}), body),
    ]

    def table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Table:
        cells = [[Paragraph(_pdf_text(v), small) for v in row] for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")))
        t.setStyle(TableStyle(style))
        return t

    def section(title: str) -> None:
        story.extend([Spacer(1, 6 * mm), Paragraph(_pdf_text(title), styles["Heading2"])])

    p = data["profile"]
    labels = [
        ("name", _("Navn")), ("email", _("E-mail")), ("phone", _("Telefon")), ("kind_text", _("Jeg er")),
        ("programme", _("Uddannelse")), ("education_text", _("Uddannelse (fritekst)")),
        ("institution", _("Uddannelsesinstitution")), ("level", _("Niveau")),
        ("expected_graduation", _("Forventet færdig")), ("competences", _("Kompetencer")),
        ("experience", _("Erfaring")), ("match_types", _("Ønskede samarbejdsformer")),
        ("available_from", _("Kan starte fra")), ("home_municipality", _("Bopælskommune")),
        ("max_travel_minutes", _("Højst rejsetid (minutter)")), ("willing_to_move", _("Vil gerne flytte")),
        ("organisation", _("Partner")), ("created_at", _("Oprettet")), ("last_active_at", _("Senest aktiv")),
    ]
    section(_("Profil"))
    dates = {"expected_graduation", "available_from", "created_at", "last_active_at"}
    rows = [[label, _when(p.get(key)) if key in dates else p.get(key)] for key, label in labels]
    story.append(table(rows, [50 * mm, 124 * mm]))

    section(_("Samtykker"))
    rows = [[_("Formål"), _("Givet"), _("Trukket tilbage"), _("Hvordan")]]
    rows += [[c["text"], _when(c["given_at"]), _when(c["withdrawn_at"]), c["method"]] for c in data["consents"]]
    story.append(table(rows, [80 * mm, 32 * mm, 32 * mm, 30 * mm], header=True))

    section(_("Kortlister (forslag til virksomheders behov)"))
    rows = [[_("Behov"), _("Virksomhed"), _("Partner"), _("Status"), _("Dato")]]
    rows += [[s["need"], s["company"], s["organisation"], s["status_text"], _when(s["created_at"])] for s in data["shortlists"]]
    story.append(table(rows, [50 * mm, 40 * mm, 36 * mm, 24 * mm, 24 * mm], header=True))

    section(_("Match"))
    rows = [[_("Virksomhed"), _("Matchtype"), _("Start"), _("Registreret af")]]
    rows += [[m["company"], m["match_type"], _when(m["start_date"]), m["registered_by"]] for m in data["matches"]]
    story.append(table(rows, [55 * mm, 45 * mm, 24 * mm, 50 * mm], header=True))

    section(_("Log over ændringer og visninger"))
    rows = [[_("Tidspunkt"), _("Handling"), _("Hvad"), _("Organisation")]]
    rows += [[_when(a["timestamp"]), a["action"], a["object_text"], a["by_organisation"]] for a in data["audit_log"]]
    story.append(table(rows, [45 * mm, 30 * mm, 40 * mm, 59 * mm], header=True))

    doc.build(story)
    return buffer.getvalue()


@dataclass
class ErasureResult:
    candidate_id: int
    consents_deleted: int
    shortlists_deleted: int
    matches_cleared: int


def candidate_erase(*, candidate: Candidate, by: User | None = None) -> ErasureResult:
    """Erase the person: the profile, consents and shortlist entries are deleted, and name, e-mail and consent
    date are cleared on matches about them (the pseudonymous match rows stay, so statistics do not change).
    Personal values are scrubbed from older audit rows, and one audit row without personal data records the
    erasure. The person gets a receipt that names nobody. `by` None is the person themself."""
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if locked is None:
            raise NotFound(_("Profilen findes ikke."), code="not_found")
        pk, email = locked.pk, locked.email
        consent_pks = list(locked.consents.values_list("pk", flat=True))
        shortlist_pks = list(locked.shortlists.values_list("pk", flat=True))
        match_pks = list(
            _matches_about(locked).exclude(person_name="", person_email="", person_consent_at__isnull=True)
            .values_list("pk", flat=True)
        )
        cleared = Match.objects.filter(pk__in=match_pks).update(
            person_name="", person_email="", person_consent_at=None, version=F("version") + 1,
            updated_at=timezone.now(),
        )
        with disable_auditlog():
            Shortlist.objects.filter(pk__in=shortlist_pks).delete()
            Consent.objects.filter(pk__in=consent_pks).delete()
            Candidate.objects.filter(pk=pk).delete()
        _scrub_log_entries(Candidate, [pk], object_repr=stored_pseudonym(pk))
        _scrub_log_entries(Consent, consent_pks)
        _scrub_log_entries(Shortlist, shortlist_pks)
        _scrub_log_entries(Match, match_pks)
        _index_changed(pk)
        result = ErasureResult(pk, len(consent_pks), len(shortlist_pks), cleared)
        _audit(pk, action=LogEntry.Action.DELETE, actor=by, data={
            "erasure": True, "by": "staff" if by else "candidate", "consents_deleted": result.consents_deleted,
            "shortlists_deleted": result.shortlists_deleted, "matches_cleared": result.matches_cleared,
        })
        if not email.endswith("@" + ANONYMISED_DOMAIN):
            _send_on_commit(_("Din profil hos Vækst Via Viden er slettet"), "candidates/email/erased.txt",
                            {"by_staff": by is not None}, email)
    return result


# --- Retention ---------------------------------------------------------------------------------------


def candidate_anonymise(*, candidate: Candidate, now: dt.datetime | None = None, reason: str = "retention") -> None:
    """Keep only the pseudonymous part of a profile (education, level, municipality, wishes): name, e-mail,
    phone, competences and experience are replaced, consents withdrawn and shortlist notes cleared. The person
    can no longer log in or be suggested. Personal values are scrubbed from older audit rows."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if locked is None or is_anonymised(locked):
            return
        pk = locked.pk
        with disable_auditlog():
            withdrawn = Consent.objects.filter(candidate_id=pk, withdrawn_at__isnull=True).update(withdrawn_at=now)
            Shortlist.objects.filter(candidate_id=pk).update(note="")
            Candidate.objects.filter(pk=pk).update(
                name=ANONYMISED_NAME, email=f"anonym-{pk}@{ANONYMISED_DOMAIN}", phone="", competences="",
                experience="", version=F("version") + 1, updated_at=now,
            )
        _scrub_log_entries(Candidate, [pk], object_repr=stored_pseudonym(pk))
        _scrub_log_entries(Shortlist, Shortlist.objects.filter(candidate_id=pk).values_list("pk", flat=True))
        _index_changed(pk)
        _audit(pk, action=LogEntry.Action.UPDATE, actor=None,
               data={"anonymised": True, "reason": reason, "consents_withdrawn": withdrawn})


@dataclass
class RetentionResult:
    now: dt.datetime
    dry_run: bool
    warned: list[int] = field(default_factory=list)
    anonymised: list[int] = field(default_factory=list)


def retention_days() -> tuple[int, int]:
    return int(getattr(settings, "CANDIDATE_RETENTION_DAYS", 730)), \
        int(getattr(settings, "CANDIDATE_RETENTION_WARNING_DAYS", 30))


def candidate_retention_run(*, now: dt.datetime | None = None, dry_run: bool = False,
                            base_url: str = "") -> RetentionResult:
    """Profiles unused for CANDIDATE_RETENTION_DAYS are anonymised; the person is e-mailed
    CANDIDATE_RETENTION_WARNING_DAYS before. A profile is never anonymised until a warning was sent at least
    that many days earlier (when the command did not run for a while, the warning comes first). Logging in or
    updating the profile resets the clock. Running twice on the same day changes nothing the second time."""
    now = now or timezone.now()
    retention, warning = retention_days()
    result = RetentionResult(now=now, dry_run=dry_run)
    live = Candidate.objects.exclude(email__endswith="@" + ANONYMISED_DOMAIN)

    due = live.filter(last_active_at__lt=now - dt.timedelta(days=retention),
                      retention_warning_sent_at__isnull=False,
                      retention_warning_sent_at__lte=now - dt.timedelta(days=warning))
    for candidate in due.order_by("pk"):
        result.anonymised.append(candidate.pk)
        if not dry_run:
            candidate_anonymise(candidate=candidate, now=now)

    to_warn = live.filter(last_active_at__lt=now - dt.timedelta(days=retention - warning),
                          retention_warning_sent_at__isnull=True)
    for candidate in to_warn.order_by("pk"):
        result.warned.append(candidate.pk)
        if dry_run:
            continue
        with transaction.atomic():
            updated = Candidate.objects.filter(pk=candidate.pk, retention_warning_sent_at__isnull=True) \
                .update(retention_warning_sent_at=now)
            if not updated:
                continue
            delete_on = max(candidate.last_active_at + dt.timedelta(days=retention), now + dt.timedelta(days=warning))
            with translation.override("da"):
                _send_on_commit(
                    _("Din profil hos Vækst Via Viden bliver snart anonymiseret"),
                    "candidates/email/retention_warning.txt",
                    {"date": timezone.localtime(delete_on).date(), "url": _absolute(base_url, reverse("candidate_start"))},
                    candidate.email,
                )
    return result
