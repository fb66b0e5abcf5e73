"""The solver's explanations in the language of the request (issue 14): the Danish rendering of every reason code is
word for word the solver's own text, and the English one has no Danish left."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from viaviden import assignment as A
from viaviden.events import bourse_services as svc
from viaviden.events import bourse_text
from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank

DANISH = re.compile(r"[æøåÆØÅ]|\b(og|ikke|har|af|på|nogen|ledige?|pladser|deltager\w*|fordeling|gruppen|kravene|"
                    r"placeret|fravalgt|blokerende)\b", re.IGNORECASE)


def _unassigned() -> dict[str, A.Unassigned]:
    """One participant left out for each reason code."""
    instance = A.Instance.build(
        cases=[A.Case("1", 1), A.Case("2", 2, levels={"LVU"}), A.Case("3", 1), A.Case("4", 1)],
        participants=[
            A.Participant("none"),
            A.Participant("veto", ranking=("1",)),
            A.Participant("req", level="KVU", ranking=("2",)),
            A.Participant("big", size=3, ranking=("1",)),
            A.Participant("mixed", size=2, level="KVU", ranking=("1", "2", "4")),
            A.Participant("seated", ranking=("3",)),
            A.Participant("full", ranking=("3",)),
            A.Participant("room", ranking=("4",)),
        ],
        vetoes=[("1", "veto"), ("4", "mixed")],
    )
    placement = {"seated": "3"}
    found = {u.reason: u for u in A.Assignment.build(instance, placement, mode="stable").unassigned}
    return found


def test_every_reason_code_is_said_in_danish_as_the_solver_says_it_and_in_english_without_danish():
    found = _unassigned()
    assert set(found) == {"no_preferences", "all_vetoed", "requirements_not_met", "group_too_large",
                          "no_acceptable_case", "no_room", "not_seated_despite_room"}
    for code, u in found.items():
        with translation.override("da"):
            assert bourse_text.unassigned_text(u) == u.text, code
        with translation.override("en"):
            english = bourse_text.unassigned_text(u)
        assert english and not DANISH.search(english), (code, english)
    with translation.override("en"):
        assert bourse_text.unassigned_text(found["no_room"]) == (
            "There was not 1 free place on any of the participant's acceptable cases (3: 0 free).")


def test_the_verdict_and_the_violations_in_both_languages():
    instance = A.Instance.build(cases=[A.Case("1", 1)], participants=[
        A.Participant("a", ranking=("1",)), A.Participant("b", ranking=("1",))], locks={"b": "1"})
    verdict = A.verify(instance, {"a": "1"})
    kinds = {v.kind for v in verdict.violations}
    assert "lock_broken" in kinds
    with translation.override("da"):
        assert bourse_text.verdict_summary(verdict) == verdict.summary.replace("overtrædelse(r)", "overtrædelse")
        texts_da = [bourse_text.violation_text(v, lambda pid: f"Deltager {pid}") for v in verdict.violations]
    assert texts_da == [v.message for v in verdict.violations]
    with translation.override("en"):
        summary = bourse_text.verdict_summary(verdict)
        texts = [bourse_text.violation_text(v, lambda pid: f"P-{pid}") for v in verdict.violations]
    assert summary.startswith("INVALID assignment: 1 breach")
    assert texts == ["P-b is locked to case 1, but is not placed."]
    stable = A.verify(instance, {"b": "1"})
    with translation.override("en"):
        assert bourse_text.verdict_summary(stable) == "Valid and stable assignment: no breaches and no blocking pairs."


@pytest.mark.django_db
def test_the_run_page_in_english_explains_why_a_participant_is_not_placed(user_factory, staff_client):
    event = make_bourse(organiser="aau", title="Syntetisk Projektbørs")
    only = make_case(event, title="Eneste case", capacity=1)
    rank(make_participant(event, name="Ann"), only)
    rank(make_participant(event, name="Bo"), only)
    make_participant(event, name="Cai")
    user = user_factory(organisation="aau")
    run = svc.bourse_run_create(user=user, event=event, mode="optimal")
    client = staff_client(user)

    danish = client.get(reverse("bourse_run_detail", args=[run.pk]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("bourse_run_detail", args=[run.pk]))

    rows_en = [u["text"] for u in english.context["unassigned"]]
    assert "The participant has not ranked any cases." in rows_en
    assert any(t.startswith("There was not 1 free place") for t in rows_en)
    assert "Valid and stable assignment" in english.content.decode()
    assert "Deltageren har ikke prioriteret nogen cases." in [u["text"] for u in danish.context["unassigned"]]


@pytest.mark.django_db
def test_group_size_notes_are_said_in_the_language_of_the_page(user_factory, staff_client):
    event = make_bourse(organiser="aau", title="Syntetisk Projektbørs")
    solo = make_case(event, title="Kun enkeltpersoner", capacity=2, max_group_size=1)
    rank(make_participant(event, name="Gruppe Syd", size=2), solo)
    rank(make_participant(event, name="Ann"), solo)
    user = user_factory(organisation="aau")
    run = svc.bourse_run_create(user=user, event=event, mode="stable")
    client = staff_client(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    notes = client.get(reverse("bourse_run_detail", args=[run.pk])).context["notes"]

    assert notes == ["Gruppe Syd (2 people) does not fit the group size of the case »Kun enkeltpersoner« and cannot "
                     "be placed there."]
    with translation.override("da"):
        assert bourse_text.run_notes(run.result) == run.result["notes"]
        assert bourse_text.run_notes({"notes": ["gammel note"]}) == ["gammel note"]
