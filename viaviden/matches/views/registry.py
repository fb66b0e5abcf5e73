"""The match registry in the browser: list (with CSV export), register, detail, edit, verify, reject.

Views are thin: they parse input with a form, call one service, and render. Every read of a match
goes through permissions.visible_matches, so a match the user may not see is a 404 (not a 403:
its existence is not revealed)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.companies.forms import company_lookup_state
from viaviden.companies.need_selectors import access_need
from viaviden.companies.services import company_get_or_create
from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Conflict, NotFound
from viaviden.core.tabular import safe_cell
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from .. import services
from ..forms import MatchFilterForm, MatchForm
from ..models import Match
from ..permissions import access_match, can_edit_match, can_see_individual_matches, can_verify_match, visible_matches
from ..rules import prefill_source

PAGE_SIZE = 50


def _require_individual_access(user: User) -> None:
    """The steering group (and users without an organisation) see aggregates only."""
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _list_queryset(user: User) -> QuerySet[Match]:
    return visible_matches(
        user,
        Match.objects.select_related(
            "company", "municipality", "match_type", "education_level", "registering_org", "partner"
        ),
    )


def _visible_match_or_404(user: User, pk: int) -> Match:
    try:
        return access_match(
            user,
            pk,
            Match.objects.select_related(
                "company__municipality",
                "company__industry",
                "company__size_class",
                "municipality",
                "match_type",
                "education_level",
                "registering_org",
                "partner",
                "programme",
                "verified_by",
                "created_by",
            ),
        )
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@staff_required
def match_list(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request.user)
    filters = MatchFilterForm(request.GET)
    qs = filters.filter(_list_queryset(request.user)).order_by("-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matches/match_list.html",
        {
            "filters": filters,
            "page": page,
            "matches": page.object_list,
        },
    )


EXPORT_HEADER = [
    gettext_lazy("Id"),
    gettext_lazy("Startdato"),
    gettext_lazy("CVR-nummer"),
    gettext_lazy("Virksomhed"),
    gettext_lazy("Arbejdsstedets kommune"),
    gettext_lazy("Uden for Aalborg"),
    gettext_lazy("Matchtype"),
    gettext_lazy("Uddannelsesniveau"),
    gettext_lazy("Uddannelse"),
    gettext_lazy("Uddannelsesinstitution"),
    gettext_lazy("Registreret af"),
    gettext_lazy("Partner"),
    gettext_lazy("Aktivitet"),
    gettext_lazy("Status"),
    gettext_lazy("Projektår"),
    gettext_lazy("Halvår"),
    gettext_lazy("Navn (med samtykke)"),
]


def _csv_safe(value: Any) -> str:
    """Text for a CSV cell, neutralised against formulas by the one helper (core.tabular.safe_cell)."""
    return safe_cell("" if value is None else str(value))


def _export_row(m: Match) -> list[str]:
    values = [
        m.pk,
        m.start_date.strftime("%d-%m-%Y"),
        m.company.cvr,
        m.company.name,
        m.municipality.name,
        _("ja") if m.outside_aalborg else _("nej"),
        m.match_type.label,
        m.education_level_id,
        m.education,
        m.institution,
        m.registering_org.name,
        m.partner.name,
        m.get_activity_display(),
        m.get_status_display(),
        m.project_year,
        m.half_year,
        m.person_name,
    ]
    return [_csv_safe(v) for v in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
def match_list_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as a Danish Excel-friendly CSV (UTF-8 with BOM, semicolons, dd-mm-yyyy)."""
    _require_individual_access(request.user)
    filters = MatchFilterForm(request.GET)
    qs = filters.filter(_list_queryset(request.user)).order_by("-id")
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        yield "\ufeff" + writer.writerow([str(label) for label in EXPORT_HEADER])
        for m in qs.iterator(chunk_size=2000):
            yield writer.writerow(_export_row(m))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="match-{stamp}.csv"'
    return response


