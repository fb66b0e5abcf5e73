"""The cohort pages (mounted at "forloeb/"): the effect overview, cohorts with their pseudonymous
participants and outcomes, and the import. Thin views: a form parses, one service acts, a selector reads.

The steering group sees the effect overview (aggregates) only; partner staff see their partner's cohorts;
a cohort of another organisation is a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, Forbidden, NotFound
from viaviden.core.forms import import_page_context
from viaviden.matches.views.programme import selected_programme
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from . import selectors, services
from .forms import CohortForm, CohortImportForm, OutcomeForm, ParticipantsAddForm
from .importing import COLUMN_HELP, REQUIRED_COLUMNS, import_cohorts
from .models import Cohort, Participant
from .permissions import (
    access_cohort,
    can_delete_cohort,
    can_manage_cohorts_for,
    can_see_cohorts,
    effect_organisations,
)

PAGE_SIZE = 50


def _as_of(request: HttpRequest) -> dt.date:
    value = request.GET.get("as_of") or ""
    day = None
    try:
        day = parse_date(value) if value else None
    except ValueError:
        day = None
    return day or timezone.localdate()


def _require_cohorts(user: User) -> None:
    if not can_see_cohorts(user):
        raise PermissionDenied


def _cohort_or_404(user: User, pk: int) -> Cohort:
    try:
        return access_cohort(user, pk, Cohort.objects.select_related("organisation", "programme", "created_by"))
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@staff_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    """The effect per organisation as of a date, and (not for the steering group) the cohorts."""
    user = request.user
    programme, programmes = selected_programme(request)
    as_of = _as_of(request)
    allowed = effect_organisations(user)
    effect_rows = selectors.effect_by_organisation(programme=programme, as_of=as_of, organisation_ids=allowed)
    context = {
        "programme": programme, "programmes": programmes, "as_of": as_of, "effect_rows": effect_rows,
        "months": selectors.EFFECT_MONTHS, "show_cohorts": can_see_cohorts(user),
    }
    if context["show_cohorts"]:
        activity = request.GET.get("activity", "")
        if activity not in Cohort.Activity.values:
            activity = ""
        q = (request.GET.get("q") or "").strip()[:100]
        qs = selectors.cohorts_for(user, programme=programme, activity=activity, q=q)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {"page": page, "cohorts": page.object_list, "activity": activity, "q": q,
                    "activities": Cohort.Activity.choices, "can_create": user.sees_everything
                    or (user.organisation_id is not None and can_manage_cohorts_for(user, user.organisation))}
    return render(request, "cohorts/cohort_list.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_cohorts(user)
    form = CohortForm(request.POST or None, user=user, initial={"activity": Cohort.Activity.JOB_SEARCH})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services.cohort_create(
                user=user, organisation=data["organisation"], title=data["title"], activity=data["activity"],
                start_date=data["start_date"], end_date=data["end_date"], note=data["note"],
                identifiers=form.identifier_list(),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except AppError as exc:
            form.add_app_error(exc)
        else:
            n = cohort.participants.count()
            messages.success(request, ngettext("Forløbet er oprettet med %(n)d deltager.",
                                               "Forløbet er oprettet med %(n)d deltagere.", n) % {"n": n})
            return redirect("cohort_detail", cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": None},
                  status=422 if form.errors else 200)


def _render_detail(request: HttpRequest, cohort: Cohort, *, add_form: ParticipantsAddForm | None = None,
                   outcome_errors: dict[int, OutcomeForm] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    as_of = _as_of(request)
    participants = list(selectors.cohort_participants(cohort))
    outcome_errors = outcome_errors or {}
    rows = [
        {"participant": p, "status": selectors.participant_status(p, cohort=cohort, as_of=as_of),
         "form": outcome_errors.get(p.pk) or OutcomeForm(
             prefix=f"p{p.pk}", initial={"outcome": p.outcome, "outcome_date": p.outcome_date})}
        for p in participants
    ]
    can_manage = can_manage_cohorts_for(user, cohort.organisation)
    return render(request, "cohorts/cohort_detail.html", {
        "cohort": cohort, "rows": rows, "as_of": as_of, "effect": selectors.cohort_effect(cohort, as_of=as_of),
        "can_manage": can_manage, "can_delete": can_delete_cohort(user, cohort),
        "add_form": add_form or (ParticipantsAddForm() if can_manage else None),
        "history": object_history(cohort),
    }, status=status)


@staff_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_cohorts(request.user)
    return _render_detail(request, _cohort_or_404(request.user, pk))


@staff_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_cohorts(user)
    cohort = _cohort_or_404(user, pk)
    if not can_manage_cohorts_for(user, cohort.organisation):
        raise PermissionDenied
    initial = {"title": cohort.title, "activity": cohort.activity, "start_date": cohort.start_date,
               "end_date": cohort.end_date, "note": cohort.note, "version": cohort.version}
    form = CohortForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cohort_update(user=user, cohort=cohort, version=data["version"], title=data["title"],
                                   activity=data["activity"], start_date=data["start_date"],
                                   end_date=data["end_date"], note=data["note"])
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Forløbet er gemt."))
            return redirect("cohort_detail", cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort},
                  status=422 if form.errors else 200)


@staff_required
@require_POST
def cohort_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_cohorts(user)
    cohort = _cohort_or_404(user, pk)
    try:
        services.cohort_delete(user=user, cohort=cohort)
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, _("Forløbet «%(title)s» er slettet.") % {"title": cohort.title})
    return redirect("cohort_list")


@staff_required
@require_POST
def participants_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_cohorts(user)
    cohort = _cohort_or_404(user, pk)
    form = ParticipantsAddForm(request.POST)
    if form.is_valid():
        try:
            result = services.participants_add(user=user, cohort=cohort, identifiers=form.identifier_list(),
                                               education_level=form.cleaned_data["education_level"])
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except AppError as exc:
            form.add_error("identifiers", str(exc.message))
        else:
            text = ngettext("%(added)d deltager tilføjet.", "%(added)d deltagere tilføjet.",
                            result.added) % {"added": result.added}
            if result.already:
                text += " " + _("%(n)d var der allerede.") % {"n": result.already}
            messages.success(request, text)
            return redirect("cohort_detail", cohort.pk)
    return _render_detail(request, cohort, add_form=form, status=422)


@staff_required
@require_POST
def participant_outcome(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """Register or correct one participant's outcome (`action=remove` removes the participant)."""
    user = request.user
    _require_cohorts(user)
    cohort = _cohort_or_404(user, pk)
    participant = Participant.objects.filter(cohort=cohort, pk=participant_pk).select_related("cohort").first()
    if participant is None:
        raise Http404
    if request.POST.get("action") == "remove":
        try:
            services.participant_remove(user=user, participant=participant)
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        messages.success(request, _("%(p)s er fjernet fra forløbet.") % {"p": participant})
        return redirect("cohort_detail", cohort.pk)
    form = OutcomeForm(request.POST, prefix=f"p{participant.pk}")
    if form.is_valid():
        try:
            services.participant_set_outcome(user=user, participant=participant,
                                             outcome=form.cleaned_data["outcome"],
                                             outcome_date=form.cleaned_data["outcome_date"])
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Udfaldet for %(p)s er gemt.") % {"p": participant})
            return redirect("cohort_detail", cohort.pk)
    return _render_detail(request, cohort, outcome_errors={participant.pk: form}, status=422)


@staff_required
@require_http_methods(["GET", "POST"])
def cohort_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_cohorts(user)
    if user.organisation_id is None and not user.sees_everything:
        raise PermissionDenied
    posted = request.method == "POST"
    form = CohortImportForm(request.POST if posted else None, request.FILES if posted else None, user=user)
    result = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_cohorts(path_or_file=upload, filename=upload.name,
                                    organisation=form.cleaned_data["organisation"], user=user,
                                    skip_invalid=form.cleaned_data["skip_invalid"])
        except AppError as exc:
            form.add_error(None, str(exc.message))
    context = import_page_context(result, column_help=COLUMN_HELP, required=REQUIRED_COLUMNS)
    return render(request, "cohorts/import.html", {"form": form, **context})
