"""The process-wide matching index: built from the database (candidates with MATCHING consent, guides and
travel times from the tables), and kept current before every query without relying on callers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from viaviden.candidates import matching_index as mi
from viaviden.candidates.matching_index import (
    candidate_doc,
    load_guide_data,
    matching_index,
    matching_index_invalidate,
    matching_index_owner,
    need_profile,
)
from viaviden.candidates.models import Candidate, Consent, ProgrammeTaskArea, StudyProgramme, VocabularyEntry
from viaviden.candidates.services import candidate_erase, candidate_update, consent_give, consent_withdraw
from viaviden.matching import JobProfile
from viaviden.reference.models import Municipality, TravelTime

from .matching_support import (  # noqa: F401
    AALBORG,
    SUPPORT_NEED,
    THISTED,
    fresh_matching_index,
    register_student,
    support_need,
)

pytestmark = pytest.mark.django_db

PROFILE = JobProfile(id="need", text=SUPPORT_NEED, municipality=THISTED)


def ranked_ids(profile: JobProfile = PROFILE) -> list[int]:
    return [s.id for s in matching_index().rank_candidates(profile, k=50)]


def test_index_holds_only_candidates_with_an_active_matching_consent():
    # given
    with_consent = register_student()
    sharing_only = register_student(consents=["sharing"])

    # when
    index = matching_index()

    # then
    assert with_consent.pk in index
    assert sharing_only.pk not in index
    assert len(index) == 1


def test_guides_and_travel_times_come_from_the_database():
    data = load_guide_data()

    assert "datamatiker-ucn" in data.guide.programmes
    assert data.guide.programmes["datamatiker-ucn"].level == "KVU"
    assert data.guide.programmes["datamatiker-ucn"].task_areas["it-drift"] > 0
    minutes = TravelTime.objects.get(origin_id=AALBORG, destination_id=THISTED).minutes
    assert data.travel.minutes(AALBORG, THISTED) == minutes
    assert data.travel.name(THISTED) == "Thisted"
    assert data.match_type_names["student_job"] == "Studiejob"


def test_withdrawn_consent_removes_the_candidate_on_the_next_query_without_invalidation():
    # given an index that already holds the candidate
    student = register_student()
    assert ranked_ids() == [student.pk]
    builds = matching_index_owner().builds

    # when consent is withdrawn (no matching_index_invalidate call: on_commit callbacks do not run here)
    consent_withdraw(candidate=student, purpose="matching")

    # then the very next query no longer finds them, and the index was not rebuilt for it
    assert ranked_ids() == []
    assert student.pk not in matching_index()
    assert matching_index_owner().builds == builds


def test_a_new_registration_with_consent_is_found_on_the_next_query():
    first = register_student()
    assert ranked_ids() == [first.pk]

    second = register_student()

    assert sorted(ranked_ids()) == sorted([first.pk, second.pk])


def test_consent_given_later_adds_the_candidate():
    student = register_student(consents=["sharing"])
    assert ranked_ids() == []

    consent_give(candidate=student, purpose="matching")

    assert ranked_ids() == [student.pk]


def test_a_profile_change_is_applied_on_the_next_query():
    # given an Aalborg student who reaches Thisted
    student = register_student(max_travel=90)
    assert ranked_ids() == [student.pk]

    # when they lower their maximum travel time below the Aalborg-Thisted trip
    candidate_update(candidate=student, version=student.version, data={"max_travel_minutes": 30})

    # then they are out of reach
    assert ranked_ids() == []


def test_unchanged_rows_in_the_overlap_window_are_not_read_again():
    # given a change just applied
    student = register_student()
    matching_index()
    consent_withdraw(candidate=student, purpose="matching")
    matching_index()
    assert matching_index_owner().last_sync_changes == 1

    # when queried again while the change is still inside the overlap window
    matching_index()

    # then nothing is re-read
    assert matching_index_owner().last_sync_changes == 0


def test_sync_costs_one_query_when_nothing_changed(django_assert_num_queries):
    # given an index built and synced once (the first sync re-reads the rows changed just before the build)
    register_student()
    matching_index()
    matching_index()

    with django_assert_num_queries(1):
        matching_index()


def test_an_erased_candidate_is_dropped_by_discard():
    # given
    student = register_student()
    assert ranked_ids() == [student.pk]

    # when the profile is erased (a hard delete leaves no row to find) and the caller drops the gone id
    candidate_erase(candidate=student)
    mi.matching_index_discard([student.pk])

    # then
    assert ranked_ids() == []


def test_invalidate_with_an_id_re_reads_the_candidate_after_commit(django_capture_on_commit_callbacks):
    # given a row changed behind the index's back (an update() bumps no timestamp), outside the overlap window
    student = register_student()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Candidate.objects.filter(pk=student.pk).update(updated_at=long_ago)
    Consent.objects.filter(candidate=student).update(given_at=long_ago)
    assert ranked_ids() == [student.pk]
    Candidate.objects.filter(pk=student.pk).update(max_travel_minutes=30)
    assert ranked_ids() == [student.pk]

    # when the change is announced
    with django_capture_on_commit_callbacks(execute=True):
        matching_index_invalidate(student.pk)

    # then
    assert ranked_ids() == []


@pytest.mark.parametrize("ask", ["matching_index", "suggestions_within_the_interval"])
def test_invalidate_without_an_id_rebuilds_the_index(ask, request, django_capture_on_commit_callbacks):
    # the suggestions too, within their check interval (point 4): this process asked for the rebuild
    if ask == "suggestions_within_the_interval":
        request.getfixturevalue("interval")
    query = matching_index if ask == "matching_index" else suggested_ids
    register_student()
    query()
    builds = matching_index_owner().builds

    with django_capture_on_commit_callbacks(execute=True):
        matching_index_invalidate()
    query()

    assert matching_index_owner().builds == builds + 1


def test_invalidate_does_nothing_when_the_transaction_does_not_commit(django_capture_on_commit_callbacks):
    register_student()
    matching_index()
    builds = matching_index_owner().builds

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        matching_index_invalidate()
    matching_index()

    assert len(callbacks) == 1
    assert matching_index_owner().builds == builds


def test_a_guide_edit_in_the_database_rebuilds_the_index_at_the_next_guide_check(monkeypatch):
    # given a candidate of a programme whose guide is edited so that it no longer fits IT operations
    student = register_student(competences="Har lavet lidt af hvert")
    assert ranked_ids() == [student.pk]
    builds = matching_index_owner().builds
    ProgrammeTaskArea.objects.filter(programme__slug="datamatiker-ucn").delete()
    StudyProgramme.objects.filter(slug="datamatiker-ucn").update(competences_da=[], typical_tasks_da=[])
    # the vocabulary's job titles ("it-supporter" → IT-teknolog, Datamatiker) are part of the guides too
    for entry in VocabularyEntry.objects.filter(programmes__has_key="datamatiker-ucn"):
        entry.programmes.pop("datamatiker-ucn")
        entry.save(update_fields=["programmes"])

    # when the guides are checked again
    monkeypatch.setattr(mi, "GUIDE_CHECK_SECONDS", 0.0)
    result = ranked_ids()

    # then the index was rebuilt from the edited guides
    assert matching_index_owner().builds == builds + 1
    assert student.pk not in result


def test_cache_cleared_means_a_new_generation_and_a_rebuild():
    register_student()
    matching_index()
    builds = matching_index_owner().builds

    cache.clear()
    matching_index()

    assert matching_index_owner().builds == builds + 1


def test_consent_floor_only_moves_past_ids_seen_at_least_the_overlap_ago():
    owner = mi.MatchingIndexOwner()
    start = timezone.now()
    owner._checkpoints.clear()
    owner._checkpoints.append((start, 10))

    owner._advance_floor(start + dt.timedelta(seconds=5), 20)
    assert owner._consent_floor == 0

    owner._advance_floor(start + mi.OVERLAP + dt.timedelta(seconds=1), 30)
    assert owner._consent_floor == 10

    owner._advance_floor(start + mi.OVERLAP + dt.timedelta(seconds=10), 40)
    assert owner._consent_floor == 20


def test_candidate_doc_reads_the_profile_without_protected_characteristics():
    student = register_student(match_types=["student_job"], willing_to_move=True, experience="Frivillig i IT-klub")
    student = Candidate.objects.prefetch_related("match_types").select_related("programme").get(pk=student.pk)

    doc = candidate_doc(student)

    assert doc.id == student.pk
    assert doc.programme_slug == "datamatiker-ucn"
    assert doc.level == "KVU"
    assert doc.match_types == frozenset({"student_job"})
    assert doc.home_municipality == AALBORG
    assert doc.max_travel_minutes == 90
    assert doc.willing_to_move is True
    assert "IT-support" in doc.text and "IT-klub" in doc.text
    assert set(doc.__dataclass_fields__) == {
        "id",
        "programme_slug",
        "level",
        "text",
        "match_types",
        "available_from",
        "home_municipality",
        "max_travel_minutes",
        "willing_to_move",
    }


def test_need_profile_reads_the_need_through_the_job_profile_interface():
    need = support_need(
        levels=("KVU", "MVU"),
        match_types=("student_job",),
        education_wish="Datamatiker",
        earliest_start=dt.date(2026, 2, 1),
    )

    profile = need_profile(need)

    assert profile.id == need.pk
    assert profile.text == SUPPORT_NEED + "\nDatamatiker"
    assert profile.levels == frozenset({"KVU", "MVU"})
    assert profile.match_types == frozenset({"student_job"})
    assert profile.municipality == THISTED
    assert profile.earliest_start == dt.date(2026, 2, 1)


def test_need_profile_accepts_every_level_when_the_company_does_not_know():
    need = support_need(level_unknown=True)

    assert need_profile(need).levels == frozenset()


def test_the_place_of_work_overrides_the_company_municipality():
    need = support_need(place=THISTED, place_municipality=Municipality.objects.get(code=AALBORG))

    assert need_profile(need).municipality == AALBORG


def test_anonymised_candidates_are_not_indexed():
    from viaviden.candidates.services import candidate_anonymise

    student = register_student()
    assert ranked_ids() == [student.pk]

    candidate_anonymise(candidate=student)

    assert ranked_ids() == []
    assert not Consent.objects.filter(candidate=student, withdrawn_at__isnull=True).exists()


# --- The suggestions' check interval (MATCHING_INDEX_SYNC_SECONDS; module docstring, point 4) -------------------


@pytest.fixture
def interval(settings, monkeypatch):
    """The production interval (60 s here, to leave no doubt), with a clock the test moves."""
    settings.MATCHING_INDEX_SYNC_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(mi.time, "monotonic", lambda: clock[0])
    return clock


def suggested_ids(profile: JobProfile = PROFILE) -> list[int]:
    return [s.id for s in mi.rank_candidates(profile, 50)]


def test_within_the_interval_a_ranking_asks_the_database_nothing(interval, django_assert_num_queries):
    first = register_student()
    assert suggested_ids() == [first.pk]

    with django_assert_num_queries(0):
        assert suggested_ids() == [first.pk]
        assert suggested_ids(JobProfile(id="other", text="Regnskab og bogføring", municipality=THISTED)) == []


def test_a_change_from_another_process_ranks_once_the_interval_has_passed(interval):
    # given a ranking just checked
    first = register_student()
    assert suggested_ids() == [first.pk]

    # when another process registers a candidate (nothing announced here: on_commit callbacks do not run)
    second = register_student()

    # then the ranking is the last check's until the interval has passed, and current after
    interval[0] += 59
    assert suggested_ids() == [first.pk]
    interval[0] += 1
    assert sorted(suggested_ids()) == sorted([first.pk, second.pk])


def test_a_change_this_process_announced_ranks_at_once(interval, django_capture_on_commit_callbacks):
    student = register_student(max_travel=90)
    assert suggested_ids() == [student.pk]

    with django_capture_on_commit_callbacks(execute=True):
        candidate_update(candidate=student, version=student.version, data={"max_travel_minutes": 30})

    assert suggested_ids() == []


def test_matching_index_itself_checks_every_time(interval):
    student = register_student()
    assert suggested_ids() == [student.pk]

    consent_withdraw(candidate=student, purpose="matching")

    assert student.pk not in matching_index()
    assert suggested_ids() == []
