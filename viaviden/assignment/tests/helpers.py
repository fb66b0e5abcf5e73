"""Brute-force references and Hypothesis strategies for the solver tests (small instances only)."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from viaviden.assignment import Case, Instance, Participant

LEVELS = (None, "KVU", "MVU", "LVU")


def feasible_placements(instance: Instance):
    """Every assignment that keeps locks, capacities and acceptability (by enumeration)."""
    free = [pid for pid in instance.participant_order if pid not in instance.locks]
    options = [[None, *instance.acceptable_cases[pid]] for pid in free]
    for combo in itertools.product(*options):
        placement = dict(instance.locks)
        placement.update({pid: cid for pid, cid in zip(free, combo, strict=True) if cid})
        load: dict[str, int] = {}
        for pid, cid in placement.items():
            load[cid] = load.get(cid, 0) + instance.participants[pid].size
        if all(used <= instance.cases[cid].capacity for cid, used in load.items()):
            yield placement


def welfare(instance: Instance, placement) -> tuple[int, int]:
    seated = sum(instance.participants[p].size for p in placement)
    rank = sum(instance.participants[p].size * instance.rank(p, c) for p, c in placement.items())
    return seated, -rank


def brute_blocking(instance: Instance, placement) -> set[tuple[str, str]]:
    """The blocking-pair definition checked literally: is there a set of lower-ranked, unlocked occupants whose
    removal makes room for the whole participant?"""
    out = set()
    for pid, p in instance.participants.items():
        if pid in instance.locks:
            continue
        current = placement.get(pid)
        preferred = p.ranking if current is None else p.ranking[: p.ranking.index(current)]
        for cid in preferred:
            if instance.exclusion(pid, cid) not in (None, "too_large"):
                continue
            occupants = [q for q, c in placement.items() if c == cid]
            used = sum(instance.participants[q].size for q in occupants)
            droppable = [
                q
                for q in occupants
                if q not in instance.locks and instance.priority(cid, q) > instance.priority(cid, pid)
            ]
            for k in range(len(droppable) + 1):
                if any(
                    used - sum(instance.participants[q].size for q in drop) + p.size <= instance.cases[cid].capacity
                    for drop in itertools.combinations(droppable, k)
                ):
                    out.add((pid, cid))
                    break
    return out


def check_feasible(instance: Instance, placement) -> None:
    """Independent of the verifier: capacities, whole groups, acceptable pairs, locks."""
    load = dict.fromkeys(instance.cases, 0)
    for pid, cid in placement.items():
        assert isinstance(cid, str) and cid in instance.cases  # one case per participant: never split
        assert cid in instance.participants[pid].ranking, (pid, cid)
        assert (cid, pid) not in instance.vetoes, (pid, cid)
        assert instance.exclusion(pid, cid) is None, (pid, cid)
        load[cid] += instance.participants[pid].size  # the whole group takes its seats
    for cid, used in load.items():
        assert used <= instance.cases[cid].capacity, (cid, used)
    for pid, cid in instance.locks.items():
        assert placement.get(pid) == cid


@st.composite
def instances(
    draw,
    *,
    max_cases: int = 4,
    max_participants: int = 6,
    max_size: int = 3,
    max_capacity: int = 4,
    locks: bool = True,
    requirements: bool = True,
    vetoes: bool = True,
) -> Instance:
    n_cases = draw(st.integers(1, max_cases))
    case_ids = [f"c{i}" for i in range(1, n_cases + 1)]
    cases = [
        Case(
            cid,
            draw(st.integers(0, max_capacity)),
            levels=draw(st.sampled_from([None, {"KVU"}, {"MVU", "LVU"}])) if requirements else None,
        )
        for cid in case_ids
    ]
    n_participants = draw(st.integers(1, max_participants))
    participants = []
    for i in range(1, n_participants + 1):
        ranking = draw(st.permutations(case_ids))[: draw(st.integers(0, n_cases))]
        participants.append(
            Participant(
                f"p{i}",
                draw(st.integers(1, max_size)),
                tuple(ranking),
                level=draw(st.sampled_from(LEVELS)) if requirements else None,
            )
        )
    pids = [p.id for p in participants]
    company_prefs = {}
    for cid in case_ids:
        if draw(st.booleans()):
            company_prefs[cid] = tuple(draw(st.permutations(pids))[: draw(st.integers(0, len(pids)))])
    veto_set = (
        draw(st.sets(st.tuples(st.sampled_from(case_ids), st.sampled_from(pids)), max_size=3)) if vetoes else set()
    )
    base = Instance.build(cases, participants, company_prefs, veto_set)
    lock_map: dict[str, str] = {}
    if locks:
        room = {c.id: c.capacity for c in cases}
        for pid in draw(st.lists(st.sampled_from(pids), max_size=2, unique=True)):
            fitting = [c for c in base.acceptable_cases[pid] if base.participants[pid].size <= room[c]]
            if fitting:
                cid = draw(st.sampled_from(fitting))
                lock_map[pid] = cid
                room[cid] -= base.participants[pid].size
    return base.with_locks(lock_map)
