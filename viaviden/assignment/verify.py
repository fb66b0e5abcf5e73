"""The verifier: is an assignment feasible, and which blocking pairs does it have; and what a hand move does.

Feasible means: no case holds more students than its capacity; no participant is in two cases (a group is
never split); every seated pair is ranked by the participant, not vetoed by the case, and meets the case's
requirements; every locked pair is kept; all ids are known.

**Blocking pair** (the definition used throughout). A participant `g` that is not locked and a case `c`
block the assignment when all of these hold:

1. the pair is acceptable: `g` ranks `c`, `c` has not vetoed `g`, and `g` meets `c`'s requirements;
2. `g` prefers `c`: `g` is unassigned, or ranks `c` better than its current case;
3. `c` could seat all of `g` by dropping only participants it ranks lower than `g`: with `free(c)` the
   empty seats of `c` and `D` the students of unlocked participants at `c` that `c` ranks lower than `g`,
   `size(g) ≤ free(c) + D`.

Locked participants never block and are never dropped. With individuals this is the textbook definition
(an empty seat, or a worse student to replace). It is computed exactly, pair by pair, in
O(Σ list lengths × case load).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Assignment, Instance

VIOLATION_KINDS = (
    "unknown_participant",
    "unknown_case",
    "split",
    "capacity",
    "unranked",
    "vetoed",
    "requirements",
    "lock_broken",
)


@dataclass(frozen=True)
class Violation:
    """A broken hard rule; `kind` is one of VIOLATION_KINDS, `message` is Danish; `params` holds the rest of
    the message's figures (split {cases}; capacity {used, capacity}; lock_broken {placed}), so a caller can
    say it in another language."""

    kind: str
    message: str
    participant_id: str | None = None
    case_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class BlockingPair:
    """`participant_id` prefers `case_id`, and the case would take it by dropping `displaced` (lowest first)."""

    participant_id: str
    case_id: str
    current_case: str | None
    current_rank: int | None
    case_rank: int
    free_seats: int
    displaced: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Verdict:
    violations: tuple[Violation, ...]
    blocking_pairs: tuple[BlockingPair, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def stable(self) -> bool:
        return self.feasible and not self.blocking_pairs

    @property
    def summary(self) -> str:
        if self.violations:
            return f"UGYLDIG fordeling: {len(self.violations)} overtrædelse(r) af kapacitet, fravalg eller krav."
        if not self.blocking_pairs:
            return "Gyldig og stabil fordeling: ingen overtrædelser og ingen blokerende par."
        return f"Gyldig fordeling, men ikke stabil: {len(self.blocking_pairs)} blokerende par."

    def as_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "stable": self.stable,
            "summary": self.summary,
            "violations": [
                {"kind": v.kind, "participant_id": v.participant_id, "case_id": v.case_id, "message": v.message,
                 "params": dict(v.params)}
                for v in self.violations
            ],
            "blocking_pairs": [
                {
                    "participant_id": b.participant_id,
                    "case_id": b.case_id,
                    "current_case": b.current_case,
                    "current_rank": b.current_rank,
                    "case_rank": b.case_rank,
                    "free_seats": b.free_seats,
                    "displaced": list(b.displaced),
                    "message": b.message,
                }
                for b in self.blocking_pairs
            ],
        }


def _pairs(assignment: Assignment | Mapping[str, str | None] | Iterable[tuple[str, str | None]]):
    if isinstance(assignment, Assignment):
        return list(assignment.placement.items())
    if isinstance(assignment, Mapping):
        return list(assignment.items())
    return list(assignment)


def verify(
    instance: Instance, assignment: Assignment | Mapping[str, str | None] | Iterable[tuple[str, str | None]]
) -> Verdict:
    """Check feasibility and list every blocking pair. Accepts an Assignment, a participant → case mapping, or
    (participant, case) pairs (case None = unassigned), e.g. read back from an edited file."""
    violations: list[Violation] = []
    placement: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for pid, cid in _pairs(assignment):
        cids = seen.setdefault(pid, [])
        if cid and cid not in cids:
            cids.append(cid)
    for pid, cids in seen.items():
        if pid not in instance.participants:
            violations.append(Violation("unknown_participant", f"Ukendt deltager {pid} i fordelingen.", pid))
            continue
        for cid in cids:
            if cid not in instance.cases:
                violations.append(
                    Violation("unknown_case", f"Deltager {pid} er placeret på ukendt case {cid}.", pid, cid)
                )
        known = [c for c in cids if c in instance.cases]
        if len(known) > 1:
            label = instance.participants[pid].label
            violations.append(
                Violation(
                    "split",
                    f"{label[0].upper()}{label[1:]} er placeret på flere cases ({', '.join(known)}); "
                    "en deltager (og en gruppe) kan kun have én case.",
                    pid,
                    params={"cases": known},
                )
            )
        if known:
            placement[pid] = known[0]

    load = dict.fromkeys(instance.cases, 0)
    for pid, cids in seen.items():
        if pid in instance.participants:
            for cid in cids:
                if cid in load:
                    load[cid] += instance.participants[pid].size
    for cid, used in load.items():
        cap = instance.cases[cid].capacity
        if used > cap:
            violations.append(
                Violation(
                    "capacity",
                    f"Case {cid} har {used} studerende placeret, men kun {cap} plads{'er' if cap != 1 else ''}.",
                    case_id=cid,
                    params={"used": used, "capacity": cap},
                )
            )
    for pid, cids in seen.items():
        if pid not in instance.participants:
            continue
        label = instance.participants[pid].label
        for cid in cids:
            if cid not in instance.cases:
                continue
            why = instance.exclusion(pid, cid)
            if why == "unranked":
                msg = f"{label} er placeret på case {cid}, som deltageren ikke har prioriteret."
                violations.append(Violation("unranked", msg[0].upper() + msg[1:], pid, cid))
            elif why == "vetoed":
                violations.append(
                    Violation("vetoed", f"Case {cid} har fravalgt {label}, som er placeret der.", pid, cid)
                )
            elif why == "requirements":
                msg = f"{label} opfylder ikke kravene (niveau/uddannelse) på case {cid}."
                violations.append(Violation("requirements", msg[0].upper() + msg[1:], pid, cid))
    for pid, cid in instance.locks.items():
        if placement.get(pid) != cid:
            where = placement.get(pid)
            now = f"er placeret på {where}" if where else "er ikke placeret"
            violations.append(Violation("lock_broken", f"Deltager {pid} er låst til case {cid}, men {now}.", pid, cid,
                                        params={"placed": where}))

    return Verdict(tuple(violations), tuple(blocking_pairs(instance, placement)))


def blocking_pairs(instance: Instance, placement: Mapping[str, str]) -> list[BlockingPair]:
    """Every blocking pair of `placement` under the module's definition, in participant order."""
    occupants: dict[str, list[str]] = {cid: [] for cid in instance.cases}
    free = {cid: case.capacity for cid, case in instance.cases.items()}
    for pid, cid in placement.items():
        if cid in occupants and pid in instance.participants:
            occupants[cid].append(pid)
            free[cid] -= instance.participants[pid].size
    for cid, members in occupants.items():
        members.sort(key=lambda pid, cid=cid: instance.priority(cid, pid))
    out: list[BlockingPair] = []
    for pid in instance.participant_order:
        if pid in instance.locks:
            continue
        p = instance.participants[pid]
        current = placement.get(pid)
        current_rank = instance.rank(pid, current)
        for cid in p.ranking:
            if cid == current:
                break
            if not instance.acceptable(pid, cid):
                continue
            mine = instance.priority(cid, pid)
            seats, dropped = free[cid], []
            for other in reversed(occupants[cid]):
                if seats >= p.size or instance.priority(cid, other) < mine:
                    break
                if other in instance.locks:
                    continue
                dropped.append(other)
                seats += instance.participants[other].size
            if seats < p.size:
                continue
            case_rank = instance.rank(pid, cid) or 0
            out.append(
                BlockingPair(
                    pid,
                    cid,
                    current,
                    current_rank,
                    case_rank,
                    max(free[cid], 0),
                    tuple(dropped),
                    _blocking_text(p.label, cid, case_rank, current, current_rank, free[cid], dropped),
                )
            )
    return out


