"""The targets page (SPEC 3.1 "Targets"): read by all staff, edited by the coordination group; partner
staff record activity registrations for their own partner's activity targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from viaviden.core.errors import AppError, Forbidden
from viaviden.matches.basis import parse_erhv2, read_upload
from viaviden.matches.models import ActivityTarget, Programme, Target
from viaviden.matches.progress import targets_overview
from viaviden.matches.targets_services import (
    activity_register,
    activity_target_update,
    basis_load,
    can_edit_targets,
    can_register_activity,
    programme_update,
    target_reset,
    target_set_value,
)
from viaviden.organisations.access import coordinator_required, staff_required
from viaviden.reference.models import BasisDataset, Municipality

from .figures import activity_target_figures
from .views_dashboard import selected_as_of, selected_programme

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input"})


def _number(width: str = "xs") -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": f"form-input input-width-{width}"})


def _text() -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-input"})


class TargetValueForm(forms.Form):
    value = forms.IntegerField(
        label=gettext_lazy("Måltal"),
        min_value=0,
        widget=_number("xs"),
    )
    note = forms.CharField(
        label=gettext_lazy("Bemærkning"),
        max_length=300,
        required=False,
        widget=_text(),
    )


class ProgrammeForm(forms.Form):
    start_date = forms.DateField(label=gettext_lazy("Startdato"), widget=DATE_INPUT)
    end_date = forms.DateField(label=gettext_lazy("Slutdato"), widget=DATE_INPUT)
    total_target = forms.IntegerField(
        label=gettext_lazy("Samlet måltal"),
        min_value=0,
        widget=_number("s"),
    )
    municipal_target = forms.IntegerField(
        label=gettext_lazy("Måltal for kommunerne"),
        min_value=0,
        widget=_number("s"),
    )
    partner_target = forms.IntegerField(
        label=gettext_lazy("Måltal for øvrige projektpartnere"),
        min_value=0,
        widget=_number("s"),
    )
    duplicate_window_days = forms.IntegerField(
        label=gettext_lazy("Dubletvindue (dage)"),
        min_value=0,
        max_value=366,
        widget=_number("xs"),
    )
    excluded_municipalities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Kommuner uden for fordelingen"),
        required=False,
        queryset=Municipality.objects.filter(in_region=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def for_programme(cls, programme: Programme) -> ProgrammeForm:
        return cls(
            initial={
                "start_date": programme.start_date,
                "end_date": programme.end_date,
                "total_target": programme.total_target,
                "municipal_target": programme.municipal_target,
                "partner_target": programme.partner_target,
                "duplicate_window_days": programme.duplicate_window_days,
                "excluded_municipalities": list(programme.excluded_municipalities.all()),
            }
        )


class BasisUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil (CSV-eksport af ERHV2 fra Statistikbanken)"))
    year = forms.IntegerField(
        label=gettext_lazy("År"),
        min_value=1900,
        max_value=2100,
        widget=_number("xs"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Enhed"),
        choices=[
            (BasisDataset.Kind.WORKPLACES, gettext_lazy("Arbejdssteder")),
            (BasisDataset.Kind.JOBS, gettext_lazy("Job")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    label = forms.CharField(
        label=gettext_lazy("Betegnelse (valgfri)"),
        max_length=200,
        required=False,
        widget=_text(),
    )
    source = forms.CharField(
        label=gettext_lazy("Kilde (valgfri)"), required=False, widget=_text()
    )


class ActivityTargetForm(forms.Form):
    """A coordinator edits an activity target: value, upper value, per-year evaluation and its years, title."""

    title_da = forms.CharField(label=gettext_lazy("Titel (dansk)"), max_length=300,
                               widget=_text())
    title_en = forms.CharField(label=gettext_lazy("Titel (engelsk)"), max_length=300,
                               widget=_text())
    value = forms.IntegerField(label=gettext_lazy("Måltal"), min_value=0,
                               widget=_number("xs"))
    value_max = forms.IntegerField(label=gettext_lazy("Måltal, øvre (valgfrit)"), min_value=0, required=False,
                                   widget=_number("xs"))
    per_project_year = forms.BooleanField(label=gettext_lazy("Måltallet gælder pr. projektår"), required=False)
    years = forms.CharField(
        label=gettext_lazy("Projektår (fx 2020, 2021; tomt: alle)"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"class": "form-input input-width-s"}),
    )

    def __init__(self, *args: Any, pk: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pk = pk
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"at-{pk}-{name}"

    @classmethod
    def for_target(cls, figure: dict[str, Any]) -> ActivityTargetForm:
        at = ActivityTarget.objects.get(pk=figure["id"])
        return cls(pk=at.pk, initial={
            "title_da": at.title_da, "title_en": at.title_en, "value": at.value, "value_max": at.value_max,
            "per_project_year": at.per_project_year, "years": ", ".join(str(y) for y in at.years),
        })

    def clean_years(self) -> list[int]:
        raw = self.cleaned_data["years"].replace(";", ",")
        try:
            return [int(p.split("/")[0]) for p in raw.split(",") if p.strip()]
        except ValueError:
            raise forms.ValidationError(_("Angiv projektår som årstal adskilt af komma, fx 2020, 2021.")) from None


class ActivityRegistrationForm(forms.Form):
    activity_target = forms.ModelChoiceField(
        label=gettext_lazy("Aktivitetsmål"),
        queryset=ActivityTarget.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(label=gettext_lazy("Dato"), widget=DATE_INPUT)
    amount = forms.IntegerField(
        label=gettext_lazy("Antal (for procentmål: procent)"),
        min_value=0,
        widget=_number("xs"),
    )
    note = forms.CharField(
        label=gettext_lazy("Bemærkning"),
        max_length=300,
        required=False,
        widget=_text(),
    )

    def __init__(self, *args, user, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [
            at.pk
            for at in ActivityTarget.objects.filter(programme=programme).select_related("organisation__parent")
            if can_register_activity(user, at)
        ]
        self.fields["activity_target"].queryset = (
            ActivityTarget.objects.filter(pk__in=allowed)
            .select_related("organisation")
            .order_by("organisation__name", "code")
        )
        self.fields["activity_target"].label_from_instance = lambda at: (
            f"{at.organisation.name if at.organisation else _('Alle partnere')}: {at.title_da}"
        )


def _targets_url(programme: Programme) -> str:
    return f"{reverse('targets')}?{urlencode({'programme': programme.slug})}"


def _submit(request: HttpRequest, form: forms.Form, *, programme: Programme, programmes: list[Programme],
            form_key: str, save: Callable[[dict[str, Any]], str], error_field: str | None = None) -> HttpResponse:
    """The targets page's forms: a valid form runs `save` (a service call; returns the success message) and goes
    back to the page; an invalid form or a refusal of the service shows the page again with the form and its
    errors (422). A Forbidden from the service is a 403."""
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except AppError as exc:
            form.add_error(error_field, str(exc.message))
        else:
            messages.success(request, message)
            return redirect(_targets_url(programme))
    return _render(request, programme, programmes, status=422, **{form_key: form})


def _render(
    request: HttpRequest, programme: Programme, programmes: list[Programme], status: int = 200, **forms_: Any
) -> HttpResponse:
    user = request.user
    editable = can_edit_targets(user)
    activity_form = forms_.get("activity_form") or ActivityRegistrationForm(user=user, programme=programme)
    as_of = selected_as_of(request)
    activities = activity_target_figures(programme, as_of=as_of)
    if editable:
        failed = forms_.get("activity_target_form")
        for a in activities:
            form = failed if failed is not None and failed.pk == a["id"] else ActivityTargetForm.for_target(a)
            a["edit_form"] = form
    context = {
        "programme": programme,
        "programmes": programmes,
        "overview": targets_overview(programme),
        "as_of": as_of,
        "activities": activities,
        "editable": editable,
        "programme_form": forms_.get("programme_form")
        or (ProgrammeForm.for_programme(programme) if editable else None),
        "basis_form": forms_.get("basis_form") or (BasisUploadForm() if editable else None),
        "activity_form": activity_form if activity_form.fields["activity_target"].queryset.exists() else None,
        "target_errors": forms_.get("target_errors"),
    }
    return render(request, "matches/targets.html", context, status=status)


@staff_required
def targets_page(request: HttpRequest) -> HttpResponse:
    programme, programmes = selected_programme(request)
    return _render(request, programme, programmes)


@require_POST
@coordinator_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a decided value (`action=save`) or go back to the computed one (`action=reset`)."""
    target = get_object_or_404(Target.objects.select_related("programme", "municipality", "organisation"), pk=pk)
    name = target.municipality or target.organisation
    try:
        if request.POST.get("action") == "reset":
            target_reset(user=request.user, target=target)
            messages.success(
                request,
                _("Måltallet for %(name)s er sat tilbage til det beregnede (%(v)s).")
                % {"name": name, "v": target.value},
            )
            return redirect(_targets_url(target.programme))
        form = TargetValueForm(request.POST)
        if form.is_valid():
            target_set_value(
                user=request.user, target=target, value=form.cleaned_data["value"], note=form.cleaned_data["note"]
            )
            messages.success(request, _("Måltallet for %(name)s er gemt: %(v)s.") % {"name": name, "v": target.value})
            return redirect(_targets_url(target.programme))
        errors = [str(e) for errs in form.errors.values() for e in errs]
    except AppError as exc:
        errors = [str(exc.message)]
    _programme, programmes = selected_programme(request)
    target.refresh_from_db()
    return _render(
        request,
        target.programme,
        programmes,
        status=422,
        target_errors={"pk": target.pk, "name": name, "errors": errors},
    )


