"""The process-wide owner of the matching index (viaviden.matching): built lazily from the database, kept
current before every query.

    from viaviden.candidates.matching_index import matching_index, matching_index_invalidate

    index = matching_index()                      # current as of this call (see below)
    index.rank_candidates(need_profile(need), k=20)

What goes in: the candidates of `selectors.candidates_for_matching()` (an active MATCHING consent, not
anonymised) as `CandidateDoc`s, and the competence guides and travel times *from the database*
(StudyProgramme / TaskArea / ProgrammeTaskArea, reference.TravelTime, MatchType names), so a coordinator's edit
of a guide applies without a deploy.

How it stays current, in every worker process, without trusting anyone to call us:

1. Before every query, one query (a UNION of index-friendly parts) fetches what changed since the last check
   (with an overlap of `OVERLAP`, for transactions that commit late): candidates whose `updated_at` moved, and
   MATCHING consents that are new (by id or `given_at`) or withdrawn (`withdrawn_at`). It is cheap with indexes
   on Candidate.updated_at, Consent.withdrawn_at and Consent.given_at (without them it scans both tables; see
   bench/matching_api.py). Each such candidate is read again through
   `candidates_for_matching()` and added (replacing the old entry) or removed. A per-candidate stamp keeps
   the overlap from re-reading the same unchanged rows. So a withdrawn consent takes effect on the very next
   query, in every process.
2. Deleted candidates (erasure) leave no row to find. The callers that show suggestions re-read the top k
   through `candidates_for_matching()` anyway (they need the rows to display them); any id that is gone is
   dropped with `matching_index_discard(ids)` and the ranking is asked again (see suggestions.py).
3. `matching_index_invalidate(candidate_id)` (called by the candidate services after commit) re-reads that
   candidate in this process at the next query; `matching_index_invalidate()` without an id bumps a generation
   token in the Django cache, and every process that sees a new token rebuilds the whole index (guide edits,
   reference data loads). The guides are also compared with the database every `GUIDE_CHECK_SECONDS`, so a
   guide edit applies even where nobody called it (or the cache is per process, like LocMemCache).
4. The suggestions' rankings (`rank_candidates`) check at most once per `MATCHING_INDEX_SYNC_SECONDS` (a
   setting, 1 s by default; issue 16: under load the check was one of a suggestions request's five statements):
   within that time of the last check they rank with the index as it is. So a change made in another process
   (a new candidate, a profile edit) ranks up to that much later; a change this process made (through the
   services' `matching_index_invalidate`) applies at the next query as before, and a withdrawn consent or an
   erasure is never shown even then, as the rows shown are read through `candidates_for_matching()` at query
   time (point 2). `matching_index()` itself checks every time.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import DateTimeField, IntegerField, Max, QuerySet, Value
from django.utils import timezone

from viaviden.companies.models import Need
from viaviden.companies.need_selectors import JobProfile as NeedJobProfile
from viaviden.companies.need_selectors import need_job_profile
from viaviden.core.sql import CompiledQuery
from viaviden.matching import (
    LEVELS,
    CandidateDoc,
    CompetenceGuide,
    JobProfile,
    MatchingIndex,
    Suggestion,
    TravelTimes,
)
from viaviden.reference.models import MatchType, Municipality, TravelTime

from .models import Candidate, Consent, ProgrammeTaskArea, StudyProgramme, TaskArea, VocabularyEntry
from .selectors import candidates_for_matching

GENERATION_KEY = "candidates:matching-index:generation"
# Changes are looked for this far back from the previous check: a transaction that stamped a row at time t
# but committed later is still seen, as long as it commits within OVERLAP.
OVERLAP = dt.timedelta(seconds=120)
GUIDE_CHECK_SECONDS = 30.0
# Rankings remembered per process (profile, k), while the index is unchanged.
RANKING_CACHE_SIZE = 512
CHECKPOINT_EVERY = dt.timedelta(seconds=1)
BUILD_CHUNK = 2000

DOC_FIELDS = (
    "pk",
    "programme__slug",
    "level_id",
    "competences",
    "experience",
    "education_text",
    "available_from",
    "home_municipality_id",
    "max_travel_minutes",
    "willing_to_move",
)


# --- Rows -> the engine's dataclasses ------------------------------------------------------------------


def _candidate_text(competences: str, experience: str, education_text: str) -> str:
    """What the engine reads of a candidate: competences, experience and an education not on the list. Used for
    word matching only; the engine keeps word counts, not the text."""
    return "\n".join(part.strip() for part in (education_text, competences, experience) if part and part.strip())


def _doc(values: tuple, match_types: Iterable[str]) -> CandidateDoc:
    pk, slug, level, competences, experience, education_text, available, home, max_travel, willing = values
    return CandidateDoc(
        id=pk,
        programme_slug=slug,
        level=level if level in LEVELS else None,
        text=_candidate_text(competences, experience, education_text),
        match_types=frozenset(match_types),
        available_from=available,
        home_municipality=home,
        max_travel_minutes=max_travel,
        willing_to_move=bool(willing),
    )


def candidate_doc(candidate: Candidate) -> CandidateDoc:
    """One candidate (with programme and match types loaded) as the engine reads it."""
    return _doc(
        (
            candidate.pk,
            candidate.programme.slug if candidate.programme_id else None,
            candidate.level_id,
            candidate.competences,
            candidate.experience,
            candidate.education_text,
            candidate.available_from,
            candidate.home_municipality_id,
            candidate.max_travel_minutes,
            candidate.willing_to_move,
        ),
        (mt.code for mt in candidate.match_types.all()),
    )


def candidate_docs(qs: QuerySet[Candidate]) -> Iterator[CandidateDoc]:
    """The candidates of `qs` as CandidateDocs, in two queries whatever their number (no IN list of ids, so
    50,000 candidates work on SQLite too)."""
    through = Candidate.match_types.through
    types: dict[int, list[str]] = defaultdict(list)
    for candidate_id, code in through.objects.filter(candidate_id__in=qs.values("pk")).values_list(
        "candidate_id", "matchtype_id"
    ):
        types[candidate_id].append(code)
    rows = qs.select_related(None).prefetch_related(None).values_list(*DOC_FIELDS)
    for values in rows.iterator(chunk_size=BUILD_CHUNK):
        yield _doc(values, types.get(values[0], ()))


def need_profile(need: Need) -> JobProfile:
    """A need as the engine reads it, through the needs work's documented interface
    (companies.need_selectors.need_job_profile): tasks and the wished education as text, match types, levels
    (empty = any level, also for "ved ikke"), the workplace municipality and the earliest start. Needs
    `company`, `match_types` and `education_levels` loaded."""
    return matching_profile(need_job_profile(need))


def matching_profile(profile: NeedJobProfile) -> JobProfile:
    """The needs work's job profile (companies.need_selectors.JobProfile) as the engine reads it."""
    text = profile.tasks
    if profile.education_wish:
        text = f"{text}\n{profile.education_wish}"
    return JobProfile(
        id=profile.need_id,
        text=text,
        match_types=frozenset(profile.match_types),
        levels=frozenset(level for level in profile.education_levels if level in LEVELS),
        municipality=profile.municipality or None,
        earliest_start=profile.earliest_start,
    )


