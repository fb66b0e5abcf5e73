"""The data of a bourse assignment: cases, participants, the instance that ties them together, and the result.

Pure Python, no Django. Every identifier is a string. A participant is an individual student (size 1) or a
study group (size = its number of students); a group is one participant and is never split.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .verify import Verdict

MODES = ("stable", "optimal")
MODE_NAMES = {
    "stable": "stabil (deltagerforeslået udskudt accept)",
    "optimal": "optimal (maksimal velfærd)",
    "manual": "håndjusteret",
}

_DIGITS = re.compile(r"(\d+)")


def natural_key(value: str) -> tuple:
    """Sort key that orders "p2" before "p10" and "9" before "10"; ties ("01" and "1") by the raw text."""
    parts = _DIGITS.split(value)
    key = tuple((0, int(part), "") if i % 2 else (1, 0, part) for i, part in enumerate(parts) if part != "")
    return (key, value)


def _fold(values: Iterable[str] | None) -> frozenset[str] | None:
    folded = frozenset(v.strip().casefold() for v in values or () if v.strip())
    return folded or None


@dataclass(frozen=True)
class Case:
    """A bourse case with `capacity` seats (students). `levels`/`programmes`: allowed values, None = anyone."""

    id: str
    capacity: int
    levels: frozenset[str] | None = None
    programmes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", _fold(self.levels))
        object.__setattr__(self, "programmes", _fold(self.programmes))


@dataclass(frozen=True)
class Participant:
    """An individual (size 1) or a group (size = students); `ranking` holds case ids, best first."""

    id: str
    size: int = 1
    ranking: tuple[str, ...] = ()
    level: str | None = None
    programme: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranking", tuple(self.ranking))
        object.__setattr__(self, "level", (self.level or "").strip() or None)
        object.__setattr__(self, "programme", (self.programme or "").strip() or None)

    @property
    def label(self) -> str:
        return f"gruppe {self.id} ({self.size} studerende)" if self.size > 1 else f"deltager {self.id}"


@dataclass(frozen=True)
class Problem:
    """One reason an instance is not valid; `kind` is a stable code, `message` Danish."""

    kind: str
    message: str
    participant_id: str | None = None
    case_id: str | None = None


class InstanceError(ValueError):
    """The instance is inconsistent (unknown ids, bad sizes, impossible locks); `problems` lists why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def instance_problems(
    cases: Mapping[str, Case],
    participants: Mapping[str, Participant],
    company_prefs: Mapping[str, tuple[str, ...]],
    vetoes: frozenset[tuple[str, str]],
    locks: Mapping[str, str],
) -> list[Problem]:
    """Everything that makes these parts an invalid instance, in a stable order (empty list = valid)."""
    out: list[Problem] = []
    for cid, case in cases.items():
        if cid != case.id:
            out.append(Problem("key", f"Case-nøglen {cid} passer ikke med casens id {case.id}.", case_id=cid))
        if not isinstance(case.capacity, int) or case.capacity < 0:
            out.append(Problem("capacity", f"Case {cid}: kapaciteten skal være et helt tal ≥ 0.", case_id=cid))
    for pid, p in participants.items():
        if pid != p.id:
            out.append(Problem("key", f"Deltager-nøglen {pid} passer ikke med deltagerens id {p.id}.", pid))
        if not isinstance(p.size, int) or p.size < 1:
            out.append(Problem("size", f"Deltager {pid}: størrelsen skal være et helt tal ≥ 1.", pid))
        if len(set(p.ranking)) != len(p.ranking):
            out.append(Problem("ranking", f"Deltager {pid} har prioriteret den samme case flere gange.", pid))
        for cid in p.ranking:
            if cid not in cases:
                out.append(Problem("unknown_case", f"Deltager {pid} har prioriteret den ukendte case {cid}.", pid, cid))
    for cid, ranked in company_prefs.items():
        if cid not in cases:
            out.append(Problem("unknown_case", f"Virksomhedsprioritering for ukendt case {cid}.", case_id=cid))
        if len(set(ranked)) != len(ranked):
            out.append(Problem("ranking", f"Case {cid} har rangeret den samme deltager flere gange.", case_id=cid))
        for pid in ranked:
            if pid not in participants:
                out.append(Problem("unknown_participant", f"Case {cid} har rangeret ukendt deltager {pid}.", pid, cid))
    for cid, pid in sorted(vetoes):
        if cid not in cases:
            out.append(Problem("unknown_case", f"Fravalg fra ukendt case {cid}.", pid, cid))
        if pid not in participants:
            out.append(Problem("unknown_participant", f"Fravalg af ukendt deltager {pid}.", pid, cid))
    locked_load: dict[str, int] = {}
    for pid, cid in locks.items():
        if pid not in participants or cid not in cases:
            out.append(Problem("lock", f"Låsen {pid} → {cid} nævner en ukendt deltager eller case.", pid, cid))
            continue
        p, case = participants[pid], cases[cid]
        if cid not in p.ranking:
            out.append(
                Problem(
                    "lock", f"{p.label.capitalize()} kan ikke låses til {cid}: casen er ikke prioriteret.", pid, cid
                )
            )
        elif (cid, pid) in vetoes:
            out.append(
                Problem(
                    "lock", f"{p.label.capitalize()} kan ikke låses til {cid}: casen har fravalgt deltageren.", pid, cid
                )
            )
        elif not meets_requirements(case, p):
            out.append(
                Problem("lock", f"{p.label.capitalize()} kan ikke låses til {cid}: kravene er ikke opfyldt.", pid, cid)
            )
        locked_load[cid] = locked_load.get(cid, 0) + p.size
    for cid, load in locked_load.items():
        if load > cases[cid].capacity:
            out.append(
                Problem(
                    "lock_capacity",
                    f"Case {cid}: de låste deltagere fylder {load} pladser, men casen har kun {cases[cid].capacity}.",
                    case_id=cid,
                )
            )
    return out


