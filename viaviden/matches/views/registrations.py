"""Activity registrations in the browser (/maal/registreringer/): the list, correcting and deleting one
(lead of the organisation, the person who registered it, or a coordinator) and the CSV/XLSX import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Forbidden, NotFound
from viaviden.core.forms import AppErrorFormMixin, DateField, ImportUploadForm, import_page_context
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from ..models import ActivityRegistration
from ..permissions import can_see_individual_matches
from ..registrations import (
    COLUMN_HELP,
    REQUIRED_COLUMNS,
    access_registration,
    activity_registration_delete,
    activity_registration_update,
    can_change_registration,
    import_activity_registrations,
    registrations_for,
)
from .programme import selected_programme

PAGE_SIZE = 100


class RegistrationForm(AppErrorFormMixin, forms.Form):
    date = DateField(label=gettext_lazy("Dato"))
    amount = forms.IntegerField(label=gettext_lazy("Antal (for procentmål: procent)"), min_value=0,
                                widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    note = forms.CharField(label=gettext_lazy("Bemærkning"), max_length=300, required=False,
                           widget=forms.TextInput(attrs={"class": "form-input"}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _require_individual(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _registration_or_404(user: User, pk: int) -> ActivityRegistration:
    try:
        return access_registration(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@staff_required
def registration_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_individual(user)
    programme, programmes = selected_programme(request)
    target = (request.GET.get("target") or "").strip()[:80]
    qs = registrations_for(user, programme=programme, target=target)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, can_change_registration(user, r)) for r in page.object_list]
    return render(request, "matches/registrations.html", {
        "programme": programme, "programmes": programmes, "page": page, "rows": rows, "target": target,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def registration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual(user)
    registration = _registration_or_404(user, pk)
    if not can_change_registration(user, registration):
        raise PermissionDenied
    initial = {"date": registration.date, "amount": registration.amount, "note": registration.note,
               "version": registration.version}
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity_registration_update(user=user, registration=registration, version=data["version"],
                                         date=data["date"], amount=data["amount"], note=data["note"])
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Registreringen er rettet."))
            return redirect(f"{_list_url()}?programme={registration.activity_target.programme.slug}")
    return render(request, "matches/registration_form.html", {
        "form": form, "registration": registration, "history": object_history(registration),
    }, status=422 if form.errors else 200)


def _list_url() -> str:
    return reverse("activity_registrations")


@staff_required
@require_POST
def registration_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual(user)
    registration = _registration_or_404(user, pk)
    try:
        activity_registration_delete(user=user, registration=registration)
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, _("Registreringen er slettet."))
    return redirect(f"{_list_url()}?programme={registration.activity_target.programme.slug}")


@staff_required
@require_http_methods(["GET", "POST"])
def registration_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_individual(user)
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_activity_registrations(path_or_file=upload, filename=upload.name, user=user,
                                               skip_invalid=form.cleaned_data["skip_invalid"])
    context = import_page_context(result, column_help=COLUMN_HELP, required=REQUIRED_COLUMNS)
    return render(request, "matches/registration_import.html", {"form": form, **context})
