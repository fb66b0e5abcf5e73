"""/api/vaekstpilot: Nordjysk Vækstpilot — applications (list, detail, apply on a company's behalf), decisions
(withdraw, reject, exceptions, start, terminate), monthly wage reports and approvals, follow-ups, payment
lists, the scheme's rules, budget scenarios and the dashboard figures.

Reads go through vaekstpilot.selectors/permissions, writes through vaekstpilot.services: the same rules as
the web pages. Amounts are integers in øre (1 kr. = 100 øre). State changes take the `version` you read;
if someone else changed the application in between, the answer is 409 and nothing changes."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from viaviden.companies.selfservice import municipality_for_postal_code
from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden, NotFound, ValidationFailed
from viaviden.core.models import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH
from viaviden.matches.models import Programme
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel
from viaviden.vaekstpilot import budget, selectors, services
from viaviden.vaekstpilot.models import Application, PaymentList, PilotMonth
from viaviden.vaekstpilot.permissions import access_application, can_administer_payments

from .auth import current_user
from .common import References, require_individual_access
from .pagination import PageNumberPagination
from .schemas import ErrorOut, IsoDate

router = Router(tags=["vaekstpilot"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------------------


class FailedRuleOut(Schema):
    code: str
    field: str
    message: str


class MonthOut(Schema):
    id: int
    month: IsoDate = Field(..., description="First day of the calendar month.")
    period_start: IsoDate
    period_end: IsoDate
    days: int
    status: str
    wage_ore: int | None
    subsidy_ore: int | None
    employment_confirmed: bool
    reported_at: dt.datetime | None
    approved_at: dt.datetime | None
    payment_list: int | None

    @staticmethod
    def resolve_payment_list(obj) -> int | None:
        return obj.payment_list_id


class FollowUpOut(Schema):
    id: int
    kind: str
    due_date: IsoDate
    outcome: str
    answered_at: dt.datetime | None


class ApplicationOut(Schema):
    id: int
    reference: str
    version: int = Field(..., description="Send it back with every state change (optimistic locking).")
    status: str
    status_label: str
    programme: str
    project_year: int = Field(..., description="Calendar year in which the project year starts (2020 = 2020/21).")
    sequence: int | None = Field(None, description="Arrival number in the project year's queue.")
    company_cvr: str
    company_name: str
    workplace_municipality: str
    workplace_postal_code: str
    company_is_private: bool
    partner_organisation: str = Field(..., description="Slug of the responsible partner.")
    source: str
    growth_task: str
    contact_name: str
    contact_email: str
    contact_phone: str
    person_name: str = Field("", description="Only with the person's consent.")
    education: str
    institution: str
    education_level: str
    graduation_date: IsoDate
    unemployment_start: IsoDate
    monthly_wage_ore: int
    start_date: IsoDate
    end_date: IsoDate
    internship_start: IsoDate | None
    internship_end: IsoDate | None
    failed_rules: list[FailedRuleOut]
    exception_justification: str
    exception_approved: bool | None
    exception_note: str
    granted_at: dt.datetime | None
    granted_amount_ore: int = Field(..., description="The grant: months × min(share × stated wage, cap).")
    decision_note: str
    started_at: dt.datetime | None
    terminated_on: IsoDate | None
    match: int | None
    is_synthetic: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_company_cvr(obj) -> str:
        return obj.company.cvr

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name

    @staticmethod
    def resolve_workplace_municipality(obj) -> str:
        return obj.workplace_municipality_id

    @staticmethod
    def resolve_partner_organisation(obj) -> str:
        return obj.partner_organisation.slug

    @staticmethod
    def resolve_education_level(obj) -> str:
        return obj.education_level_id

    @staticmethod
    def resolve_match(obj) -> int | None:
        return obj.match_id


class ApplicationDetailOut(ApplicationOut):
    queue_position: int | None = Field(None, description="Place on the waiting list (1 = next in line).")
    months: list[MonthOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_queue_position(obj) -> int | None:
        return selectors.queue_position(obj)

    @staticmethod
    def resolve_months(obj) -> list:
        return list(obj.months.all())

    @staticmethod
    def resolve_follow_ups(obj) -> list:
        return list(obj.follow_ups.all())


class ApplicationFilter(Schema):
    status: str | None = Field(None, description="A status, or 'open'.")
    project_year: int | None = None
    q: str | None = Field(None, description="Company name, CVR number or words of the growth task.")


class CompanyIn(Schema):
    cvr: str = Field(..., examples=["12345674"])
    name: str = Field("", description="Needed only when the CVR number is not in the register.")


class ApplicationIn(Schema):
    company: CompanyIn
    postal_code: str = Field(..., description="The workplace's postal code (4 digits).", examples=["7700"])
    municipality: str | None = Field(None, description="Municipality code; only when the postal code spans several.")
    company_is_private: bool = True
    growth_task: str = Field(..., max_length=TEXT_MAX_LENGTH)
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    education: str
    institution: str = ""
    education_level: str = Field(..., examples=["MVU"])
    graduation_date: IsoDate
    unemployment_start: IsoDate
    monthly_wage_ore: int = Field(..., ge=1, description="Monthly wage in øre (32.000 kr. = 3200000).")
    start_date: IsoDate
    internship_start: IsoDate | None = None
    internship_end: IsoDate | None = None
    person_name: str = Field("", description="Only with the person's consent (person_consent: true).")
    person_consent: bool = False
    organisation: str | None = Field(None, description="Responsible partner (slug); default your organisation.")


class VersionIn(Schema):
    version: int


class ReasonIn(VersionIn):
    reason: str = Field("", max_length=NOTE_MAX_LENGTH)


class JustificationIn(VersionIn):
    justification: str = Field(..., max_length=TEXT_MAX_LENGTH)


class ExceptionDecisionIn(VersionIn):
    approve: bool
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class TerminateIn(VersionIn):
    last_day: IsoDate
    reason: str = Field(..., max_length=NOTE_MAX_LENGTH)


class ReportIn(Schema):
    wage_ore: int = Field(..., ge=1, description="The wage actually paid for the month's period, in øre.")
    employment_confirmed: bool


class FollowUpIn(Schema):
    outcome: str = Field(..., examples=["same_company"],
                         description="same_company, other_company, not_employed or unknown.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class PaymentListOut(Schema):
    id: int
    created_at: dt.datetime
    total_ore: int
    months_count: int


class PaymentRowOut(Schema):
    application: str
    company_cvr: str
    company_name: str
    month: IsoDate
    period_start: IsoDate
    period_end: IsoDate
    wage_ore: int | None
    subsidy_ore: int | None

    @staticmethod
    def resolve_application(obj) -> str:
        return obj.application.reference

    @staticmethod
    def resolve_company_cvr(obj) -> str:
        return obj.application.company.cvr

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.application.company.name


class PaymentListDetailOut(PaymentListOut):
    rows: list[PaymentRowOut]


class ScenarioOut(Schema):
    pilots: int
    per_pilot_ore: int
    total_ore: int
    deb_share_percent: int
    deb_ore: int
    own_payment_ore: int
    remaining_ore: int
    subsidy_ore: int
    overhead_ore: int


class BudgetOut(Schema):
    rule: str
    scenarios: list[ScenarioOut]
    actual: dict[str, Any]


class RuleOut(Schema):
    slug: str
    name: str
    valid_from: IsoDate
    valid_to: IsoDate | None
    lead_organisation: str
    subsidy_share_percent: int
    monthly_cap_ore: int
    months: int
    internship_weeks: int
    internship_required: bool
    wage_subsidy_months: int
    education_levels: list[str]
    municipalities: list[str]
    private_only: bool
    pilots_per_year: int
    pilots_per_year_max: int | None
    budget_per_pilot_ore: int
    overhead_per_pilot_ore: int
    deb_share_max_percent: int
    budget_scenarios: list[int]
    continuing_target_percent: int
    follow_up_months: int
    source: str
    source_year: int
    version: int

    @staticmethod
    def resolve_lead_organisation(obj) -> str:
        return obj.lead_organisation.slug

    @staticmethod
    def resolve_education_levels(obj) -> list[str]:
        return [lv.code for lv in obj.education_levels.all()]

    @staticmethod
    def resolve_municipalities(obj) -> list[str]:
        return [m.code for m in obj.municipalities.all()]


# --- Helpers -----------------------------------------------------------------------------------------------


def _output_qs() -> QuerySet[Application]:
    return Application.objects.select_related("programme", "company", "partner_organisation")


def _detail(user: User, app_id: int) -> Application:
    require_individual_access(user)
    return access_application(user, app_id, _output_qs().prefetch_related("months", "follow_ups"))


def _programme(slug: str | None) -> Programme:
    qs = Programme.objects.order_by("-start_date")
    programme = qs.filter(slug=slug).first() if slug else (qs.filter(is_current=True).first() or qs.first())
    if programme is None:
        raise NotFound(_("Ukendt programperiode."))
    return programme


# --- Applications ------------------------------------------------------------------------------------------


@router.get("/applications", response={200: list[ApplicationOut], 403: ErrorOut}, summary="List applications")
@paginate(PageNumberPagination)
def application_list(request: HttpRequest, filters: ApplicationFilter = Query(...)):  # noqa: B008
    user = current_user(request)
    require_individual_access(user)
    return selectors.applications_for(user, status=filters.status or "", project_year=filters.project_year,
                                      q=(filters.q or "").strip()).select_related("programme")


@router.get("/applications/{app_id}", response={200: ApplicationDetailOut, **ERRORS}, summary="Get an application")
def application_detail(request: HttpRequest, app_id: int):
    return _detail(current_user(request), app_id)


@router.post("/applications", response={201: ApplicationDetailOut, **ERRORS},
             summary="Apply on a company's behalf")
def application_create(request: HttpRequest, payload: ApplicationIn):
    """The rules are checked at once: an eligible application is granted first come, first served or put on the
    waiting list; an ineligible one is saved with `failed_rules` (ask for an exception with /exception)."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    level = refs.get(EducationLevel, "education_level", payload.education_level.upper())
    organisation = refs.get(Organisation, "organisation", payload.organisation, lookup="slug")
    refs.check()
    try:
        municipality = municipality_for_postal_code(postal_code=payload.postal_code,
                                                    municipality_code=payload.municipality)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, details=exc.details) from exc
    data = services.ApplicationData(
        cvr=payload.company.cvr, company_name=payload.company.name, workplace_municipality=municipality,
        workplace_postal_code=payload.postal_code, company_is_private=payload.company_is_private,
        growth_task=payload.growth_task, contact_name=payload.contact_name, contact_email=payload.contact_email,
        contact_phone=payload.contact_phone, education=payload.education, institution=payload.institution,
        education_level=level, graduation_date=payload.graduation_date,
        unemployment_start=payload.unemployment_start, monthly_wage_ore=payload.monthly_wage_ore,
        start_date=payload.start_date, internship_start=payload.internship_start,
        internship_end=payload.internship_end, person_name=payload.person_name,
        person_consent=payload.person_consent,
    )
    with acting_as(user):
        app = services.application_create(user=user, data=data, organisation=organisation,
                                          source=Application.Source.API)
    return Status(201, _detail(user, app.pk))