def meets_requirements(case: Case, participant: Participant) -> bool:
    """A stated requirement is met only when the participant's attribute is known and allowed."""
    if case.levels is not None and (participant.level is None or participant.level.casefold() not in case.levels):
        return False
    if case.programmes is not None and (
        participant.programme is None or participant.programme.casefold() not in case.programmes
    ):
        return False
    return True


@dataclass(frozen=True)
class Instance:
    """A bourse to assign.

    `company_prefs[case_id]` ranks participants best first; participants not listed are acceptable but come
    after those listed, in `natural_key(participant_id)` order. `vetoes` holds (case_id, participant_id) pairs
    the case refuses. `locks` maps participant → case: pairs fixed by staff that every mode keeps.
    """

    cases: Mapping[str, Case]
    participants: Mapping[str, Participant]
    company_prefs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    vetoes: frozenset[tuple[str, str]] = frozenset()
    locks: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cases", dict(self.cases))
        object.__setattr__(self, "participants", dict(self.participants))
        # An empty list ranks nobody, which is the same as no list.
        object.__setattr__(self, "company_prefs", {c: tuple(r) for c, r in self.company_prefs.items() if r})
        object.__setattr__(self, "vetoes", frozenset(self.vetoes))
        object.__setattr__(self, "locks", dict(self.locks))
        problems = instance_problems(self.cases, self.participants, self.company_prefs, self.vetoes, self.locks)
        if problems:
            raise InstanceError(problems)

    @classmethod
    def build(
        cls,
        cases: Iterable[Case],
        participants: Iterable[Participant],
        company_prefs: Mapping[str, Iterable[str]] | None = None,
        vetoes: Iterable[tuple[str, str]] = (),
        locks: Mapping[str, str] | None = None,
    ) -> Instance:
        """Build from lists; raises InstanceError for duplicate ids or any other problem."""
        case_list, part_list = list(cases), list(participants)
        dupes = [
            Problem("duplicate", f"Id'et {i} er brugt flere gange.")
            for ids in ([c.id for c in case_list], [p.id for p in part_list])
            for i in sorted(x for x, n in Counter(ids).items() if n > 1)
        ]
        if dupes:
            raise InstanceError(dupes)
        return cls(
            cases={c.id: c for c in case_list},
            participants={p.id: p for p in part_list},
            company_prefs={c: tuple(r) for c, r in (company_prefs or {}).items()},
            vetoes=frozenset(vetoes),
            locks=dict(locks or {}),
        )

    def with_locks(self, locks: Mapping[str, str]) -> Instance:
        """The same bourse with other locks (e.g. after staff fixed pairs by hand)."""
        return Instance(self.cases, self.participants, self.company_prefs, self.vetoes, locks)

    # --- derived data, computed once ---

    @cached_property
    def participant_order(self) -> tuple[str, ...]:
        """Participant ids in the documented tie-break order (natural sort)."""
        return tuple(sorted(self.participants, key=natural_key))

    @cached_property
    def _natural_index(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.participant_order)}

    @cached_property
    def _listed(self) -> dict[str, dict[str, int]]:
        return {cid: {pid: i for i, pid in enumerate(ranked)} for cid, ranked in self.company_prefs.items()}

    @cached_property
    def _ranks(self) -> dict[str, dict[str, int]]:
        return {pid: {cid: i + 1 for i, cid in enumerate(p.ranking)} for pid, p in self.participants.items()}

    def priority(self, case_id: str, participant_id: str) -> int:
        """The case's order of participants as an int, smaller is better (listed first, then natural order)."""
        listed = self._listed.get(case_id)
        if listed is not None and participant_id in listed:
            return listed[participant_id]
        return len(self.participants) + self._natural_index[participant_id]

    def rank(self, participant_id: str, case_id: str | None) -> int | None:
        """1-based position of the case in the participant's ranking; None if not ranked."""
        return None if case_id is None else self._ranks[participant_id].get(case_id)

    def exclusion(self, participant_id: str, case_id: str) -> str | None:
        """Why the pair can never be assigned ('unranked', 'vetoed', 'requirements', 'too_large'), or None."""
        if case_id not in self._ranks[participant_id]:
            return "unranked"
        if (case_id, participant_id) in self.vetoes:
            return "vetoed"
        case, p = self.cases[case_id], self.participants[participant_id]
        if not meets_requirements(case, p):
            return "requirements"
        if p.size > case.capacity:
            return "too_large"
        return None

    def acceptable(self, participant_id: str, case_id: str) -> bool:
        """Ranked by the participant, not vetoed, requirements met (size is a capacity matter, not this)."""
        return self.exclusion(participant_id, case_id) in (None, "too_large")

    @cached_property
    def acceptable_cases(self) -> dict[str, tuple[str, ...]]:
        """Per participant the cases it may be seated at (also fitting the capacity), best first."""
        # The same test as `exclusion(pid, c) is None`, inlined: this runs once per ranked pair.
        cases, vetoes = self.cases, self.vetoes
        out: dict[str, tuple[str, ...]] = {}
        for pid, p in self.participants.items():
            size, fits = p.size, []
            for cid in p.ranking:
                case = cases[cid]
                if size > case.capacity or (vetoes and (cid, pid) in vetoes):
                    continue
                if (case.levels is not None or case.programmes is not None) and not meets_requirements(case, p):
                    continue
                fits.append(cid)
            out[pid] = tuple(fits)
        return out

    @cached_property
    def locked_load(self) -> dict[str, int]:
        load = dict.fromkeys(self.cases, 0)
        for pid, cid in self.locks.items():
            load[cid] += self.participants[pid].size
        return load

    @property
    def total_students(self) -> int:
        return sum(p.size for p in self.participants.values())

    @property
    def total_capacity(self) -> int:
        return sum(c.capacity for c in self.cases.values())


