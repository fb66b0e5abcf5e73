"""Optimal mode: maximum welfare as a 0/1 integer programme solved by HiGHS (scipy.optimize.milp).

Variables: x[p, c] ∈ {0, 1} only for acceptable pairs of participants that are not locked (ranked by p, not
vetoed by c, requirements met, size(p) ≤ capacity(c) − students locked to c). Constraints:

    Σ_c x[p, c] ≤ 1                                  every participant at most one case (groups are whole)
    Σ_p size(p) · x[p, c] ≤ capacity(c) − locked(c)  every case

Locked pairs are fixed before the model is built: they are seated and their students use the capacity.
The objective is lexicographic — first the most students seated, then the smallest total rank Σ size · rank —
written as one weighted objective solved to proven optimality (relative gap 0):

    max  Σ (W · size(p) − size(p) · rank(p, c)) · x[p, c],   W = 1 + Σ_p size(p) · (length of p's ranking)

Any assignment's total rank lies between 0 and W − 1, so one more seated student (worth at least W) always
outweighs any difference in total rank: the optimum of the weighted objective is the lexicographic optimum.
All coefficients are integers far below 2^53, so the objective is exact in floating point, and HiGHS
recognises it as integral. (One weighted solve is 2-3 times faster than two stages on the benchmark.)
If the time limit is reached the best solution found is used, `proven_optimal` is False, and the stable
assignment is returned instead whenever it is better — so optimal mode never does worse than stable mode.
"""

from __future__ import annotations

import time

from .model import Assignment, Instance
from .stable import solve_stable

DEFAULT_TIME_LIMIT = 60.0


