"""Matching suggestions (SPEC 3.3): ranked candidates for a need, and ranked open needs for a candidate, each
with its reasons in plain Danish. Suggestions support the consultant; a person always decides.

    suggestions_for_need(user, need, k=20)      -> list[CandidateSuggestion]   (staff; identities masked)
    suggestions_for_candidate(candidate, k=20)  -> list[ProfileSuggestion]     (the candidate's own page, staff)

Privacy (SPEC 3.9): only candidates with an active MATCHING consent are suggested; the rows shown are read
through `candidates_for_matching()` at query time, so a candidate whose consent was withdrawn or whose
profile was erased a moment ago is never shown, whatever the index still holds. Staff see a candidate as
`selectors.candidate_views` allows (name, e-mail and phone only with a SHARING consent or for the candidate's
own organisation); showing personal data is audit-logged.

Extension point: `register_profile_source(kind, source)` adds another kind of open case (bourse cases, SPEC
3.4) to `suggestions_for_candidate`; a source returns (object, JobProfile) pairs for the open cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from viaviden.companies.models import Need
from viaviden.companies.need_selectors import OPEN_STATUSES, visible_needs, warm_up_job_profile
from viaviden.companies.need_selectors import JobProfile as NeedJobProfile
from viaviden.core.errors import Forbidden, NotFound
from viaviden.core.sql import insert_rows
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.matching import JobProfile, Suggestion
from viaviden.organisations.models import User

from .matching_index import (
    candidate_doc,
    matching_index,
    matching_index_discard,
    matching_profile,
    need_profile,
    rank_candidates,
    warm_rankings,
    warm_up_index_changes,
)
from .models import Candidate, Consent, Shortlist
from .selectors import (
    CandidateView,
    candidate_views,
    candidates_for_matching,
    matching_candidate_values,
    stored_pseudonym,
    warm_up_matching_values,
    with_profile_relations,
)

DEFAULT_K = 20
MAX_K = 100
# A ranking is asked again when some of its top k turned out to be gone (erased, consent withdrawn in
# another process between its sync and our read); each retry has dropped those ids from the index.
MAX_ATTEMPTS = 3


def _require_staff(user: User) -> None:
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har kun adgang til samlede tal, ikke til enkelte kandidater."), code="aggregates_only")


# --- Candidates for a need ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateSuggestion:
    candidate: CandidateView
    score: float
    reasons: list[str]
    shortlist: Shortlist | None

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def may_be_contacted(self) -> bool:
        return self.candidate.may_be_contacted


class RevealedRow(NamedTuple):
    """What the audit needs of a shown candidate (a CandidateView has the same two attributes)."""

    pk: int
    revealed: bool


def _log_suggestion_access(
    user: User, views: Sequence[CandidateView | RevealedRow], via: str = "suggestions"
) -> None:
    """One audit row per candidate whose personal data the user was shown, written in one statement (the same
    rows as selectors.log_personal_data_access: pseudonym only, action ACCESS; core.sql.insert_rows)."""
    revealed = [v.pk for v in views if v.revealed]
    if revealed:
        _insert_access_rows(user, revealed, via)


def _insert_access_rows(user: User | None, candidate_ids: list[int], via: str, *, warm: bool = False) -> None:
    template = LogEntry(
        content_type=ContentType.objects.get_for_model(Candidate),
        action=LogEntry.Action.ACCESS,
        changes=None,
        actor=user,
        cid=get_cid(),
        additional_data={"personal_data": True, "via": via},
    )
    insert_rows(
        LogEntry,
        template,
        {"object_pk": [str(pk) for pk in candidate_ids], "object_id": candidate_ids,
         "object_repr": [stored_pseudonym(pk) for pk in candidate_ids]},
        using=router.db_for_write(LogEntry),
        warm=warm,
    )


# Open needs whose suggestions (at DEFAULT_K) are ranked before a process takes traffic, newest first.
WARM_UP_RANKINGS = 200


def warm_up_suggestions(*, run: bool = False) -> None:
    """What the first suggestions request of a process would otherwise read, compile or rank
    (config/warmup.py): the content type of the audit rows (Django keeps it per process), the queries compiled
    once per process (the need's job profile, the candidates' values, the index's change check), and the
    rankings of the newest open needs (the index remembers them while its candidates are unchanged, so a worker
    forked after this starts with them and reads nothing more; a worker whose index had to catch up ranks them
    anew here). Costs a few milliseconds per need; at most WARM_UP_RANKINGS needs. `run` (a worker): also runs
    the compiled queries once on the worker's own connection, and the audit rows' INSERT for no rows (it
    inserts nothing; the connection parses it and reads the audit table's catalog entries)."""
    ContentType.objects.get_for_model(Candidate)
    warm_up_job_profile(run=run)
    warm_up_matching_values(run=run)
    if run:
        _insert_access_rows(None, [], "suggestions", warm=True)
    warm_up_index_changes()
    warm_rankings(_newest_open_profiles, DEFAULT_K)


def _newest_open_profiles() -> list[JobProfile]:
    needs = (
        Need.objects.filter(status__in=OPEN_STATUSES)
        .select_related("company")
        .prefetch_related("match_types", "education_levels")
        .order_by("-created_at", "-id")[:WARM_UP_RANKINGS]
    )
    return [need_profile(need) for need in needs]


def _rank_checked(profile: JobProfile, k: int, read: Callable[[list[int]], dict[int, Any]]) -> tuple[list[Suggestion], dict[int, Any]]:
    """The engine's top k for a profile and `read(ids)` of them ({id: row}), which reads through
    candidates_for_matching(): a candidate the index still holds but who is gone or no longer consents is dropped
    from the index and the ranking asked again."""
    suggestions: list[Suggestion] = []
    rows: dict[int, Any] = {}
    for _attempt in range(MAX_ATTEMPTS):
        suggestions = rank_candidates(profile, k)
        ids = [s.id for s in suggestions]
        rows = read(ids) if ids else {}
        missing = [i for i in ids if i not in rows]
        if not missing:
            break
        matching_index_discard(missing)
    return [s for s in suggestions if s.id in rows], rows


def rank_candidates_checked(profile: JobProfile, k: int) -> tuple[list[Suggestion], dict[int, Candidate]]:
    """The engine's top k for a profile and their rows (with programme, level, municipality, organisation,
    match types and active consents), read through candidates_for_matching() (see _rank_checked)."""
    return _rank_checked(
        profile, k, lambda ids: {c.pk: c for c in with_profile_relations(candidates_for_matching().filter(pk__in=ids))}
    )


def suggestions_for_need(user: User, need: Need, k: int = DEFAULT_K) -> list[CandidateSuggestion]:
    """The best candidates for a need, best first, as `user` may see them, with the need's shortlist entries.
    The caller has checked that the user may see the need (need_selectors.access_need)."""
    _require_staff(user)
    k = max(1, min(int(k), MAX_K))
    suggestions, rows = rank_candidates_checked(need_profile(need), k)
    views = candidate_views(user, [rows[s.id] for s in suggestions])
    _log_suggestion_access(user, views)
    entries = (
        {e.candidate_id: e for e in Shortlist.objects.filter(need=need, candidate_id__in=list(rows))} if rows else {}
    )
    return [
        CandidateSuggestion(candidate=view, score=s.score, reasons=list(s.reasons), shortlist=entries.get(view.pk))
        for s, view in zip(suggestions, views, strict=True)
    ]


def suggestion_values_for_need(user: User, profile: NeedJobProfile, k: int = DEFAULT_K) -> list[dict[str, Any]]:
    """suggestions_for_need as plain values, for the API (issue 16), from the need's job profile
    (need_selectors.access_need_job_profile): the same candidates, masking and audit rows, read with
    `selectors.matching_candidate_values` in one query with the need's shortlist entries (no model instances). Each item
    is {"candidate": the candidate's values, "score", "reasons", "shortlist": None or {"id", "status"}}, best
    first. The caller has checked that the user may see the need."""
    _require_staff(user)
    k = max(1, min(int(k), MAX_K))
    suggestions, rows = _rank_checked(
        matching_profile(profile),
        k,
        lambda ids: matching_candidate_values(user, ids, shortlist_need=profile.need_id),
    )
    _log_suggestion_access(user, [RevealedRow(rows[s.id]["id"], rows[s.id]["revealed"]) for s in suggestions])
    items = []
    for s in suggestions:
        candidate = rows[s.id]
        shortlist = candidate.pop("shortlist")
        items.append({"candidate": candidate, "score": float(s.score), "reasons": list(s.reasons), "shortlist": shortlist})
    return items


def reasons_for_pair(need: Need, candidate: Candidate) -> list[str]:
    """Why a candidate fits a need (empty if the engine finds no fit, e.g. out of reach), for a shortlist
    entry made outside the suggestions list (the API)."""
    result = matching_index().rank_profiles(candidate_doc(candidate), [need_profile(need)], k=1)
    return list(result[0].reasons) if result else []


# --- Open needs (and, later, bourse cases) for a candidate ----------------------------------------------


@dataclass(frozen=True)
class ProfileSuggestion:
    kind: str  # "need"; bourse cases will add their own kind
    object: Any
    score: float
    reasons: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


ProfileSource = Callable[[bool], list[tuple[Any, JobProfile]]]


def open_need_queryset(*, for_candidate: bool):
    """Open needs (new or in progress; unconfirmed self-service needs are not open). The candidate's own page
    leaves out needs the company has not recognised itself (a consultant's observation, not a request)."""
    qs = Need.objects.filter(status__in=OPEN_STATUSES)
    if for_candidate:
        qs = qs.filter(recognised=True)
    return (
        qs.select_related("company__municipality", "place_municipality")
        .prefetch_related("match_types", "education_levels")
        .order_by("pk")
    )


def open_needs_source(for_candidate: bool) -> list[tuple[Any, JobProfile]]:
    return [(need, need_profile(need)) for need in open_need_queryset(for_candidate=for_candidate)]


PROFILE_SOURCES: dict[str, ProfileSource] = {"need": open_needs_source}


def register_profile_source(kind: str, source: ProfileSource) -> None:
    """Add a kind of open case to the candidate's suggestions (e.g. "bourse_case" from the events app).
    `source(for_candidate)` returns (object, JobProfile) pairs; the profile ids need not be unique across
    kinds."""
    PROFILE_SOURCES[kind] = source


def suggestions_for_candidate(
    candidate: Candidate, k: int = DEFAULT_K, *, for_candidate: bool = False
) -> list[ProfileSuggestion]:
    """The open needs (and other registered kinds of open cases) that fit a candidate best, best first, with
    the reasons. `candidate` needs programme and match types loaded. `for_candidate`: the candidate's own
    page (only needs the company recognised)."""
    k = max(1, min(int(k), MAX_K))
    objects: dict[tuple[str, Any], Any] = {}
    profiles: list[JobProfile] = []
    for kind, source in PROFILE_SOURCES.items():
        for obj, profile in source(for_candidate):
            key = (kind, profile.id)
            objects[key] = obj
            profiles.append(
                JobProfile(
                    id=key,
                    text=profile.text,
                    match_types=profile.match_types,
                    levels=profile.levels,
                    municipality=profile.municipality,
                    earliest_start=profile.earliest_start,
                )
            )
    if not profiles:
        return []
    ranked = matching_index().rank_profiles(candidate_doc(candidate), profiles, k)
    return [
        ProfileSuggestion(kind=s.id[0], object=objects[s.id], score=s.score, reasons=list(s.reasons)) for s in ranked
    ]


def staff_may_see_suggestions_for(view: CandidateView) -> bool:
    """Staff see suggested needs for a candidate only when the candidate agreed to matching."""
    return Consent.Purpose.MATCHING in view.consent_purposes


# --- The shortlist -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShortlistRow:
    entry: Shortlist
    candidate: CandidateView


def _shortlist_queryset():
    return Shortlist.objects.select_related(
        "need__company__municipality",
        "need__place_municipality",
        "organisation",
        "added_by",
        "candidate__programme__level",
        "candidate__level",
        "candidate__home_municipality",
        "candidate__organisation",
    ).prefetch_related(
        "candidate__match_types",
        Prefetch(
            "candidate__consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True), to_attr="active_consents"
        ),
    )


def need_shortlist(user: User, need: Need) -> list[ShortlistRow]:
    """The need's shortlist, newest first, each candidate as `user` may see them (the caller has checked that
    the user may see the need). Showing personal data is audit-logged."""
    _require_staff(user)
    entries = list(_shortlist_queryset().filter(need=need).order_by("-created_at", "-pk"))
    views = candidate_views(user, [e.candidate for e in entries])
    _log_suggestion_access(user, views, "shortlist")
    return [ShortlistRow(entry=e, candidate=v) for e, v in zip(entries, views, strict=True)]


def access_shortlist_entry(user: User, pk: int) -> Shortlist:
    """A shortlist entry whose need the user may see (NotFound otherwise), with need and candidate loaded."""
    _require_staff(user)
    entry = _shortlist_queryset().filter(pk=pk, need__in=visible_needs(user, Need.objects.all())).first()
    if entry is None:
        raise NotFound(_("Kortlisteposten findes ikke, eller du har ikke adgang til den."))
    return entry


def shortlist_row(user: User, entry: Shortlist) -> ShortlistRow:
    """One entry as `user` may see its candidate (logged when personal data is shown)."""
    views = candidate_views(user, [entry.candidate])
    _log_suggestion_access(user, views, "shortlist")
    return ShortlistRow(entry=entry, candidate=views[0])