# --- the result ---

REASONS = {
    "no_preferences": "Deltageren har ikke prioriteret nogen cases.",
    "all_vetoed": "Alle deltagerens prioriterede cases har fravalgt deltageren.",
    "requirements_not_met": "Deltageren opfylder ikke kravene (niveau/uddannelse) på nogen af sine prioriterede cases.",
    "group_too_large": "Gruppen er større end kapaciteten på alle sine prioriterede cases.",
    "no_acceptable_case": "Ingen af deltagerens prioriterede cases kan tage deltageren.",
    "no_room": "Der var ikke plads på nogen af deltagerens acceptable cases.",
    "not_seated_despite_room": "Ikke placeret, selv om en acceptabel case har plads nok (se de blokerende par).",
}
_EXCLUSION_WORDS = {
    "vetoed": "{n} har fravalgt deltageren",
    "requirements": "{n} stiller krav, som ikke er opfyldt",
    "too_large": "{n} har for få pladser til gruppen",
}


@dataclass(frozen=True)
class Unassigned:
    """A participant left without a case: `reason` is a stable code (see REASONS), `text` says it in Danish,
    `params` holds the figures of the text, so a caller can say it in another language:
    group_too_large {size}; no_acceptable_case {ranked, vetoed, requirements, too_large} (counts of the
    prioritised cases by why they cannot take the participant, kinds that occur only);
    not_seated_despite_room {case, free}; no_room {size, free: [[case, free seats], …]}."""

    participant_id: str
    size: int
    reason: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


