"""Event pages. Public (no login): the calendar, an event with its sign-up form, the private sign-up
status/cancel page, the iCalendar feeds and the follow-up survey. Staff: the internal calendar, create and
edit, publish, cancel, mark held, the sign-up list and the check-in list for a tablet."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.candidates.selfservice_auth import current_candidate
from viaviden.companies.selfservice import form_token_is_plausible
from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Conflict, NotFound, ValidationFailed
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from . import selectors, services
from .forms import CalendarFilterForm, EventForm, SignupForm, StaffSignupForm, SurveyForm, add_app_error
from .ical import calendar_ics
from .models import Event, Registration
from .surveys import survey_answer as survey_answer_service

PAGE_SIZE = 30
SIGNUP_RATE_LIMIT = 30  # accepted sign-ups per IP address per hour (a campus network shares one address)
SIGNUP_RATE_WINDOW = 60 * 60


def _require_individual_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _private(response: HttpResponse) -> HttpResponse:
    """Pages behind a secret link: not indexed, not cached, the link never leaks as a referrer."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _rate_key(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "") or "?"
    return "events:signup:ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


def _rate_limited(request: HttpRequest) -> bool:
    return int(cache.get(_rate_key(request), 0)) >= SIGNUP_RATE_LIMIT


def _rate_count(request: HttpRequest) -> None:
    key = _rate_key(request)
    cache.add(key, 0, timeout=SIGNUP_RATE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=SIGNUP_RATE_WINDOW)


def _seats(event: Event) -> dict:
    left = None if event.capacity is None else max(event.capacity - event.n_registered, 0)
    return {"left": left, "full": left == 0, "waitlist": event.waitlist_enabled}


# --- Public -----------------------------------------------------------------------------------------


def event_calendar(request: HttpRequest) -> HttpResponse:
    """The public calendar, filterable by type, municipality, audience and date."""
    filters = CalendarFilterForm(request.GET)
    qs = selectors.public_calendar(filters.calendar_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/calendar_public.html", {
        "filters": filters, "page": page, "events": page.object_list,
        "ics_query": request.GET.urlencode(),
    })