def _action(request: HttpRequest, app_id: int, call) -> Application:
    user = current_user(request)
    app = _detail(user, app_id)
    with acting_as(user):
        call(user, app)
    return _detail(user, app_id)


@router.post("/applications/{app_id}/withdraw", response={200: ApplicationDetailOut, **ERRORS},
             summary="Withdraw an application (before the pilot starts)")
def application_withdraw(request: HttpRequest, app_id: int, payload: ReasonIn):
    return _action(request, app_id, lambda user, app: services.application_withdraw(
        user=user, application=app, reason=payload.reason, version=payload.version))


@router.post("/applications/{app_id}/reject", response={200: ApplicationDetailOut, **ERRORS},
             summary="Reject an application (lead partner)")
def application_reject(request: HttpRequest, app_id: int, payload: ReasonIn):
    """A granted place goes to the first on the waiting list."""
    return _action(request, app_id, lambda user, app: services.application_reject(
        user=user, application=app, reason=payload.reason, version=payload.version))


@router.post("/applications/{app_id}/exception", response={200: ApplicationDetailOut, **ERRORS},
             summary="Ask the lead partner for a justified exception")
def application_exception(request: HttpRequest, app_id: int, payload: JustificationIn):
    return _action(request, app_id, lambda user, app: services.application_request_exception(
        user=user, application=app, justification=payload.justification, version=payload.version))