def explain_unassigned(
    instance: Instance, placement: Mapping[str, str], participant_id: str, used: Mapping[str, int] | None = None
) -> Unassigned:
    """Why `participant_id` has no case in `placement`. `used` (students seated per case) may be passed
    when explaining many participants of the same placement, so it is computed once."""
    p = instance.participants[participant_id]

    def make(code: str, text: str, **params: Any) -> Unassigned:
        return Unassigned(participant_id, p.size, code, text, params)

    if not p.ranking:
        return make("no_preferences", REASONS["no_preferences"])
    causes = {c: instance.exclusion(participant_id, c) for c in p.ranking}
    acceptable = [c for c, why in causes.items() if why is None]
    if not acceptable:
        kinds = set(causes.values())
        single = {"vetoed": "all_vetoed", "requirements": "requirements_not_met", "too_large": "group_too_large"}
        if len(kinds) == 1:
            code = single[kinds.pop()]
            text = REASONS[code]
            if code == "group_too_large":
                text = f"Gruppen på {p.size} studerende er større end kapaciteten på alle sine prioriterede cases."
                return make(code, text, size=p.size)
            return make(code, text)
        tally = {k: sum(1 for w in causes.values() if w == k) for k in _EXCLUSION_WORDS if k in kinds}
        counts = [_EXCLUSION_WORDS[k].format(n=n) for k, n in tally.items()]
        return make(
            "no_acceptable_case",
            f"Ingen af deltagerens {len(causes)} prioriterede cases kan tage deltageren: " + ", ".join(counts) + ".",
            ranked=len(causes), **tally,
        )
    if used is None:
        used = seats_used(instance, placement)
    free = {c: instance.cases[c].capacity - used[c] for c in acceptable}
    roomy = [c for c in acceptable if free[c] >= p.size]
    if roomy:
        return make(
            "not_seated_despite_room",
            f"Ikke placeret, selv om case {roomy[0]} har {free[roomy[0]]} ledige pladser (se de blokerende par).",
            case=roomy[0], free=free[roomy[0]],
        )
    seats = "1 ledig plads" if p.size == 1 else f"{p.size} ledige pladser"
    listing = ", ".join(f"{c}: {max(free[c], 0)} ledige" for c in acceptable)
    return make("no_room", f"Der var ikke {seats} på nogen af deltagerens acceptable cases ({listing}).",
                size=p.size, free=[[c, max(free[c], 0)] for c in acceptable])


def seats_used(instance: Instance, placement: Mapping[str, str]) -> dict[str, int]:
    """Students seated per case (known participants and cases only)."""
    used = dict.fromkeys(instance.cases, 0)
    participants = instance.participants
    for pid, cid in placement.items():
        if cid in used and pid in participants:
            used[cid] += participants[pid].size
    return used