def event_calendar_ics(request: HttpRequest) -> HttpResponse:
    """The public calendar as an iCalendar feed (same filter parameters as the page)."""
    filters = CalendarFilterForm(request.GET)
    events = selectors.public_calendar(filters.calendar_filter())[:500]
    body = calendar_ics(events, name=_("Vækst Via Viden – arrangementer"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="arrangementer.ics"'
    return response


def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = selectors.public_event(pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(calendar_ics([event], name=event.title), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="arrangement-{event.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def event_public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A public event with its sign-up form (people and companies)."""
    try:
        event = selectors.public_event(pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    is_open, closed_reason = services.signup_open(event)
    candidate = current_candidate(request)
    refusal = ""
    if request.method == "POST" and is_open:
        form = SignupForm(request.POST)
        if form.is_spam_honeypot() or not form_token_is_plausible(request.POST.get("form_token", "")):
            refusal = _("Vi kunne ikke modtage tilmeldingen. Kontrollér oplysningerne, og send den igen.")
        elif form.is_valid():
            if _rate_limited(request):
                refusal = _("Der er sendt mange tilmeldinger fra din internetforbindelse den seneste time. "
                            "Prøv igen senere.")
            else:
                try:
                    reg = services.registration_create(
                        event=event, **form.service_kwargs(),
                        candidate=candidate if candidate and candidate.email == form.cleaned_data["email"] else None,
                    )
                except ValidationFailed as exc:
                    add_app_error(form, exc)
                else:
                    _rate_count(request)
                    return _private(redirect("event_registration_status", reg.token))
    else:
        initial = {"name": candidate.name, "email": candidate.email} if candidate else {}
        form = SignupForm(initial=initial)
    return render(request, "events/event_public.html", {
        "event": event, "form": form, "signup_open": is_open, "closed_reason": closed_reason,
        "refusal": refusal, "seats": _seats(event),
    })


@require_http_methods(["GET"])
def event_registration_status(request: HttpRequest, token: str) -> HttpResponse:
    """The private page from the confirmation e-mail: status, place on the waiting list, cancel button."""
    try:
        reg = selectors.registration_by_token(token)
    except NotFound as exc:
        return _private(render(request, "events/registration_invalid.html", {"message": exc.message}, status=404))
    return _private(render(request, "events/registration_status.html", {
        "registration": reg, "event": reg.event, "position": selectors.waitlist_position(reg),
        "can_cancel": reg.status != Registration.Status.CANCELLED and reg.event.status == Event.Status.PUBLISHED,
    }))


@require_POST
def event_registration_cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reg = selectors.registration_by_token(token)
        services.registration_cancel(registration=reg)
    except NotFound as exc:
        return _private(render(request, "events/registration_invalid.html", {"message": exc.message}, status=404))
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Du er afmeldt. Tak fordi du gav besked."))
    return _private(redirect("event_registration_status", token))


@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The follow-up survey behind the e-mail link."""
    try:
        survey = selectors.survey_by_token(token)
    except NotFound as exc:
        return _private(render(request, "events/registration_invalid.html", {"message": exc.message}, status=404))
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and survey.answered_at is None and form.is_valid():
        try:
            survey_answer_service(token=token, **form.answers())
        except ValidationFailed as exc:
            add_app_error(form, exc)
        else:
            return _private(redirect("survey_answer", token))
    return _private(render(request, "events/survey.html", {"survey": survey, "form": form}))


# --- Staff ------------------------------------------------------------------------------------------


def _managed_or_404(user: User, pk: int) -> Event:
    try:
        return selectors.access_event_managed(user, pk)
    except NotFound as exc:
        if selectors.events_for(user).filter(pk=pk).exists():
            raise PermissionDenied from exc
        raise Http404(str(exc.message)) from exc


@staff_required
def event_list(request: HttpRequest) -> HttpResponse:
    """The internal calendar: every event that is not a draft, and the drafts of the user's own organisation."""
    user = request.user
    _require_individual_access(user)
    filters = CalendarFilterForm(request.GET, internal=True)
    qs = selectors.internal_calendar(user, filters.calendar_filter())
    if filters.is_valid() and filters.cleaned_data.get("mine"):
        qs = qs.filter(pk__in=selectors.events_managed_by(user).values("pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    own = set(partner_org_ids(user))
    for event in page.object_list:
        event.can_manage = user.sees_everything or event.organiser_id in own or any(
            o.pk in own for o in event.co_organisers.all())
    return render(request, "events/event_list.html", {"filters": filters, "page": page, "events": page.object_list})


@staff_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    form = EventForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(user=user, data=form.event_data())
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Arrangementet er oprettet som kladde. Offentliggør det, når det er klar."))
            return redirect("event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@staff_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    try:
        event = selectors.access_event(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    can_manage = selectors.can_manage_event(user, event)
    context = {"event": event, "can_manage": can_manage, "seats": _seats(event)}
    if can_manage:
        registrations = list(selectors.event_registrations(event))
        waiting = [r for r in registrations if r.status == Registration.Status.WAITLISTED]
        for i, reg in enumerate(waiting, start=1):
            reg.position = i
        context.update({
            "registrations": registrations,
            "results": selectors.event_results(event),
            "history": object_history(event),
            "started": event.starts_at <= timezone.now(),
        })
    return render(request, "events/event_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    form = EventForm(request.POST or None, user=user, event=event)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(user=user, event=event, version=form.cleaned_data.get("version"),
                                  data=form.event_data())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event, "conflict": conflict})


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _transition(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    try:
        action(user, event, _posted_version(request))
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("event_detail", pk=pk)


@staff_required
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lambda u, e, v: services.event_publish(user=u, event=e, version=v),
                       _("Arrangementet er offentliggjort."))


@staff_required
@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    message = request.POST.get("message", "")[:2000]
    return _transition(request, pk, lambda u, e, v: services.event_cancel(user=u, event=e, version=v, message=message),
                       _("Arrangementet er aflyst. De tilmeldte har fået besked."))


@staff_required
@require_POST
def event_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lambda u, e, v: services.event_mark_held(user=u, event=e, version=v),
                       _("Arrangementet er markeret som afholdt. Opfølgningen sendes til deltagerne, der var mødt op."))


@staff_required
def event_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in list for a tablet: big buttons, search by name; htmx updates one row at a time."""
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    q = request.GET.get("q", "").strip()[:100]
    rows = list(selectors.checkin_list(event, q=q))
    context = {"event": event, "rows": rows, "q": q,
               "attended": event.registrations.filter(attended_at__isnull=False).count()}
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "checkin-list":
        return render(request, "events/partials/checkin_list.html", context)
    return render(request, "events/checkin.html", context)


@staff_required
@require_POST
def event_checkin_toggle(request: HttpRequest, pk: int, reg_pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    reg = event.registrations.filter(pk=reg_pk).first()
    if reg is None:
        raise Http404
    reg.event = event
    error = ""
    try:
        reg = services.registration_set_attended(user=user, registration=reg, attended=request.POST.get("attended") == "1")
    except AppError as exc:
        error = str(exc.message)
    if request.headers.get("HX-Request") == "true":
        return render(request, "events/partials/checkin_row.html", {"event": event, "reg": reg, "error": error})
    if error:
        messages.error(request, error)
    return redirect("event_checkin", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def event_staff_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff sign someone up (also for events without public sign-up, and at the door)."""
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    form = StaffSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reg = services.registration_create(event=event, registered_by=user, public=False, **form.service_kwargs())
        except AppError as exc:
            add_app_error(form, exc)
        else:
            if reg.status == Registration.Status.WAITLISTED:
                messages.warning(request, _("Arrangementet er fuldt; %(name)s er sat på ventelisten.") % {"name": reg.name})
            else:
                messages.success(request, _("%(name)s er tilmeldt.") % {"name": reg.name})
            return redirect("event_detail", pk=pk)
    return render(request, "events/staff_signup.html", {"event": event, "form": form})


@staff_required
@require_POST
def event_registration_cancel_staff(request: HttpRequest, pk: int, reg_pk: int) -> HttpResponse:
    user = request.user
    _require_individual_access(user)
    event = _managed_or_404(user, pk)
    reg = event.registrations.filter(pk=reg_pk).first()
    if reg is None:
        raise Http404
    try:
        services.registration_cancel(registration=reg, user=user)
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tilmeldingen er annulleret."))
    return redirect("event_detail", pk=pk)
