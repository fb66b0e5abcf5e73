"""Reads for bourses (SPEC 3.4, issue 5): the bourse events a user may manage, cases, participants, runs,
the private-link look-ups, and the assignment instance built from the database.

Who may do what:
- Staff of the event's organisers (lead or co-organiser) and coordinators manage a bourse: review cases,
  see participants and their preferences, upload preferences, run the solver, move and lock
  (`can_manage_event`, from the events selectors).
- Confirming an assignment registers matches for the lead organiser, so only its staff (partner and
  units) and coordinators may confirm (`can_confirm_bourse`).
- Partner staff may submit a case on behalf of a company to any published bourse they can see.
- The steering group and users without an organisation: 403 on every staff page.
- A participant sees the published cases of its own bourse through its private link (a session), or
  through the candidate self-service session when the candidate is registered as the participant.
- A company sees its own case and the applicants to it through the case's private link."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from viaviden import assignment as A
from viaviden.candidates.models import StudyProgramme
from viaviden.candidates.selfservice_auth import current_candidate
from viaviden.core.errors import NotFound
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Organisation, User

from .models import (
    BOURSE_TYPES,
    AssignmentLock,
    BourseCase,
    BourseParticipant,
    BourseRun,
    CompanyPreference,
    Event,
    Preference,
)
from .selectors import can_manage_event, events_for

PARTICIPANT_SESSION_KEY = "bourse_participant_id"


# --- Events -----------------------------------------------------------------------------------------


def _bourse_related(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.filter(type__in=BOURSE_TYPES).select_related("organiser", "municipality").prefetch_related(
        Prefetch("co_organisers", queryset=Organisation.objects.order_by("name"))
    )


def bourses_for(user: User) -> QuerySet[Event]:
    """The bourse events a staff user sees (drafts only of their own organisations), with case and
    participant counts."""
    return (
        _bourse_related(events_for(user))
        .annotate(
            n_cases=Count("bourse_cases", distinct=True),
            n_cases_pending=Count(
                "bourse_cases", filter=Q(bourse_cases__status=BourseCase.Status.SUBMITTED), distinct=True
            ),
            n_participants=Count("bourse_participants", distinct=True),
        )
        .order_by("-starts_at", "-id")
    )


def access_bourse(user: User, pk: int) -> Event:
    """A bourse the user may see (to submit a case on a company's behalf), or NotFound."""
    event = _bourse_related(events_for(user)).filter(pk=pk).first()
    if event is None:
        raise NotFound(_("Børsen findes ikke, eller du har ikke adgang til den."))
    return event


def access_bourse_managed(user: User, pk: int) -> Event:
    """A bourse the user may manage (organiser staff or coordinator), or NotFound."""
    event = _bourse_related(Event.objects.all()).filter(pk=pk).first()
    if event is None or not can_manage_event(user, event):
        raise NotFound(_("Børsen findes ikke, eller du har ikke adgang til at administrere den."))
    return event


def can_confirm_bourse(user: User, event: Event) -> bool:
    """Confirming registers matches for the lead organiser: its staff (partner and units) or coordinators."""
    if not can_see_individual_matches(user):
        return False
    return bool(user.sees_everything or event.organiser_id in partner_org_ids(user))


def public_bourse(pk: int) -> Event:
    """A published bourse for the public pages (case submission, registration), or NotFound."""
    event = (
        Event.objects.filter(type__in=BOURSE_TYPES, status=Event.Status.PUBLISHED, pk=pk)
        .select_related("organiser", "municipality")
        .first()
    )
    if event is None:
        raise NotFound(_("Børsen findes ikke eller er ikke åben."))
    return event


# --- Cases ------------------------------------------------------------------------------------------


def _case_related(qs: QuerySet[BourseCase]) -> QuerySet[BourseCase]:
    return qs.select_related("company", "organisation", "location_municipality", "event").prefetch_related(
        "wished_levels", "wished_programmes"
    )


def bourse_cases(event: Event, *, status: str = "") -> QuerySet[BourseCase]:
    qs = _case_related(event.bourse_cases.all()).annotate(n_applicants=Count("preferences", distinct=True))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("title", "id")


def published_cases(event: Event) -> QuerySet[BourseCase]:
    return _case_related(event.bourse_cases.filter(status=BourseCase.Status.PUBLISHED)).order_by("title", "id")


def access_case_managed(user: User, pk: int) -> BourseCase:
    case = _case_related(BourseCase.objects.filter(pk=pk)).first()
    if case is None or not can_manage_event(user, case.event):
        raise NotFound(_("Casen findes ikke, eller du har ikke adgang til den."))
    return case


def case_by_token(token: str) -> BourseCase:
    """The case behind a company's private link; NotFound for an unknown token."""
    case = _case_related(BourseCase.objects.filter(token=token or "")).first()
    if case is None or not token:
        raise NotFound(_("Linket er ugyldigt."), code="case_link_invalid")
    return case


def case_applicants(case: BourseCase) -> list[dict[str, Any]]:
    """The participants who ranked the case, with their rank of it and the company's rank or veto.
    For the company's page: names, sizes, levels and programmes, never e-mail addresses."""
    prefs = (
        Preference.objects.filter(case=case)
        .select_related("participant")
        .order_by("participant__name", "participant_id")
    )
    company = {cp.participant_id: cp for cp in CompanyPreference.objects.filter(case=case)}
    prefs = list(prefs)
    slugs = {m.get("programme") for pref in prefs for m in pref.participant.members if m.get("programme")}
    names = programme_names(slugs)
    rows = []
    for pref in prefs:
        p = pref.participant
        cp = company.get(p.pk)
        rows.append({
            "participant": p,
            "their_rank": pref.rank,
            "company_rank": cp.rank if cp else None,
            "veto": bool(cp and cp.veto),
            "levels": sorted({m.get("level", "") for m in p.members if m.get("level")}),
            "programmes": sorted({names.get(m["programme"], m["programme"]) for m in p.members if m.get("programme")}),
        })
    return rows


def programme_names(slugs) -> dict[str, str]:
    """Study programme slug -> "Name (Institution)"."""
    slugs = {s for s in slugs if s}
    if not slugs:
        return {}
    return {p.slug: str(p) for p in StudyProgramme.objects.filter(slug__in=slugs)}


# --- Participants -----------------------------------------------------------------------------------


def bourse_participants(event: Event) -> QuerySet[BourseParticipant]:
    return (
        event.bourse_participants.all()
        .prefetch_related(
            Prefetch("preferences", queryset=Preference.objects.select_related("case").order_by("rank"))
        )
        .order_by("name", "id")
    )


def participant_by_token(token: str) -> BourseParticipant:
    participant = BourseParticipant.objects.select_related("event").filter(token=token or "").first()
    if participant is None or not token:
        raise NotFound(_("Linket er ugyldigt."), code="participant_link_invalid")
    return participant


def current_participant(request, event: Event) -> BourseParticipant | None:
    """The participant of `event` logged in on this browser: through its private link (session), or through
    the candidate self-service session when that candidate is registered for the bourse."""
    raw = request.session.get(PARTICIPANT_SESSION_KEY) if hasattr(request, "session") else None
    if raw is not None:
        try:
            participant = BourseParticipant.objects.filter(pk=int(raw), event=event).first()
        except (TypeError, ValueError):
            participant = None
        if participant is not None:
            return participant
    candidate = current_candidate(request)
    if candidate is None:
        return None
    return BourseParticipant.objects.filter(event=event, candidate=candidate).order_by("id").first()


def participant_ranking(participant: BourseParticipant) -> list[Preference]:
    return list(participant.preferences.select_related("case__company").order_by("rank"))


# --- Runs and locks ---------------------------------------------------------------------------------


def bourse_runs(event: Event) -> QuerySet[BourseRun]:
    return event.bourse_runs.select_related("created_by", "confirmed_by").order_by("-created_at", "-id")


def access_run_managed(user: User, pk: int) -> BourseRun:
    run = BourseRun.objects.select_related("event__organiser", "created_by", "confirmed_by").filter(pk=pk).first()
    if run is None or not can_manage_event(user, run.event):
        raise NotFound(_("Fordelingen findes ikke, eller du har ikke adgang til den."))
    return run


def confirmed_run(event: Event) -> BourseRun | None:
    return event.bourse_runs.filter(is_confirmed=True).first()


def bourse_locks(event: Event) -> QuerySet[AssignmentLock]:
    return event.assignment_locks.select_related("participant", "case__company").order_by("participant__name", "id")


# --- The assignment instance ------------------------------------------------------------------------


def participant_profile(members: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The level and programme of a participant for the solver. A group whose members differ is described
    by a combination token ("LVU+MVU"); `build_instance` lets a case accept a combination only when it
    accepts every part, so a group meets a requirement exactly when all its members do."""

    def combined(key: str) -> str | None:
        values = {str(m.get(key) or "").strip() for m in members}
        if "" in values or not values:
            return None
        return "+".join(sorted(values))

    return combined("level"), combined("programme")


def _accepting(wished: set[str], tokens: set[str]) -> set[str]:
    """The wished values plus every combination token all of whose parts are wished."""
    if not wished:
        return set()
    folded = {w.casefold() for w in wished}
    return wished | {t for t in tokens if "+" in t and all(part.casefold() in folded for part in t.split("+"))}


@dataclass
class BourseInput:
    """The solver's instance of a bourse and what the ids mean (ids are the primary keys as text)."""

    instance: A.Instance
    snapshot: dict[str, Any]
    cases: dict[str, BourseCase] = field(default_factory=dict)
    participants: dict[str, BourseParticipant] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The notes' figures (participant, size, case), so a page says them in its reader's language.
    note_items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return snapshot_fingerprint(self.snapshot)


def snapshot_fingerprint(snapshot: dict[str, Any]) -> str:
    """What a run was computed from, as comparable text (labels left out: renaming changes nothing)."""
    core = {k: snapshot.get(k) for k in ("cases", "participants", "company_prefs", "vetoes", "locks")}
    core["cases"] = [{k: v for k, v in c.items() if k not in ("title", "company")} for c in core["cases"] or []]
    core["participants"] = [{k: v for k, v in p.items() if k != "name"} for p in core["participants"] or []]
    return json.dumps(core, sort_keys=True, ensure_ascii=False)


def build_instance(event: Event, *, locks: dict[str, str] | None = None) -> BourseInput:
    """The assignment instance of a bourse from the database: published cases (capacity, wished levels and
    programmes as requirements), every registered participant (size, ranking of published cases, level and
    programme), the companies' ranks and vetoes, and the locks staff set. A ranked case whose group-size
    limits no longer fit the participant is treated as a veto (and noted). `locks` replaces the stored
    locks (for previews)."""
    cases = {str(c.pk): c for c in published_cases(event)}
    participants = {
        str(p.pk): p
        for p in event.bourse_participants.prefetch_related(
            Prefetch("preferences", queryset=Preference.objects.order_by("rank"))
        ).order_by("id")
    }
    profiles = {pid: participant_profile(p.members) for pid, p in participants.items()}
    level_tokens = {lv for lv, _pr in profiles.values() if lv}
    programme_tokens = {pr for _lv, pr in profiles.values() if pr}
    notes: list[str] = []
    note_items: list[dict[str, Any]] = []
    case_rows, solver_cases = [], []
    for cid, c in cases.items():
        levels = _accepting({lv.code for lv in c.wished_levels.all()}, level_tokens)
        programmes = _accepting({pr.slug for pr in c.wished_programmes.all()}, programme_tokens)
        solver_cases.append(A.Case(cid, c.capacity, levels=levels or None, programmes=programmes or None))
        case_rows.append({
            "id": cid, "capacity": c.capacity, "levels": sorted(levels), "programmes": sorted(programmes),
            "title": c.title, "company": c.company.name,
        })
    vetoes: set[tuple[str, str]] = set()
    part_rows, solver_parts = [], []
    for pid, p in participants.items():
        ranking = tuple(str(pref.case_id) for pref in p.preferences.all() if str(pref.case_id) in cases)
        level, programme = profiles[pid]
        solver_parts.append(A.Participant(pid, p.size, ranking, level=level, programme=programme))
        part_rows.append({"id": pid, "size": p.size, "ranking": list(ranking), "level": level,
                          "programme": programme, "name": p.name})
        for cid in ranking:
            c = cases[cid]
            if p.size < c.min_group_size or (c.max_group_size is not None and p.size > c.max_group_size):
                vetoes.add((cid, pid))
                note_items.append({"kind": "group_size", "participant": p.name, "size": p.size, "case": c.title})
                notes.append(
                    _("%(participant)s (%(size)d personer) passer ikke med gruppestørrelsen på casen "
                      "»%(case)s« og kan ikke placeres der.") % {"participant": p.name, "size": p.size, "case": c.title}
                )
    company_prefs: dict[str, list[str]] = defaultdict(list)
    for cp in CompanyPreference.objects.filter(case__in=[c.pk for c in cases.values()]).order_by(
        "case_id", "rank", "participant_id"
    ):
        cid, pid = str(cp.case_id), str(cp.participant_id)
        if pid not in participants:
            continue
        if cp.veto:
            vetoes.add((cid, pid))
        elif cp.rank is not None:
            company_prefs[cid].append(pid)
    if locks is None:
        locks = {
            str(lock.participant_id): str(lock.case_id)
            for lock in event.assignment_locks.all()
            if str(lock.participant_id) in participants and str(lock.case_id) in cases
        }
    snapshot = {
        "cases": case_rows,
        "participants": part_rows,
        "company_prefs": dict(sorted(company_prefs.items())),
        "vetoes": sorted([list(v) for v in vetoes]),
        "locks": dict(sorted(locks.items())),
        "notes": notes,
    }
    instance = A.Instance.build(
        cases=solver_cases, participants=solver_parts, company_prefs=company_prefs, vetoes=vetoes, locks=locks
    )
    return BourseInput(instance, snapshot, cases, participants, notes, note_items)


def instance_from_snapshot(snapshot: dict[str, Any]) -> A.Instance:
    """The instance a stored run was computed from (so moves are judged against exactly that)."""
    return A.Instance.build(
        cases=[A.Case(c["id"], c["capacity"], levels=set(c["levels"]) or None,
                      programmes=set(c["programmes"]) or None) for c in snapshot.get("cases", [])],
        participants=[A.Participant(p["id"], p["size"], tuple(p["ranking"]), level=p["level"],
                                    programme=p["programme"]) for p in snapshot.get("participants", [])],
        company_prefs=snapshot.get("company_prefs", {}),
        vetoes=[tuple(v) for v in snapshot.get("vetoes", [])],
        locks=snapshot.get("locks", {}),
    )


def run_assignment(run: BourseRun) -> tuple[A.Instance, A.Assignment]:
    """The stored run as the solver's objects (instance and assignment with its verdict)."""
    from dataclasses import replace

    instance = instance_from_snapshot(run.input_snapshot)
    placement = dict(run.result.get("placement", {}))
    assignment = A.Assignment.build(instance, placement, mode=run.mode)
    return instance, replace(assignment, verdict=A.verify(instance, assignment))