@dataclass(frozen=True)
class Assignment:
    """A result: `placement` maps each seated participant to its case; the rest are in `unassigned`.

    Welfare figures: `seated_students` (the first goal) and `total_rank` = Σ size × rank over seated
    participants (the second, smaller is better). `rank_distribution[k]` is the number of participants seated
    at their (k+1)th choice; `rank_distribution_students` counts students instead.
    """

    mode: str
    placement: Mapping[str, str]
    ranks: Mapping[str, int | None]
    locked: frozenset[str]
    seated_participants: int
    seated_students: int
    total_participants: int
    total_students: int
    total_rank: int
    rank_distribution: tuple[int, ...]
    rank_distribution_students: tuple[int, ...]
    unassigned: tuple[Unassigned, ...]
    seconds: float = 0.0
    proven_optimal: bool | None = None
    solver_info: str = ""
    verdict: Verdict | None = None

    @classmethod
    def build(
        cls,
        instance: Instance,
        placement: Mapping[str, str],
        *,
        mode: str,
        started: float | None = None,
        proven_optimal: bool | None = None,
        solver_info: str = "",
    ) -> Assignment:
        """Compute the figures of `placement` (participant → case) on `instance`."""
        order = instance._natural_index
        ordered = dict(sorted(placement.items(), key=lambda kv: order.get(kv[0], len(order))))
        ranks_of = instance._ranks
        ranks = {pid: ranks_of[pid].get(cid) if pid in ranks_of else None for pid, cid in ordered.items()}
        longest = max((len(p.ranking) for p in instance.participants.values()), default=0)
        dist, dist_students = [0] * longest, [0] * longest
        seated_students = total_rank = 0
        for pid, r in ranks.items():
            size = instance.participants[pid].size if pid in instance.participants else 0
            seated_students += size
            if r is not None:
                dist[r - 1] += 1
                dist_students[r - 1] += size
                total_rank += size * r
        while dist and dist[-1] == 0:
            dist.pop()
            dist_students.pop()
        used = seats_used(instance, ordered)
        unassigned = tuple(
            explain_unassigned(instance, ordered, pid, used)
            for pid in instance.participant_order
            if pid not in ordered
        )
        return cls(
            mode=mode,
            placement=ordered,
            ranks=ranks,
            locked=frozenset(pid for pid, cid in instance.locks.items() if ordered.get(pid) == cid),
            seated_participants=len(ordered),
            seated_students=seated_students,
            total_participants=len(instance.participants),
            total_students=instance.total_students,
            total_rank=total_rank,
            rank_distribution=tuple(dist),
            rank_distribution_students=tuple(dist_students),
            unassigned=unassigned,
            seconds=0.0 if started is None else time.perf_counter() - started,
            proven_optimal=proven_optimal,
            solver_info=solver_info,
        )

    def case_of(self, participant_id: str) -> str | None:
        return self.placement.get(participant_id)

    @property
    def welfare(self) -> tuple[int, int]:
        """(seated students, −total rank): larger is better, compared lexicographically."""
        return (self.seated_students, -self.total_rank)

    @property
    def mean_rank(self) -> float | None:
        ranked = sum(s for s in self.rank_distribution_students)
        return None if ranked == 0 else self.total_rank / ranked

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for the API, the UI and `--json`)."""
        return {
            "mode": self.mode,
            "placement": dict(self.placement),
            "ranks": dict(self.ranks),
            "locked": sorted(self.locked, key=natural_key),
            "seated_participants": self.seated_participants,
            "seated_students": self.seated_students,
            "total_participants": self.total_participants,
            "total_students": self.total_students,
            "total_rank": self.total_rank,
            "rank_distribution": list(self.rank_distribution),
            "rank_distribution_students": list(self.rank_distribution_students),
            "unassigned": [
                {"participant_id": u.participant_id, "size": u.size, "reason": u.reason, "text": u.text,
                 "params": dict(u.params)}
                for u in self.unassigned
            ],
            "seconds": round(self.seconds, 4),
            "proven_optimal": self.proven_optimal,
            "solver_info": self.solver_info,
            "verdict": None if self.verdict is None else self.verdict.as_dict(),
        }
