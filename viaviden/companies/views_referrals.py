"""Referrals and the answer promise in the browser (SPEC 3.2): the referral lists, referring a need to a
service, the referral with its action forms, the coordinators' overdue list, the answer-times report
(with CSV export) and the deadline rule.

Views are thin: a form parses the input, one service or selector does the work. Referrals are shared
with all partner staff; only the receiving side accepts, asks or declines, and only the referring side
answers questions or withdraws (403 for everyone else)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.errors import AppError, Conflict, Forbidden, NotFound
from viaviden.core.forms import AppErrorFormMixin, DateField
from viaviden.core.tabular import safe_csv_writer
from viaviden.organisations.access import (
    can_see_individual_matches,
    coordinator_required,
    partner_org_ids,
    staff_required,
)
from viaviden.organisations.models import Service, User

from . import referral_services as services
from .answer_promise import (
    answer_rule_on,
    answer_rule_set,
    answer_rules,
    answer_times_report,
    answer_times_scope,
    overdue_requests,
)
from .models import Referral
from .referral_selectors import (
    OPEN_STATUSES,
    access_referral,
    active_services,
    can_refer,
    is_receiver,
    is_sender,
    need_for_referral,
    referrals_all,
    referrals_received,
    referrals_sent,
)

PAGE_SIZE = 50
# The report and rule dates take no two-digit years (unlike core.forms.DATE_INPUT_FORMATS).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]
VERSION_MISSING = gettext_lazy("Siden mangler versionsnummer. Genindlæs siden, og prøv igen.")


def _require_individual_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _referral_or_404(user: User, pk: int) -> Referral:
    try:
        return access_referral(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


# --- Forms -----------------------------------------------------------------------------------------


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-input", "rows": rows})


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        org = obj.organisation.name
        return org if obj.name in org else f"{obj.name} ({org})"


class AppForm(AppErrorFormMixin, forms.Form):
    """A form that shows a service error at the field it concerns (details), or at the top."""


class VersionedForm(AppForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise forms.ValidationError(VERSION_MISSING)
        return version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "version" in self.errors:  # a hidden field's error is shown at the top
            self.add_error(None, self.errors.pop("version")[0])
        return cleaned


class ReferralCreateForm(AppForm):
    service = ServiceChoiceField(
        label=gettext_lazy("Ydelse"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Vælg den ydelse, behovet skal henvises til."),
                        "invalid_choice": gettext_lazy("Vælg en af de viste ydelser.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Besked til modtageren"),
        help_text=gettext_lazy("Hvad skal modtageren vide ud over behovet? Skriv ikke personoplysninger."),
        required=False,
        max_length=4000,
        widget=_textarea(),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        services_qs = active_services()
        if user.organisation_id is not None:
            services_qs = services_qs.exclude(organisation_id=user.organisation_id)
        self.fields["service"].queryset = services_qs


class AcceptForm(VersionedForm):
    pass


class AskForm(VersionedForm):
    question = forms.CharField(
        label=gettext_lazy("Dit spørgsmål til den, der har henvist"),
        max_length=4000,
        widget=_textarea(),
        error_messages={"required": gettext_lazy("Skriv dit spørgsmål.")},
    )


class AnswerForm(VersionedForm):
    answer = forms.CharField(
        label=gettext_lazy("Dit svar"),
        max_length=4000,
        widget=_textarea(),
        error_messages={"required": gettext_lazy("Skriv dit svar.")},
    )


class DeclineForm(VersionedForm):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor kan I ikke hjælpe?"), required=False, max_length=4000, widget=_textarea(3)
    )
    alternative_service = ServiceChoiceField(
        label=gettext_lazy("Foreslå en anden ydelse"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("Vælg ydelse"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    alternative_text = forms.CharField(
        label=gettext_lazy("Eller beskriv et andet alternativ"),
        help_text=gettext_lazy("Du skal foreslå et alternativ: en anden ydelse, en beskrivelse, eller begge dele."),
        required=False,
        max_length=4000,
        widget=_textarea(3),
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["alternative_service"].queryset = active_services().exclude(pk=referral.service_id)


class WithdrawForm(VersionedForm):
    pass


# --- List, create, detail -------------------------------------------------------------------------

BOXES = {
    "received": gettext_lazy("Modtaget"),
    "sent": gettext_lazy("Sendt"),
    "all": gettext_lazy("Alle henvisninger"),
}


def _first_box_with_referrals(user, org_ids, boxes) -> str:
    """The tab the list opens on: the first of received, sent, all that holds any referral, so a coordinator
    whose own organisation receives none does not land on an empty tab while referrals exist."""
    queries = {"received": lambda: referrals_received(user, org_ids=org_ids),
               "sent": lambda: referrals_sent(user, org_ids=org_ids), "all": lambda: referrals_all(user)}
    for key in ("received", "sent", "all"):
        if key in boxes and queries[key]().exists():
            return key
    return "received"


@staff_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """Referrals received by the user's organisation (open first, nearest deadline first) and sent by it;
    coordinators also see all referrals."""
    user = request.user
    _require_individual_access(user)
    boxes = {k: v for k, v in BOXES.items() if k != "all" or user.sees_everything}
    org_ids = partner_org_ids(user)
    box = request.GET.get("box") or _first_box_with_referrals(user, org_ids, boxes)
    if box not in boxes:
        box = "received"
    if box == "received":
        qs = referrals_received(user, org_ids=org_ids)
    elif box == "sent":
        qs = referrals_sent(user, org_ids=org_ids)
    else:
        qs = referrals_all(user)
    open_counts = {
        "received": referrals_received(user, org_ids=org_ids).filter(status__in=OPEN_STATUSES).count(),
        "sent": referrals_sent(user, org_ids=org_ids).filter(status__in=OPEN_STATUSES).count(),
    }
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "companies/referrals/referral_list.html",
        {
            "box": box,
            "boxes": [(k, v, open_counts.get(k)) for k, v in boxes.items()],
            "page": page,
            "referrals": page.object_list,
            "today": timezone.localdate(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, need_pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    try:
        need = need_for_referral(user, need_pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if not can_refer(user, need):
        raise PermissionDenied
    initial = {"service": request.GET.get("service")} if request.GET.get("service") else None
    form = ReferralCreateForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                user=user, need=need, service=form.cleaned_data["service"], message=form.cleaned_data["message"]
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(
                request,
                _("Behovet er henvist til %(service)s. Svarfrist: %(due)s.")
                % {"service": referral.service.name, "due": referral.due.strftime("%d-%m-%Y")},
            )
            return redirect("referral_detail", pk=referral.pk)
    existing = list(need.referrals.select_related("service__organisation").order_by("-created_at", "-id"))
    return render(
        request,
        "companies/referrals/referral_form.html",
        {"form": form, "need": need, "existing": existing, "services": form.fields["service"].queryset},
    )


def _render_detail(request: HttpRequest, referral: Referral, **forms_: forms.Form) -> HttpResponse:
    user = request.user
    org_ids = partner_org_ids(user)
    receiver = is_receiver(user, referral, org_ids=org_ids)
    sender = is_sender(user, referral, org_ids=org_ids)
    status = referral.status
    context: dict[str, Any] = {
        "referral": referral,
        "need": referral.need,
        "today": timezone.localdate(),
        "is_receiver": receiver,
        "is_sender": sender,
        "can_refer_again": status == Referral.Status.DECLINED and can_refer(user, referral.need, org_ids=org_ids)
        and referral.need.is_open,
    }
    initial = {"version": referral.version}
    if receiver and status in OPEN_STATUSES:
        context["accept_form"] = forms_.get("accept_form") or AcceptForm(initial=initial, prefix="accept")
        context["decline_form"] = forms_.get("decline_form") or DeclineForm(
            initial=initial, prefix="decline", referral=referral
        )
        if status == Referral.Status.SENT:
            context["ask_form"] = forms_.get("ask_form") or AskForm(initial=initial, prefix="ask")
    if sender and status == Referral.Status.QUESTION:
        context["answer_form"] = forms_.get("answer_form") or AnswerForm(initial=initial, prefix="answer")
    if sender and status in OPEN_STATUSES:
        context["withdraw_form"] = forms_.get("withdraw_form") or WithdrawForm(initial=initial, prefix="withdraw")
    context["forms_with_errors"] = [f for f in forms_.values() if f.errors]
    return render(request, "companies/referrals/referral_detail.html", context)


@staff_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    return _render_detail(request, _referral_or_404(request.user, pk))


def _act(request: HttpRequest, pk: int, *, side: str, name: str, form_class: type[VersionedForm], call,
         success: Any) -> HttpResponse:
    """One step on a referral: `side` ("receiver"/"sender") may take it; `call(referral, cleaned)` runs
    the service. Errors show on the referral page with the form as filled in."""
    user = request.user
    _require_individual_access(user)
    referral = _referral_or_404(user, pk)
    allowed = is_receiver(user, referral) if side == "receiver" else is_sender(user, referral)
    if not allowed:
        raise PermissionDenied
    kwargs = {"referral": referral} if form_class is DeclineForm else {}
    form = form_class(request.POST, prefix=name, **kwargs)
    if form.is_valid():
        try:
            call(referral, form.cleaned_data)
        except Conflict as exc:
            messages.error(request, str(exc.message))
            return redirect("referral_detail", pk=pk)
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, success)
            return redirect("referral_detail", pk=pk)
    return _render_detail(request, _referral_or_404(user, pk), **{f"{name}_form": form})


@staff_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, side="receiver", name="accept", form_class=AcceptForm,
        call=lambda r, c: services.referral_accept(user=request.user, referral=r, version=c["version"]),
        success=_("Henvisningen er accepteret. Jeres organisation er nu ansvarlig for behovet."),
    )


@staff_required
@require_POST
def referral_ask(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, side="receiver", name="ask", form_class=AskForm,
        call=lambda r, c: services.referral_ask(
            user=request.user, referral=r, version=c["version"], question=c["question"]
        ),
        success=_("Spørgsmålet er sendt."),
    )


@staff_required
@require_POST
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, side="receiver", name="decline", form_class=DeclineForm,
        call=lambda r, c: services.referral_decline(
            user=request.user, referral=r, version=c["version"], reason=c["reason"],
            alternative_service=c["alternative_service"], alternative_text=c["alternative_text"],
        ),
        success=_("Henvisningen er afvist, og dit forslag til et alternativ er sendt."),
    )


@staff_required
@require_POST
def referral_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, side="sender", name="answer", form_class=AnswerForm,
        call=lambda r, c: services.referral_answer_question(
            user=request.user, referral=r, version=c["version"], answer=c["answer"]
        ),
        success=_("Svaret er sendt."),
    )


@staff_required
@require_POST
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, side="sender", name="withdraw", form_class=WithdrawForm,
        call=lambda r, c: services.referral_withdraw(user=request.user, referral=r, version=c["version"]),
        success=_("Henvisningen er trukket tilbage."),
    )


# --- The answer promise ------------------------------------------------------------------------------


@coordinator_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Open company requests past their deadline: needs and referrals, oldest deadline first."""
    today = timezone.localdate()
    return render(
        request,
        "companies/referrals/overdue_list.html",
        {"requests": overdue_requests(today), "today": today, "rule": answer_rule_on(today)},
    )