def _blocking_text(label, cid, case_rank, current, current_rank, free, dropped) -> str:
    if current:
        wish = f"{label} foretrækker case {cid} (nr. {case_rank}) frem for sin case {current} (nr. {current_rank})"
    else:
        wish = f"{label} er ikke placeret og har case {cid} som nr. {case_rank}"
    if not dropped:
        room = f"case {cid} har {free} ledig{'e' if free != 1 else ''} plads{'er' if free != 1 else ''}"
    else:
        room = f"case {cid} kan give plads ved kun at fravælge deltagere, den rangerer lavere ({', '.join(dropped)})"
    text = f"{wish}, og {room}."
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class MoveEffect:
    """What moving one participant by hand does (the UI shows this before staff confirm)."""

    participant_id: str
    from_case: str | None
    to_case: str | None
    capacity_ok: bool
    free_seats_after: int | None
    breaks_lock: bool
    new_violations: tuple[Violation, ...]
    new_blocking_pairs: tuple[BlockingPair, ...]
    resolved_blocking_pairs: tuple[BlockingPair, ...]
    seated_students_delta: int
    total_rank_delta: int
    assignment: Assignment
    verdict: Verdict = field(repr=False)

    @property
    def summary(self) -> str:
        parts = []
        if not self.capacity_ok:
            parts.append(f"case {self.to_case} har ikke plads")
        if self.breaks_lock:
            parts.append("flytningen bryder en låst placering")
        if self.new_violations:
            parts.append(f"{len(self.new_violations)} ny(e) overtrædelse(r)")
        parts.append(f"placerede studerende {self.seated_students_delta:+d}")
        parts.append(f"samlet rang {self.total_rank_delta:+d}")
        parts.append(f"{len(self.new_blocking_pairs)} nye og {len(self.resolved_blocking_pairs)} løste blokerende par")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


