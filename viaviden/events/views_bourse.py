"""Bourse pages (SPEC 3.4, issue 5), mounted at "arrangementer/boers/".

Staff (OTP-verified; the steering group and users without an organisation get 403; a bourse the user may
not manage is a 404): the bourse list and overview, case review, case submission on a company's behalf,
participants, the preference upload, the assignment page (runs, locks), a run with its figures, hand moves
and confirmation.

Public: the company's case form and its private case page (status, ranking or vetoing applicants); the
participant's registration, private-link login, the case list (only for registered participants) and the
ranking form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from viaviden import assignment as A
from viaviden.candidates.selfservice_auth import current_candidate
from viaviden.companies import selfservice
from viaviden.companies.models import Company
from viaviden.companies.services import company_get_or_create
from viaviden.core.errors import AppError, NotFound, ValidationFailed
from viaviden.matches.models import Match
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.access import staff_required
from viaviden.organisations.models import User

from . import bourse_selectors as sel
from . import bourse_services as svc
from . import bourse_text
from .forms_bourse import (
    CasePublicForm,
    CaseStaffForm,
    CaseStatusForm,
    LockForm,
    ParticipantRegisterForm,
    PreferenceUploadForm,
    RankingForm,
    RunForm,
    add_service_errors,
)
from .models import AssignmentLock, BourseCase, BourseParticipant, Event

PAGE_SIZE = 50
MAX_ERRORS_SHOWN = 200


def _require_individual_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise PermissionDenied


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _private(response: HttpResponse) -> HttpResponse:
    """Pages reached through a secret link: not indexed, not cached, no referrer to other sites."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _app_error_message(request: HttpRequest, exc: AppError) -> None:
    messages.error(request, str(exc.message))


# --- Staff: bourses and cases -----------------------------------------------------------------------


@staff_required
def bourse_list(request: HttpRequest) -> HttpResponse:
    _require_individual_access(request.user)
    page = Paginator(sel.bourses_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/bourse/bourse_list.html", {"page": page, "events": page.object_list})


@staff_required
def bourse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse_managed, request.user, pk)
    status = request.GET.get("status", "")
    context = {
        "event": event,
        "cases": sel.bourse_cases(event, status=status if status in BourseCase.Status.values else ""),
        "status_filter": status,
        "statuses": BourseCase.Status.choices,
        "n_participants": event.bourse_participants.count(),
        "runs": sel.bourse_runs(event)[:5],
        "confirmed": sel.confirmed_run(event),
        "public_case_url": request.build_absolute_uri(reverse("bourse_case_public_form", args=[event.pk])),
        "register_url": request.build_absolute_uri(reverse("bourse_participant_register", args=[event.pk])),
    }
    return render(request, "events/bourse/bourse_detail.html", context)


def _company_for_staff_case(form: CaseStaffForm):
    c = form.cleaned_data
    company = Company.objects.filter(cvr=c["cvr"]).select_related("municipality").first()
    while company is not None and company.merged_into_id is not None:
        company = Company.objects.get(pk=company.merged_into_id)
    if company is not None:
        return company
    errors = {}
    if not c.get("company_name"):
        errors["company_name"] = [_("Virksomheden er ikke i registret. Skriv dens navn.")]
    municipality = None
    try:
        municipality = selfservice.municipality_for_postal_code(postal_code=c.get("postal_code") or "")
    except ValidationFailed as exc:
        errors.update(exc.details or {})
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="invalid_case", details=errors)
    company, _created = company_get_or_create(cvr=c["cvr"], name=c["company_name"], municipality=municipality)
    return company