# --- The guides from the database -----------------------------------------------------------------------


@dataclass(frozen=True)
class GuideData:
    guide: CompetenceGuide
    travel: TravelTimes
    match_type_names: dict[str, str]
    signature: str


def load_guide_data() -> GuideData:
    """The competence guides, travel times and match type names as they are in the database now (7 small
    queries), with a signature that changes whenever any of them does."""
    fits: dict[int, list[dict]] = defaultdict(list)
    for programme_id, area, weight in ProgrammeTaskArea.objects.order_by("programme_id", "task_area__slug").values_list(
        "programme_id", "task_area__slug", "weight"
    ):
        fits[programme_id].append({"area": area, "weight": weight})
    programmes = [
        {
            "slug": p["slug"],
            "name_da": p["name_da"],
            "level": p["level_id"] if p["level_id"] in LEVELS else None,
            "institution": p["institution"],
            "cities": list(p["cities"] or []),
            "competences_da": list(p["competences_da"] or []),
            "typical_tasks_da": list(p["typical_tasks_da"] or []),
            "task_areas": fits.get(p["pk"], []),
        }
        for p in StudyProgramme.objects.order_by("pk").values(
            "pk", "slug", "name_da", "level_id", "institution", "cities", "competences_da", "typical_tasks_da"
        )
    ]
    areas = [
        {
            "slug": a["slug"],
            "name_da": a["name_da"],
            "description_da": a["description_da"],
            "keywords_da": list(a["keywords_da"] or []),
        }
        for a in TaskArea.objects.order_by("pk").values("slug", "name_da", "description_da", "keywords_da")
    ]
    vocabulary = [
        {"kind": v["kind"], "terms": list(v["terms_da"]), "areas": dict(v["areas"]), "programmes": dict(v["programmes"])}
        for v in VocabularyEntry.objects.order_by("key").values("kind", "terms_da", "areas", "programmes")
    ]
    # An entry naming a programme or task area that is gone (deleted after the entry was saved) is ignored
    # rather than breaking every ranking.
    area_slugs = {a["slug"] for a in areas}
    programme_slugs = {p["slug"] for p in programmes}
    for v in vocabulary:
        v["areas"] = {k: w for k, w in v["areas"].items() if k in area_slugs and 0 < w <= 1}
        v["programmes"] = {k: w for k, w in v["programmes"].items() if k in programme_slugs and 0 < w <= 1}
    vocabulary = [v for v in vocabulary if v["terms"] and (v["areas"] or v["programmes"])]
    travel_rows = sorted(TravelTime.objects.values_list("origin_id", "destination_id", "minutes"))
    names = dict(Municipality.objects.values_list("code", "name"))
    type_names = dict(MatchType.objects.values_list("code", "name_da"))
    raw = json.dumps(
        [programmes, areas, vocabulary, travel_rows, sorted(names.items()), sorted(type_names.items())],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return GuideData(
        guide=CompetenceGuide.from_data(programmes, areas, vocabulary),
        travel=TravelTimes.from_rows(travel_rows, names) if travel_rows else TravelTimes.empty(),
        match_type_names=type_names,
        signature=hashlib.sha256(raw.encode()).hexdigest(),
    )


# --- The owner ------------------------------------------------------------------------------------------


def _changes_since(since: dt.datetime, consent_floor: int) -> list[tuple]:
    """What may have changed since `since`, in one query: candidates whose profile was saved, and MATCHING
    consents that are new (id above the floor, or given since) or withdrawn since. A UNION of four index-friendly
    parts (with an OR, SQLite scans the whole consent table). Rows: (candidate id, updated_at, None, None) and
    (candidate id, withdrawn_at, consent id, None). Asked before every ranking, so compiled once per process
    (core.sql, issue 16)."""
    return _changes_query(router.db_for_read(Candidate)).run(since=since, floor=consent_floor)


def warm_up_index_changes() -> None:
    """Compiles the change check's query before the first ranking needs it (config/warmup.py)."""
    _changes_query(router.db_for_read(Candidate))


_SINCE_SENTINEL = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)  # stand for the parameters when compiled
_FLOOR_SENTINEL = -7_340_991_202


