"""Hand-made instances with known answers for the stable and optimal modes."""

import pytest

from viaviden.assignment import Case, Instance, InstanceError, Participant, solve, solve_optimal, solve_stable, verify

from .helpers import brute_blocking, feasible_placements


def gale_shapley_1962() -> Instance:
    """The example of Gale and Shapley (1962) with three stable matchings: each side can get its first choice,
    or everyone gets their second."""
    return Instance.build(
        cases=[Case("A", 1), Case("B", 1), Case("C", 1)],
        participants=[
            Participant("alpha", 1, ("A", "B", "C")),
            Participant("beta", 1, ("B", "C", "A")),
            Participant("gamma", 1, ("C", "A", "B")),
        ],
        company_prefs={
            "A": ("beta", "gamma", "alpha"),
            "B": ("gamma", "alpha", "beta"),
            "C": ("alpha", "beta", "gamma"),
        },
    )


def no_stable_with_groups() -> Instance:
    """A group of 3 and two individuals, for which no stable assignment exists (see docs/assignment.md)."""
    return Instance.build(
        cases=[Case("A", 3), Case("B", 1)],
        participants=[Participant("a", 1, ("A", "B")), Participant("b", 1, ("B", "A")), Participant("g", 3, ("A",))],
        company_prefs={"A": ("b", "g", "a"), "B": ("a", "b")},
    )


def test_classic_example_stable_mode_gives_the_participant_optimal_matching():
    instance = gale_shapley_1962()

    result = solve(instance, "stable")

    assert dict(result.placement) == {"alpha": "A", "beta": "B", "gamma": "C"}
    assert result.rank_distribution == (3,)
    assert result.verdict.stable


def test_classic_example_has_exactly_three_stable_matchings():
    instance = gale_shapley_1962()

    stable = [p for p in feasible_placements(instance) if len(p) == 3 and not verify(instance, p).blocking_pairs]

    assert sorted(tuple(sorted(p.items())) for p in stable) == sorted(
        [
            (("alpha", "A"), ("beta", "B"), ("gamma", "C")),
            (("alpha", "B"), ("beta", "C"), ("gamma", "A")),
            (("alpha", "C"), ("beta", "A"), ("gamma", "B")),
        ]
    )


def test_classic_example_optimal_mode_gives_everyone_the_first_choice():
    result = solve(gale_shapley_1962(), "optimal")

    assert (result.seated_students, result.total_rank, result.proven_optimal) == (3, 3, True)


def test_capacity_many_to_one_replaces_the_lowest_ranked_student():
    instance = Instance.build(
        cases=[Case("X", 2), Case("Y", 2)],
        participants=[Participant(f"s{i}", 1, ("X", "Y")) for i in range(1, 5)],
        company_prefs={"X": ("s4", "s3", "s2", "s1")},
    )

    result = solve(instance, "stable")

    assert dict(result.placement) == {"s1": "Y", "s2": "Y", "s3": "X", "s4": "X"}
    assert result.verdict.stable


def test_a_group_displaces_lower_ranked_individuals_and_takes_as_many_seats_as_members():
    instance = Instance.build(
        cases=[Case("X", 3), Case("Y", 3)],
        participants=[
            Participant("x1", 1, ("X", "Y")),
            Participant("x2", 1, ("X", "Y")),
            Participant("g", 3, ("X",)),
        ],
        company_prefs={"X": ("g",)},
    )

    result = solve(instance, "stable")

    assert dict(result.placement) == {"g": "X", "x1": "Y", "x2": "Y"}
    assert result.seated_students == 5
    assert result.verdict.stable


def test_groups_without_a_stable_assignment_the_verifier_lists_the_blocking_pair():
    instance = no_stable_with_groups()
    assert all(brute_blocking(instance, p) for p in feasible_placements(instance))  # no stable assignment exists

    result = solve(instance, "stable")

    assert dict(result.placement) == {"a": "B", "b": "A"}
    assert result.verdict.feasible and not result.verdict.stable
    (pair,) = result.verdict.blocking_pairs
    assert (pair.participant_id, pair.case_id, pair.current_case, pair.free_seats, pair.displaced) == (
        "a",
        "A",
        "B",
        2,
        (),
    )
    assert (
        pair.message
        == "Deltager a foretrækker case A (nr. 1) frem for sin case B (nr. 2), og case A har 2 ledige pladser."
    )
    (g,) = result.unassigned
    assert (g.participant_id, g.reason) == ("g", "no_room")


def test_groups_without_a_stable_assignment_optimal_seats_the_group():
    result = solve(no_stable_with_groups(), "optimal")

    assert dict(result.placement) == {"b": "B", "g": "A"}
    assert (result.seated_students, result.total_rank) == (4, 4)
    assert [(b.participant_id, b.case_id, b.displaced) for b in result.verdict.blocking_pairs] == [("a", "B", ("b",))]


def test_without_company_preferences_cases_rank_in_natural_participant_id_order():
    instance = Instance.build(
        cases=[Case("X", 1)],
        participants=[Participant("p10", 1, ("X",)), Participant("p9", 1, ("X",)), Participant("p2", 1, ("X",))],
    )

    assert dict(solve_stable(instance).placement) == {"p2": "X"}


def test_unlisted_participants_come_after_listed_ones():
    instance = Instance.build(
        cases=[Case("X", 2)],
        participants=[Participant(p, 1, ("X",)) for p in ("a", "b", "c")],
        company_prefs={"X": ("c",)},
    )

    assert dict(solve_stable(instance).placement) == {"a": "X", "c": "X"}


