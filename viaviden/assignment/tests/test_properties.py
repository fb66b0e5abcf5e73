"""Property-based tests (Hypothesis) on small random bourses, checked against brute force where it is cheap."""

from hypothesis import HealthCheck, given, settings

from viaviden.assignment import solve, solve_optimal, solve_stable, verify

from .helpers import brute_blocking, check_feasible, feasible_placements, instances, welfare

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLVER = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SOLVER
@given(instances())
def test_no_mode_breaks_capacity_splits_a_group_or_seats_a_vetoed_unranked_or_unqualified_pair(instance):
    for mode in ("stable", "optimal"):
        result = solve(instance, mode)
        check_feasible(instance, result.placement)
        assert result.verdict.feasible, result.verdict.violations
        assert result.seated_participants + len(result.unassigned) == len(instance.participants)


@FAST
@given(instances(max_size=1, max_participants=7))
def test_with_individuals_stable_mode_never_returns_a_blocking_pair(instance):
    result = solve(instance, "stable")

    assert result.verdict.blocking_pairs == ()
    assert brute_blocking(instance, result.placement) == set()


@FAST
@given(instances(max_size=1, max_participants=5, max_cases=3, max_capacity=2))
def test_with_individuals_stable_mode_is_the_best_stable_assignment_for_every_participant(instance):
    result = solve_stable(instance)
    stable = [p for p in feasible_placements(instance) if not brute_blocking(instance, p)]

    assert result.placement in stable
    for other in stable:
        for pid in instance.participants:
            mine, theirs = instance.rank(pid, result.placement.get(pid)), instance.rank(pid, other.get(pid))
            assert theirs is None or (mine is not None and mine <= theirs)


@SOLVER
@given(instances())
def test_optimal_never_seats_fewer_students_than_stable_nor_with_a_larger_total_rank_when_equal(instance):
    stable, optimal = solve_stable(instance), solve_optimal(instance)

    assert optimal.seated_students >= stable.seated_students
    if optimal.seated_students == stable.seated_students:
        assert optimal.total_rank <= stable.total_rank


@SOLVER
@given(instances(max_participants=5, max_cases=3))
def test_optimal_is_the_lexicographic_optimum_found_by_enumeration(instance):
    result = solve_optimal(instance)

    best = max(welfare(instance, p) for p in feasible_placements(instance))
    assert result.welfare == best
    assert result.proven_optimal


@FAST
@given(instances(max_participants=5, max_cases=3))
def test_the_verifier_finds_exactly_the_blocking_pairs_of_the_definition(instance):
    for placement in list(feasible_placements(instance))[:40]:
        found = {(b.participant_id, b.case_id) for b in verify(instance, placement).blocking_pairs}
        assert found == brute_blocking(instance, placement)


@FAST
@given(instances())
def test_stable_mode_blocking_pairs_match_the_definition_with_groups(instance):
    result = solve(instance, "stable")

    assert {(b.participant_id, b.case_id) for b in result.verdict.blocking_pairs} == brute_blocking(
        instance, result.placement
    )
    for unassigned in result.unassigned:
        assert unassigned.reason != "not_seated_despite_room" or result.verdict.blocking_pairs
