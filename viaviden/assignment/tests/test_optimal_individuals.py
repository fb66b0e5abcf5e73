"""Optimal mode when everyone to place is an individual: a minimum-weight full bipartite matching instead of
HiGHS. Same lexicographic optimum (checked by enumeration), ties go the cases' way, and HiGHS takes over when
the seat graph would be too large."""

from hypothesis import HealthCheck, given, settings

from viaviden.assignment import Case, Instance, Participant, optimal, solve_optimal

from .helpers import feasible_placements, instances, welfare

SOLVER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SOLVER
@given(instances(max_size=1, max_participants=6, max_cases=3))
def test_individuals_get_the_lexicographic_optimum_found_by_enumeration(instance):
    result = solve_optimal(instance)

    assert result.welfare == max(welfare(instance, p) for p in feasible_placements(instance))
    assert result.proven_optimal


def test_the_assignment_path_is_used_for_individuals_and_ties_follow_the_case_order():
    instance = Instance.build(
        cases=[Case("X", 1), Case("Y", 1)],
        participants=[Participant("a", 1, ("X", "Y")), Participant("b", 1, ("X", "Y"))],
        company_prefs={"X": ("b", "a"), "Y": ("a", "b")},
    )

    result = solve_optimal(instance)

    assert result.solver_info.startswith("tildelingsproblem")
    # Both assignments seat 2 with total rank 3; X ranks b first and Y ranks a first, so b gets X.
    assert dict(result.placement) == {"a": "Y", "b": "X"}


def test_a_too_large_seat_graph_falls_back_to_highs_with_the_same_welfare(monkeypatch):
    instance = Instance.build(
        cases=[Case("X", 2), Case("Y", 1)],
        participants=[Participant("a", 1, ("X", "Y")), Participant("b", 1, ("X",)), Participant("c", 1, ("X", "Y"))],
    )
    fast = solve_optimal(instance)
    monkeypatch.setattr(optimal, "MAX_ASSIGNMENT_EDGES", 0)

    slow = solve_optimal(instance)

    assert slow.solver_info.startswith("HiGHS")
    assert (slow.welfare, fast.welfare) == ((3, -4), (3, -4))
