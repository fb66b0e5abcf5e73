"""Writes for Nordjysk Vækstpilot: apply, queue and decide, start, report wages, approve and list payments,
terminate, follow up, and maintain the scheme's rules and quotas.

The queue (first come, first served): an eligible application gets the next arrival number of its project
year and is granted when the year still has a funded place and enough funded money, and nobody is waiting
before it; otherwise it waits. Every grant, release and promotion happens while holding the project
year's Quota row (`select_for_update`), so under concurrent applications PostgreSQL serialises them and
the platform never grants more pilots or money than funded (SQLite serialises all writes anyway).
Lock order is always quota, then application, so two operations cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.companies.cvr import normalise_cvr, validate_cvr
from viaviden.companies.models import Company
from viaviden.companies.selfservice import business_office_for
from viaviden.companies.services import company_get_or_create
from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.core.validators import CPR_PATTERN
from viaviden.matches.models import Activity, Programme
from viaviden.matches.permissions import can_register_for, partner_org_ids
from viaviden.matches.services import MatchData, match_register
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from . import eligibility
from .calculation import (
    add_months,
    days_in_month,
    format_dkk,
    grant_amount_ore,
    month_cap_ore,
    month_periods,
    monthly_subsidy_ore,
    pilot_end,
    round_half_up,
)
from .models import (
    PLACE_STATUSES,
    Application,
    ApplicationEvent,
    FollowUp,
    PaymentList,
    PilotMonth,
    Quota,
    SchemeRule,
)
from .permissions import can_act_on, can_administer_payments, can_apply, can_decide, can_edit_scheme

MATCH_TYPE_CODE = "ordinary_job_vaekstpilot"
CONFIRM_SALT = "viaviden.vaekstpilot.confirm"
CONFIRM_DAYS = 7
MAX_WAGE_ORE = 100_000_000  # a sanity bound on input (1 mio. kr. a month), not a rule of the scheme

FK_FIELDS = ["programme", "scheme_rule", "company", "workplace_municipality", "partner_organisation", "created_by",
             "education_level", "exception_requested_by", "exception_decided_by", "decided_by", "match"]


# --- Rules and periods -----------------------------------------------------------------------------------


def rule_for(day: dt.date) -> SchemeRule | None:
    """The scheme rule valid on `day` (the pilot's start date)."""
    return (
        SchemeRule.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)
        .select_related("lead_organisation")
        .order_by("-valid_from")
        .first()
    )


def current_rule(today: dt.date | None = None) -> SchemeRule | None:
    """The rule valid today, or the latest one (the scheme may have ended)."""
    today = today or timezone.localdate()
    return rule_for(today) or SchemeRule.objects.select_related("lead_organisation").order_by("-valid_from").first()


def _programme_for(day: dt.date) -> Programme | None:
    return Programme.objects.filter(start_date__lte=day, end_date__gte=day).order_by("-start_date").first()


# --- Input -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationData:
    """Validated input for an application (from a form or the API). The company is given, or found (and
    registered when new) by CVR number inside the application's transaction."""

    workplace_municipality: Municipality
    company_is_private: bool
    growth_task: str
    contact_name: str
    contact_email: str
    education: str
    education_level: EducationLevel
    graduation_date: dt.date
    unemployment_start: dt.date
    monthly_wage_ore: int
    start_date: dt.date
    workplace_postal_code: str = ""
    contact_phone: str = ""
    institution: str = ""
    internship_start: dt.date | None = None
    internship_end: dt.date | None = None
    person_name: str = ""
    person_consent: bool = False
    company: Company | None = None
    cvr: str = ""
    company_name: str = ""


def _resolve_company(data: ApplicationData) -> Company:
    if data.company is not None:
        company = data.company
    else:
        try:
            company, _created = company_get_or_create(cvr=data.cvr, name=data.company_name,
                                                      municipality=data.workplace_municipality)
        except ValidationFailed as exc:
            field = "company_name" if exc.code == "company_unknown" else "cvr"
            raise ValidationFailed(exc.message, code=exc.code, details={field: [str(exc.message)]}) from exc
    while company.merged_into_id is not None:  # a tombstone: the application goes to the surviving record
        company = Company.objects.get(pk=company.merged_into_id)
    return company


def _fail(errors: dict[str, list[str]], code: str = "invalid_application") -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code=code, details=errors)


def _validate(data: ApplicationData) -> tuple[SchemeRule, Programme]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if data.company is None:
        cvr = normalise_cvr(data.cvr or "")
        try:
            validate_cvr(cvr)
        except ValidationError as exc:
            errors["cvr"] = list(exc.messages)
        else:
            if not data.company_name.strip() and not Company.objects.filter(cvr=cvr).exists():
                add("company_name", _("Virksomheden findes ikke i registret endnu. Skriv virksomhedens navn."))
    if not data.growth_task.strip():
        add("growth_task", _("Beskriv den vækstopgave, vækstpiloten skal løse."))
    if not data.contact_name.strip():
        add("contact_name", _("Skriv navnet på virksomhedens kontaktperson."))
    if not data.contact_email.strip():
        add("contact_email", _("Skriv kontaktpersonens e-mailadresse."))
    if not data.education.strip():
        add("education", _("Skriv personens uddannelse."))
    if data.monthly_wage_ore <= 0:
        add("monthly_wage", _("Månedslønnen skal være større end 0 kr."))
    elif data.monthly_wage_ore > MAX_WAGE_ORE:
        add("monthly_wage", _("Månedslønnen er urealistisk høj. Skriv lønnen pr. måned i kroner."))
    if data.person_name.strip() and not data.person_consent:
        add("person_name", _("Personens navn må kun registreres, når personen har givet samtykke."))
    for field in ("growth_task", "person_name", "education", "institution", "contact_name"):
        if CPR_PATTERN.search(getattr(data, field) or ""):
            add(field, _("Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre."))
    if (data.internship_start is None) != (data.internship_end is None):
        add("internship_start", _("Angiv både første og sidste dag i praktikken, eller ingen af dem."))
    elif data.internship_start and data.internship_end and data.internship_end < data.internship_start:
        add("internship_end", _("Praktikkens sidste dag ligger før den første."))
    if data.graduation_date.year < 1950 or data.unemployment_start.year < 1950:
        add("graduation_date", _("Datoen er ikke gyldig."))

    rule = rule_for(data.start_date)
    programme = _programme_for(data.start_date)
    if rule is None or programme is None:
        latest = SchemeRule.objects.order_by("-valid_from").first()
        if latest is None:
            add("start_date", _("Nordjysk Vækstpilot er ikke sat op på platformen endnu."))
        else:
            add("start_date", _(
                "Nordjysk Vækstpilot gælder ikke på startdatoen %(date)s. Ordningen gælder fra %(from)s til %(to)s."
            ) % {"date": data.start_date.strftime("%d-%m-%Y"), "from": latest.valid_from.strftime("%d-%m-%Y"),
                 "to": latest.valid_to.strftime("%d-%m-%Y") if latest.valid_to else "…"})
    _fail(errors)
    assert rule is not None and programme is not None
    return rule, programme


