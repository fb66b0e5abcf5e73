"""Bulk import of matches in the browser: upload a CSV/XLSX file, see the result or every bad row.

The page calls the same service as `manage.py import_matches` (matches.importing.import_matches).
Partner staff import for their own organisation; coordinators choose the organisation."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from viaviden.core.errors import AppError
from viaviden.core.forms import ImportUploadForm, import_page_context
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from ..forms import OrganisationChoiceField, partner_organisations
from ..importing import COLUMN_HELP, REQUIRED_COLUMNS, import_matches
from ..permissions import can_see_individual_matches


class MatchImportForm(ImportUploadForm):
    organisation = OrganisationChoiceField(
        label=gettext_lazy("Registrerende organisation"),
        queryset=partner_organisations(),
        help_text=gettext_lazy("Den partner, matchene i filen tæller for."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    field_order = ["organisation", "file", "skip_invalid"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_everything:
            self.fields["organisation"].initial = user.organisation_id
        else:
            del self.fields["organisation"]

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
    context = import_page_context(result, column_help=COLUMN_HELP, required=REQUIRED_COLUMNS)
    return render(request, "matches/import.html", {"form": form, **context})
