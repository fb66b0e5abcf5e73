"""Company self-service (SPEC 3.2): a company describes a need on a public form, confirms its e-mail
address, and follows the need on a private status page. The need lands with the business office of
the municipality where the company's workplace is (the coordination group when there is none).

Spam protection works without third-party services or image CAPTCHAs: a honeypot field, a signed
form-render timestamp (too fast or too old is refused) and a per-IP limit held in the cache. An
unconfirmed submission is invisible to staff and is deleted after CONFIRM_DAYS
(`manage.py purge_unconfirmed_needs`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .answer_promise import answer_due_for
from .cvr import normalise_cvr, validate_cvr
from .models import Company, Need, NeedEvent
from .services import company_get_or_create, postal_code_municipalities
from .timeline import need_log_event

FORM_SALT = "viaviden.companies.selfservice.form"
CONFIRM_SALT = "viaviden.companies.selfservice.confirm"
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 60 * 60
RATE_LIMIT = 5  # accepted submissions per IP address ...
RATE_WINDOW_SECONDS = 60 * 60  # ... per hour
CONFIRM_DAYS = 7
COORDINATION_GROUP_SLUG = "koordinationsgruppen"


# --- Spam protection ---------------------------------------------------------------------------------


def form_token_issue(*, at: float | None = None) -> str:
    """A signed timestamp put in the form when it is rendered."""
    return signing.dumps({"t": int(time.time() if at is None else at)}, salt=FORM_SALT, compress=False)


def form_token_is_plausible(token: str, *, now: float | None = None) -> bool:
    """Whether the form was rendered by us, at least MIN_FILL_SECONDS and at most MAX_FORM_AGE_SECONDS
    ago (a person needs more than three seconds; a bot replaying an old form is refused)."""
    now = time.time() if now is None else now
    try:
        rendered = float(signing.loads(token or "", salt=FORM_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return False
    return MIN_FILL_SECONDS <= now - rendered <= MAX_FORM_AGE_SECONDS


def _rate_key(ip: str) -> str:
    # The address is hashed: the cache holds no raw IP addresses.
    return "selfservice:ip:" + hashlib.sha256((ip or "?").encode()).hexdigest()[:32]


def rate_limit_exceeded(ip: str) -> bool:
    """Whether this address has used up its submissions for the current window."""
    return int(cache.get(_rate_key(ip), 0)) >= RATE_LIMIT


def rate_limit_register(ip: str) -> None:
    """Count one accepted submission from this address (the window starts with the first one)."""
    key = _rate_key(ip)
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)


# --- Routing -----------------------------------------------------------------------------------------


def municipality_for_postal_code(*, postal_code: str, municipality_code: str | None = None) -> Municipality:
    """The workplace municipality: from the postal code, or the chosen one when the postal code lies in
    several municipalities. Raises ValidationFailed with a Danish message otherwise."""
    code = (postal_code or "").strip()
    if not (len(code) == 4 and code.isdigit()):
        raise ValidationFailed(
            _("Postnummeret skal bestå af 4 cifre."), code="postal_code_format",
            details={"postal_code": [_("Postnummeret skal bestå af 4 cifre.")]},
        )
    candidates = postal_code_municipalities(code)
    if not candidates:
        msg = _("Postnummeret %(code)s findes ikke blandt de nordjyske postnumre. Platformen dækker "
                "virksomheder med arbejdssted i en af de 11 nordjyske kommuner.") % {"code": code}
        raise ValidationFailed(msg, code="postal_code_unknown", details={"postal_code": [msg]})
    if len(candidates) == 1:
        return candidates[0]
    chosen = next((m for m in candidates if m.code == municipality_code), None)
    if chosen is None:
        names = ", ".join(m.name for m in candidates)
        msg = _("Postnummeret %(code)s ligger i flere kommuner (%(names)s). Vælg arbejdsstedets kommune.") % {
            "code": code, "names": names,
        }
        raise ValidationFailed(msg, code="postal_code_ambiguous", details={"municipality": [msg]})
    return chosen


def business_office_for(municipality: Municipality) -> Organisation:
    """The business office of the municipality; the coordination group when there is none."""
    office = (
        Organisation.objects.filter(kind=Organisation.Kind.BUSINESS_OFFICE, municipality=municipality, active=True)
        .order_by("id")
        .first()
    )
    if office is not None:
        return office
    fallback = Organisation.objects.filter(slug=COORDINATION_GROUP_SLUG).first()
    if fallback is None:
        fallback = Organisation.objects.filter(kind=Organisation.Kind.SECRETARIAT).order_by("id").first()
    if fallback is None:
        raise ValidationFailed(_("Henvendelsen kan ikke modtages lige nu. Prøv igen senere."), code="no_receiver")
    return fallback


# --- Submit, confirm, status -------------------------------------------------------------------------


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def need_confirm_token(need: Need) -> str:
    """The token in the confirmation link (signed; valid for CONFIRM_DAYS)."""
    return signing.dumps({"n": need.public_token}, salt=CONFIRM_SALT, compress=False)


def need_status_url(need: Need, *, base_url: str) -> str:
    return _absolute(base_url, reverse("need_public_status", args=[need.public_token]))


def need_confirm_url(need: Need, *, base_url: str) -> str:
    return _absolute(base_url, reverse("need_public_confirm", args=[need_confirm_token(need)]))


def need_submit_public(
    *,
    cvr: str,
    company_name: str,
    postal_code: str,
    municipality_code: str | None = None,
    tasks: str,
    match_type_codes: list[str] | tuple[str, ...] = (),
    level_codes: list[str] | tuple[str, ...] = (),
    level_unknown: bool = False,
    education_wish: str = "",
    time_frame: str = "",
    submitter_name: str,
    submitter_email: str,
    submitter_phone: str = "",
    consent: bool,
    base_url: str,
) -> Need:
    """Record a need sent by a company on the public form (status UNCONFIRMED) and e-mail the
    confirmation link and the private status link to the submitter."""
    errors: dict[str, list[str]] = {}
    try:
        validate_cvr(normalise_cvr(cvr))
    except ValidationError as exc:
        errors["cvr"] = list(exc.messages)
    if not (company_name or "").strip():
        errors["company_name"] = [_("Skriv virksomhedens navn.")]
    if not consent:
        errors["consent"] = [_("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.")]
    if not (submitter_name or "").strip():
        errors["submitter_name"] = [_("Skriv dit navn.")]
    if not (submitter_email or "").strip():
        errors["submitter_email"] = [_("Skriv din e-mailadresse.")]
    if not (tasks or "").strip():
        errors["tasks"] = [_("Beskriv kort, hvilke opgaver I gerne vil have løst.")]
    match_types = list(MatchType.objects.filter(code__in=set(match_type_codes)))
    if len(match_types) != len(set(match_type_codes)):
        errors["match_types"] = [_("Ukendt samarbejdsform.")]
    levels = list(EducationLevel.objects.filter(code__in=set(level_codes)))
    if len(levels) != len(set(level_codes)):
        errors["education_levels"] = [_("Ukendt uddannelsesniveau.")]
    try:
        municipality = municipality_for_postal_code(postal_code=postal_code, municipality_code=municipality_code)
    except ValidationFailed as exc:
        errors.update(exc.details or {})
        municipality = None
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code="invalid_need", details=errors)
    assert municipality is not None

    with transaction.atomic():
        company, _created = company_get_or_create(cvr=cvr, name=company_name, municipality=municipality)
        while company.merged_into_id is not None:  # a tombstone: the need goes to the surviving record
            company = Company.objects.get(pk=company.merged_into_id)
        owner = business_office_for(municipality)
        tasks = tasks.strip()
        need = Need(
            company=company,
            title=Truncator(tasks.splitlines()[0]).chars(100),
            tasks=tasks,
            recognised=True,
            level_unknown=bool(level_unknown and not levels),
            education_wish=(education_wish or "").strip(),
            time_frame=(time_frame or "").strip(),
            place_municipality=municipality,
            place=postal_code.strip(),
            status=Need.Status.UNCONFIRMED,
            owner_organisation=owner,
            source=Need.Source.SELF_SERVICE,
            submitter_name=submitter_name.strip(),
            submitter_email=submitter_email.strip(),
            submitter_phone=(submitter_phone or "").strip(),
        )
        try:
            need.full_clean()
        except ValidationError as exc:
            details = exc.message_dict
            raise ValidationFailed(next(iter(details.values()))[0], code="invalid_need", details=details) from exc
        need.save()
        need.match_types.set(match_types)
        need.education_levels.set(levels)
        with translation.override("da"):  # stored history is Danish, whatever the request's language
            need_log_event(
                need=need, kind=NeedEvent.Kind.SUBMITTED, public=True,
                text=_("Henvendelsen er modtaget. Den sendes videre, når e-mailadressen er bekræftet."),
            )
        context = {
            "need": need,
            "company_name": company.name,
            "confirm_url": need_confirm_url(need, base_url=base_url),
            "status_url": need_status_url(need, base_url=base_url),
            "confirm_days": CONFIRM_DAYS,
        }
        subject = _("Bekræft din henvendelse til Vækst Via Viden")
        body = render_to_string("companies/email/selfservice_confirm.txt", context)
        recipient = need.submitter_email
        send_email(to=recipient, subject=subject, body=body, language=translation.get_language())
    return need


def _need_from_confirm_token(token: str) -> str:
    try:
        data = signing.loads(token or "", salt=CONFIRM_SALT, max_age=dt.timedelta(days=CONFIRM_DAYS))
        return str(data["n"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid") from exc


def need_for_confirm_token(token: str) -> Need:
    """The need a confirmation link points to (any status); NotFound when invalid or expired."""
    need = Need.objects.select_related("company").filter(public_token=_need_from_confirm_token(token)).first()
    if need is None:
        raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid")
    return need


def need_public_confirm(*, token: str, base_url: str) -> Need:
    """Confirm the submitter's e-mail address: the need becomes NEW with an answer deadline and its
    owner organisation is notified. Confirming again changes nothing."""
    public_token = _need_from_confirm_token(token)
    with transaction.atomic():
        need = (
            Need.objects.select_for_update()
            .select_related("company", "owner_organisation")
            .filter(public_token=public_token)
            .first()
        )
        if need is None:
            raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid")
        if need.status != Need.Status.UNCONFIRMED:
            return need
        now = timezone.now()
        need.status = Need.Status.NEW
        need.email_confirmed_at = now
        need.requested_at = now
        need.answer_due = answer_due_for(now)
        need.version += 1
        need.save(update_fields=["status", "email_confirmed_at", "requested_at", "answer_due", "version",
                                 "updated_at"])
        owner = need.owner_organisation
        recipients = list(
            User.objects.filter(organisation=owner, is_active=True).exclude(email="")
            .order_by("id").values_list("email", flat=True)
        )
        with translation.override("da"):  # stored history and staff e-mail are Danish
            need_log_event(
                need=need, kind=NeedEvent.Kind.CONFIRMED, public=True,
                text=_("E-mailadressen er bekræftet, og henvendelsen er sendt til %(organisation)s. "
                       "I får svar senest %(date)s.") % {"organisation": owner.name,
                                                          "date": need.answer_due.strftime("%d-%m-%Y")},
            )
            subject = _("Ny henvendelse fra %(company)s") % {"company": need.company.name}
            body = render_to_string("companies/email/selfservice_new_need.txt", {
                "need": need, "company": need.company, "organisation": owner,
                "need_url": _absolute(base_url, reverse("need_detail", args=[need.pk])),
            })

        send_email(to=recipients, subject=subject, body=body, language="da", separately=True)
    return need


def need_by_public_token(token: str) -> Need:
    """The need behind a private status link; NotFound for an unknown token."""
    need = (
        Need.objects.select_related("company", "owner_organisation")
        .filter(public_token=token or "")
        .first()
    )
    if need is None or not token:
        raise NotFound(_("Siden findes ikke."), code="not_found")
    return need


def need_public_events(need: Need) -> QuerySet[NeedEvent]:
    """The steps the company may see: public events only, and no people (only date, kind and text)."""
    return need.events.filter(public=True).only("id", "need_id", "at", "kind", "text").order_by("at", "id")


# --- Retention ---------------------------------------------------------------------------------------


def _company_is_orphan(company: Company) -> bool:
    return not (
        company.needs.exists()
        or company.matches.exists()
        or company.contact_entries.exists()
        or company.handovers.exists()
        or company.units.exists()
        or company.merges.exists()
        or company.merged_records.exists()
        or company.merged_into_id is not None
    )


def unconfirmed_needs_purge(*, now: dt.datetime | None = None, days: int = CONFIRM_DAYS) -> tuple[int, int]:
    """Delete self-service needs whose e-mail was not confirmed within `days`, and the companies such a
    submission created and nothing else uses. Returns (needs deleted, companies deleted)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    needs_deleted = companies_deleted = 0
    stale = Need.objects.filter(status=Need.Status.UNCONFIRMED, source=Need.Source.SELF_SERVICE,
                                created_at__lt=cutoff).select_related("company")
    for need in stale.iterator():
        with transaction.atomic():
            company = need.company
            created_with_need = abs((need.created_at - company.created_at).total_seconds()) < 60
            try:
                with transaction.atomic():
                    need.delete()
            except ProtectedError:  # staff acted on it after all (e.g. a referral): keep it
                continue
            needs_deleted += 1
            if created_with_need and _company_is_orphan(company):
                try:
                    with transaction.atomic():
                        company.delete()
                    companies_deleted += 1
                except ProtectedError:  # something outside this app refers to it: keep it
                    pass
    return needs_deleted, companies_deleted
