"""The company register in the browser: search, register, detail, edit, production units, merge and
import; plus the inline CVR lookup used while registering a match (htmx partial).

Company data is shared between all partner staff (SPEC 3.2); the steering group and users without an
organisation get 403. Views are thin: a form parses the input, one service or selector does the work."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Conflict, Forbidden, NotFound
from viaviden.core.forms import import_page_context
from viaviden.organisations.access import can_see_individual_matches, staff_required
from viaviden.organisations.models import User

from . import selectors, services
from .forms import (
    CompanyFieldsForm,
    CompanyFilterForm,
    CompanyForm,
    CompanyImportForm,
    CompanyMergeForm,
    ProductionUnitForm,
    company_lookup_state,
)
from .importing import COLUMN_HELP, REQUIRED_COLUMNS, import_companies
from .models import Company

PAGE_SIZE = 50
REJECTS_SESSION_KEY = "company_import_rejects"
MAX_REJECTS_BYTES = 2 * 1024 * 1024

# What a merge moves, by relation name (selectors.company_relations), in words.
MOVED_LABELS = {
    "matches": gettext_lazy("match"),
    "needs": gettext_lazy("behov"),
    "contact_entries": gettext_lazy("kontakter"),
    "handovers": gettext_lazy("overdragelser"),
    "units": gettext_lazy("produktionsenheder"),
    "merged_records": gettext_lazy("tidligere sammenlagte poster"),
}


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


# ------------------------------------------------------------------------------------------- helpers


def _require_register(user: User) -> None:
    if not selectors.can_read_companies(user):
        raise PermissionDenied


def _company_or_404(user: User, pk: int) -> Company:
    try:
        return selectors.access_company(user, pk)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _tombstone_redirect(request: HttpRequest, company: Company, name: str) -> HttpResponse | None:
    """A merged record's pages lead to the company it was merged into."""
    if company.merged_into_id is None:
        return None
    messages.info(
        request,
        _("%(name)s (CVR %(cvr)s) er lagt sammen med %(survivor)s. Du ser den samlede post.")
        % {"name": company.name, "cvr": company.cvr, "survivor": company.merged_into.name},
    )
    return redirect(name, pk=company.merged_into_id)


def _company_to_change(
    request: HttpRequest, pk: int, name: str, *, allowed=services.can_edit_companies
) -> tuple[Company, HttpResponse | None]:
    """The company of an edit page, and the redirect to use instead when it was merged into another
    (`name`: the page to send the user to); 403 unless `allowed(user)`."""
    company = _company_or_404(request.user, pk)
    if (moved := _tombstone_redirect(request, company, name)) is not None:
        return company, moved
    if not allowed(request.user):
        raise PermissionDenied
    return company, None


def moved_rows(moved: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        (str(MOVED_LABELS.get(key, key)), value)
        for key, value in moved.items()
        if isinstance(value, int) and value and key in MOVED_LABELS
    ]


# -------------------------------------------------------------------------------------------- pages


