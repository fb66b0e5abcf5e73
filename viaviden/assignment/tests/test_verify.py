"""The verifier's hard-rule checks and the effect of a hand move."""

from viaviden.assignment import Case, Instance, Participant, move_effect, solve, verify


def bourse() -> Instance:
    return Instance.build(
        cases=[Case("X", 2, levels={"LVU"}), Case("Y", 2), Case("Z", 1)],
        participants=[
            Participant("a", 1, ("X", "Y"), level="LVU"),
            Participant("b", 1, ("X", "Y"), level="LVU"),
            Participant("g", 2, ("Y", "X"), level="KVU"),
            Participant("v", 1, ("Z",)),
        ],
        company_prefs={"X": ("b", "a")},
        vetoes={("Z", "v")},
        locks={"a": "X"},
    )


def test_a_feasible_stable_assignment_has_a_clean_verdict():
    instance = bourse()

    verdict = verify(instance, {"a": "X", "b": "X", "g": "Y"})

    assert (verdict.feasible, verdict.stable, verdict.violations, verdict.blocking_pairs) == (True, True, (), ())
    assert verdict.summary == "Gyldig og stabil fordeling: ingen overtrædelser og ingen blokerende par."


def test_every_hard_rule_is_checked():
    instance = bourse()

    verdict = verify(
        instance,
        [("a", "Y"), ("b", "X"), ("b", "Y"), ("g", "X"), ("v", "Z"), ("q", "X"), ("g", "Q"), ("b", "Z")],
    )

    kinds = sorted((v.kind, v.participant_id, v.case_id) for v in verdict.violations)
    assert kinds == [
        ("capacity", None, "X"),
        ("capacity", None, "Z"),
        ("lock_broken", "a", "X"),
        ("requirements", "g", "X"),
        ("split", "b", None),
        ("unknown_case", "g", "Q"),
        ("unknown_participant", "q", None),
        ("unranked", "b", "Z"),
        ("vetoed", "v", "Z"),
    ]
    messages = {v.kind: v.message for v in reversed(verdict.violations)}  # the first of each kind
    assert messages["capacity"] == "Case X har 3 studerende placeret, men kun 2 pladser."
    assert messages["vetoed"] == "Case Z har fravalgt deltager v, som er placeret der."
    assert messages["lock_broken"] == "Deltager a er låst til case X, men er placeret på Y."
    assert not verdict.feasible
    assert verdict.summary.startswith("UGYLDIG fordeling: 9 overtrædelse(r)")


def test_blocking_pair_by_free_seat_and_by_displacing_lower_ranked():
    instance = Instance.build(
        cases=[Case("X", 2), Case("Y", 3)],
        participants=[
            Participant("a", 1, ("Y", "X")),
            Participant("g", 2, ("X", "Y")),
            Participant("h", 2, ("Y",)),
        ],
        company_prefs={"X": ("g", "a")},
    )

    pairs = verify(instance, {"a": "X", "h": "Y"}).blocking_pairs

    assert [(b.participant_id, b.case_id, b.free_seats, b.displaced) for b in pairs] == [
        ("a", "Y", 1, ()),
        ("g", "X", 1, ("a",)),
        ("g", "Y", 1, ("h",)),  # Y ranks g above h (natural order)
    ]
    assert pairs[1].message == (
        "Gruppe g (2 studerende) er ikke placeret og har case X som nr. 1, og case X kan give plads ved kun at "
        "fravælge deltagere, den rangerer lavere (a)."
    )


def test_a_group_does_not_block_when_only_higher_ranked_participants_could_make_room():
    instance = Instance.build(
        cases=[Case("X", 2)],
        participants=[Participant("a", 1, ("X",)), Participant("g", 2, ("X",))],
        company_prefs={"X": ("a", "g")},
    )

    assert verify(instance, {"a": "X"}).blocking_pairs == ()


def test_move_effect_reports_capacity_welfare_and_blocking_pairs():
    instance = Instance.build(
        cases=[Case("X", 1), Case("Y", 1)],
        participants=[Participant("a", 1, ("X", "Y")), Participant("b", 1, ("X", "Y"))],
    )
    result = solve(instance, "stable")
    assert dict(result.placement) == {"a": "X", "b": "Y"}

    swap = move_effect(instance, result, "b", "X")

    assert (swap.from_case, swap.to_case, swap.capacity_ok, swap.free_seats_after) == ("Y", "X", False, -1)
    assert [v.kind for v in swap.new_violations] == ["capacity"]
    assert (swap.seated_students_delta, swap.total_rank_delta) == (0, -1)

    out = move_effect(instance, result, "b", None)

    assert (out.capacity_ok, out.new_violations, out.seated_students_delta, out.total_rank_delta) == (True, (), -1, -2)
    assert [(b.participant_id, b.case_id) for b in out.new_blocking_pairs] == [("b", "Y")]
    assert out.summary == "Placerede studerende -1; samlet rang -2; 1 nye og 0 løste blokerende par."
    assert dict(result.placement) == {"a": "X", "b": "Y"}  # nothing changed in place

    back = move_effect(instance, out.assignment, "b", "Y")

    assert [(b.participant_id, b.case_id) for b in back.resolved_blocking_pairs] == [("b", "Y")]
    assert back.assignment.mode == "manual"


def test_moving_a_locked_participant_is_flagged():
    instance = bourse()
    result = solve(instance, "stable")

    effect = move_effect(instance, result, "a", "Y")

    assert effect.breaks_lock
    assert "lock_broken" in [v.kind for v in effect.new_violations]
    assert effect.summary.startswith("Case Y har ikke plads; flytningen bryder en låst placering;")
