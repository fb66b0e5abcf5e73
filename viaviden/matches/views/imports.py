"""Bulk import of matches in the browser: upload a CSV/XLSX file, see the result or every bad row.

The page calls the same service as `manage.py import_matches` (matches.importing.import_matches).
Partner staff import for their own organisation; coordinators choose the organisation."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import AppError
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from ..forms import OrganisationChoiceField, partner_organisations
from ..importing import COLUMN_HELP, REQUIRED_COLUMNS, import_matches
from ..permissions import can_see_individual_matches

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ERRORS_SHOWN = 500


class MatchImportForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=gettext_lazy("Registrerende organisation"),
        queryset=partner_organisations(),
        help_text=gettext_lazy("Den partner, matchene i filen tæller for."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label=gettext_lazy("Fil"),
        help_text=gettext_lazy("CSV (semikolon- eller kommasepareret) eller XLSX. Første række er kolonnenavne."),
        widget=forms.ClearableFileInput(attrs={"class": "form-file-input", "accept": ".csv,.xlsx,.txt"}),
        error_messages={"required": gettext_lazy("Vælg en fil.")},
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Importér de gyldige rækker, og spring rækker med fejl over"),
        help_text=gettext_lazy("Uden dette kryds importeres intet, hvis blot én række har fejl."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_everything:
            self.fields["organisation"].initial = user.organisation_id
        else:
            del self.fields["organisation"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen er for stor (højst %(mb)d MB).") % {"mb": MAX_UPLOAD_BYTES // 2**20})
        return upload

    def registering_organisation(self):
        return self.cleaned_data.get("organisation") or self.user.organisation


@staff_required
def match_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_see_individual_matches(user) or (user.organisation_id is None and not user.sees_everything):
        raise PermissionDenied
    posted = request.method == "POST"
    form = MatchImportForm(request.POST if posted else None, request.FILES if posted else None, user=user)
    result = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_matches(
                path_or_file=upload,
                filename=upload.name,
                organisation=form.registering_organisation(),
                user=user,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except AppError as exc:
            form.add_error(None, exc.message)
    errors = result.errors if result else []
    return render(
        request,
        "matches/import.html",
        {
            "form": form,
            "result": result,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN),
            "columns": [(name, help_text, name in REQUIRED_COLUMNS) for name, help_text in COLUMN_HELP.items()],
        },
    )