@functools.cache
def _changes_query(alias: str) -> CompiledQuery:
    no_int = Value(None, output_field=IntegerField())
    no_time = Value(None, output_field=DateTimeField())
    candidates = (
        Candidate.objects.using(alias).filter(updated_at__gt=_SINCE_SENTINEL)
        .order_by()
        .annotate(_consent=no_int, _none=no_time)
        .values_list("pk", "updated_at", "_consent", "_none")
    )
    consents = (
        Consent.objects.using(alias).filter(purpose=Consent.Purpose.MATCHING).order_by().annotate(_none=no_time)
    )
    parts = [
        consents.filter(pk__gt=_FLOOR_SENTINEL),
        consents.filter(given_at__gt=_SINCE_SENTINEL),
        consents.filter(withdrawn_at__gt=_SINCE_SENTINEL),
    ]
    query = candidates.union(*(p.values_list("candidate_id", "withdrawn_at", "pk", "_none") for p in parts))
    adapt = connections[alias].ops.adapt_datetimefield_value
    return CompiledQuery(query, slots={"since": (_SINCE_SENTINEL, adapt), "floor": (_FLOOR_SENTINEL, None)})


def _current_generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or ""
    return token


class MatchingIndexOwner:
    """Holds one MatchingIndex per process and keeps it in step with the database (module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._index: MatchingIndex | None = None
        self._generation: str | None = None
        self._guide_signature = ""
        self._guide_checked = 0.0
        self._synced_at: dt.datetime | None = None
        self._checked = 0.0  # time.monotonic() when the last check started
        self._expired = False  # this process asked for a rebuild: the next query checks, whatever its max_age
        self._consent_floor = 0  # MATCHING consents with a higher id are re-checked
        self._checkpoints: deque[tuple[dt.datetime, int]] = deque()
        self._stamps: dict[int, tuple] = {}
        self._pending: set[int] = set()
        self._ranked: dict[tuple[JobProfile, int], list[Suggestion]] = {}
        self._ranked_for: tuple[int, int] | None = None
        self.builds = 0  # for tests and the benchmark
        self.rankings = 0  # rankings computed (not taken from the remembered ones)
        self.last_sync_changes = 0

    # -- public --

    def index(self, max_age: float = 0.0) -> MatchingIndex:
        """The index, current as of now: rebuilt when the generation or the guides changed, else synced.
        `max_age` (seconds): current as of the last check if that started less than `max_age` ago, unless this
        process has changes to apply (module docstring, point 4)."""
        with self._lock:
            now = time.monotonic()
            if (max_age > 0 and self._index is not None and not self._pending and not self._expired
                    and now - self._checked < max_age):
                return self._index
            self._checked = now
            self._expired = False
            generation = _current_generation()
            if self._index is None or generation != self._generation:
                self._build(generation, load_guide_data())
            else:
                if time.monotonic() - self._guide_checked >= GUIDE_CHECK_SECONDS:
                    data = load_guide_data()
                    self._guide_checked = time.monotonic()
                    if data.signature != self._guide_signature:
                        self._build(generation, data)
                        assert self._index is not None
                        return self._index
                self._sync()
            assert self._index is not None
            return self._index

    def rank_candidates(self, profile: JobProfile, k: int) -> list[Suggestion]:
        """index().rank_candidates(profile, k), remembered while the index holds the same candidates: keyed by
        the index's build (a rebuild makes a new one), its revision (every add and remove counts) and the whole profile
        (any edit of the need gives another key), so a ranking is never older than the index it came from."""
        with self._lock:
            ranked = self._remembered(self.index(max_age=settings.MATCHING_INDEX_SYNC_SECONDS), profile, k)
            return [Suggestion(id=s.id, score=s.score, reasons=list(s.reasons)) for s in ranked]

    def warm_rankings(self, profiles: Callable[[], Iterable[JobProfile]], k: int) -> None:
        """Ranks `profiles()`, as rank_candidates would, after one sync of the index (a sync per profile would
        cost more than the rankings) — unless rankings are remembered for the index as it is (a worker forked
        from a master that ranked them, with nothing changed since): then nothing is read."""
        with self._lock:
            index = self.index()
            if self._ranked and self._ranked_for == (self.builds, index.revision):
                return
            for profile in profiles():
                self._remembered(index, profile, k)

    def _remembered(self, index: MatchingIndex, profile: JobProfile, k: int) -> list[Suggestion]:
        key = (profile, k)
        if self._ranked_for != (self.builds, index.revision):
            self._ranked.clear()
            self._ranked_for = (self.builds, index.revision)
        ranked = self._ranked.get(key)
        if ranked is None:
            ranked = index.rank_candidates(profile, k)
            if len(self._ranked) >= RANKING_CACHE_SIZE:
                self._ranked.pop(next(iter(self._ranked)))
            self._ranked[key] = ranked
            self.rankings += 1
        return ranked

    def discard(self, candidate_ids: Iterable[int]) -> None:
        """Drop candidates at once (found gone or without consent when their rows were read)."""
        with self._lock:
            if self._index is not None:
                for candidate_id in candidate_ids:
                    self._index.remove(candidate_id)

    def mark(self, candidate_id: int) -> None:
        """Read this candidate again at the next query."""
        with self._lock:
            self._pending.add(int(candidate_id))

    def expire(self) -> None:
        """Check at the next query, whatever its max_age (this process asked every process to rebuild)."""
        with self._lock:
            self._expired = True

    def reset(self) -> None:
        """Forget the index (tests; the next query builds it again)."""
        with self._lock:
            self._index = None
            self._ranked.clear()
            self._ranked_for = None
            self._generation = None
            self._guide_signature = ""
            self._synced_at = None
            self._checked = 0.0
            self._stamps.clear()
            self._pending.clear()
            self._checkpoints.clear()

    @property
    def built(self) -> bool:
        return self._index is not None

    # -- internals --

    def _build(self, generation: str, data: GuideData) -> None:
        started = timezone.now()
        floor = Consent.objects.filter(purpose=Consent.Purpose.MATCHING).order_by().aggregate(m=Max("pk"))["m"] or 0
        docs = list(candidate_docs(candidates_for_matching()))
        self._index = MatchingIndex.build(docs, data.guide, data.travel, match_type_names=data.match_type_names)
        self._generation = generation
        self._guide_signature = data.signature
        self._guide_checked = time.monotonic()
        self._synced_at = started
        self._consent_floor = floor
        self._checkpoints = deque([(started, floor)])
        self._stamps = {}
        self._pending = set()
        self.builds += 1

    def _sync(self) -> None:
        assert self._index is not None and self._synced_at is not None
        started = timezone.now()
        since = self._synced_at - OVERLAP
        stamps: dict[int, list] = defaultdict(lambda: [None, []])
        top = self._consent_floor
        for row_id, stamp, consent_pk, _none in _changes_since(since, self._consent_floor):
            if consent_pk is None:  # a candidate row: (candidate id, updated_at)
                stamps[row_id][0] = stamp
            else:  # a MATCHING consent row: (candidate id, withdrawn_at, consent id)
                stamps[row_id][1].append((consent_pk, stamp))
                top = max(top, consent_pk)
        current = {
            pk: (updated_at, tuple(sorted(rows, key=lambda r: r[0]))) for pk, (updated_at, rows) in stamps.items()
        }
        changed = {pk for pk, stamp in current.items() if self._stamps.get(pk) != stamp} | self._pending
        if changed:
            self._apply(changed)
        self._stamps = current
        self._pending = set()
        self._synced_at = started
        self._advance_floor(started, top)
        self.last_sync_changes = len(changed)

    def _apply(self, candidate_ids: set[int]) -> None:
        assert self._index is not None
        found = set()
        for doc in candidate_docs(candidates_for_matching().filter(pk__in=sorted(candidate_ids))):
            self._index.add(doc)
            found.add(doc.id)
        for candidate_id in candidate_ids - found:
            self._index.remove(candidate_id)

    def _advance_floor(self, now: dt.datetime, top: int) -> None:
        """The consent id floor only moves past ids seen at least OVERLAP ago, so a consent whose id was
        allocated before a later one but committed after it is still found."""
        if not self._checkpoints or now - self._checkpoints[-1][0] >= CHECKPOINT_EVERY:
            self._checkpoints.append((now, top))
        while len(self._checkpoints) > 1 and self._checkpoints[1][0] <= now - OVERLAP:
            self._checkpoints.popleft()
        if self._checkpoints[0][0] <= now - OVERLAP:
            self._consent_floor = max(self._consent_floor, self._checkpoints[0][1])


_owner = MatchingIndexOwner()


def matching_index() -> MatchingIndex:
    """The process's matching index, current as of this call."""
    return _owner.index()