def _facts(app: Application) -> eligibility.Facts:
    return eligibility.Facts(
        start_date=app.start_date, education_level_code=app.education_level_id,
        workplace_municipality_code=app.workplace_municipality_id, company_is_private=app.company_is_private,
        graduation_date=app.graduation_date, unemployment_start=app.unemployment_start,
        internship_start=app.internship_start, internship_end=app.internship_end,
    )


def _build(data: ApplicationData, *, rule: SchemeRule, programme: Programme, partner: Organisation,
           user: User | None, source: str, status: str, is_synthetic: bool) -> Application:
    company = _resolve_company(data)
    app = Application(
        programme=programme, project_year=programme.project_year_of(data.start_date), scheme_rule=rule,
        company=company, workplace_municipality=data.workplace_municipality,
        workplace_postal_code=data.workplace_postal_code.strip(), company_is_private=data.company_is_private,
        partner_organisation=partner, created_by=user, source=source, growth_task=data.growth_task.strip(),
        contact_name=data.contact_name.strip(), contact_email=data.contact_email.strip(),
        contact_phone=data.contact_phone.strip(), person_name=data.person_name.strip(),
        person_consent_at=timezone.now() if data.person_consent and data.person_name.strip() else None,
        education=data.education.strip(), institution=data.institution.strip(),
        education_level=data.education_level, graduation_date=data.graduation_date,
        unemployment_start=data.unemployment_start, monthly_wage_ore=data.monthly_wage_ore,
        start_date=data.start_date, end_date=pilot_end(data.start_date, rule.months),
        internship_start=data.internship_start, internship_end=data.internship_end, status=status,
        is_synthetic=is_synthetic,
    )
    app.failed_rules = [f.as_dict() for f in eligibility.check(rule, _facts(app))]
    try:
        app.full_clean()
    except ValidationError as exc:
        details = exc.message_dict
        raise ValidationFailed(next(iter(details.values()))[0], code="invalid_application", details=details) from exc
    app.save()
    return app


# --- Events and mail ---------------------------------------------------------------------------------------


def _event(app: Application, kind: str, text: str, *, public: bool = False, actor: User | None = None) -> None:
    ApplicationEvent.objects.create(application=app, kind=kind, text=text, public=public,
                                    actor=actor if actor is not None and actor.is_authenticated else None)


def _da(func: Callable[[], Any]) -> Any:
    """Stored history and e-mail are Danish, whatever the request's language."""
    with translation.override("da"):
        return func()


