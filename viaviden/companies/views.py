"""Company views: the inline CVR lookup used while registering a match (htmx partial)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.access import staff_required

from .forms import CompanyFieldsForm, company_lookup_state


@staff_required
@require_GET
def company_lookup(request: HttpRequest) -> HttpResponse:
    """GET ?cvr=…: the known company (name, municipality), or the fields to create it, or the
    Danish error for an invalid number. Values already typed in the company fields are kept."""
    if not can_see_individual_matches(request.user):  # the steering group registers nothing
        raise PermissionDenied
    lookup = company_lookup_state(request.GET.get("cvr", ""))
    initial = {name: request.GET.get(name, "") for name in CompanyFieldsForm.COMPANY_FIELDS}
    form = CompanyFieldsForm(initial=initial)
    return render(request, "companies/partials/company_lookup.html", {"lookup": lookup, "form": form})