@staff_required
@require_http_methods(["GET", "POST"])
def bourse_case_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Partner staff submit a case on a company's behalf."""
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse, request.user, pk)
    can_publish = sel.can_manage_event(request.user, event)
    form = CaseStaffForm(request.POST or None)
    if not can_publish:
        del form.fields["publish"]
    if request.method == "POST" and form.is_valid():
        try:
            company = _company_for_staff_case(form)
            case = svc.bourse_case_submit_staff(
                user=request.user, event=event, company=company, data=form.case_data(),
                publish=bool(form.cleaned_data.get("publish")),
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Casen »%(title)s« er gemt.") % {"title": case.title})
            if can_publish:
                return redirect("bourse_detail", event.pk)
            return redirect("bourse_list")
    return render(request, "events/bourse/case_form.html", {"event": event, "form": form, "public": False})


@staff_required
def bourse_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    case = _or_404(sel.access_case_managed, request.user, pk)
    context = {
        "case": case,
        "event": case.event,
        "applicants": sel.case_applicants(case),
        "statuses": BourseCase.Status.choices,
        "company_url": svc.case_status_url(case),
    }
    return render(request, "events/bourse/case_detail.html", context)


@staff_required
@require_POST
def bourse_case_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    case = _or_404(sel.access_case_managed, request.user, pk)
    form = CaseStatusForm(request.POST)
    if form.is_valid():
        try:
            case = svc.bourse_case_set_status(user=request.user, case=case, status=form.cleaned_data["status"],
                                              version=form.cleaned_data.get("version"))
        except AppError as exc:
            _app_error_message(request, exc)
        else:
            messages.success(request, _("Casen »%(title)s« har nu status: %(status)s.")
                             % {"title": case.title, "status": case.get_status_display()})
    else:
        messages.error(request, _("Ukendt status."))
    return redirect(request.POST.get("next") or reverse("bourse_detail", args=[case.event_id]))


# --- Staff: participants and preferences ------------------------------------------------------------


@staff_required
def bourse_participant_list(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse_managed, request.user, pk)
    page = Paginator(sel.bourse_participants(event), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/bourse/participant_list.html", {"event": event, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def bourse_preferences_upload(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse_managed, request.user, pk)
    form = PreferenceUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = svc.bourse_preferences_import(user=request.user, event=event, path_or_file=form.cleaned_data["file"])
        except AppError as exc:
            form.add_error(None, str(exc.message))
    errors = result.errors if result else []
    context = {
        "event": event, "form": form, "result": result, "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(len(errors) - MAX_ERRORS_SHOWN, 0), "columns": svc.PREFERENCE_COLUMN_HELP,
        "cases": sel.published_cases(event),
    }
    return render(request, "events/bourse/preferences_upload.html", context)


# --- Staff: the assignment --------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def bourse_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """Runs (compute a new one), the locks, the preview of the instance."""
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse_managed, request.user, pk)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = svc.bourse_run_create(user=request.user, event=event, mode=form.cleaned_data["mode"])
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("bourse_run_detail", run.pk)
    context = {
        "event": event, "form": form, "runs": sel.bourse_runs(event), "locks": sel.bourse_locks(event),
        "confirmed": sel.confirmed_run(event),
    }
    return render(request, "events/bourse/assignment.html", context)


def _pairs_view(pairs, cases: dict[str, dict], participants: dict[str, dict]) -> list[dict]:
    """Blocking pairs with names instead of ids, for the templates."""
    def name(pid: str) -> str:
        return participants.get(pid, {}).get("name", pid)

    def title(cid: str | None) -> str:
        return cases.get(cid, {}).get("title", cid or "") if cid else ""

    return [
        {"participant": name(b.participant_id), "case": title(b.case_id), "case_rank": b.case_rank,
         "current": title(b.current_case), "current_rank": b.current_rank, "free": b.free_seats,
         "displaced": [name(d) for d in b.displaced]}
        for b in pairs
    ]


def _labels(run) -> tuple[dict[str, dict], dict[str, dict]]:
    snap = run.input_snapshot
    return ({c["id"]: c for c in snap.get("cases", [])}, {p["id"]: p for p in snap.get("participants", [])})


@staff_required
def bourse_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: figures, rank distribution, unassigned with reasons, the verifier's verdict, the placement; a hand
    move preview (?participant=&case=) with its effect on stability and welfare; lock and confirm."""
    _require_individual_access(request.user)
    run = _or_404(sel.access_run_managed, request.user, pk)
    event = run.event
    instance, assignment = sel.run_assignment(run)
    cases, participants = _labels(run)
    move = None
    move_error = ""
    pid, cid = request.GET.get("participant", ""), request.GET.get("case", "")
    if pid:
        if pid not in instance.participants or (cid and cid not in instance.cases):
            move_error = _("Vælg en deltager og en case fra fordelingen.")
        else:
            move = A.move_effect(instance, assignment, pid, cid or None)
    rows = []
    for p in participants.values():
        placed = assignment.placement.get(p["id"])
        rows.append({"participant": p, "case": cases.get(placed) if placed else None,
                     "rank": assignment.ranks.get(p["id"]), "locked": p["id"] in instance.locks})
    rows.sort(key=lambda r: (r["case"] is None, (r["case"] or {}).get("title", ""), r["participant"]["name"]))
    distribution = [
        {"rank": i, "participants": n, "students": s}
        for i, (n, s) in enumerate(zip(assignment.rank_distribution, assignment.rank_distribution_students,
                                       strict=True), start=1)
    ]
    load = dict.fromkeys(cases, 0)
    for p_id, c_id in assignment.placement.items():
        load[c_id] = load.get(c_id, 0) + instance.participants[p_id].size
    case_rows = [{"case": c, "used": load.get(c["id"], 0)} for c in cases.values()]
    current = sel.build_instance(event) if not run.is_confirmed else None
    outdated = bool(current and current.fingerprint != sel.snapshot_fingerprint(run.input_snapshot))
    unassigned = [{"participant": participants.get(u.participant_id, {}).get("name", u.participant_id),
                   "size": u.size, "reason": u.reason, "text": bourse_text.unassigned_text(u)}
                  for u in assignment.unassigned]

    def name(participant_id: str | None) -> str:
        return str(participants.get(participant_id, {}).get("name", participant_id or "–"))

    move_view = None
    if move is not None:
        move_view = {
            "effect": move,
            "participant": participants[pid]["name"],
            "from_case": cases.get(move.from_case, {}).get("title") if move.from_case else None,
            "to_case": cases.get(move.to_case, {}).get("title") if move.to_case else None,
            "new_pairs": _pairs_view(move.new_blocking_pairs, cases, participants),
            "resolved_pairs": _pairs_view(move.resolved_blocking_pairs, cases, participants),
            "lockable": bool(move.to_case) and not move.new_violations and move.capacity_ok,
            "summary_after": bourse_text.verdict_summary(move.verdict),
            "new_violations": [bourse_text.violation_text(v, name) for v in move.new_violations],
        }
    context = {
        "event": event, "run": run, "assignment": assignment, "verdict": assignment.verdict, "rows": rows,
        "unassigned": unassigned, "move_view": move_view,
        "blocking": _pairs_view(assignment.verdict.blocking_pairs, cases, participants),
        "violations": [bourse_text.violation_text(v, name) for v in assignment.verdict.violations],
        "verdict_summary": bourse_text.verdict_summary(assignment.verdict),
        "distribution": distribution, "cases": cases, "participants": participants, "case_rows": case_rows,
        "move": move, "move_error": move_error, "move_participant": pid, "move_case": cid,
        "outdated": outdated, "can_confirm": sel.can_confirm_bourse(request.user, event),
        "confirmed": sel.confirmed_run(event), "notes": bourse_text.run_notes(run.result),
        "participant_choices": sorted(participants.values(), key=lambda p: p["name"]),
        "case_choices": sorted(cases.values(), key=lambda c: c["title"]),
        "matches": (Match.objects.filter(registering_org=event.organiser, import_key__startswith=f"bourse:{event.pk}:")
                    .select_related("company", "match_type").order_by("id") if run.is_confirmed else []),
    }
    return render(request, "events/bourse/run_detail.html", context)


@staff_required
@require_POST
def bourse_lock_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    event = _or_404(sel.access_bourse_managed, request.user, pk)
    form = LockForm(request.POST)
    if form.is_valid():
        participant = BourseParticipant.objects.filter(pk=form.cleaned_data["participant"], event=event).first()
        case = BourseCase.objects.filter(pk=form.cleaned_data["case"], event=event).first()
        if participant is None or case is None:
            messages.error(request, _("Deltageren og casen skal høre til børsen."))
        else:
            try:
                svc.bourse_lock_set(user=request.user, event=event, participant=participant, case=case)
            except AppError as exc:
                _app_error_message(request, exc)
            else:
                messages.success(request, _("%(p)s er låst til »%(c)s«. Beregn fordelingen igen for at bruge låsen.")
                                 % {"p": participant.name, "c": case.title})
    else:
        messages.error(request, _("Vælg en deltager og en case."))
    return redirect("bourse_assignment", event.pk)


@staff_required
@require_POST
def bourse_lock_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    lock = AssignmentLock.objects.select_related("event", "participant").filter(pk=pk).first()
    if lock is None or not sel.can_manage_event(request.user, lock.event):
        raise Http404
    event_pk = lock.event_id
    try:
        svc.bourse_lock_remove(user=request.user, lock=lock)
    except AppError as exc:
        _app_error_message(request, exc)
    else:
        messages.success(request, _("Låsen for %(p)s er fjernet.") % {"p": lock.participant.name})
    return redirect("bourse_assignment", event_pk)


@staff_required
@require_POST
def bourse_run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require_individual_access(request.user)
    run = _or_404(sel.access_run_managed, request.user, pk)
    try:
        result = svc.bourse_run_confirm(user=request.user, run=run)
    except AppError as exc:
        _app_error_message(request, exc)
    else:
        messages.success(
            request,
            _("Fordelingen er godkendt: %(created)d nye match registreret, %(merged)d lagt sammen med eksisterende, "
              "%(already)d var registreret i forvejen.")
            % {"created": result.created, "merged": result.merged, "already": result.already},
        )
    return redirect("bourse_run_detail", run.pk)


# --- Public: companies ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def bourse_case_public_form(request: HttpRequest, pk: int) -> HttpResponse:
    event = _or_404(sel.public_bourse, pk)
    refusal = ""
    closed = bool(event.case_deadline and event.case_deadline < timezone.now())
    form = CasePublicForm(request.POST or None)
    if request.method == "POST":
        ip = request.META.get("REMOTE_ADDR", "")
        if form.is_spam_honeypot() or not selfservice.form_token_is_plausible(request.POST.get("form_token", "")):
            refusal = _("Vi kunne ikke modtage formularen. Kontrollér oplysningerne, og send den igen.")
        elif form.is_valid():
            if selfservice.rate_limit_exceeded(ip):
                refusal = _("Der er sendt mange henvendelser fra din internetforbindelse den seneste time. "
                            "Prøv igen senere.")
            else:
                try:
                    svc.bourse_case_submit_public(event=event, **form.service_kwargs())
                except ValidationFailed as exc:
                    if exc.code == "case_deadline_passed":
                        refusal = str(exc.message)
                    else:
                        add_service_errors(form, exc)
                else:
                    selfservice.rate_limit_register(ip)
                    return redirect("bourse_case_public_sent", event.pk)
    context = {"event": event, "form": form, "refusal": refusal, "closed": closed, "public": True}
    return render(request, "events/bourse/case_form.html", context)


def bourse_case_public_sent(request: HttpRequest, pk: int) -> HttpResponse:
    event = _or_404(sel.public_bourse, pk)
    return render(request, "events/bourse/case_sent.html", {"event": event})


@require_http_methods(["GET", "POST"])
def bourse_company_page(request: HttpRequest, token: str) -> HttpResponse:
    """The company's private case page: status, and when published the applicants to rank or veto."""
    case = _or_404(sel.case_by_token, token)
    applicants = sel.case_applicants(case)
    error = ""
    if request.method == "POST":
        ranks: dict[int, int | None] = {}
        vetoes: set[int] = set()
        for row in applicants:
            p = row["participant"]
            raw = (request.POST.get(f"rank_{p.pk}") or "").strip()
            if raw:
                ranks[p.pk] = int(raw) if raw.isdigit() else -1
            if request.POST.get(f"veto_{p.pk}"):
                vetoes.add(p.pk)
        try:
            svc.bourse_company_preferences_set(case=case, ranks=ranks, vetoes=vetoes)
        except ValidationFailed as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("Jeres prioritering er gemt."))
            return _private(redirect("bourse_company_page", token))
    context = {"case": case, "event": case.event, "applicants": applicants, "error": error,
               "confirmed": sel.confirmed_run(case.event) is not None}
    return _private(render(request, "events/bourse/company_page.html", context))