def matching_index_owner() -> MatchingIndexOwner:
    return _owner


def rank_candidates(profile: JobProfile, k: int) -> list[Suggestion]:
    """The process's index's top k for a profile, current as of the last check, at most
    MATCHING_INDEX_SYNC_SECONDS ago (module docstring, point 4; remembered while nothing changed)."""
    return _owner.rank_candidates(profile, k)


def warm_rankings(profiles: Callable[[], Iterable[JobProfile]], k: int) -> None:
    """Rank `profiles()` now (remembered as rank_candidates remembers them) unless rankings are remembered for
    the index as it is (MatchingIndexOwner.warm_rankings)."""
    _owner.warm_rankings(profiles, k)


def matching_index_discard(candidate_ids: Iterable[int]) -> None:
    """Remove candidates from this process's index now (e.g. their rows were found gone)."""
    _owner.discard(candidate_ids)


def matching_index_invalidate(candidate_id: int | None = None) -> None:
    """Tell the index that something changed, after the current transaction commits: a candidate (profile
    saved, consent given or withdrawn, erased, anonymised) is read again at the next query in this process;
    without an id, every process rebuilds the whole index (guides, travel times, reference data changed).
    Correctness does not depend on this call (see the module docstring); it makes the change immediate."""

    def apply() -> None:
        if candidate_id is None:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
            _owner.expire()
        else:
            _owner.mark(candidate_id)

    transaction.on_commit(apply)


def matching_index_reset() -> None:
    """Forget this process's index (tests)."""
    _owner.reset()
