"""Staff pages of Nordjysk Vækstpilot: applications (list, apply on a company's behalf, detail with every
decision), payments (approve months, payment lists as CSV), budget scenarios and the scheme's rules.

Views are thin: a form parses, one service acts, the page renders. A service's ValidationFailed becomes
form errors; an application the user may not see is a 404; the steering group gets 403."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Conflict, NotFound, ValidationFailed
from viaviden.core.mail import site_base_url
from viaviden.core.tabular import safe_cell
from viaviden.matches.models import Programme
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from . import budget, selectors, services
from .calculation import format_decimal_comma
from .forms import (
    ExceptionDecisionForm,
    ExceptionRequestForm,
    FollowUpForm,
    MonthReportForm,
    QuotaForm,
    ReasonForm,
    SchemeRuleForm,
    StaffApplicationForm,
    TerminateForm,
)
from .models import Application, PaymentList, PilotMonth, SchemeRule
from .permissions import can_act_on, can_administer_payments, can_apply, can_decide, can_edit_scheme

PAGE_SIZE = 50


def _require_individual_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _application_or_404(user: User, pk: int) -> Application:
    try:
        return selectors.application_detail(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _programme(request: HttpRequest) -> Programme:
    slug = request.GET.get("programme")
    qs = Programme.objects.order_by("-start_date")
    programme = qs.filter(slug=slug).first() if slug else (qs.filter(is_current=True).first() or qs.first())
    if programme is None:
        raise Http404(_("Der er ingen programperiode. Indlæs referencedata."))
    return programme


def _retention_context(request: HttpRequest, programme: Programme) -> dict[str, Any]:
    """Retention at the end and at the later follow-up as of ?as_of= (default today), for _retention.html."""
    try:
        as_of = parse_date(request.GET.get("as_of") or "") or timezone.localdate()
    except ValueError:
        as_of = timezone.localdate()
    retention = selectors.pilot_figures(programme, as_of=as_of)
    later = (_("%(n)d måneder efter forløbet") % {"n": retention["later_months"]} if retention["later_months"]
             else _("Måneder efter forløbet"))
    return {"retention": retention, "as_of": as_of, "retention_rows": [
        (_("Ved forløbets afslutning"), retention["end"], "end"), (later, retention["later"], "later")]}


# --- Applications -----------------------------------------------------------------------------------------


# Lazy: the list is built once at import and must show the language of each request.
STATUS_FILTERS = [("", gettext_lazy("Alle")), ("open", gettext_lazy("Åbne"))] + list(Application.Status.choices)


@staff_required
def application_list(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request.user)
    status = request.GET.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    q = (request.GET.get("q") or "").strip()[:100]
    qs = selectors.applications_for(request.user, status=status, project_year=year, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vaekstpilot/application_list.html", {
        "page": page, "applications": page.object_list, "status": status, "year": year_text, "q": q,
        "status_filters": STATUS_FILTERS, "can_apply": can_apply(request.user),
        "can_pay": can_administer_payments(request.user), **_retention_context(request, _programme(request)),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request.user)
    form = StaffApplicationForm(request.POST or None, user=request.user,
                                initial={"company_is_private": True})
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(
                user=request.user, data=form.application_data(), organisation=form.cleaned_data.get("organisation"),
                base_url=site_base_url(),
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except AppError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Ansøgningen %(ref)s er registreret: %(status)s.")
                             % {"ref": app.reference, "status": app.get_status_display().lower()})
            return redirect("vaekstpilot_detail", app.pk)
    return render(request, "vaekstpilot/application_form.html", {"form": form})


@staff_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    app = _application_or_404(request.user, pk)
    return _render_detail(request, app)


def _render_detail(request: HttpRequest, app: Application, *, forms: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    forms = forms or {}
    months = list(app.months.all())
    follow_ups = list(app.follow_ups.all())
    context = {
        "app": app,
        "months": months,
        "follow_ups": follow_ups,
        "events": list(app.events.all()),
        "queue_position": selectors.queue_position(app),
        "can_act": can_act_on(user, app),
        "can_decide": can_decide(user),
        "can_pay": can_administer_payments(user),
        "today": today,
        "reason_form": forms.get("reason") or ReasonForm(initial={"version": app.version}),
        "exception_form": forms.get("exception") or ExceptionRequestForm(initial={"version": app.version}),
        "exception_decision_form": forms.get("exception_decision")
        or ExceptionDecisionForm(initial={"version": app.version}),
        "terminate_form": forms.get("terminate") or TerminateForm(initial={"version": app.version}),
        "report_form": forms.get("report"),
        "follow_up_form": forms.get("follow_up"),
        "reportable": [m for m in months if m.status in (PilotMonth.Status.PENDING, PilotMonth.Status.REPORTED)
                       and m.period_end <= today],
        "answerable": [f for f in follow_ups if f.due_date <= today],
        "total_subsidy_ore": sum(m.subsidy_ore or 0 for m in months if m.status != PilotMonth.Status.CANCELLED),
        "history": object_history(app) if user.sees_everything else [],
    }
    return render(request, "vaekstpilot/application_detail.html", context, status=status)


def _act(request: HttpRequest, pk: int, form_key: str, form_class: type, call: Callable[[Application, Any], Any],
         success: str) -> HttpResponse:
    """POST a decision form for an application: run the service, or show the detail with the errors."""
    _require_individual_access(request.user)
    app = _application_or_404(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(app, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except AppError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, success)
            return redirect("vaekstpilot_detail", pk)
    app = _application_or_404(request.user, pk)
    return _render_detail(request, app, forms={form_key: form}, status=422)


@staff_required
@require_POST
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reason", ReasonForm, lambda app, c: services.application_withdraw(
        user=request.user, application=app, reason=c["reason"], version=c["version"]),
        _("Ansøgningen er trukket tilbage."))


@staff_required
@require_POST
def application_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reason", ReasonForm, lambda app, c: services.application_reject(
        user=request.user, application=app, reason=c["reason"], version=c["version"]),
        _("Ansøgningen er afvist."))


@staff_required
@require_POST
def application_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reason", ReasonForm, lambda app, c: services.application_start(
        user=request.user, application=app, version=c["version"]),
        _("Forløbet er markeret som startet og registreret som match."))


@staff_required
@require_POST
def application_terminate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "terminate", TerminateForm, lambda app, c: services.application_terminate(
        user=request.user, application=app, last_day=c["last_day"], reason=c["reason"], version=c["version"]),
        _("Forløbet er stoppet. Tilskuddet stopper fra sidste ansættelsesdag."))


@staff_required
@require_POST
def exception_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "exception", ExceptionRequestForm, lambda app, c: services.application_request_exception(
        user=request.user, application=app, justification=c["justification"], version=c["version"]),
        _("Undtagelsen er sendt til leadpartneren."))


@staff_required
@require_POST
def exception_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "exception_decision", ExceptionDecisionForm,
                lambda app, c: services.application_decide_exception(
                    user=request.user, application=app, approve=c["decision"] == "approve", note=c["note"],
                    version=c["version"]),
                _("Afgørelsen om undtagelsen er gemt."))


@staff_required
@require_POST
def month_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "report", MonthReportForm, lambda app, c: services.month_report(
        application=app, month_id=c["month"], wage_ore=c["wage"], employment_confirmed=c["employment_confirmed"],
        user=request.user), _("Lønnen er indberettet."))


@staff_required
@require_POST
def follow_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(app: Application, c: dict[str, Any]) -> Any:
        follow_up = app.follow_ups.filter(pk=c["follow_up"]).first()
        if follow_up is None:
            raise ValidationFailed(_("Opfølgningen findes ikke."), code="not_found")
        return services.follow_up_record(follow_up=follow_up, outcome=c["outcome"], note=c["note"],
                                         user=request.user)

    return _act(request, pk, "follow_up", FollowUpForm, call, _("Opfølgningen er registreret."))


# --- Payments ---------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def payments(request: HttpRequest) -> HttpResponse:
    if not can_administer_payments(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            plist = services.payment_list_create(user=request.user)
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Udbetalingsliste %(n)d er lavet.") % {"n": plist.pk})
            return redirect("vaekstpilot_payment_list", plist.pk)
        return redirect("vaekstpilot_payments")
    to_approve = list(selectors.months_awaiting_approval())
    to_list = list(selectors.months_awaiting_list())
    return render(request, "vaekstpilot/payments.html", {
        "to_approve": to_approve, "to_list": to_list,
        "to_list_total": sum(m.subsidy_ore or 0 for m in to_list),
        "lists": list(selectors.payment_lists()[:50]),
    })


@staff_required
@require_POST
def month_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_administer_payments(request.user):
        raise PermissionDenied
    month = PilotMonth.objects.select_related("application").filter(pk=pk).first()
    if month is None:
        raise Http404
    try:
        services.month_approve(user=request.user, month=month)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Måneden er godkendt til udbetaling."))
    target = request.POST.get("next", "")
    if target == "detail":
        return redirect("vaekstpilot_detail", month.application_id)
    return redirect("vaekstpilot_payments")


def _payment_list_or_404(pk: int) -> PaymentList:
    plist = selectors.payment_lists().filter(pk=pk).first()
    if plist is None:
        raise Http404
    return plist


@staff_required
def payment_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_administer_payments(request.user):
        raise PermissionDenied
    plist = _payment_list_or_404(pk)
    return render(request, "vaekstpilot/payment_list.html",
                  {"plist": plist, "rows": list(selectors.payment_list_rows(plist))})


CSV_HEADER = ["Udbetalingsliste", "Ansøgning", "CVR-nummer", "Virksomhed", "Måned", "Periode fra", "Periode til",
              "Dage", "Indberettet løn (kr.)", "Tilskud (kr.)", "Godkendt"]


def _csv_safe(value: Any) -> str:
    """Text for a CSV cell, neutralised against formulas by the one helper (core.tabular.safe_cell)."""
    return safe_cell("" if value is None else str(value))


def payment_list_csv_text(plist: PaymentList) -> str:
    """The payment list for the finance system: semicolon-separated, decimal comma, dates dd-mm-åååå."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for m in selectors.payment_list_rows(plist):
        app = m.application
        writer.writerow([_csv_safe(v) for v in (
            plist.pk, app.reference, app.company.cvr, app.company.name, m.month.strftime("%m-%Y"),
            m.period_start.strftime("%d-%m-%Y"), m.period_end.strftime("%d-%m-%Y"), m.days,
            format_decimal_comma(m.wage_ore), format_decimal_comma(m.subsidy_ore),
            timezone.localtime(m.approved_at).strftime("%d-%m-%Y") if m.approved_at else "",
        )])
    return out.getvalue()


