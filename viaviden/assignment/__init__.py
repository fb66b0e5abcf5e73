"""The bourse assignment solver and its verifier (SPEC 3.4, issue 5). Pure Python: no Django, no database.

The interface, for the UI, the API and the `assign_bourse` management command::

    from viaviden import assignment as A

    instance = A.Instance.build(
        cases=[A.Case("c1", capacity=4, levels={"LVU"})],
        participants=[A.Participant("g1", size=3, ranking=("c1",), level="LVU")],
        company_prefs={"c1": ("g1",)},          # optional; unlisted come after, in participant_id order
        vetoes={("c1", "p9")},                   # optional (case_id, participant_id)
        locks={"g1": "c1"},                      # optional, pairs staff fixed by hand
    )
    result = A.solve(instance, "stable")         # or "optimal"; an Assignment with .verdict filled in
    result.placement, result.rank_distribution, result.unassigned, result.verdict.blocking_pairs
    effect = A.move_effect(instance, result, "g1", "c2")   # what a hand move does, before confirming
    instance = A.read_instance(folder)           # CSV files, raises InputError with Danish messages
    A.write_assignment(path, result)

Algorithms, the blocking-pair definition, tie-breaks and the file formats are in docs/assignment.md.
"""

from __future__ import annotations

from dataclasses import replace

from .io import InputError, InputProblem, read_instance, write_assignment, write_instance
from .model import (
    MODE_NAMES,
    MODES,
    REASONS,
    Assignment,
    Case,
    Instance,
    InstanceError,
    Participant,
    Problem,
    Unassigned,
    natural_key,
)
from .optimal import DEFAULT_TIME_LIMIT, solve_optimal
from .stable import solve_stable
from .verify import VIOLATION_KINDS, BlockingPair, MoveEffect, Verdict, Violation, move_effect, verify

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "MODES",
    "MODE_NAMES",
    "REASONS",
    "VIOLATION_KINDS",
    "Assignment",
    "BlockingPair",
    "Case",
    "InputError",
    "InputProblem",
    "Instance",
    "InstanceError",
    "MoveEffect",
    "Participant",
    "Problem",
    "Unassigned",
    "Verdict",
    "Violation",
    "move_effect",
    "natural_key",
    "read_instance",
    "solve",
    "solve_optimal",
    "solve_stable",
    "verify",
    "write_assignment",
    "write_instance",
]


def solve(instance: Instance, mode: str = "stable", *, time_limit: float = DEFAULT_TIME_LIMIT) -> Assignment:
    """Assign in `mode` ('stable' or 'optimal') and attach the verifier's verdict."""
    if mode == "stable":
        result = solve_stable(instance)
    elif mode == "optimal":
        result = solve_optimal(instance, time_limit=time_limit)
    else:
        raise ValueError(f"Ukendt tilstand {mode!r}; brug 'stable' eller 'optimal'.")
    return replace(result, verdict=verify(instance, result))