# --- Public: participants ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def bourse_participant_register(request: HttpRequest, pk: int) -> HttpResponse:
    event = _or_404(sel.public_bourse, pk)
    is_open, why = svc.registration_open(event)
    me = sel.current_participant(request, event)
    form = ParticipantRegisterForm(request.POST or None)
    if request.method == "POST" and is_open and form.is_valid():
        candidate = current_candidate(request)
        try:
            participant = svc.bourse_participant_register(
                event=event, kind=form.cleaned_data["kind"], name=form.cleaned_data.get("name", ""),
                members=form.members(), consent=form.cleaned_data["consent"], candidate=candidate,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            request.session.cycle_key()
            request.session[sel.PARTICIPANT_SESSION_KEY] = participant.pk
            messages.success(request, _("Du er tilmeldt. Vi har sendt dig et link, så du kan komme tilbage senere."))
            return redirect("bourse_case_list_public", event.pk)
    context = {"event": event, "form": form, "is_open": is_open, "closed_reason": why, "me": me,
               "max_members": svc.MAX_MEMBERS}
    return render(request, "events/bourse/participant_register.html", context)


def bourse_participant_login(request: HttpRequest, token: str) -> HttpResponse:
    """The private link from the e-mail: starts the participant's session and shows the cases."""
    participant = _or_404(sel.participant_by_token, token)
    request.session.cycle_key()
    request.session[sel.PARTICIPANT_SESSION_KEY] = participant.pk
    return _private(redirect("bourse_case_list_public", participant.event_id))


@require_POST
def bourse_participant_logout(request: HttpRequest, pk: int) -> HttpResponse:
    request.session.pop(sel.PARTICIPANT_SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("bourse_participant_register", pk)


def _participant_or_denied(request: HttpRequest, event: Event) -> BourseParticipant | None:
    return sel.current_participant(request, event)


def bourse_case_list_public(request: HttpRequest, pk: int) -> HttpResponse:
    """The published cases of the bourse, for registered participants only."""
    event = _or_404(sel.public_bourse, pk)
    me = _participant_or_denied(request, event)
    if me is None:
        return render(request, "events/bourse/participant_needed.html", {"event": event}, status=403)
    is_open, why = svc.registration_open(event)
    context = {"event": event, "me": me, "cases": sel.published_cases(event), "ranking": sel.participant_ranking(me),
               "is_open": is_open, "closed_reason": why}
    return _private(render(request, "events/bourse/case_list_public.html", context))


@require_http_methods(["GET", "POST"])
def bourse_preferences_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _or_404(sel.public_bourse, pk)
    me = _participant_or_denied(request, event)
    if me is None:
        return render(request, "events/bourse/participant_needed.html", {"event": event}, status=403)
    is_open, why = svc.registration_open(event)
    cases = [c for c in sel.published_cases(event) if svc._size_fits(c, me.size)]
    initial = {f"choice_{p.rank}": str(p.case_id) for p in sel.participant_ranking(me)}
    form = RankingForm(request.POST or None, cases=cases, max_choices=event.max_ranked_choices, initial=initial)
    if request.method == "POST" and is_open and form.is_valid():
        try:
            svc.bourse_preferences_set(participant=me, case_ids=form.case_ids())
        except ValidationFailed as exc:
            form.add_error(None, str(exc.message))
            for message in (exc.details or {}).get("cases", [])[1:]:
                form.add_error(None, message)
        else:
            messages.success(request, _("Dine prioriteter er gemt."))
            return redirect("bourse_case_list_public", event.pk)
    n_other = sel.published_cases(event).count() - len(cases)
    context = {"event": event, "me": me, "form": form, "is_open": is_open, "closed_reason": why,
               "n_other": n_other}
    return _private(render(request, "events/bourse/preferences_form.html", context))