@staff_required
def payment_list_csv(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_administer_payments(request.user):
        raise PermissionDenied
    plist = _payment_list_or_404(pk)
    response = HttpResponse(("\ufeff" + payment_list_csv_text(plist)).encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vaekstpilot-udbetalingsliste-{plist.pk}.csv"'
    return response


# --- Budget and scheme --------------------------------------------------------------------------------------


def _pilot_counts(request: HttpRequest, rule: SchemeRule, programme: Programme) -> tuple[list[int], str]:
    raw = [v.strip().replace(".", "") for value in request.GET.getlist("pilots") for v in value.split(",") if v.strip()]
    if not raw:
        return budget.default_pilot_counts(rule, programme), ""
    if not all(v.isdigit() and 0 < int(v) <= 100000 for v in raw):
        return budget.default_pilot_counts(rule, programme), _(
            "Antal vækstpiloter skal være et helt tal mellem 1 og 100.000. Viser ordningens scenarier.")
    return [int(v) for v in raw][:5], ""


@staff_required
def budget_view(request: HttpRequest) -> HttpResponse:
    """The seed's budget table for any number of pilots, from the rule, with the actual spend."""
    programme = _programme(request)
    rule = services.current_rule()
    if rule is None:
        raise Http404(_("Nordjysk Vækstpilot er ikke sat op på platformen endnu."))
    counts, error = _pilot_counts(request, rule, programme)
    scenarios = [budget.scenario(rule, n) for n in counts]
    actual = budget.actuals(programme)
    return render(request, "vaekstpilot/budget.html", {
        "rule": rule, "programme": programme, "scenarios": scenarios, "actual": actual, "error": error,
        "pilots_value": ", ".join(str(n) for n in counts),
        "actual_scenario": budget.scenario(rule, actual["granted"]),
        "subsidy_per_pilot_ore": budget.subsidy_per_pilot_ore(rule),
    })


@staff_required
def figures_fragment(request: HttpRequest) -> HttpResponse:
    """The progress dashboard's Vækstpilot section (aggregates: the steering group sees it too, unlinked).
    Loaded by htmx into the dashboard; opened directly it is a small page of its own."""
    programme = _programme(request)
    retention = _retention_context(request, programme)
    context = {"figures": selectors.vaekstpilot_figures(programme, as_of=retention["as_of"]), "programme": programme,
               "linked": can_see_individual_matches(request.user), **retention}
    template = "vaekstpilot/_dashboard.html" if request.headers.get("HX-Request") else "vaekstpilot/figures.html"
    return render(request, template, context)


@staff_required
@require_http_methods(["GET", "POST"])
def scheme(request: HttpRequest) -> HttpResponse:
    """The scheme's rules and the project years' quotas (edited by coordinators and the lead partner)."""
    programme = _programme(request)
    quota_form = None
    if request.method == "POST":
        if not can_edit_scheme(request.user):
            raise PermissionDenied
        quota_form = QuotaForm(request.POST)
        if quota_form.is_valid():
            c = quota_form.cleaned_data
            try:
                services.quota_update(user=request.user, programme=programme, project_year=c["project_year"],
                                      funded_pilots=c["funded_pilots"], funded_amount_ore=c["funded_amount"],
                                      version=c.get("version"))
            except Conflict as exc:
                quota_form.add_error(None, str(exc.message))
            except ValidationFailed as exc:
                quota_form.add_service_errors(exc)
            else:
                messages.success(request, _("Kvoten er gemt."))
                return redirect(f"{request.path}?programme={programme.slug}")
    years = selectors.quotas_overview(programme)
    for y in years:
        if quota_form is not None and quota_form.data.get("project_year") == str(y["year"]):
            y["form"] = quota_form
        else:
            y["form"] = QuotaForm(initial={
                "version": y["quota"].version if y["quota"].pk else None, "project_year": y["year"],
                "funded_pilots": y["quota"].funded_pilots,
                "funded_amount": format_decimal_comma(y["quota"].funded_amount_ore),
            })
    return render(request, "vaekstpilot/scheme.html", {
        "rules": list(selectors.rules_all()), "programme": programme, "years": years,
        "can_edit": can_edit_scheme(request.user),
    }, status=422 if quota_form is not None else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_edit_scheme(request.user):
        raise PermissionDenied
    rule = selectors.rules_all().filter(pk=pk).first()
    if rule is None:
        raise Http404
    form = SchemeRuleForm(request.POST or None, initial=SchemeRuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_rule_update(
                user=request.user, rule=rule, changes=form.changes(), version=form.cleaned_data["version"],
                education_levels=list(form.cleaned_data["education_levels"]),
                municipalities=list(form.cleaned_data["municipalities"]),
            )
        except Conflict as exc:
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Reglen er gemt."))
            return redirect("vaekstpilot_scheme")
    return render(request, "vaekstpilot/rule_form.html", {"form": form, "rule": rule},
                  status=422 if form.is_bound else 200)