def solve_optimal(instance: Instance, *, time_limit: float = DEFAULT_TIME_LIMIT) -> Assignment:
    """Most students seated, then smallest total rank (Σ size × rank); locks kept; HiGHS via scipy."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    started = time.perf_counter()
    room = {cid: case.capacity - instance.locked_load[cid] for cid, case in instance.cases.items()}
    pairs: list[tuple[str, str]] = []
    for pid in instance.participant_order:
        if pid in instance.locks:
            continue
        size = instance.participants[pid].size
        pairs.extend((pid, cid) for cid in instance.acceptable_cases[pid] if size <= room[cid])

    placement = dict(instance.locks)
    if not pairs:
        return Assignment.build(
            instance, placement, mode="optimal", started=started, proven_optimal=True, solver_info="ingen variable"
        )
    if all(instance.participants[p].size == 1 for p, _ in pairs):
        chosen = _individuals_by_assignment(instance, pairs, room)
        if chosen is not None:
            placement.update(chosen)
            return Assignment.build(
                instance, placement, mode="optimal", started=started, proven_optimal=True,
                solver_info=f"tildelingsproblem (LAPJVsp), {len(pairs)} par, bevist optimal",
            )

    n = len(pairs)
    size = np.array([instance.participants[p].size for p, _ in pairs], dtype=float)
    rank = np.array([instance.rank(p, c) for p, c in pairs], dtype=float)
    case_row = {cid: i for i, cid in enumerate(sorted({c for _, c in pairs}))}
    part_row = {pid: i for i, pid in enumerate(dict.fromkeys(p for p, _ in pairs))}
    cols = np.arange(n)
    cap_a = csr_array((size, ([case_row[c] for _, c in pairs], cols)), shape=(len(case_row), n))
    cap_ub = np.array([room[c] for c in case_row], dtype=float)
    one_a = csr_array((np.ones(n), ([part_row[p] for p, _ in pairs], cols)), shape=(len(part_row), n))
    constraints = [LinearConstraint(cap_a, -np.inf, cap_ub), LinearConstraint(one_a, -np.inf, 1.0)]
    weight = 1 + sum(p.size * len(p.ranking) for p in instance.participants.values())
    # HiGHS's presolve finds almost nothing to remove here and costs more than it saves.
    options = {
        "mip_rel_gap": 0.0,
        "time_limit": max(time_limit - (time.perf_counter() - started), 1.0),
        "presolve": False,
    }
    solution = milp(
        -(weight * size - size * rank),
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(0.0, 1.0),
        options=options,
    )
    if solution.x is None:
        raise RuntimeError(f"HiGHS fandt ingen løsning: {solution.message}")
    best_x, proven = solution.x, solution.status == 0
    for (pid, cid), chosen in zip(pairs, best_x > 0.5, strict=True):
        if chosen:
            placement[pid] = cid
    info = f"HiGHS, {n} variable, {'bevist optimal' if proven else 'tidsgrænse nået: bedste fundne løsning'}"
    result = Assignment.build(
        instance, placement, mode="optimal", started=started, proven_optimal=proven, solver_info=info
    )
    if not proven:
        fallback = solve_stable(instance)
        if fallback.welfare > result.welfare:
            result = Assignment.build(
                instance,
                fallback.placement,
                mode="optimal",
                started=started,
                proven_optimal=False,
                solver_info=info + "; den stabile fordeling var bedre og bruges",
            )
    return result


MAX_ASSIGNMENT_EDGES = 3_000_000


def _individuals_by_assignment(
    instance: Instance, pairs: list[tuple[str, str]], room: dict[str, int]
) -> dict[str, str] | None:
    """Maximum welfare when every participant to place is an individual, as a minimum-weight full bipartite
    matching (scipy's LAPJVsp): one column per free seat, plus one "not seated" column per participant.
    A seat of case c costs rank(p, c); the participant's own "not seated" column costs W = 1 + Σ list lengths,
    more than any total rank, so the cheapest full matching seats the most students first and then has the
    smallest total rank: the same lexicographic optimum as the integer programme (which is then totally
    unimodular anyway). Among equally good assignments it prefers the cases' order of participants.
    Returns None when the seat graph would be too large (the caller uses HiGHS)."""
    import numpy as np
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    case_ids = sorted({c for _, c in pairs})
    case_index = {c: i for i, c in enumerate(case_ids)}
    seats = np.array([room[c] for c in case_ids], dtype=np.int64)
    first_seat = np.concatenate(([0], np.cumsum(seats)[:-1]))
    n_seats = int(seats.sum())
    participants = list(dict.fromkeys(p for p, _ in pairs))
    row_of = {pid: i for i, pid in enumerate(participants)}
    pair_row = np.array([row_of[p] for p, _ in pairs], dtype=np.int64)
    pair_case = np.array([case_index[c] for _, c in pairs], dtype=np.int64)
    # Ties between equally good assignments go the companies' way: a tiny extra cost for the case's order of
    # the participant (`Instance.priority`, < 2n). Σ over at most n seated participants stays below 1/2, so the
    # lexicographic optimum (integral part of the cost) is unchanged.
    epsilon = 1.0 / (4.0 * len(instance.participants) ** 2 + 2.0)
    pair_rank = np.array(
        [instance.rank(p, c) + epsilon * instance.priority(c, p) for p, c in pairs], dtype=np.float64
    )
    per_pair = seats[pair_case]
    n_edges = int(per_pair.sum())
    if n_edges + len(participants) > MAX_ASSIGNMENT_EDGES:
        return None
    # Every pair becomes one edge per free seat of its case.
    starts = np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    seat_cols = np.repeat(first_seat[pair_case], per_pair) + (np.arange(n_edges) - starts)
    weight = 1 + sum(len(p.ranking) for p in instance.participants.values())
    rows = np.concatenate((np.repeat(pair_row, per_pair), np.arange(len(participants))))
    cols = np.concatenate((seat_cols, n_seats + np.arange(len(participants))))
    costs = np.concatenate((np.repeat(pair_rank, per_pair), np.full(len(participants), float(weight))))
    graph = csr_array((costs, (rows, cols)), shape=(len(participants), n_seats + len(participants)))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    seat_case = np.repeat(np.arange(len(case_ids)), seats)
    return {
        participants[r]: case_ids[seat_case[c]]
        for r, c in zip(matched_rows.tolist(), matched_cols.tolist(), strict=True)
        if c < n_seats
    }