@require_POST
@coordinator_required
def programme_edit(request: HttpRequest) -> HttpResponse:
    programme, programmes = selected_programme(request)

    def save(data: dict[str, Any]) -> str:
        try:
            programme_update(user=request.user, programme=programme, **data)
        except AppError:
            programme.refresh_from_db()
            raise
        return _("Programperioden er gemt, og måltallene er beregnet igen.")

    return _submit(request, ProgrammeForm(request.POST), programme=programme, programmes=programmes,
                   form_key="programme_form", save=save)


@require_POST
@coordinator_required
def basis_upload(request: HttpRequest) -> HttpResponse:
    programme, programmes = selected_programme(request)

    def save(data: dict[str, Any]) -> str:
        values = parse_erhv2(read_upload(data["file"]), kind=data["kind"], year=data["year"])
        dataset = basis_load(user=request.user, programme=programme, values=values, year=data["year"],
                             kind=data["kind"], label=data["label"], source=data["source"])
        return _("Nyt fordelingsgrundlag indlæst: %(label)s. Kommunernes måltal er beregnet igen.") % {"label": dataset}

    return _submit(request, BasisUploadForm(request.POST, request.FILES), programme=programme, programmes=programmes,
                   form_key="basis_form", save=save, error_field="file")


@require_POST
@staff_required
def activity_registration_create(request: HttpRequest) -> HttpResponse:
    programme, programmes = selected_programme(request)
    form = ActivityRegistrationForm(request.POST, user=request.user, programme=programme)
    if not form.is_valid() and "activity_target" in form.errors:
        # Not one of the user's own targets (or unknown): the same answer as the service gives.
        at = ActivityTarget.objects.filter(pk=request.POST.get("activity_target") or 0).first()
        if at is not None and not can_register_activity(request.user, at):
            raise PermissionDenied

    def save(data: dict[str, Any]) -> str:
        activity_register(user=request.user, activity_target=data["activity_target"], date=data["date"],
                          amount=data["amount"], note=data["note"])
        return _("Aktiviteten er registreret.")

    return _submit(request, form, programme=programme, programmes=programmes, form_key="activity_form", save=save)


@require_POST
@coordinator_required
def activity_target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator saves an activity target's value, upper value, per-year flag, years and title (audited)."""
    at = get_object_or_404(ActivityTarget.objects.select_related("programme"), pk=pk)

    def save(data: dict[str, Any]) -> str:
        activity_target_update(user=request.user, activity_target=at, **data)
        return _("Aktivitetsmålet er gemt: %(title)s.") % {"title": at.title_da}

    _programme, programmes = selected_programme(request)
    return _submit(request, ActivityTargetForm(request.POST, pk=at.pk), programme=at.programme, programmes=programmes,
                   form_key="activity_target_form", save=save)