@staff_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_register(user)
    filters = CompanyFilterForm(request.GET)
    qs = filters.filter(selectors.companies_for(user)).order_by("name", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "companies/company_list.html",
        {"filters": filters, "page": page, "companies": page.object_list},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_register(user)
    form = CompanyForm(request.POST or None, initial={"cvr": request.GET.get("cvr", "")})
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(user=user, cvr=form.cleaned_data["cvr"], data=form.company_data())
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Virksomheden er oprettet."))
            return redirect("company_detail", pk=company.pk)
    return render(request, "companies/company_form.html", {"form": form, "company": None})


@staff_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company = _company_or_404(user, pk)
    if (moved := _tombstone_redirect(request, company, "company_detail")) is not None:
        return moved
    company_matches = company.matches.counting()
    merges = list(selectors.company_merges(company))
    for merge in merges:
        merge.moved_rows = moved_rows(merge.moved)
    return render(
        request,
        "companies/company_detail.html",
        {
            "company": company,
            "units": list(company.units.all()),
            "merges": merges,
            "matches_total": company_matches.count(),
            "matches_visible": company_matches.visible_to(user).count(),
            "can_edit": services.can_edit_companies(user),
            "can_merge": services.can_merge_companies(user),
            "history": object_history(company),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company, moved = _company_to_change(request, pk, "company_edit")
    if moved is not None:
        return moved
    form = CompanyForm(request.POST or None, company=company)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(
                user=user, company=company, data=form.company_data(), version=form.cleaned_data["version"]
            )
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("company_detail", pk=company.pk)
    return render(request, "companies/company_form.html", {"form": form, "company": company, "conflict": conflict})


@staff_required
@require_http_methods(["GET", "POST"])
def company_unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company, moved = _company_to_change(request, pk, "company_unit_add")
    if moved is not None:
        return moved
    form = ProductionUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.production_unit_add(user=user, company=company, data=form.unit_data())
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Produktionsenheden er tilføjet."))
            return redirect("company_detail", pk=company.pk)
    return render(request, "companies/unit_form.html", {"form": form, "company": company, "unit": None})


@staff_required
@require_http_methods(["GET", "POST"])
def company_unit_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    user = request.user
    company, moved = _company_to_change(request, pk, "company_detail")
    if moved is not None:
        return moved
    try:
        unit = selectors.access_unit(user, company, unit_pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.production_unit_delete(user=user, unit=unit)
        except AppError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Produktionsenheden er slettet."))
        return redirect("company_detail", pk=company.pk)
    form = ProductionUnitForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.production_unit_update(user=user, unit=unit, data=form.unit_data())
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Produktionsenheden er gemt."))
            return redirect("company_detail", pk=company.pk)
    return render(request, "companies/unit_form.html", {"form": form, "company": company, "unit": unit})


@staff_required
@require_http_methods(["GET", "POST"])
def company_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the other record's CVR number; step 2: a preview of what moves, and confirm."""
    user = request.user
    company, moved = _company_to_change(request, pk, "company_merge", allowed=services.can_merge_companies)
    if moved is not None:
        return moved
    form = CompanyMergeForm(request.POST or None)
    other = None
    preview = None
    if request.method == "POST" and form.is_valid():
        other = selectors.company_record_by_cvr(form.cleaned_data["other"])
        if other is None:
            form.add_error("other", _("Der er ingen virksomhed med dette CVR-nummer i registret."))
        elif other.pk == company.pk:
            form.add_error("other", _("En virksomhed kan ikke lægges sammen med sig selv."))
        elif other.merged_into_id is not None:
            form.add_error(
                "other",
                _("%(name)s (CVR %(cvr)s) er allerede lagt sammen med %(survivor)s.")
                % {"name": other.name, "cvr": other.cvr, "survivor": other.merged_into.name},
            )
        elif form.cleaned_data["confirm"]:
            try:
                services.company_merge(user=user, survivor=company, merged=other, reason=form.cleaned_data["reason"])
            except AppError as exc:
                form.add_app_error(exc)
            else:
                messages.success(
                    request,
                    _("%(name)s (CVR %(cvr)s) er lagt sammen med denne virksomhed.")
                    % {"name": other.name, "cvr": other.cvr},
                )
                return redirect("company_detail", pk=company.pk)
        else:
            preview = moved_rows(selectors.company_related_counts(other))
            fill = [f for f in services.MERGE_FILL_FIELDS if getattr(company, f) is None and getattr(other, f) is not None]
            preview_fill = [str(Company._meta.get_field(f).verbose_name) for f in fill]
            return render(
                request,
                "companies/company_merge.html",
                {
                    "company": company,
                    "form": CompanyMergeForm(
                        initial={"other": other.cvr, "reason": form.cleaned_data["reason"], "confirm": True}
                    ),
                    "other": other,
                    "preview": preview,
                    "preview_fill": preview_fill,
                },
            )
    return render(request, "companies/company_merge.html", {"company": company, "form": form, "other": None})


@staff_required
@require_http_methods(["GET", "POST"])
def company_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_register(user)
    if not services.can_edit_companies(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = CompanyImportForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    rejects_available = False
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_companies(
                path_or_file=upload,
                filename=upload.name,
                user=user,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except AppError as exc:
            form.add_error(None, str(exc.message))
        request.session.pop(REJECTS_SESSION_KEY, None)
        if result is not None and result.rejects:
            buffer = io.StringIO()
            result.write_rejects(buffer)
            content = buffer.getvalue()
            if len(content.encode()) <= MAX_REJECTS_BYTES:
                request.session[REJECTS_SESSION_KEY] = content
                rejects_available = True
    context = import_page_context(result, column_help=COLUMN_HELP, required=REQUIRED_COLUMNS)
    return render(
        request,
        "companies/company_import.html",
        {"form": form, "rejects_available": rejects_available, **context},
    )


@staff_required
@require_GET
def company_import_rejects(request: HttpRequest) -> HttpResponse:
    """The rejected rows of the user's last import, with a 'fejl' column (CSV for Excel)."""
    user = request.user
    _require_register(user)
    if not services.can_edit_companies(user):
        raise PermissionDenied
    content = request.session.get(REJECTS_SESSION_KEY)
    if content is None:
        raise Http404(_("Der er ingen afviste rækker at hente."))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="virksomheder-afviste-{stamp}.csv"'
    return response