def _render_form(
    request: HttpRequest, form: MatchForm, *, match: Match | None = None, conflict: bool = False
) -> HttpResponse:
    lookup = company_lookup_state(str(form["cvr"].value() or ""))
    if lookup["state"] == "invalid" and form.errors.get("cvr"):
        lookup = {"state": "empty"}  # the error is already shown at the field; do not say it twice
    return render(
        request,
        "matches/match_form.html",
        {
            "form": form,
            "match": match,
            "lookup": lookup,
            "conflict": conflict,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def match_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    need = None
    if request.method == "GET" and request.GET.get("need"):
        # Registering from a need (behov): prefill the company and the wished match type.
        try:
            need = access_need(user, int(request.GET["need"]))
        except (ValueError, NotFound) as exc:
            raise Http404(_("Behovet findes ikke, eller du har ikke adgang til det.")) from exc
        messages.info(
            request,
            _("Matchet registreres fra behovet «%(title)s». Når det er registreret, er behovet besvaret med et match.")
            % {"title": need.title},
        )
    candidate = None
    if request.method == "GET" and request.GET.get("candidate"):
        # Registering from a matching suggestion: prefill education and level, and name and e-mail when the
        # user may see them.
        fetch = prefill_source("candidate")  # registered by the candidates app (matches.rules)
        try:
            if fetch is None:
                raise NotFound(_("Kandidaten findes ikke."))
            candidate = fetch(user, int(request.GET["candidate"]))
        except (ValueError, NotFound) as exc:
            raise Http404(_("Kandidaten findes ikke, eller du har ikke adgang til profilen.")) from exc
    form = MatchForm(request.POST or None, user=user, need=need, candidate=candidate)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                company, _created = company_get_or_create(**form.company_kwargs())
                result = services.match_register(
                    user=user, organisation=form.registering_organisation(), data=form.match_data(company)
                )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            if result.merged:
                messages.info(
                    request,
                    _("Matchet fandtes allerede (registreret af %(org)s); din organisation er tilføjet som bidragyder.")
                    % {"org": result.match.registering_org.name},
                )
            elif form.from_need is not None:
                messages.success(request, _("Matchet er registreret og knyttet til behovet."))
            else:
                messages.success(request, _("Matchet er registreret."))
            return redirect("match_detail", pk=result.match.pk)
    return _render_form(request, form)


@staff_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    match = _visible_match_or_404(user, pk)
    contributions = match.contributions.select_related("organisation").order_by("created_at", "id")
    duplicate = match.possible_duplicate_of
    return render(
        request,
        "matches/match_detail.html",
        {
            "match": match,
            "contributions": contributions,
            "possible_duplicate": duplicate,
            "duplicate_visible": duplicate is not None
            and visible_matches(user, Match.objects.filter(pk=duplicate.pk)).exists(),
            "can_edit": can_edit_match(user, match),
            "can_verify": can_verify_match(user, match),
            "history": object_history(match),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def match_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    match = _visible_match_or_404(user, pk)
    if not can_edit_match(user, match):
        raise PermissionDenied
    form = MatchForm(request.POST or None, user=user, match=match)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                company, _created = company_get_or_create(**form.company_kwargs())
                services.match_update(
                    user=user, match=match, version=form.cleaned_data["version"], changes=form.changes(match, company)
                )
        except Conflict as exc:
            form.add_error(None, str(exc.message))
            return _render_form(request, form, match=_visible_match_or_404(user, pk), conflict=True)
        except AppError as exc:
            form.add_app_error(exc)
            match = _visible_match_or_404(user, pk)  # the service may have changed the object in memory
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("match_detail", pk=match.pk)
    return _render_form(request, form, match=match)


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _lead_decision(request: HttpRequest, pk: int, decide, success: str) -> HttpResponse:
    """Verify or reject (the partner's lead or a coordinator): `decide(match, version)` calls the service."""
    user = request.user
    _require_individual_access(user)
    match = _visible_match_or_404(user, pk)
    if not can_verify_match(user, match):
        raise PermissionDenied
    version = _posted_version(request)
    try:
        if version is None:
            raise Conflict(_("Siden mangler versionsnummer. Genindlæs og prøv igen."))
        decide(match, version)
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("match_detail", pk=pk)


@staff_required
@require_POST
def match_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_decision(
        request,
        pk,
        lambda match, version: services.match_verify(user=request.user, match=match, version=version),
        _("Matchet er verificeret."),
    )


@staff_required
@require_POST
def match_reject(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _lead_decision(
        request,
        pk,
        lambda match, version: services.match_reject(user=request.user, match=match, version=version, reason=reason),
        _("Matchet er afvist."),
    )
