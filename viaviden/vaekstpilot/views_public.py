"""The company's own pages (no login): apply on a public form, confirm the e-mail address, and on a private
status link follow the application, report the wage each month, answer follow-ups and withdraw.

Spam protection is the company self-service's (viaviden/companies/selfservice.py): a honeypot field, a
signed render time and a per-address limit. Pages behind a secret link are not indexed or cached."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from viaviden.companies import selfservice
from viaviden.core.errors import AppError, NotFound, ValidationFailed
from viaviden.core.mail import site_base_url

from . import selectors, services
from .forms import FollowUpForm, MonthReportForm, PublicApplicationForm
from .models import Application, PilotMonth

PLAIN_STATUS = {
    Application.Status.UNCONFIRMED: gettext_lazy("Venter på, at du bekræfter din e-mailadresse"),
    Application.Status.INELIGIBLE: gettext_lazy("Opfylder ikke betingelserne"),
    Application.Status.EXCEPTION_REQUESTED: gettext_lazy("Leadpartneren vurderer en undtagelse"),
    Application.Status.WAITING: gettext_lazy("På venteliste"),
    Application.Status.GRANTED: gettext_lazy("Bevilget"),
    Application.Status.STARTED: gettext_lazy("I gang"),
    Application.Status.COMPLETED: gettext_lazy("Gennemført"),
    Application.Status.TERMINATED: gettext_lazy("Stoppet før tid"),
    Application.Status.WITHDRAWN: gettext_lazy("Trukket tilbage"),
    Application.Status.REJECTED: gettext_lazy("Afvist"),
}


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _base_url(request: HttpRequest) -> str:
    # Links in e-mails point at the configured site, never at the Host header this request came with.
    return site_base_url()


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest) -> HttpResponse:
    refusal = ""
    if request.method == "POST":
        form = PublicApplicationForm(request.POST)
        ip = request.META.get("REMOTE_ADDR", "")
        if form.is_spam_honeypot() or not selfservice.form_token_is_plausible(request.POST.get("form_token", "")):
            refusal = _("Vi kunne ikke modtage formularen. Kontrollér oplysningerne, og send den igen.")
        elif form.is_valid():
            if selfservice.rate_limit_exceeded(ip):
                refusal = _("Der er sendt mange henvendelser fra din internetforbindelse den seneste time. "
                            "Prøv igen senere.")
            else:
                try:
                    services.application_submit_public(data=form.application_data(),
                                                       consent=form.cleaned_data["consent"],
                                                       base_url=_base_url(request))
                except ValidationFailed as exc:
                    form.add_service_errors(exc)
                else:
                    selfservice.rate_limit_register(ip)
                    return redirect("vaekstpilot_public_sent")
    else:
        form = PublicApplicationForm(initial={"company_is_private": True})
    rule = services.current_rule()
    return render(request, "vaekstpilot/public/form.html", {"form": form, "refusal": refusal, "rule": rule})


def public_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "vaekstpilot/public/sent.html", {"confirm_days": services.CONFIRM_DAYS})


@require_http_methods(["GET", "POST"])
def public_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms."""
    try:
        if request.method == "POST":
            app = services.application_confirm_public(token=token, base_url=_base_url(request))
            messages.success(request, _("Tak. Din e-mailadresse er bekræftet, og ansøgningen er behandlet."))
            return _private(redirect("vaekstpilot_public_status", app.public_token))
        app = services.application_for_confirm_token(token)
    except NotFound:
        return _private(render(request, "vaekstpilot/public/confirm_invalid.html",
                               {"confirm_days": services.CONFIRM_DAYS}, status=404))
    if app.status != Application.Status.UNCONFIRMED:
        return _private(redirect("vaekstpilot_public_status", app.public_token))
    return _private(render(request, "vaekstpilot/public/confirm.html", {"app": app}))


@require_http_methods(["GET", "POST"])
def public_status(request: HttpRequest, token: str) -> HttpResponse:
    """The company's private page: status, the months to report, follow-ups, history (never people)."""
    try:
        app = selectors.application_by_public_token(token)
    except NotFound as exc:
        raise Http404 from exc
    report_form = follow_up_form = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "report":
                report_form = MonthReportForm(request.POST)
                if report_form.is_valid():
                    c = report_form.cleaned_data
                    services.month_report(application=app, month_id=c["month"], wage_ore=c["wage"],
                                          employment_confirmed=c["employment_confirmed"], by_company=True)
                    messages.success(request, _("Tak. Lønnen er indberettet."))
                    return _private(redirect("vaekstpilot_public_status", token))
            elif action == "follow_up":
                follow_up_form = FollowUpForm(request.POST)
                if follow_up_form.is_valid():
                    c = follow_up_form.cleaned_data
                    follow_up = app.follow_ups.filter(pk=c["follow_up"]).first()
                    if follow_up is None:
                        raise Http404
                    services.follow_up_record(follow_up=follow_up, outcome=c["outcome"], note=c["note"],
                                              by_company=True)
                    messages.success(request, _("Tak for svaret."))
                    return _private(redirect("vaekstpilot_public_status", token))
            elif action == "withdraw":
                services.application_withdraw(user=None, application=app, reason=_("Trukket tilbage af virksomheden."),
                                              version=None, by_company=True)
                messages.success(request, _("Ansøgningen er trukket tilbage."))
                return _private(redirect("vaekstpilot_public_status", token))
            else:
                raise Http404
        except ValidationFailed as exc:
            form = report_form or follow_up_form
            if form is not None:
                form.add_service_errors(exc)
            else:
                messages.error(request, str(exc.message))
        except AppError as exc:
            messages.error(request, str(exc.message))
        status = 422
        app = selectors.application_by_public_token(token)
    today = timezone.localdate()
    months = list(app.months.all())
    follow_ups = list(app.follow_ups.all())
    context = {
        "app": app,
        "status_text": PLAIN_STATUS.get(app.status, app.get_status_display()),
        "queue_position": selectors.queue_position(app),
        "months": months,
        "reportable": [m for m in months if m.status in (PilotMonth.Status.PENDING, PilotMonth.Status.REPORTED)
                       and m.period_end <= today and app.status in (Application.Status.GRANTED,
                                                                    Application.Status.STARTED,
                                                                    Application.Status.TERMINATED)],
        "open_follow_ups": [f for f in follow_ups if f.due_date <= today and not f.answered_at],
        "report_form": report_form,
        "follow_up_form": follow_up_form,
        "events": selectors.public_events(app),
        "can_withdraw": app.status in services.WITHDRAWABLE,
        "total_subsidy_ore": sum(m.subsidy_ore or 0 for m in months if m.status != PilotMonth.Status.CANCELLED),
    }
    return _private(render(request, "vaekstpilot/public/status.html", context, status=status))