class ReportPeriodForm(forms.Form):
    date_from = DateField(
        label=gettext_lazy("Modtaget fra"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": gettext_lazy("Angiv datoen som dd-mm-åååå.")},
    )
    date_to = DateField(
        label=gettext_lazy("Modtaget til og med"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": gettext_lazy("Angiv datoen som dd-mm-åååå.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Slutdatoen skal ligge efter startdatoen."))
        return cleaned


def report_scope(user: User) -> list[int] | None:
    try:
        return answer_times_scope(user)
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=364), today


REPORT_COLUMNS = [
    gettext_lazy("Organisation"),
    gettext_lazy("Modtaget"),
    gettext_lazy("Besvaret"),
    gettext_lazy("Median arbejdsdage til svar"),
    gettext_lazy("Gennemsnit arbejdsdage til svar"),
    gettext_lazy("Besvaret inden for fristen (%)"),
    gettext_lazy("Åbne"),
    gettext_lazy("Overskredne"),
]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


@staff_required
def answer_times(request: HttpRequest) -> HttpResponse:
    """Answer times per organisation for requests received in a period; ?export=csv downloads it."""
    user = request.user
    org_ids = report_scope(user)
    today = timezone.localdate()
    start, end = default_period(today)
    form = ReportPeriodForm(request.GET or None, initial={"date_from": start, "date_to": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    rows = answer_times_report(start, end, org_ids=org_ids, today=today)
    if request.GET.get("export") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="svartider-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        response.write("\ufeff")
        writer = safe_csv_writer(response, delimiter=";")
        writer.writerow([str(c) for c in REPORT_COLUMNS])
        for row in rows:
            writer.writerow([
                row.label, row.received, row.answered, _num(row.median_days), _num(row.mean_days),
                _num(row.within_deadline_share), row.open, row.overdue,
            ])
        return response
    return render(
        request,
        "companies/referrals/answer_times.html",
        {"form": form, "rows": rows, "date_from": start, "date_to": end, "scoped": org_ids is not None},
    )


class AnswerRuleForm(AppForm):
    valid_from = DateField(
        label=gettext_lazy("Gælder fra"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"required": gettext_lazy("Angiv datoen, reglen gælder fra."),
                        "invalid": gettext_lazy("Angiv datoen som dd-mm-åååå.")},
    )
    working_days = forms.IntegerField(
        label=gettext_lazy("Svarfrist i arbejdsdage"),
        min_value=1,
        help_text=gettext_lazy("Weekender og helligdage tæller ikke med."),
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
        error_messages={"required": gettext_lazy("Angiv svarfristen.")},
    )
    remind_days_before = forms.IntegerField(
        label=gettext_lazy("Påmind antal arbejdsdage før fristen"),
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
        error_messages={"required": gettext_lazy("Angiv hvornår der skal mindes om fristen.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Bemærkning"), required=False, max_length=300,
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def answer_rule_edit(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    current = answer_rule_on(today)
    initial = {
        "valid_from": today,
        "working_days": current.working_days,
        "remind_days_before": current.remind_days_before,
    }
    form = AnswerRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = answer_rule_set(user=request.user, today=today, **form.cleaned_data)
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(
                request,
                _("Svarfristen er gemt: %(days)d arbejdsdage fra %(date)s.")
                % {"days": rule.working_days, "date": rule.valid_from.strftime("%d-%m-%Y")},
            )
            return redirect("answer_rule_edit")
    return render(
        request,
        "companies/referrals/answer_rule.html",
        {"form": form, "current": current, "rules": answer_rules(), "today": today},
    )
