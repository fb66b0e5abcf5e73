"""The candidate's own pages (no staff login): log in or create a profile with an e-mail link, keep the
profile, give and withdraw consent, and "Mine data": see everything, export it (JSON, PDF) and erase it.

Links from e-mails only show a button on GET (mail scanners that follow links use nothing up); the POST
does the work."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.errors import Conflict, NotFound, ValidationFailed
from viaviden.core.mail import site_base_url

from . import selectors, services
from .forms import ConsentForm, EmailChangeForm, EmailForm, EraseForm, ProfileEditForm, RegisterForm
from .models import Consent
from .selfservice_auth import candidate_required, candidate_session_end, candidate_session_start, current_candidate


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with personal data or reached through a secret link: not indexed, not cached, the link never
    leaks as a referrer to other sites. ("no-referrer" would make browsers send `Origin: null` with the
    page's own form, which Django's CSRF check refuses.)"""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a proxy the deployment must set it from the trusted proxy's header.
    return request.META.get("REMOTE_ADDR", "")


def _base_url(request: HttpRequest) -> str:
    # Links in e-mails point at the configured site, never at the Host header this request came with.
    return site_base_url()


# --- Log in / create a profile -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def candidate_start(request: HttpRequest) -> HttpResponse:
    """"Opret eller log ind med din e-mail": the same answer whether or not the address has a profile."""
    if current_candidate(request) is not None and request.method == "GET":
        return redirect("candidate_profile")
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_login_link_send(email=form.cleaned_data["email"], ip=_client_ip(request),
                                               base_url=_base_url(request))
        except ValidationFailed as exc:
            form.add_error("email" if exc.code == "invalid_email" else None, str(exc.message))
        else:
            return redirect("candidate_link_sent")
    return render(request, "candidates/self/start.html", {"form": form})


def candidate_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "candidates/self/link_sent.html", {
        "minutes": int(services.LOGIN_LINK_MAX_AGE.total_seconds() // 60),
    })


def _invalid_link_page(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "candidates/self/link_invalid.html", status=404))


@require_http_methods(["GET", "POST"])
def candidate_login(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            candidate = services.candidate_login(token=token)
            candidate_session_start(request, candidate)
            messages.success(request, _("Du er logget ind."))
            return _private(redirect("candidate_profile"))
        services.candidate_for_login_token(token)
    except NotFound:
        return _invalid_link_page(request)
    return _private(render(request, "candidates/self/login_confirm.html"))


@require_http_methods(["GET", "POST"])
def candidate_register(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = services.email_from_register_token(token)
    except NotFound:
        return _invalid_link_page(request)
    form = RegisterForm(request.POST or None)
    exists = False
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_register_self(token=token, data=form.profile_data(),
                                                         consents=form.purposes())
        except Conflict as exc:
            exists = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            candidate_session_start(request, candidate)
            messages.success(request, _("Din profil er oprettet. Du er logget ind."))
            return _private(redirect("candidate_profile"))
    return _private(render(request, "candidates/self/register.html", {
        "form": form, "email": email, "exists": exists, "match_type_options": form.match_type_options(),
    }))


@require_POST
def candidate_logout(request: HttpRequest) -> HttpResponse:
    candidate_session_end(request)
    messages.success(request, _("Du er logget ud."))
    return redirect("candidate_start")


# --- Profile, consent, e-mail ------------------------------------------------------------------------


@candidate_required
@require_http_methods(["GET", "POST"])
def candidate_profile(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    form = ProfileEditForm(request.POST or None, initial=ProfileEditForm.initial_for(candidate))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(candidate=candidate, version=form.cleaned_data["version"],
                                      data=form.profile_data())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Din profil er gemt."))
            return redirect("candidate_profile")
    active = {c.purpose for c in getattr(candidate, "active_consents", [])}
    return _private(render(request, "candidates/self/profile.html", {
        "candidate": candidate, "form": form, "conflict": conflict, "active_purposes": active,
        "match_type_options": form.match_type_options(), "pseudonym": selectors.pseudonym(candidate.pk),
    }))


@candidate_required
@require_http_methods(["GET", "POST"])
def candidate_consents(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    active = {c.purpose for c in getattr(candidate, "active_consents", [])}
    form = ConsentForm(request.POST or None, active=active)
    if request.method == "POST" and form.is_valid():
        given, withdrawn = services.consents_set(candidate=candidate, purposes=form.purposes())
        if given or withdrawn:
            messages.success(request, _("Dine samtykker er gemt. Ændringen gælder fra nu."))
        return redirect("candidate_consents")
    return _private(render(request, "candidates/self/consents.html", {
        "form": form, "history": selectors.candidate_consents(candidate), "purposes": Consent.Purpose,
    }))


@candidate_required
@require_http_methods(["GET", "POST"])
def candidate_email_change(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_email_change_request(candidate=candidate, new_email=form.cleaned_data["email"],
                                                    base_url=_base_url(request))
        except ValidationFailed as exc:
            form.add_error("email", str(exc.message))
        else:
            messages.success(request, _("Vi har sendt et link til den nye adresse. Klik på det inden for 30 "
                                        "minutter for at skifte adresse."))
            return redirect("candidate_profile")
    return _private(render(request, "candidates/self/email_change.html", {"form": form, "candidate": candidate}))


@require_http_methods(["GET", "POST"])
def candidate_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _private(render(request, "candidates/self/email_confirm.html"))
    try:
        services.candidate_email_change_confirm(token=token)
    except (NotFound, Conflict):
        return _invalid_link_page(request)
    messages.success(request, _("Din e-mailadresse er skiftet."))
    return _private(redirect("candidate_profile" if current_candidate(request) else "candidate_start"))


# --- Mine data: see, export, erase -------------------------------------------------------------------


@candidate_required
def candidate_my_data(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    data = services.export_data(candidate)
    audit = [
        {"at": e.timestamp, "action": services.ACTION_NAMES.get(e.action, ""),
         "object": services.OBJECT_NAMES.get(e.content_type.model, e.content_type.model),
         "organisation": services.actor_organisation(e)}
        for e in services.candidate_audit_entries(candidate)
    ]
    return _private(render(request, "candidates/self/my_data.html", {
        "candidate": candidate, "data": data, "audit": audit, "consents": selectors.candidate_consents(candidate),
        "shortlists": selectors.candidate_shortlists(candidate),
        "retention_days": services.retention_days()[0],
    }))


@candidate_required
def candidate_export_json(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    data = services.candidate_export(candidate)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="mine-data-{stamp}.json"'
    return _private(response)


@candidate_required
def candidate_export_pdf(request: HttpRequest) -> HttpResponse:
    candidate = current_candidate(request)
    assert candidate is not None
    response = HttpResponse(services.candidate_export_pdf(candidate), content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="mine-data-{stamp}.pdf"'
    return _private(response)


@candidate_required
@require_http_methods(["GET", "POST"])
def candidate_erase(request: HttpRequest) -> HttpResponse:
    """A confirmation page; the POST erases the profile and ends the session."""
    candidate = current_candidate(request)
    assert candidate is not None
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.candidate_erase(candidate=candidate)
        candidate_session_end(request)
        return redirect("candidate_erased")
    return _private(render(request, "candidates/self/erase_confirm.html", {"form": form}))


def candidate_erased(request: HttpRequest) -> HttpResponse:
    return render(request, "candidates/self/erased.html")
