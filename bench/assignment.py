"""Benchmark of the bourse assignment solver: stable and optimal mode on a random bourse.

    python bench/assignment.py            # 150 cases, 1,000 participants
    python bench/assignment.py --quick    #  30 cases,   200 participants

Pure Python (no database, no Django). The bourse: 60 % individuals and 40 % groups of 2-5 students; each
ranks 3-5 cases drawn with skewed popularity (a few cases are wanted by many); seats ≈ 95 % of the students;
40 % of the cases rank some of their applicants; about 2 % of the ranked pairs are vetoed; 20 % of the cases
accept only two of the three education levels. Prints the figures per mode and, as its last line, one JSON
object with the figures. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20210915
LEVELS = ("KVU", "MVU", "LVU")
GOAL_STABLE_S = 1.0  # 1,000 participants
GOAL_OPTIMAL_S = 30.0


def make_bourse(n_cases: int, n_participants: int, rng: random.Random):
    from viaviden.assignment import Case, Instance, Participant

    participants = []
    for i in range(1, n_participants + 1):
        size = 1 if rng.random() < 0.6 else rng.randint(2, 5)
        participants.append((f"p{i}", size, rng.choice(LEVELS)))
    students = sum(size for _, size, _ in participants)
    weights = [1 / (k + 1) ** 0.7 for k in range(n_cases)]
    scale = 0.95 * students / sum(weights)
    # Capacity follows popularity loosely, so popular cases are crowded but not impossible.
    capacities = [max(2, round(scale * w * rng.uniform(0.5, 1.5))) for w in weights]
    case_ids = [f"c{k}" for k in range(1, n_cases + 1)]
    cases = []
    for cid, cap in zip(case_ids, capacities, strict=True):
        levels = set(rng.sample(LEVELS, 2)) if rng.random() < 0.2 else None
        cases.append(Case(cid, cap, levels=levels))
    rankings: dict[str, tuple[str, ...]] = {}
    for pid, _, _ in participants:
        chosen: list[str] = []
        want = rng.randint(3, 5)
        while len(chosen) < want:
            cid = rng.choices(case_ids, weights)[0]
            if cid not in chosen:
                chosen.append(cid)
        rankings[pid] = tuple(chosen)
    applicants: dict[str, list[str]] = {cid: [] for cid in case_ids}
    for pid, ranking in rankings.items():
        for cid in ranking:
            applicants[cid].append(pid)
    company_prefs = {}
    for cid in case_ids:
        if rng.random() < 0.4 and applicants[cid]:
            pool = applicants[cid]
            company_prefs[cid] = tuple(rng.sample(pool, max(1, len(pool) // 2)))
    vetoes = {(cid, pid) for pid, ranking in rankings.items() for cid in ranking if rng.random() < 0.02}
    return Instance.build(
        cases=cases,
        participants=[Participant(pid, size, rankings[pid], level=level) for pid, size, level in participants],
        company_prefs=company_prefs,
        vetoes=vetoes,
    )


def run_mode(instance, mode: str) -> dict:
    from viaviden.assignment import solve, verify

    t0 = time.perf_counter()
    result = solve(instance, mode)
    solve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict = verify(instance, result)
    verify_s = time.perf_counter() - t0
    reasons = Counter(u.reason for u in result.unassigned)
    figures = {
        "seconds": round(solve_s, 3),
        "verify_seconds": round(verify_s, 3),
        "seated_participants": result.seated_participants,
        "seated_students": result.seated_students,
        "total_rank": result.total_rank,
        "mean_rank": round(result.mean_rank or 0, 3),
        "rank_distribution": list(result.rank_distribution),
        "unassigned": len(result.unassigned),
        "unassigned_reasons": dict(sorted(reasons.items())),
        "feasible": verdict.feasible,
        "blocking_pairs": len(verdict.blocking_pairs),
        "proven_optimal": result.proven_optimal,
    }
    print(
        f"  {mode}: {solve_s:.3f} s (verifier {verify_s:.3f} s); seated {result.seated_students} of "
        f"{result.total_students} students ({result.seated_participants} of {result.total_participants} "
        f"participants); total rank {result.total_rank} (mean {figures['mean_rank']}); "
        f"blocking pairs {len(verdict.blocking_pairs)}; feasible {verdict.feasible}"
        + ("" if result.proven_optimal is None else f"; proven optimal {result.proven_optimal}")
    )
    print(f"    rank distribution (participants): {list(result.rank_distribution)}; unassigned: {dict(reasons)}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="30 cases, 200 participants")
    args = parser.parse_args()
    n_cases, n_participants = (30, 200) if args.quick else (150, 1000)
    sys.path.insert(0, str(ROOT))
    import scipy
    import scipy.optimize  # noqa: F401  imported before timing: the solver imports it lazily

    rng = random.Random(SEED)
    t0 = time.perf_counter()
    instance = make_bourse(n_cases, n_participants, rng)
    build_s = time.perf_counter() - t0
    groups = sum(1 for p in instance.participants.values() if p.size > 1)
    pairs = sum(len(v) for v in instance.acceptable_cases.values())
    print(
        f"Bourse: {n_cases} cases, {instance.total_capacity} seats; {n_participants} participants "
        f"({n_participants - groups} individuals, {groups} groups of 2-5), {instance.total_students} students; "
        f"{pairs} acceptable pairs; {len(instance.vetoes)} vetoes; built in {build_s:.2f} s; scipy {scipy.__version__}"
    )
    stable = run_mode(instance, "stable")
    optimal = run_mode(instance, "optimal")
    gain = optimal["seated_students"] - stable["seated_students"]
    print(
        f"Optimal vs stable: {gain:+d} students seated, total rank {optimal['total_rank'] - stable['total_rank']:+d}."
    )
    figures = {
        "benchmark": "assignment",
        "quick": args.quick,
        "cases": n_cases,
        "participants": n_participants,
        "groups": groups,
        "students": instance.total_students,
        "seats": instance.total_capacity,
        "acceptable_pairs": pairs,
        "scipy": scipy.__version__,
        "stable": stable,
        "optimal": optimal,
        "stable_goal_s": GOAL_STABLE_S,
        "optimal_goal_s": GOAL_OPTIMAL_S,
        "stable_ok": stable["seconds"] < GOAL_STABLE_S,
        "optimal_ok": optimal["seconds"] < GOAL_OPTIMAL_S and bool(optimal["proven_optimal"]),
    }
    print(
        f"Goals ({n_participants} participants): stable < {GOAL_STABLE_S:.0f} s, optimal proven within "
        f"{GOAL_OPTIMAL_S:.0f} s."
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
