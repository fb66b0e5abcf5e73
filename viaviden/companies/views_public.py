"""Public pages for companies (no login): the self-service need form, the e-mail confirmation, the private
status page and the services overview ("who can help with what"); and the coordinators' pages that
maintain the services overview."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from viaviden.core.errors import Conflict, NotFound, ValidationFailed
from viaviden.core.mail import site_base_url
from viaviden.organisations.access import coordinator_required
from viaviden.organisations.service_services import (
    access_service,
    service_create,
    service_fingerprint,
    service_update,
    services_all,
    services_public,
)

from . import selfservice
from .answer_promise import answer_rule_on
from .forms_public import NeedPublicForm, ServiceForm
from .models import Need

PLAIN_STATUS = {
    Need.Status.UNCONFIRMED: gettext_lazy("Venter på, at du bekræfter din e-mailadresse"),
    Need.Status.NEW: gettext_lazy("Modtaget – venter på at blive behandlet"),
    Need.Status.IN_PROGRESS: gettext_lazy("Under behandling"),
    Need.Status.MATCHED: gettext_lazy("Afsluttet med et match"),
    Need.Status.CLOSED: gettext_lazy("Afsluttet"),
}


def _private(response: HttpResponse) -> HttpResponse:
    """Pages reached through a secret link: not indexed, not cached, the link never leaks as a referrer to
    another site. ("no-referrer" would make browsers send `Origin: null` with the confirmation form, which
    Django's CSRF check rightly refuses; "same-origin" keeps the link on this site.)"""
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


# --- Self-service ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def need_public_form(request: HttpRequest) -> HttpResponse:
    """The public form; a valid submission is saved unconfirmed and a confirmation link is e-mailed."""
    refusal = ""
    if request.method == "POST":
        form = NeedPublicForm(request.POST)
        ip = _client_ip(request)
        if form.is_spam_honeypot() or not selfservice.form_token_is_plausible(request.POST.get("form_token", "")):
            refusal = _("Vi kunne ikke modtage formularen. Kontrollér oplysningerne, og send den igen.")
        elif form.is_valid():
            if selfservice.rate_limit_exceeded(ip):
                refusal = _("Der er sendt mange henvendelser fra din internetforbindelse den seneste time. "
                            "Prøv igen senere.")
            else:
                try:
                    selfservice.need_submit_public(**form.service_kwargs(), base_url=_base_url(request))
                except ValidationFailed as exc:
                    form.add_service_errors(exc)
                else:
                    selfservice.rate_limit_register(ip)
                    return redirect("need_public_sent")
    else:
        form = NeedPublicForm()
    context = {
        "form": form,
        "refusal": refusal,
        "match_type_options": form.options("match_types"),
        "level_options": form.options("education_levels"),
        "working_days": answer_rule_on(timezone.localdate()).working_days,
    }
    return render(request, "companies/public/need_form.html", context)


def need_public_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "companies/public/need_sent.html", {"confirm_days": selfservice.CONFIRM_DAYS})


@require_http_methods(["GET", "POST"])
def need_public_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms."""
    try:
        if request.method == "POST":
            need = selfservice.need_public_confirm(token=token, base_url=_base_url(request))
            messages.success(request, _("Tak. Din henvendelse er bekræftet og sendt videre."))
            return _private(redirect("need_public_status", need.public_token))
        need = selfservice.need_for_confirm_token(token)
    except NotFound:
        response = render(request, "companies/public/need_confirm_invalid.html",
                          {"confirm_days": selfservice.CONFIRM_DAYS}, status=404)
        return _private(response)
    if need.status != Need.Status.UNCONFIRMED:
        return _private(redirect("need_public_status", need.public_token))
    return _private(render(request, "companies/public/need_confirm.html", {"need": need}))


def need_public_status(request: HttpRequest, token: str) -> HttpResponse:
    """The company's private status page: the need and its public steps, never people."""
    try:
        need = selfservice.need_by_public_token(token)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "need": need,
        "company_name": need.company.name,
        "status_text": PLAIN_STATUS.get(need.status, need.get_status_display()),
        "events": selfservice.need_public_events(need),
    }
    return _private(render(request, "companies/public/need_status.html", context))


# --- Services overview -------------------------------------------------------------------------------


def services_public_view(request: HttpRequest) -> HttpResponse:
    """"Hvem kan hjælpe med hvad?": the active services grouped by organisation, with contacts."""
    return render(request, "organisations/services/public.html", {"services": list(services_public())})


@coordinator_required
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organisations/services/list.html", {"services": list(services_all())})


@coordinator_required
@require_http_methods(["GET", "POST"])
def service_create_view(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(request.POST or None, initial={"active": True, "serves_all_municipalities": True})
    if request.method == "POST" and form.is_valid():
        try:
            service = service_create(**form.service_kwargs())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Ydelsen %(name)s er oprettet.") % {"name": service.name})
            return redirect("service_list")
    return render(request, "organisations/services/form.html", {"form": form, "service": None})


@coordinator_required
@require_http_methods(["GET", "POST"])
def service_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        service = access_service(pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    initial = {
        "organisation": service.organisation_id, "name": service.name, "description": service.description,
        "contact": service.contact, "contact_email": service.contact_email, "contact_phone": service.contact_phone,
        "match_types": [mt.pk for mt in service.match_types.all()],
        "serves_all_municipalities": service.serves_all_municipalities, "active": service.active,
        "fingerprint": service_fingerprint(service),
    }
    form = ServiceForm(request.POST or None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            service = service_update(service=service, fingerprint=form.cleaned_data.get("fingerprint") or None,
                                     **form.service_kwargs())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Ydelsen %(name)s er gemt.") % {"name": service.name})
            return redirect("service_list")
    return render(request, "organisations/services/form.html",
                  {"form": form, "service": service, "conflict": conflict})