def status_url(app: Application, *, base_url: str | None = None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + reverse("vaekstpilot_public_status", args=[app.public_token])


def staff_url(app: Application, *, base_url: str | None = None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + reverse("vaekstpilot_detail", args=[app.pk])


def _mail_company(app: Application, subject: str, message: str, *, base_url: str | None = None) -> None:
    body = _da(lambda: render_to_string("vaekstpilot/email/company_update.txt", {
        "app": app, "message": message, "status_url": status_url(app, base_url=base_url),
    }))
    send_email(to=app.contact_email, subject=subject, body=body, language="da")


def _mail_staff(users: list[str], subject: str, message: str, url: str) -> None:
    if not users:
        return
    body = _da(lambda: render_to_string("vaekstpilot/email/staff_notice.txt", {"message": message, "url": url}))
    send_email(to=users, subject=subject, body=body, language="da", separately=True)


def _emails(org_ids: list[int], *, roles: tuple[str, ...] = ()) -> list[str]:
    qs = User.objects.filter(organisation_id__in=org_ids, is_active=True).exclude(email="")
    if roles:
        qs = qs.filter(role__in=roles)
    return list(qs.order_by("id").values_list("email", flat=True))


def _partner_emails(app: Application) -> list[str]:
    partner = app.partner_organisation.partner
    probe = User(organisation=partner)
    return _emails(partner_org_ids(probe))


# --- Queue -----------------------------------------------------------------------------------------------


def quota_defaults(rule: SchemeRule) -> dict[str, int]:
    return {"funded_pilots": rule.pilots_per_year,
            "funded_amount_ore": rule.pilots_per_year * rule.max_subsidy_per_pilot_ore}


def _locked_quota(*, programme_id: int, project_year: int, rule: SchemeRule) -> Quota:
    """The project year's quota row, created from the rule when missing, locked until the transaction ends."""
    Quota.objects.get_or_create(programme_id=programme_id, project_year=project_year, defaults=quota_defaults(rule))
    return Quota.objects.select_for_update().get(programme_id=programme_id, project_year=project_year)


def quota_usage(quota: Quota) -> tuple[int, int]:
    """(places taken, money held) in the quota's project year."""
    usage = Application.objects.filter(
        programme_id=quota.programme_id, project_year=quota.project_year, status__in=PLACE_STATUSES
    ).aggregate(n=Count("id"), amount=Sum("reserved_amount_ore"))
    return usage["n"] or 0, usage["amount"] or 0


def _fits(quota: Quota, amount: int) -> bool:
    places, money = quota_usage(quota)
    return places < quota.funded_pilots and money + amount <= quota.funded_amount_ore


def _someone_waiting(quota: Quota) -> bool:
    return Application.objects.filter(programme_id=quota.programme_id, project_year=quota.project_year,
                                      status=Application.Status.WAITING).exists()


def _grant_amount(app: Application) -> int:
    rule = app.scheme_rule
    return grant_amount_ore(monthly_wage_ore=app.monthly_wage_ore, share_percent=rule.subsidy_share_percent,
                            cap_ore=rule.monthly_cap_ore, months=rule.months)


def _save(app: Application, fields: list[str]) -> None:
    app.version += 1
    app.full_clean(exclude=FK_FIELDS)
    app.save(update_fields=[*fields, "version", "updated_at"])


def _grant(app: Application, *, user: User | None, now: dt.datetime, promoted: bool,
           base_url: str | None = None) -> None:
    app.status = Application.Status.GRANTED
    app.granted_at = now
    app.granted_amount_ore = app.reserved_amount_ore = _grant_amount(app)
    _save(app, ["status", "granted_at", "granted_amount_ore", "reserved_amount_ore"])
    PilotMonth.objects.bulk_create([
        PilotMonth(application=app, month=p.month, period_start=p.start, period_end=p.end)
        for p in month_periods(app.start_date, app.end_date)
    ])
    amount = format_dkk(app.granted_amount_ore)
    if promoted:
        text = _da(lambda: _("Der er blevet en plads fri. Ansøgningen er rykket op fra ventelisten og bevilget med "
                             "op til %(amount)s i tilskud.") % {"amount": amount})
    else:
        text = _da(lambda: _("Ansøgningen er bevilget efter først-til-mølle med op til %(amount)s i tilskud.")
                   % {"amount": amount})
    _event(app, "granted", text, public=True, actor=user)
    _mail_company(app, _da(lambda: _("Vækstpilot bevilget: %(ref)s") % {"ref": app.reference}), text,
                  base_url=base_url)


def _enqueue(app: Application, *, user: User | None, base_url: str | None = None) -> None:
    """Give the application its arrival number and grant it, or put it on the waiting list."""
    quota = _locked_quota(programme_id=app.programme_id, project_year=app.project_year, rule=app.scheme_rule)
    now = timezone.now()
    quota.last_sequence += 1
    quota.save(update_fields=["last_sequence", "updated_at"])
    app.sequence, app.queued_at = quota.last_sequence, now
    app.granted_amount_ore = _grant_amount(app)
    if not _someone_waiting(quota) and _fits(quota, app.granted_amount_ore):
        app.save(update_fields=["sequence", "queued_at"])
        _grant(app, user=user, now=now, promoted=False, base_url=base_url)
        return
    app.status = Application.Status.WAITING
    _save(app, ["status", "sequence", "queued_at", "granted_amount_ore"])
    text = _da(lambda: _("Projektårets finansierede pladser er brugt. Ansøgningen er på venteliste som nummer "
                         "%(n)d i ankomstrækkefølge og rykker op, når en plads bliver fri.") % {"n": app.sequence})
    _event(app, "waiting", text, public=True, actor=user)
    _mail_company(app, _da(lambda: _("Vækstpilot på venteliste: %(ref)s") % {"ref": app.reference}), text,
                  base_url=base_url)


def _promote(quota: Quota, *, user: User | None) -> list[Application]:
    """Grant waiting applications in arrival order while places and money allow (quota already locked)."""
    promoted = []
    waiting = (
        Application.objects.select_for_update()
        .filter(programme_id=quota.programme_id, project_year=quota.project_year, status=Application.Status.WAITING)
        .select_related("scheme_rule", "company")
        .order_by("sequence")
    )
    now = timezone.now()
    for app in waiting:
        if not _fits(quota, _grant_amount(app)):
            break  # strictly first come, first served: nobody overtakes the first in line
        _grant(app, user=user, now=now, promoted=True)
        promoted.append(app)
    return promoted


def _submit(app: Application, *, user: User | None, base_url: str | None = None) -> None:
    """After creation (or e-mail confirmation): ineligible with reasons, or into the queue."""
    if app.failed_rules:
        app.status = Application.Status.INELIGIBLE
        _save(app, ["status"])
        reasons = " ".join(f["message"] for f in app.failed_rules)
        text = _da(lambda: _("Ansøgningen opfylder ikke betingelserne: %(reasons)s") % {"reasons": reasons})
        _event(app, "ineligible", text, public=True, actor=user)
        _mail_company(app, _da(lambda: _("Vækstpilot: ansøgningen opfylder ikke betingelserne (%(ref)s)")
                               % {"ref": app.reference}),
                      text + "\n\n" + _da(lambda: _("Partneren, der hjælper jer, kan bede Erhvervshus Nordjylland om "
                                                    "en begrundet undtagelse.")), base_url=base_url)
        return
    _enqueue(app, user=user, base_url=base_url)


def _locked(app: Application, version: int | None) -> tuple[Quota, Application]:
    """Lock the application's quota, then the application; check the version the caller read."""
    quota = _locked_quota(programme_id=app.programme_id, project_year=app.project_year, rule=app.scheme_rule)
    fresh = (
        Application.objects.select_for_update()
        .select_related("scheme_rule__lead_organisation", "company", "partner_organisation", "education_level",
                        "workplace_municipality")
        .get(pk=app.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(_("Ansøgningen er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    return quota, fresh


def _require_status(app: Application, allowed: tuple[str, ...], message: str) -> None:
    if app.status not in allowed:
        raise ValidationFailed(message, code="invalid_status")


# --- Apply -----------------------------------------------------------------------------------------------


@transaction.atomic
def application_create(*, user: User, data: ApplicationData, organisation: Organisation | None = None,
                       source: str = Application.Source.STAFF, base_url: str | None = None,
                       is_synthetic: bool = False) -> Application:
    """A partner applies on the company's behalf: checked, queued (granted or waiting) or ineligible."""
    if not can_apply(user):
        raise Forbidden(_("Du har ikke adgang til at søge om vækstpiloter."))
    partner = organisation or user.organisation
    if partner is None:
        raise Forbidden(_("Du har ikke adgang til at søge om vækstpiloter."))
    if organisation is not None and organisation.pk != user.organisation_id and not user.sees_everything:
        if not can_register_for(user, organisation):
            raise Forbidden(_("Du kan kun søge på vegne af din egen organisation."))
    rule, programme = _validate(data)
    app = _build(data, rule=rule, programme=programme, partner=partner, user=user, source=source,
                 status=Application.Status.UNCONFIRMED, is_synthetic=is_synthetic)
    app.email_confirmed_at = timezone.now()  # the partner knows the company's contact
    app.save(update_fields=["email_confirmed_at"])
    _event(app, "created", _da(lambda: _("Ansøgningen er registreret af %(org)s på virksomhedens vegne.")
                               % {"org": partner.name}), public=True, actor=user)
    _submit(app, user=user, base_url=base_url)
    return app


def confirm_token(app: Application) -> str:
    return signing.dumps({"a": app.public_token}, salt=CONFIRM_SALT, compress=False)


def confirm_url(app: Application, *, base_url: str | None = None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + reverse("vaekstpilot_public_confirm",
                                                                  args=[confirm_token(app)])


@transaction.atomic
def application_submit_public(*, data: ApplicationData, consent: bool, base_url: str) -> Application:
    """The company applies on the public form: saved unconfirmed; the confirmation link is e-mailed. The
    application enters the queue when the e-mail address is confirmed (so a bot cannot take places)."""
    if not consent:
        raise ValidationFailed(_("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger."),
                               code="consent_required",
                               details={"consent": [_("Du skal give samtykke til, at vi gemmer dine "
                                                      "kontaktoplysninger.")]})
    rule, programme = _validate(data)

    partner = business_office_for(data.workplace_municipality)
    app = _build(data, rule=rule, programme=programme, partner=partner, user=None,
                 source=Application.Source.SELF_SERVICE, status=Application.Status.UNCONFIRMED, is_synthetic=False)
    _event(app, "submitted", _da(lambda: _("Ansøgningen er modtaget. Den behandles, når e-mailadressen er "
                                           "bekræftet.")), public=True)
    context = {"app": app, "confirm_url": confirm_url(app, base_url=base_url),
               "status_url": status_url(app, base_url=base_url), "confirm_days": CONFIRM_DAYS}
    subject = _da(lambda: _("Bekræft jeres ansøgning om en vækstpilot"))
    body = _da(lambda: render_to_string("vaekstpilot/email/confirm.txt", context))
    send_email(to=app.contact_email, subject=subject, body=body, language="da")
    return app


def _public_token_from(token: str) -> str:
    try:
        return str(signing.loads(token or "", salt=CONFIRM_SALT, max_age=dt.timedelta(days=CONFIRM_DAYS))["a"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid") from exc


def application_for_confirm_token(token: str) -> Application:
    app = Application.objects.select_related("company").filter(public_token=_public_token_from(token)).first()
    if app is None:
        raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid")
    return app


@transaction.atomic
def application_confirm_public(*, token: str, base_url: str | None = None) -> Application:
    """The company confirms its e-mail address: the application is checked and queued. Idempotent."""
    public_token = _public_token_from(token)
    app = Application.objects.select_related("scheme_rule", "company", "partner_organisation").filter(
        public_token=public_token).first()
    if app is None:
        raise NotFound(_("Linket er ugyldigt eller udløbet."), code="confirm_link_invalid")
    quota, app = _locked(app, None)
    if app.status != Application.Status.UNCONFIRMED:
        return app
    app.email_confirmed_at = timezone.now()
    app.save(update_fields=["email_confirmed_at"])
    _event(app, "confirmed", _da(lambda: _("E-mailadressen er bekræftet.")), public=True)
    _submit(app, user=None, base_url=base_url)
    _mail_staff(_partner_emails(app), _da(lambda: _("Ny vækstpilot-ansøgning fra %(company)s")
                                          % {"company": app.company.name}),
                _da(lambda: _("%(company)s har søgt om en vækstpilot. Status: %(status)s.")
                    % {"company": app.company.name, "status": app.get_status_display()}),
                staff_url(app, base_url=base_url))
    return app


# --- Exceptions and decisions ------------------------------------------------------------------------------


@transaction.atomic
def application_request_exception(*, user: User, application: Application, justification: str,
                                  version: int | None) -> Application:
    """A partner asks the lead partner to accept an application that fails a rule, with a justification."""
    if not can_act_on(user, application):
        raise Forbidden(_("Du har ikke adgang til at ændre denne ansøgning."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationFailed(_("Begrund, hvorfor der bør gøres en undtagelse."), code="justification_required",
                               details={"justification": [_("Begrund, hvorfor der bør gøres en undtagelse.")]})
    if CPR_PATTERN.search(justification):
        raise ValidationFailed(_("Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre."), code="cpr_refused",
                               details={"justification": [_("Skriv ikke CPR-numre. Platformen gemmer aldrig "
                                                            "CPR-numre.")]})
    _quota, app = _locked(application, version)
    _require_status(app, (Application.Status.INELIGIBLE,),
                    _("Der kan kun søges om undtagelse for en ansøgning, der ikke opfylder betingelserne."))
    app.status = Application.Status.EXCEPTION_REQUESTED
    app.exception_justification = justification
    app.exception_requested_by, app.exception_requested_at = user, timezone.now()
    _save(app, ["status", "exception_justification", "exception_requested_by", "exception_requested_at"])
    _event(app, "exception_requested", _da(lambda: _("%(org)s har bedt leadpartneren om en undtagelse.")
                                           % {"org": user.organisation.name if user.organisation else ""}),
           public=True, actor=user)
    lead = app.scheme_rule.lead_organisation
    _mail_staff(_emails([lead.pk], roles=(User.Role.PARTNER_LEAD,)),
                _da(lambda: _("Undtagelse til godkendelse: %(ref)s") % {"ref": app.reference}),
                _da(lambda: _("%(company)s: %(reasons)s\n\nBegrundelse: %(why)s")
                    % {"company": app.company.name, "reasons": " ".join(f["message"] for f in app.failed_rules),
                       "why": justification}),
                staff_url(app))
    return app


@transaction.atomic
def application_decide_exception(*, user: User, application: Application, approve: bool, note: str = "",
                                 version: int | None) -> Application:
    """The lead partner approves the exception (the application joins the queue now) or refuses it."""
    if not can_decide(user):
        raise Forbidden(_("Kun leadpartneren kan godkende eller afvise en undtagelse."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(_("Begrund afvisningen."), code="reason_required",
                               details={"note": [_("Begrund afvisningen.")]})
    _quota, app = _locked(application, version)
    _require_status(app, (Application.Status.EXCEPTION_REQUESTED,), _("Der er ingen undtagelse at tage stilling til."))
    app.exception_approved, app.exception_note = approve, note
    app.exception_decided_by, app.exception_decided_at = user, timezone.now()
    if approve:
        _save(app, ["exception_approved", "exception_note", "exception_decided_by", "exception_decided_at"])
        _event(app, "exception_approved", _da(lambda: _("Leadpartneren har godkendt en undtagelse fra betingelserne.")),
               public=True, actor=user)
        _enqueue(app, user=user)
        return app
    app.status, app.decision_note, app.decided_by, app.closed_at = (
        Application.Status.REJECTED, note, user, timezone.now())
    _save(app, ["status", "exception_approved", "exception_note", "exception_decided_by", "exception_decided_at",
                "decision_note", "decided_by", "closed_at"])
    text = _da(lambda: _("Leadpartneren har afvist undtagelsen: %(note)s") % {"note": note})
    _event(app, "rejected", text, public=True, actor=user)
    _mail_company(app, _da(lambda: _("Vækstpilot afvist: %(ref)s") % {"ref": app.reference}), text)
    return app


def _release(quota: Quota, app: Application, *, user: User | None) -> None:
    """A granted application gave up its place: its unpaid months go, and the next in line moves up."""
    app.months.filter(status=PilotMonth.Status.PENDING).delete()
    _promote(quota, user=user)


@transaction.atomic
def application_reject(*, user: User, application: Application, reason: str, version: int | None) -> Application:
    """The lead partner rejects an application that has not started; a granted place goes to the next in line."""
    if not can_decide(user):
        raise Forbidden(_("Kun leadpartneren kan afvise en ansøgning."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Begrund afvisningen."), code="reason_required",
                               details={"reason": [_("Begrund afvisningen.")]})
    quota, app = _locked(application, version)
    _require_status(app, (Application.Status.INELIGIBLE, Application.Status.EXCEPTION_REQUESTED,
                          Application.Status.WAITING, Application.Status.GRANTED, Application.Status.UNCONFIRMED),
                    _("Et forløb, der er gået i gang, kan ikke afvises; stop det i stedet."))
    was_granted = app.status == Application.Status.GRANTED
    app.status, app.decision_note, app.decided_by, app.closed_at = (
        Application.Status.REJECTED, reason, user, timezone.now())
    app.reserved_amount_ore = 0
    _save(app, ["status", "decision_note", "decided_by", "closed_at", "reserved_amount_ore"])
    text = _da(lambda: _("Ansøgningen er afvist: %(reason)s") % {"reason": reason})
    _event(app, "rejected", text, public=True, actor=user)
    _mail_company(app, _da(lambda: _("Vækstpilot afvist: %(ref)s") % {"ref": app.reference}), text)
    if was_granted:
        _release(quota, app, user=user)
    return app


WITHDRAWABLE = (Application.Status.UNCONFIRMED, Application.Status.INELIGIBLE, Application.Status.EXCEPTION_REQUESTED,
                Application.Status.WAITING, Application.Status.GRANTED)


@transaction.atomic
def application_withdraw(*, user: User | None, application: Application, reason: str = "",
                         version: int | None, by_company: bool = False) -> Application:
    """The company or its partner withdraws the application before the pilot starts; a place is released."""
    if not by_company and (user is None or not can_act_on(user, application)):
        raise Forbidden(_("Du har ikke adgang til at ændre denne ansøgning."))
    quota, app = _locked(application, version)
    _require_status(app, WITHDRAWABLE, _("Ansøgningen kan ikke trækkes tilbage, når forløbet er gået i gang."))
    was_granted = app.status == Application.Status.GRANTED
    app.status, app.decision_note, app.closed_at = Application.Status.WITHDRAWN, (reason or "").strip(), timezone.now()
    app.decided_by = user if user is not None and user.is_authenticated else None
    app.reserved_amount_ore = 0
    _save(app, ["status", "decision_note", "decided_by", "closed_at", "reserved_amount_ore"])
    who = _da(lambda: _("virksomheden")) if by_company else (user.organisation.name if user and user.organisation
                                                              else "")
    _event(app, "withdrawn", _da(lambda: _("Ansøgningen er trukket tilbage af %(who)s.") % {"who": who}),
           public=True, actor=user)
    if was_granted:
        _release(quota, app, user=user)
    return app


# --- Start, months, termination ----------------------------------------------------------------------------


def _register_match(app: Application) -> None:
    """The started pilot is a match of type 'ordinary job with Vækstpilot', registered for the responsible
    partner (it counts towards that partner's target) with the lead partner as contributor. A match a partner
    already registered with the application's reference is kept (matches.rules links it)."""
    if app.match_id is not None:
        return

    lead = app.scheme_rule.lead_organisation
    contributors = () if lead.pk == app.partner_organisation_id else (lead,)
    consent = app.person_consent_at is not None and bool(app.person_name)
    result = match_register(
        user=None, organisation=app.partner_organisation, is_synthetic=app.is_synthetic,
        data=MatchData(
            company=app.company, match_type=MatchType.objects.get(pk=MATCH_TYPE_CODE), start_date=app.start_date,
            education_level=app.education_level, municipality=app.workplace_municipality,
            institution=app.institution, education=app.education,
            person_name=app.person_name if consent else "", person_consent=consent,
            activity=Activity.VAEKSTPILOT, activity_note=app.reference, contributors=contributors,
            reference=app.reference,
        ),
    )
    app.match = result.match


def _start(app: Application, *, user: User | None, by_company: bool = False) -> None:
    rule = app.scheme_rule
    app.status, app.started_at = Application.Status.STARTED, timezone.now()
    _register_match(app)
    _save(app, ["status", "started_at", "match"])
    FollowUp.objects.bulk_create([
        FollowUp(application=app, kind=FollowUp.Kind.END, due_date=app.end_date),
        FollowUp(application=app, kind=FollowUp.Kind.LATER, due_date=add_months(app.end_date, rule.follow_up_months)),
    ])
    text = (_da(lambda: _("Virksomheden har bekræftet, at ansættelsen er begyndt. Forløbet er i gang."))
            if by_company else _da(lambda: _("Forløbet er i gang.")))
    _event(app, "started", text, public=True, actor=user)


@transaction.atomic
def application_start(*, user: User, application: Application, version: int | None,
                      today: dt.date | None = None) -> Application:
    """Mark a granted pilot as started (from its start date): it becomes a match."""
    if not can_act_on(user, application):
        raise Forbidden(_("Du har ikke adgang til at ændre denne ansøgning."))
    today = today or timezone.localdate()
    _quota, app = _locked(application, version)
    _require_status(app, (Application.Status.GRANTED,), _("Kun et bevilget forløb kan sættes i gang."))
    if app.start_date > today:
        raise ValidationFailed(_("Forløbet kan først markeres som startet på startdatoen %(date)s.")
                               % {"date": app.start_date.strftime("%d-%m-%Y")}, code="not_started_yet")
    _start(app, user=user)
    return app


def _month_subsidy(app: Application, month: PilotMonth, wage_ore: int) -> int:
    rule = app.scheme_rule
    computed = monthly_subsidy_ore(wage_ore=wage_ore, share_percent=rule.subsidy_share_percent,
                                   cap_ore=rule.monthly_cap_ore, days=month.days, month_days=_month_days(month))
    others = (
        app.months.exclude(pk=month.pk).exclude(status=PilotMonth.Status.CANCELLED)
        .aggregate(total=Sum("subsidy_ore"))["total"] or 0
    )
    return max(0, min(computed, app.granted_amount_ore - others))


def _month_days(month: PilotMonth) -> int:
    return days_in_month(month.month)


def _locked_month(app: Application, month_id: int) -> PilotMonth:
    month = PilotMonth.objects.select_for_update().filter(application=app, pk=month_id).first()
    if month is None:
        raise NotFound(_("Måneden findes ikke."))
    return month


def _month_label(month: PilotMonth) -> str:
    return month.month.strftime("%m-%Y")


@transaction.atomic
def month_report(*, application: Application, month_id: int, wage_ore: int, employment_confirmed: bool,
                 user: User | None = None, by_company: bool = False, today: dt.date | None = None) -> PilotMonth:
    """The company (or its partner) reports the wage actually paid for a month and confirms the employment.
    The subsidy is computed at once; the first report of a granted pilot starts it."""
    if not by_company and (user is None or not can_act_on(user, application)):
        raise Forbidden(_("Du har ikke adgang til at indberette for denne ansøgning."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if wage_ore is None or wage_ore <= 0:
        errors["wage"] = [_("Skriv den løn, der er udbetalt for perioden, i kroner.")]
    elif wage_ore > MAX_WAGE_ORE:
        errors["wage"] = [_("Lønnen er urealistisk høj. Skriv lønnen for perioden i kroner.")]
    if not employment_confirmed:
        errors["employment_confirmed"] = [_(
            "Bekræft, at personen har været ansat i hele perioden. Er ansættelsen ophørt, så kontakt jeres "
            "partner, så forløbet stoppes.")]
    _fail(errors, code="invalid_report")
    _quota, app = _locked(application, None)
    _require_status(app, (Application.Status.GRANTED, Application.Status.STARTED, Application.Status.TERMINATED),
                    _("Der kan ikke indberettes løn for denne ansøgning."))
    month = _locked_month(app, month_id)
    if month.status not in (PilotMonth.Status.PENDING, PilotMonth.Status.REPORTED):
        raise ValidationFailed(_("Måneden er allerede godkendt og kan ikke ændres."), code="month_locked")
    if month.period_end > today:
        raise ValidationFailed(
            _("Lønnen for perioden %(from)s–%(to)s kan indberettes, når perioden er slut.")
            % {"from": month.period_start.strftime("%d-%m-%Y"), "to": month.period_end.strftime("%d-%m-%Y")},
            code="month_not_over",
        )
    if app.status == Application.Status.GRANTED:
        _start(app, user=user, by_company=by_company)
    month.wage_ore = wage_ore
    month.employment_confirmed = True
    month.subsidy_ore = _month_subsidy(app, month, wage_ore)
    month.status = PilotMonth.Status.REPORTED
    month.reported_at = timezone.now()
    month.reported_by = user if user is not None and user.is_authenticated else None
    month.reported_by_company = by_company
    month.full_clean(exclude=["application", "reported_by", "approved_by", "payment_list"])
    month.save()
    _event(app, "month_reported", _da(lambda: _("Løn for %(month)s er indberettet (%(wage)s); tilskud %(subsidy)s.")
                                      % {"month": _month_label(month), "wage": format_dkk(wage_ore),
                                         "subsidy": format_dkk(month.subsidy_ore)}), public=True, actor=user)
    return month


@transaction.atomic
def month_approve(*, user: User, month: PilotMonth) -> PilotMonth:
    """The lead partner approves a reported month for payment."""
    if not can_administer_payments(user):
        raise Forbidden(_("Kun leadpartneren kan godkende udbetalinger."))
    _quota, app = _locked(month.application, None)
    month = _locked_month(app, month.pk)
    if month.status != PilotMonth.Status.REPORTED:
        raise ValidationFailed(_("Kun en indberettet måned kan godkendes."), code="invalid_status")
    month.status, month.approved_by, month.approved_at = PilotMonth.Status.APPROVED, user, timezone.now()
    month.save(update_fields=["status", "approved_by", "approved_at"])
    _event(app, "month_approved", _da(lambda: _("Tilskud for %(month)s (%(amount)s) er godkendt til udbetaling.")
                                      % {"month": _month_label(month), "amount": format_dkk(month.subsidy_ore)}),
           public=True, actor=user)
    _complete_if_done(app)
    return month


def _complete_if_done(app: Application) -> None:
    """When every month is approved (or cancelled) the pilot is done: it holds only what it was paid."""
    open_months = app.months.filter(status__in=[PilotMonth.Status.PENDING, PilotMonth.Status.REPORTED]).exists()
    if open_months or app.status not in (Application.Status.STARTED, Application.Status.TERMINATED):
        return
    paid = app.months.exclude(status=PilotMonth.Status.CANCELLED).aggregate(t=Sum("subsidy_ore"))["t"] or 0
    app.reserved_amount_ore = paid
    fields = ["reserved_amount_ore"]
    if app.status == Application.Status.STARTED:
        app.status, app.closed_at = Application.Status.COMPLETED, timezone.now()
        fields += ["status", "closed_at"]
        _event(app, "completed", _da(lambda: _("Alle måneder er godkendt. Forløbet er gennemført.")), public=True)
    _save(app, fields)


@transaction.atomic
def application_terminate(*, user: User, application: Application, last_day: dt.date, reason: str,
                          version: int | None) -> Application:
    """The employment ended early: months after the last day lapse, the month it falls in becomes a part
    month. The pilot keeps its place (it ran); the money it no longer needs is released."""
    if not can_act_on(user, application):
        raise Forbidden(_("Du har ikke adgang til at ændre denne ansøgning."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Skriv kort, hvorfor ansættelsen er ophørt."), code="reason_required",
                               details={"reason": [_("Skriv kort, hvorfor ansættelsen er ophørt.")]})
    quota, app = _locked(application, version)
    _require_status(app, (Application.Status.GRANTED, Application.Status.STARTED),
                    _("Kun et bevilget eller igangværende forløb kan stoppes."))
    if not (app.start_date <= last_day < app.end_date):
        raise ValidationFailed(
            _("Sidste ansættelsesdag skal ligge i forløbet, fra %(from)s og før %(to)s. Er ansættelsen aldrig "
              "begyndt, så træk ansøgningen tilbage.")
            % {"from": app.start_date.strftime("%d-%m-%Y"), "to": app.end_date.strftime("%d-%m-%Y")},
            code="invalid_last_day", details={"last_day": [_("Datoen ligger uden for forløbet.")]},
        )
    months = list(app.months.select_for_update().order_by("month"))
    if any(m.period_end > last_day and m.status in (PilotMonth.Status.APPROVED, PilotMonth.Status.LISTED)
           for m in months):
        raise ValidationFailed(_("Der er godkendt tilskud for perioden efter sidste ansættelsesdag. Kontakt "
                                 "leadpartneren."), code="month_locked")
    if app.status == Application.Status.GRANTED:
        _start(app, user=user)
    for m in months:
        if m.period_start > last_day:
            m.status, m.wage_ore, m.subsidy_ore = PilotMonth.Status.CANCELLED, None, None
            m.save(update_fields=["status", "wage_ore", "subsidy_ore"])
        elif m.period_end > last_day:
            m.period_end = last_day
            if m.status == PilotMonth.Status.REPORTED:  # reported for the whole month: reported again
                m.status, m.wage_ore, m.subsidy_ore, m.reported_at = PilotMonth.Status.PENDING, None, None, None
            m.save(update_fields=["period_end", "status", "wage_ore", "subsidy_ore", "reported_at"])
    app.status, app.terminated_on, app.decision_note = Application.Status.TERMINATED, last_day, reason
    app.reserved_amount_ore = _reserve_after_end(app)
    _save(app, ["status", "terminated_on", "decision_note", "reserved_amount_ore"])
    app.follow_ups.filter(kind=FollowUp.Kind.END).update(due_date=last_day)
    app.follow_ups.filter(kind=FollowUp.Kind.LATER).update(
        due_date=add_months(last_day, app.scheme_rule.follow_up_months))
    _event(app, "terminated", _da(lambda: _("Ansættelsen ophørte %(day)s. Tilskuddet stopper fra den dato.")
                                  % {"day": last_day.strftime("%d-%m-%Y")}), public=True, actor=user)
    _complete_if_done(app)
    _promote(quota, user=user)  # released money may let the first in line in when places allow
    return app


def _reserve_after_end(app: Application) -> int:
    """What a terminated pilot still holds: reported subsidies plus the most the open months can cost."""
    rule = app.scheme_rule
    stated = round_half_up(app.monthly_wage_ore * rule.subsidy_share_percent, 100)
    total = 0
    for m in app.months.exclude(status=PilotMonth.Status.CANCELLED):
        if m.subsidy_ore is not None:
            total += m.subsidy_ore
        else:
            total += min(stated, month_cap_ore(cap_ore=rule.monthly_cap_ore, days=m.days, month_days=_month_days(m)))
    return min(total, app.granted_amount_ore)


# --- Payment lists ---------------------------------------------------------------------------------------


@transaction.atomic
def payment_list_create(*, user: User) -> PaymentList:
    """Put every approved month not yet on a list on a new payment list (for the finance system)."""
    if not can_administer_payments(user):
        raise Forbidden(_("Kun leadpartneren kan lave udbetalingslister."))
    months = list(PilotMonth.objects.select_for_update().filter(status=PilotMonth.Status.APPROVED,
                                                                payment_list__isnull=True).order_by("id"))
    if not months:
        raise ValidationFailed(_("Der er ingen godkendte måneder, der venter på udbetaling."), code="nothing_to_pay")
    plist = PaymentList.objects.create(created_by=user, months_count=len(months),
                                       total_ore=sum(m.subsidy_ore or 0 for m in months))
    PilotMonth.objects.filter(pk__in=[m.pk for m in months]).update(status=PilotMonth.Status.LISTED,
                                                                    payment_list=plist)
    for app_id in sorted({m.application_id for m in months}):
        app = Application.objects.get(pk=app_id)
        _event(app, "paid", _da(lambda: _("Tilskud er sendt til udbetaling (udbetalingsliste %(n)d).")
                                % {"n": plist.pk}), public=True, actor=user)
    return plist


# --- Follow-up -------------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_record(*, follow_up: FollowUp, outcome: str, note: str = "", user: User | None = None,
                     by_company: bool = False, today: dt.date | None = None) -> FollowUp:
    """Record whether the person is in ordinary employment (same or another company) at a follow-up."""
    app = follow_up.application
    if not by_company and (user is None or not can_act_on(user, app)):
        raise Forbidden(_("Du har ikke adgang til at registrere opfølgning for denne ansøgning."))
    if outcome not in FollowUp.Outcome.values:
        raise ValidationFailed(_("Vælg personens status."), code="invalid_outcome",
                               details={"outcome": [_("Vælg personens status.")]})
    if CPR_PATTERN.search(note or ""):
        raise ValidationFailed(_("Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre."), code="cpr_refused",
                               details={"note": [_("Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre.")]})
    today = today or timezone.localdate()
    fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if fu.due_date > today:
        raise ValidationFailed(_("Opfølgningen kan registreres fra %(date)s.")
                               % {"date": fu.due_date.strftime("%d-%m-%Y")}, code="follow_up_not_due")
    if by_company and fu.answered_at is not None:
        raise ValidationFailed(_("Opfølgningen er allerede besvaret. Tak."), code="already_answered")
    fu.outcome, fu.note, fu.answered_at = outcome, (note or "").strip(), timezone.now()
    fu.answered_by = user if user is not None and user.is_authenticated else None
    fu.answered_by_company = by_company
    fu.save(update_fields=["outcome", "note", "answered_at", "answered_by", "answered_by_company"])
    _event(app, "follow_up", _da(lambda: _("Opfølgning (%(kind)s): %(outcome)s.")
                                 % {"kind": fu.get_kind_display().lower(), "outcome": fu.get_outcome_display()}),
           public=True, actor=user)
    return fu


# --- Scheme rules and quotas --------------------------------------------------------------------------------


RULE_FIELDS = (
    "name", "valid_from", "valid_to", "subsidy_share_percent", "monthly_cap_ore", "months", "internship_weeks",
    "internship_required", "wage_subsidy_months", "private_only", "pilots_per_year", "pilots_per_year_max",
    "budget_per_pilot_ore", "overhead_per_pilot_ore", "deb_share_max_percent", "budget_scenarios",
    "continuing_target_percent", "follow_up_months", "report_due_days", "source", "source_year",
)


def _check_overlap(rule: SchemeRule) -> None:
    others = SchemeRule.objects.exclude(pk=rule.pk)
    far = dt.date.max
    for other in others:
        if rule.valid_from <= (other.valid_to or far) and other.valid_from <= (rule.valid_to or far):
            msg = _("Perioden overlapper reglen «%(name)s» (%(from)s–%(to)s).") % {
                "name": other.name, "from": other.valid_from.strftime("%d-%m-%Y"),
                "to": other.valid_to.strftime("%d-%m-%Y") if other.valid_to else "…"}
            raise ValidationFailed(msg, code="rule_overlap", details={"valid_from": [msg]})


@transaction.atomic
def scheme_rule_update(*, user: User, rule: SchemeRule, changes: dict[str, Any], version: int | None,
                       education_levels: list[EducationLevel] | None = None,
                       municipalities: list[Municipality] | None = None) -> SchemeRule:
    """Coordinators and the lead partner edit the scheme's rules; the loader then leaves the rule alone."""
    if not can_edit_scheme(user):
        raise Forbidden(_("Kun koordinationsgruppen og leadpartneren kan ændre ordningens regler."))
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Felter kan ikke ændres: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fresh = SchemeRule.objects.select_for_update().get(pk=rule.pk)
    if version is not None and fresh.version != version:
        raise Conflict(_("Reglen er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    for field, value in changes.items():
        setattr(fresh, field, value)
    if education_levels is not None and not education_levels:
        raise ValidationFailed(_("Vælg mindst ét uddannelsesniveau."), code="invalid_rule",
                               details={"education_levels": [_("Vælg mindst ét uddannelsesniveau.")]})
    if municipalities is not None and not municipalities:
        raise ValidationFailed(_("Vælg mindst én kommune."), code="invalid_rule",
                               details={"municipalities": [_("Vælg mindst én kommune.")]})
    try:
        fresh.full_clean(exclude=["lead_organisation"])
    except ValidationError as exc:
        details = exc.message_dict
        raise ValidationFailed(next(iter(details.values()))[0], code="invalid_rule", details=details) from exc
    _check_overlap(fresh)
    fresh.edited_in_ui = True
    fresh.version += 1
    fresh.save()
    if education_levels is not None:
        fresh.education_levels.set(education_levels)
    if municipalities is not None:
        fresh.municipalities.set(municipalities)
    return fresh


@transaction.atomic
def quota_update(*, user: User, programme: Programme, project_year: int, funded_pilots: int,
                 funded_amount_ore: int, version: int | None) -> Quota:
    """Change a project year's funded pilots and money; more room lets the waiting list move up."""
    if not can_edit_scheme(user):
        raise Forbidden(_("Kun koordinationsgruppen og leadpartneren kan ændre kvoterne."))
    if project_year not in programme.project_years():
        raise ValidationFailed(_("Projektåret ligger uden for programperioden."), code="invalid_year")
    rule = rule_for(dt.date(project_year, programme.year_start_month, 1)) or current_rule()
    if rule is None:
        raise ValidationFailed(_("Nordjysk Vækstpilot er ikke sat op på platformen endnu."), code="no_rule")
    quota = _locked_quota(programme_id=programme.pk, project_year=project_year, rule=rule)
    if version is not None and quota.version != version:
        raise Conflict(_("Kvoten er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    places, money = quota_usage(quota)
    errors: dict[str, list[str]] = {}
    if funded_pilots < places:
        errors["funded_pilots"] = [_("Der er allerede bevilget %(n)d vækstpiloter i projektåret.") % {"n": places}]
    if funded_amount_ore < money:
        errors["funded_amount"] = [_("Der er allerede bevilget %(amount)s i projektåret.")
                                   % {"amount": format_dkk(money)}]
    _fail(errors, code="invalid_quota")
    quota.funded_pilots, quota.funded_amount_ore = funded_pilots, funded_amount_ore
    quota.version += 1
    quota.full_clean(exclude=["programme"])
    quota.save()
    _promote(quota, user=user)
    return quota
