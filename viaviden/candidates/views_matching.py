"""Matching suggestions in the browser (mounted at "forslag/"): candidates suggested for a need, the need's
shortlist, contacting a candidate, registering a match from a suggestion, open needs suggested to a candidate
(for staff, and on the candidate's own pages).

Staff pages: partner staff and coordinators (the steering group gets 403); the shortlist is changed by the
need's owner organisation and coordinators. The candidate's page needs a candidate session."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from viaviden.companies.need_selectors import OPEN_STATUSES, access_need, can_act_on_need, need_queryset
from viaviden.core.errors import AppError, Forbidden, NotFound
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.access import staff_required

from . import shortlist_services
from .models import Shortlist
from .selectors import access_candidate, candidate_own, candidates_for_matching, pseudonym
from .selfservice_auth import candidate_required, current_candidate
from .suggestions import (
    DEFAULT_K,
    MAX_K,
    access_shortlist_entry,
    need_shortlist,
    reasons_for_pair,
    shortlist_row,
    staff_may_see_suggestions_for,
    suggestions_for_candidate,
    suggestions_for_need,
)


def _require_individual_access(request: HttpRequest) -> None:
    if not can_see_individual_matches(request.user):
        raise PermissionDenied


def _need_or_404(request: HttpRequest, pk: int):
    try:
        return access_need(request.user, pk, need_queryset().select_related("company__industry"))
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _entry_or_404(request: HttpRequest, pk: int) -> Shortlist:
    try:
        return access_shortlist_entry(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _k(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("k", DEFAULT_K)), MAX_K))
    except ValueError:
        return DEFAULT_K


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    return response


@staff_required
@require_GET
def need_suggestions(request: HttpRequest, need_pk: int) -> HttpResponse:
    _require_individual_access(request)
    need = _need_or_404(request, need_pk)
    k = _k(request)
    suggestions = suggestions_for_need(request.user, need, k=k)
    return _private(
        render(
            request,
            "candidates/matching/need_suggestions.html",
            {
                "need": need,
                "suggestions": suggestions,
                "can_act": can_act_on_need(request.user, need),
                "is_open": need.status in OPEN_STATUSES,
                "more_k": min(k * 2, MAX_K) if len(suggestions) >= k and k < MAX_K else None,
            },
        )
    )


@staff_required
@require_GET
def need_shortlist_page(request: HttpRequest, need_pk: int) -> HttpResponse:
    _require_individual_access(request)
    need = _need_or_404(request, need_pk)
    return _private(
        render(
            request,
            "candidates/matching/need_shortlist.html",
            {
                "need": need,
                "rows": need_shortlist(request.user, need),
                "can_act": can_act_on_need(request.user, need),
                "statuses": Shortlist.Status.choices,
            },
        )
    )


@staff_required
@require_POST
def shortlist_add(request: HttpRequest, need_pk: int) -> HttpResponse:
    """POST candidate=<pk> (and an optional note): put a suggested candidate on the need's shortlist. The
    reasons are worked out again here, not taken from the form."""
    _require_individual_access(request)
    need = _need_or_404(request, need_pk)
    if not can_act_on_need(request.user, need):
        raise PermissionDenied
    try:
        candidate = candidates_for_matching().filter(pk=int(request.POST.get("candidate", ""))).first()
    except ValueError:
        candidate = None
    if candidate is None:
        messages.error(request, _("Kandidaten kan ikke foreslås: der er ikke samtykke til matchning."))
        return redirect("need_suggestions", need_pk=need.pk)
    try:
        entry = shortlist_services.shortlist_add(
            user=request.user,
            need=need,
            candidate=candidate,
            reasons=reasons_for_pair(need, candidate),
            note=request.POST.get("note", ""),
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except AppError as exc:
        messages.error(request, str(exc.message))
        return redirect("need_suggestions", need_pk=need.pk)
    messages.success(request, _("%(who)s er sat på kortlisten.") % {"who": pseudonym(entry.candidate_id)})
    if request.POST.get("then") == "contact":
        return redirect("shortlist_contact", pk=entry.pk)
    return redirect("need_shortlist", need_pk=need.pk)


@staff_required
@require_POST
def shortlist_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request)
    entry = _entry_or_404(request, pk)
    try:
        shortlist_services.shortlist_set_status(
            user=request.user,
            entry=entry,
            status=request.POST.get("status", ""),
            note=request.POST.get("note"),
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Status er gemt."))
    return redirect("need_shortlist", need_pk=entry.need_id)


@staff_required
@require_http_methods(["GET", "POST"])
def shortlist_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact form: a message to the candidate about the need, sent by e-mail only with the candidate's
    COMPANY_CONTACT consent."""
    _require_individual_access(request)
    entry = _entry_or_404(request, pk)
    if not can_act_on_need(request.user, entry.need):
        raise PermissionDenied
    row = shortlist_row(request.user, entry)
    error = None
    message = request.POST.get("message", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            shortlist_services.shortlist_contact(user=request.user, entry=entry, message=message)
        except AppError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("Kandidaten har fået en e-mail om behovet og kan svare dig direkte."))
            return redirect("need_shortlist", need_pk=entry.need_id)
    return _private(
        render(
            request,
            "candidates/matching/contact.html",
            {
                "entry": entry,
                "row": row,
                "need": entry.need,
                "message": message,
                "error": error,
                "may_contact": row.candidate.may_be_contacted,
            },
            status=422 if error else 200,
        )
    )


@staff_required
@require_GET
def shortlist_match(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a match from a shortlist entry: the match form, prefilled from the need and the candidate."""
    _require_individual_access(request)
    entry = _entry_or_404(request, pk)
    return redirect(shortlist_services.shortlist_to_match(user=request.user, entry=entry))


@staff_required
@require_GET
def candidate_needs(request: HttpRequest, pk: int) -> HttpResponse:
    """Open needs suggested for a candidate (staff), when the candidate agreed to matching."""
    _require_individual_access(request)
    try:
        view = access_candidate(request.user, pk, via="web:forslag")
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    allowed = staff_may_see_suggestions_for(view)
    suggestions = []
    if allowed:
        candidate = candidate_own(view.pk)
        suggestions = suggestions_for_candidate(candidate, k=_k(request)) if candidate is not None else []
    return _private(
        render(
            request,
            "candidates/matching/candidate_needs.html",
            {
                "c": view,
                "allowed": allowed,
                "suggestions": suggestions,
            },
        )
    )


@candidate_required
@require_GET
def my_suggestions(request: HttpRequest) -> HttpResponse:
    """The logged-in candidate's page: open needs that fit them, with the reasons."""
    candidate = current_candidate(request)
    assert candidate is not None
    consents = {c.purpose for c in getattr(candidate, "active_consents", [])}
    return render(
        request,
        "candidates/matching/my_suggestions.html",
        {
            "candidate": candidate,
            "suggestions": suggestions_for_candidate(candidate, k=DEFAULT_K, for_candidate=True),
            "matching_consent": "matching" in consents,
            "contact_consent": "company_contact" in consents,
        },
    )