@router.post("/applications/{app_id}/exception/decision", response={200: ApplicationDetailOut, **ERRORS},
             summary="Approve or refuse an exception (lead partner)")
def application_exception_decision(request: HttpRequest, app_id: int, payload: ExceptionDecisionIn):
    return _action(request, app_id, lambda user, app: services.application_decide_exception(
        user=user, application=app, approve=payload.approve, note=payload.note, version=payload.version))


@router.post("/applications/{app_id}/start", response={200: ApplicationDetailOut, **ERRORS},
             summary="Mark a granted pilot as started (registers the match)")
def application_start(request: HttpRequest, app_id: int, payload: VersionIn):
    return _action(request, app_id, lambda user, app: services.application_start(
        user=user, application=app, version=payload.version))


@router.post("/applications/{app_id}/terminate", response={200: ApplicationDetailOut, **ERRORS},
             summary="Stop a pilot early")
def application_terminate(request: HttpRequest, app_id: int, payload: TerminateIn):
    return _action(request, app_id, lambda user, app: services.application_terminate(
        user=user, application=app, last_day=payload.last_day, reason=payload.reason, version=payload.version))


@router.post("/applications/{app_id}/months/{month_id}/report", response={200: MonthOut, **ERRORS},
             summary="Report a month's wage on the company's behalf")
def month_report(request: HttpRequest, app_id: int, month_id: int, payload: ReportIn):
    user = current_user(request)
    app = _detail(user, app_id)
    with acting_as(user):
        return services.month_report(application=app, month_id=month_id, wage_ore=payload.wage_ore,
                                     employment_confirmed=payload.employment_confirmed, user=user)


