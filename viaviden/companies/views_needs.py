"""Needs (afdækning) in the browser: list, register, detail with timeline, edit, take on, assign,
close with an answer, reopen. Views are thin: a form parses, one service or selector does the work.

Needs are shared with all partner staff; the steering group gets 403. Changing a need is for its
owner organisation and coordinators (403 for others)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.errors import AppError, Conflict, NotFound
from viaviden.core.forms import add_app_error, posted_version
from viaviden.organisations.access import can_see_individual_matches, staff_required
from viaviden.organisations.models import User

from . import need_services as services
from .forms import form_lookup_state
from .models import Need
from .need_forms import NeedAssignForm, NeedCloseForm, NeedFilterForm, NeedForm, NeedReopenForm
from .need_selectors import (
    access_need,
    can_act_on_need,
    need_detail_queryset,
    need_job_profile,
    need_matches,
    need_referrals,
)
from .need_selectors import (
    need_list as select_needs,
)
from .selectors import company_list
from .services import company_get_or_create

PAGE_SIZE = 50


def _require_partner_staff(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _need_or_404(user: User, pk: int, qs=None) -> Need:
    try:
        return access_need(user, pk, qs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _actable_need_or_403(user: User, pk: int) -> Need:
    need = _need_or_404(user, pk)
    if not can_act_on_need(user, need):
        raise PermissionDenied
    return need


@staff_required
def need_list(request: HttpRequest) -> HttpResponse:
    _require_partner_staff(request.user)
    filters = NeedFilterForm(request.GET)
    qs = select_needs(request.user, **filters.selector_kwargs())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "companies/needs/need_list.html", {"filters": filters, "page": page, "needs": page.object_list})


def _render_form(request: HttpRequest, form: NeedForm, *, need: Need | None = None, conflict: bool = False):
    return render(
        request,
        "companies/needs/need_form.html",
        {"form": form, "need": need, "company": form.company, "lookup": form_lookup_state(form), "conflict": conflict},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_partner_staff(user)
    company = None
    company_id = request.POST.get("company") or request.GET.get("company")
    if company_id:
        company = company_list().filter(pk=company_id).first() if str(company_id).isdigit() else None
        if company is None:
            raise Http404(_("Virksomheden findes ikke."))
    form = NeedForm(request.POST or None, user=user, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if company is None:
                    company, _created = company_get_or_create(**form.company_kwargs())
                need = services.need_create(
                    user=user, company=company, owner_organisation=form.owner_organisation_choice(), **form.facts()
                )
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Behovet er registreret."))
            return redirect("need_detail", pk=need.pk)
    return _render_form(request, form)


@staff_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_partner_staff(user)
    need = _need_or_404(user, pk, need_detail_queryset())
    can_act = can_act_on_need(user, need)
    today = timezone.localdate()
    context = {
        "need": need,
        "events": list(need.events.all()),
        "matches": need_matches(user, need),
        "referrals": list(need_referrals(need)),
        "profile": need_job_profile(need),
        "can_act": can_act,
        "is_overdue": need.is_open and need.answer_due is not None and need.answer_due < today,
    }
    if can_act:
        context["assign_form"] = NeedAssignForm(need=need)
        if not need.is_open:
            context["reopen_form"] = NeedReopenForm(initial={"version": need.version})
    return render(request, "companies/needs/need_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_partner_staff(user)
    need = _actable_need_or_403(user, pk)
    if not need.is_open:
        messages.error(request, _("Behovet er lukket. Genåbn det for at ændre det."))
        return redirect("need_detail", pk=pk)
    form = NeedForm(request.POST or None, user=user, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(user=user, need=need, version=form.cleaned_data["version"], **form.facts())
        except Conflict as exc:
            form.add_error(None, str(exc.message))
            return _render_form(request, form, need=_need_or_404(user, pk), conflict=True)
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("need_detail", pk=pk)
    return _render_form(request, form, need=need)


@staff_required
@require_POST
def need_status(request: HttpRequest, pk: int) -> HttpResponse:
    """POST status=in_progress (take the need on) or status=reopen (with a reason)."""
    user = request.user
    _require_partner_staff(user)
    need = _actable_need_or_403(user, pk)
    version = posted_version(request)
    action = request.POST.get("status", "")
    try:
        if version is None:
            raise Conflict(_("Siden mangler versionsnummer. Genindlæs og prøv igen."))
        if action == "reopen":
            services.need_reopen(user=user, need=need, version=version, reason=request.POST.get("reason", ""))
            success = _("Behovet er genåbnet.")
        else:
            services.need_set_status(user=user, need=need, status=action, version=version)
            success = _("Behovet er sat i gang.")
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("need_detail", pk=pk)


@staff_required
@require_POST
def need_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_partner_staff(user)
    need = _actable_need_or_403(user, pk)
    form = NeedAssignForm(request.POST, need=need)
    if not form.is_valid():
        messages.error(request, _("Vælg en gyldig ansvarlig organisation og medarbejder."))
        return redirect("need_detail", pk=pk)
    try:
        services.need_assign(
            user=user,
            need=need,
            version=form.cleaned_data["version"],
            owner_organisation=form.cleaned_data["owner_organisation"],
            owner=form.cleaned_data["owner"],
        )
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Den ansvarlige er ændret."))
    return redirect("need_detail", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_partner_staff(user)
    need = _actable_need_or_403(user, pk)
    if not need.is_open:
        messages.info(request, _("Behovet er allerede besvaret og lukket."))
        return redirect("need_detail", pk=pk)
    form = NeedCloseForm(request.POST or None, need=need)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.need_close(
                user=user,
                need=need,
                answer=form.cleaned_data["answer"],
                answer_note=form.cleaned_data["answer_note"],
                version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, str(exc.message))
            conflict = True
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Behovet er besvaret og lukket."))
            return redirect("need_detail", pk=pk)
    return render(request, "companies/needs/need_close.html", {"need": need, "form": form, "conflict": conflict})