def test_vetoes_requirements_and_sizes_exclude_pairs_in_both_modes():
    instance = Instance.build(
        cases=[Case("X", 2, levels={"LVU"}), Case("Y", 2, programmes={"Software"}), Case("Z", 1)],
        participants=[
            Participant("kvu", 1, ("X", "Y"), level="KVU", programme="Software"),
            Participant("lvu", 1, ("X",), level="lvu"),  # levels compare without case
            Participant("vetoed", 1, ("Z",)),
            Participant("big", 2, ("Z",)),
            Participant("none", 1, ()),
            Participant("mixed", 2, ("X", "Z"), level="KVU"),
        ],
        vetoes={("Z", "vetoed")},
    )

    for mode in ("stable", "optimal"):
        result = solve(instance, mode)
        assert dict(result.placement) == {"kvu": "Y", "lvu": "X"}, mode
        assert {u.participant_id: u.reason for u in result.unassigned} == {
            "vetoed": "all_vetoed",
            "big": "group_too_large",
            "none": "no_preferences",
            "mixed": "no_acceptable_case",
        }
        texts = {u.participant_id: u.text for u in result.unassigned}
        assert texts["mixed"] == (
            "Ingen af deltagerens 2 prioriterede cases kan tage deltageren: 1 stiller krav, som ikke er opfyldt, "
            "1 har for få pladser til gruppen."
        )
        assert texts["big"] == "Gruppen på 2 studerende er større end kapaciteten på alle sine prioriterede cases."


def test_unassigned_for_lack_of_room_names_the_free_seats():
    instance = Instance.build(
        cases=[Case("X", 1), Case("Y", 1)],
        participants=[Participant(p, 1, ("X", "Y")) for p in ("a", "b", "c")],
    )

    result = solve(instance, "stable")

    assert [(u.participant_id, u.reason, u.text) for u in result.unassigned] == [
        (
            "c",
            "no_room",
            "Der var ikke 1 ledig plads på nogen af deltagerens acceptable cases (X: 0 ledige, Y: 0 ledige).",
        )
    ]


def test_rank_distribution_counts_participants_and_students():
    instance = Instance.build(
        cases=[Case("X", 3), Case("Y", 1)],
        participants=[Participant("g", 3, ("X", "Y")), Participant("a", 1, ("X", "Y"))],
        company_prefs={"X": ("g", "a")},
    )

    result = solve(instance, "stable")

    assert dict(result.placement) == {"a": "Y", "g": "X"}
    assert (result.rank_distribution, result.rank_distribution_students) == ((1, 1), (3, 1))
    assert (result.seated_students, result.total_rank, result.mean_rank) == (4, 5, 1.25)


def test_locks_are_kept_and_never_displaced_in_both_modes():
    # Without the lock, b (ranked first by X) would take X and a would go to Y.
    base = Instance.build(
        cases=[Case("X", 1), Case("Y", 1)],
        participants=[Participant("a", 1, ("X", "Y")), Participant("b", 1, ("X", "Y"))],
        company_prefs={"X": ("b", "a")},
    )
    assert dict(solve_stable(base).placement) == {"a": "Y", "b": "X"}
    instance = base.with_locks({"a": "X"})

    for mode in ("stable", "optimal"):
        result = solve(instance, mode)
        assert dict(result.placement) == {"a": "X", "b": "Y"}, mode
        assert result.locked == {"a"}
        # b would rather have X and X ranks b above a, but a is locked: not a blocking pair.
        assert result.verdict.stable, mode


def test_locks_reduce_capacity_for_everyone_else():
    instance = Instance.build(
        cases=[Case("X", 3)],
        participants=[Participant("g", 2, ("X",)), Participant("a", 1, ("X",)), Participant("b", 1, ("X",))],
        company_prefs={"X": ("a", "b", "g")},
        locks={"g": "X"},
    )

    for mode in ("stable", "optimal"):
        assert dict(solve(instance, mode).placement) == {"a": "X", "g": "X"}, mode


@pytest.mark.parametrize(
    ("locks", "fragment"),
    [
        ({"a": "Y"}, "casen er ikke prioriteret"),
        ({"a": "X", "b": "X"}, "de låste deltagere fylder 2 pladser, men casen har kun 1"),
        ({"v": "X"}, "casen har fravalgt deltageren"),
    ],
)
def test_impossible_locks_are_refused(locks, fragment):
    with pytest.raises(InstanceError) as exc:
        Instance.build(
            cases=[Case("X", 1), Case("Y", 1)],
            participants=[Participant("a", 1, ("X",)), Participant("b", 1, ("X",)), Participant("v", 1, ("X",))],
            vetoes={("X", "v")},
            locks=locks,
        )

    assert fragment in str(exc.value)


def test_unknown_ids_and_bad_sizes_are_refused():
    with pytest.raises(InstanceError) as exc:
        Instance.build(
            cases=[Case("X", 1)], participants=[Participant("a", 0, ("X", "Q"))], company_prefs={"X": ("z",)}
        )

    assert [p.kind for p in exc.value.problems] == ["size", "unknown_case", "unknown_participant"]


def test_empty_instance_gives_empty_assignments():
    instance = Instance.build(cases=[Case("X", 0)], participants=[Participant("a", 1, ("X",))])

    for solver in (solve_stable, solve_optimal):
        result = solver(instance)
        assert (dict(result.placement), [u.reason for u in result.unassigned]) == ({}, ["group_too_large"])