@router.post("/months/{month_id}/approve", response={200: MonthOut, **ERRORS},
             summary="Approve a reported month for payment (lead partner)")
def month_approve(request: HttpRequest, month_id: int):
    user = current_user(request)
    require_individual_access(user)
    if not can_administer_payments(user):
        raise Forbidden(_("Kun leadpartneren kan godkende udbetalinger."))
    month = PilotMonth.objects.select_related("application").filter(pk=month_id).first()
    if month is None:
        raise NotFound(_("Måneden findes ikke."))
    with acting_as(user):
        return services.month_approve(user=user, month=month)


@router.post("/applications/{app_id}/follow-ups/{follow_up_id}", response={200: FollowUpOut, **ERRORS},
             summary="Record a follow-up: is the person in ordinary employment?")
def follow_up(request: HttpRequest, app_id: int, follow_up_id: int, payload: FollowUpIn):
    user = current_user(request)
    app = _detail(user, app_id)
    fu = app.follow_ups.filter(pk=follow_up_id).first()
    if fu is None:
        raise NotFound(_("Opfølgningen findes ikke."))
    with acting_as(user):
        return services.follow_up_record(follow_up=fu, outcome=payload.outcome, note=payload.note, user=user)


# --- Payments, rules, budget, figures ----------------------------------------------------------------------


def _require_payments(user: User) -> None:
    require_individual_access(user)
    if not can_administer_payments(user):
        raise Forbidden(_("Kun leadpartneren og koordinationsgruppen har adgang til udbetalinger."))


@router.get("/payment-lists", response={200: list[PaymentListOut], 403: ErrorOut}, summary="Payment lists")
@paginate(PageNumberPagination)
def payment_list_list(request: HttpRequest):
    _require_payments(current_user(request))
    return selectors.payment_lists()


@router.post("/payment-lists", response={201: PaymentListDetailOut, **ERRORS},
             summary="Put every approved month on a new payment list")
def payment_list_create(request: HttpRequest):
    user = current_user(request)
    _require_payments(user)
    with acting_as(user):
        plist = services.payment_list_create(user=user)
    return Status(201, _payment_list(plist.pk))


def _payment_list(pk: int) -> PaymentList:
    plist = selectors.payment_lists().filter(pk=pk).first()
    if plist is None:
        raise NotFound(_("Udbetalingslisten findes ikke."))
    plist.rows = list(selectors.payment_list_rows(plist))
    return plist


@router.get("/payment-lists/{list_id}", response={200: PaymentListDetailOut, **ERRORS}, summary="A payment list")
def payment_list_detail(request: HttpRequest, list_id: int):
    _require_payments(current_user(request))
    return _payment_list(list_id)


@router.get("/rules", response={200: list[RuleOut], 403: ErrorOut}, summary="The scheme's rules")
def rules(request: HttpRequest):
    return list(selectors.rules_all())


@router.get("/budget", response={200: BudgetOut, **ERRORS}, summary="Budget scenarios and actual spend")
def budget_view(request: HttpRequest, pilots: list[int] = Query(None), programme: str | None = None):  # noqa: B008
    """`pilots` may be repeated (?pilots=150&pilots=225); default the rule's scenarios."""
    rule = services.current_rule()
    if rule is None:
        raise NotFound(_("Nordjysk Vækstpilot er ikke sat op på platformen endnu."))
    prog = _programme(programme)
    counts = pilots or budget.default_pilot_counts(rule, prog)
    if any(n <= 0 or n > 100000 for n in counts):
        raise ValidationFailed(_("Antal vækstpiloter skal være et helt tal mellem 1 og 100.000."),
                               details={"pilots": [_("Skal være mellem 1 og 100.000.")]})
    return {"rule": rule.slug, "scenarios": [budget.scenario(rule, n).as_dict() for n in counts],
            "actual": budget.actuals(prog)}


@router.get("/figures", response={200: dict[str, Any], **ERRORS}, summary="Dashboard figures (aggregates)")
def figures(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Granted, started, waiting, subsidy approved and paid, and retention as of `as_of` (default today)."""
    data = selectors.vaekstpilot_figures(_programme(programme), as_of=as_of)
    rule = data.pop("rule")
    data["rule"] = rule.slug if rule is not None else None
    data["as_of"] = data["as_of"].isoformat()
    return data


@router.get("/retention", response={200: dict[str, Any], **ERRORS},
            summary="Retention at the pilot's end and the later follow-up (aggregates)")
def retention(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """For `end` and `later`: retained (in ordinary employment), asked (answered by as_of), share (per cent of
    asked), unanswered (due, no answer yet) and open (not yet due). Default as_of: today."""
    return selectors.pilot_figures(_programme(programme), as_of=as_of or timezone.localdate())
