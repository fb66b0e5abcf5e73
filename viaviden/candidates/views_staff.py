"""Candidate pages for partner staff: the list (pseudonymous unless the person shares their data with
everyone or works with the user's organisation), the detail page, creating a profile on a person's behalf
with recorded consent, and erasing a profile on the person's request.

Every candidate is read through candidates.selectors, which applies the privacy rules (SPEC 3.9) and logs
access to personal data. A candidate the user may not find is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from viaviden.core.errors import Forbidden, NotFound, ValidationFailed
from viaviden.core.mail import site_base_url
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.access import staff_required

from . import selectors, services
from .forms import CandidateFilterForm, EraseForm, PartnerCreateForm

PAGE_SIZE = 50


def _require_individual_access(request: HttpRequest) -> None:
    if not can_see_individual_matches(request.user):
        raise PermissionDenied


def _view_or_404(request: HttpRequest, pk: int) -> selectors.CandidateView:
    try:
        return selectors.access_candidate(request.user, pk, via="web")
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@staff_required
def candidate_list(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request)
    filters = CandidateFilterForm(request.GET or None)
    qs = selectors.candidate_list_for_staff(request.user, filters.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.candidate_views(request.user, page.object_list, log_as="web-list")
    return render(request, "candidates/staff/list.html", {"filters": filters, "page": page, "rows": rows})


@staff_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request)
    view = _view_or_404(request, pk)
    response = render(request, "candidates/staff/detail.html", {
        "c": view, "can_erase": selectors.can_erase(request.user, view),
    })
    response["Cache-Control"] = "no-store, private"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def candidate_create(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request)
    form = PartnerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_create_by_partner(user=request.user, **form.service_kwargs(),
                                                             base_url=site_base_url())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Profilen er oprettet, og personen har fået besked på e-mail."))
            return redirect("candidate_detail", candidate.pk)
    return render(request, "candidates/staff/create.html", {
        "form": form, "match_type_options": form.match_type_options(),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def candidate_staff_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase a profile on the person's request (their own organisation's staff, or a coordinator)."""
    _require_individual_access(request)
    view = _view_or_404(request, pk)
    if not selectors.can_erase(request.user, view):
        raise PermissionDenied
    candidate = selectors.access_candidate_for_erasure(request.user, pk)
    form = EraseForm(request.POST or None)
    form.fields["confirm"].label = _("Ja, personen har bedt om at få profilen og alle data slettet")
    if request.method == "POST" and form.is_valid():
        services.candidate_erase(candidate=candidate, by=request.user)
        messages.success(request, _("%(name)s er slettet. Personen har fået en kvittering på e-mail.")
                         % {"name": selectors.pseudonym(pk)})
        return redirect("candidate_list")
    return render(request, "candidates/staff/erase_confirm.html", {"c": view, "form": form})