def move_effect(instance: Instance, assignment: Assignment, participant_id: str, new_case: str | None) -> MoveEffect:
    """The effect of moving `participant_id` to `new_case` (None = take it out): capacity, rules broken,
    blocking pairs created and resolved, and the welfare change. Nothing is changed in place."""
    if participant_id not in instance.participants:
        raise KeyError(participant_id)
    if new_case is not None and new_case not in instance.cases:
        raise KeyError(new_case)
    before = assignment.verdict or verify(instance, assignment)
    placement = dict(assignment.placement)
    old_case = placement.pop(participant_id, None)
    if new_case is not None:
        placement[participant_id] = new_case
    after_assignment = Assignment.build(instance, placement, mode="manual")
    after = verify(instance, after_assignment)
    after_assignment = _with_verdict(after_assignment, after)
    key = lambda b: (b.participant_id, b.case_id)  # noqa: E731
    old_keys, new_keys = {key(b) for b in before.blocking_pairs}, {key(b) for b in after.blocking_pairs}
    old_violations = {(v.kind, v.participant_id, v.case_id) for v in before.violations}
    free_after = None
    if new_case is not None:
        used = sum(instance.participants[p].size for p, c in placement.items() if c == new_case)
        free_after = instance.cases[new_case].capacity - used
    return MoveEffect(
        participant_id=participant_id,
        from_case=old_case,
        to_case=new_case,
        capacity_ok=free_after is None or free_after >= 0,
        free_seats_after=free_after,
        breaks_lock=participant_id in instance.locks and instance.locks[participant_id] != new_case,
        new_violations=tuple(
            v for v in after.violations if (v.kind, v.participant_id, v.case_id) not in old_violations
        ),
        new_blocking_pairs=tuple(b for b in after.blocking_pairs if key(b) not in old_keys),
        resolved_blocking_pairs=tuple(b for b in before.blocking_pairs if key(b) not in new_keys),
        seated_students_delta=after_assignment.seated_students - assignment.seated_students,
        total_rank_delta=after_assignment.total_rank - assignment.total_rank,
        assignment=after_assignment,
        verdict=after,
    )


def _with_verdict(assignment: Assignment, verdict: Verdict) -> Assignment:
    from dataclasses import replace

    return replace(assignment, verdict=verdict)
