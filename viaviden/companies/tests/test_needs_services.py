"""Needs (afdækning): register, edit, take on, assign, close with an answer, reopen; the answer promise;
the link from matches to needs; the job profile; the list selector."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from viaviden.companies.answer_promise import answer_due_for
from viaviden.companies.models import Need, NeedEvent
from viaviden.companies.need_selectors import need_job_profile, need_list
from viaviden.companies.need_services import (
    need_assign,
    need_close,
    need_create,
    need_reopen,
    need_set_status,
    need_update,
)
from viaviden.companies.tests.test_needs_support import make_need, org
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import EducationLevel, MatchType, Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def thisted_staff():
    return UserFactory(organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF, first_name="Tove")


@pytest.fixture
def thisted_business():
    """The municipality's business office: the same partner as Jobcenter Thisted."""
    return UserFactory(organisation="erhvervskontor-thisted", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def aau_staff():
    return UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


def types(*codes):
    return list(MatchType.objects.filter(code__in=codes))


# --- Register ----------------------------------------------------------------------------------


def test_student_collaboration_wish_starts_the_answer_promise(thisted_staff):
    company = CompanyFactory()

    need = need_create(user=thisted_staff, company=company, title="Studiejob", tasks="Hjælp med webshop",
                       match_types=types("student_job", "ordinary_job"))

    assert need.status == Need.Status.NEW
    assert need.requested_at is not None
    assert need.answer_due == answer_due_for(need.requested_at)
    assert need.owner_organisation == org("jobcenter-thisted")
    assert need.owner == thisted_staff  # the one who registers it is responsible until assigned
    assert need.created_by == thisted_staff
    event = NeedEvent.objects.get(need=need)
    assert (event.kind, event.public) == (NeedEvent.Kind.CREATED, True)
    assert event.text == f"Behovet er registreret. Virksomheden får svar senest {need.answer_due:%d-%m-%Y}."
    assert "Tove" not in event.text


def test_job_only_need_has_no_answer_deadline(thisted_staff):
    need = need_create(user=thisted_staff, company=CompanyFactory(), tasks="Controller",
                       match_types=types("ordinary_job", "wage_subsidy"))

    assert (need.requested_at, need.answer_due) == (None, None)
    assert NeedEvent.objects.get(need=need).text == "Behovet er registreret."


def test_open_need_without_match_types_has_no_deadline_and_means_any_type(thisted_staff):
    need = need_create(user=thisted_staff, company=CompanyFactory(), tasks="Noget med data")

    assert need.answer_due is None
    assert need_job_profile(need).match_types == ()


def test_self_service_request_always_gets_a_deadline():
    need = make_need(match_types=(), source=Need.Source.SELF_SERVICE)

    assert need.answer_due == answer_due_for(need.requested_at)


def test_title_defaults_to_first_line_of_tasks(thisted_staff):
    need = need_create(user=thisted_staff, company=CompanyFactory(), tasks="Ny hjemmeside\nog nyhedsbrev")

    assert need.title == "Ny hjemmeside"


def test_tasks_are_required_and_nothing_is_saved(thisted_staff):
    with pytest.raises(ValidationFailed) as exc:
        need_create(user=thisted_staff, company=CompanyFactory(), title="Uden opgaver", tasks="  ",
                    match_types=types("student_job"))

    assert exc.value.details == {"tasks": ["Beskriv de opgaver, virksomheden vil have løst."]}
    assert Need.objects.count() == 0
    assert NeedEvent.objects.count() == 0


def test_level_unknown_and_levels_exclude_each_other(thisted_staff):
    with pytest.raises(ValidationFailed) as exc:
        need_create(user=thisted_staff, company=CompanyFactory(), tasks="Analyse", level_unknown=True,
                    education_levels=list(EducationLevel.objects.filter(code="LVU")))

    assert list(exc.value.details) == ["education_levels"]
    assert "ikke begge dele" in exc.value.details["education_levels"][0]
    assert Need.objects.count() == 0


def test_steering_group_cannot_register(steering):
    with pytest.raises(Forbidden):
        need_create(user=steering, company=CompanyFactory(), tasks="x", owner_organisation=org("jobcenter-thisted"))

    assert Need.objects.count() == 0


def test_partner_cannot_register_for_another_organisation(aau_staff):
    with pytest.raises(Forbidden):
        need_create(user=aau_staff, company=CompanyFactory(), tasks="x", owner_organisation=org("jobcenter-thisted"))

    assert Need.objects.count() == 0


def test_business_office_may_register_for_its_jobcentre(thisted_business):
    need = need_create(user=thisted_business, company=CompanyFactory(), tasks="x",
                       owner_organisation=org("jobcenter-thisted"))

    assert need.owner == thisted_business


def test_coordinator_registers_for_a_partner_without_becoming_owner(coordinator):
    need = need_create(user=coordinator, company=CompanyFactory(), tasks="x", owner_organisation=org("aau"))

    assert (need.owner_organisation, need.owner) == (org("aau"), None)


def test_need_for_merged_company_goes_to_the_surviving_record(thisted_staff):
    survivor = CompanyFactory()
    merged = CompanyFactory(merged_into=survivor)

    need = need_create(user=thisted_staff, company=merged, tasks="x")

    assert need.company == survivor


# --- Edit ----------------------------------------------------------------------------------------


def test_update_changes_facts_bumps_version_and_logs_an_internal_step(thisted_staff):
    need = make_need(match_types=("ordinary_job",))

    updated = need_update(user=thisted_staff, need=need, version=1, tasks="Nye opgaver", place="Hanstholm",
                          education_levels=list(EducationLevel.objects.filter(code="KVU")))

    need.refresh_from_db()
    assert (need.tasks, need.place, need.version) == ("Nye opgaver", "Hanstholm", 2)
    assert updated.version == 2
    assert [lv.code for lv in need.education_levels.all()] == ["KVU"]
    event = need.events.get(kind=NeedEvent.Kind.UPDATED)
    assert event.public is False
    assert event.text == "Ændret: opgaver virksomheden vil have løst, sted, ønskede uddannelsesniveauer"


def test_update_adding_a_student_collaboration_starts_the_answer_promise(thisted_staff):
    need = make_need(match_types=("ordinary_job",))

    need_update(user=thisted_staff, need=need, version=1, match_types=types("ordinary_job", "student_project"))

    need.refresh_from_db()
    assert need.answer_due == answer_due_for(need.requested_at)
    assert need.events.filter(public=True, text__startswith="Virksomheden får svar senest").count() == 1


def test_stale_version_is_a_conflict_and_nothing_changes(thisted_staff):
    need = make_need()
    need_update(user=thisted_staff, need=need, version=1, tasks="Først")

    with pytest.raises(Conflict):
        need_update(user=thisted_staff, need=need, version=1, tasks="Bagefter")

    need.refresh_from_db()
    assert (need.tasks, need.version) == ("Først", 2)
    assert need.events.filter(kind=NeedEvent.Kind.UPDATED).count() == 1


def test_other_organisation_cannot_edit_but_coordinator_can(aau_staff, coordinator):
    need = make_need()

    with pytest.raises(Forbidden):
        need_update(user=aau_staff, need=need, version=1, tasks="AAU's version")
    need_update(user=coordinator, need=need, version=1, tasks="Koordinationsgruppens version")

    need.refresh_from_db()
    assert need.tasks == "Koordinationsgruppens version"


def test_closed_need_is_not_edited(thisted_staff):
    need = make_need()
    need = need_close(user=thisted_staff, need=need, answer="no_match", answer_note="Ingen ledige", version=1)

    with pytest.raises(ValidationFailed) as exc:
        need_update(user=thisted_staff, need=need, version=need.version, tasks="x")

    assert exc.value.code == "need_not_open"


# --- Status and owner ------------------------------------------------------------------------


def test_take_on_a_new_need(thisted_staff):
    need = make_need()

    need = need_set_status(user=thisted_staff, need=need, status="in_progress", version=1)

    assert (need.status, need.version) == (Need.Status.IN_PROGRESS, 2)
    assert need.events.filter(kind=NeedEvent.Kind.STATUS, public=True, text="Behovet er under behandling.").exists()


@pytest.mark.parametrize("status", ["closed", "matched", "new"])
def test_status_service_does_not_close_or_match(thisted_staff, status):
    need = make_need()

    with pytest.raises(ValidationFailed):
        need_set_status(user=thisted_staff, need=need, status=status, version=1)

    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_assign_to_another_partner_and_a_member_of_its_staff(thisted_staff, aau_staff):
    need = make_need()

    need = need_assign(user=thisted_staff, need=need, version=1, owner_organisation=org("aau"), owner=aau_staff)

    assert (need.owner_organisation, need.owner) == (org("aau"), aau_staff)
    event = need.events.get(kind=NeedEvent.Kind.ASSIGNED)
    assert event.public is False  # it names a person


def test_owner_must_belong_to_owner_organisation(thisted_staff, aau_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_assign(user=thisted_staff, need=need, version=1, owner=aau_staff)

    assert exc.value.code == "invalid_owner"
    need.refresh_from_db()
    assert need.owner is None


# --- Close with an answer --------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["", "   "])
def test_need_cannot_be_closed_without_an_answer(thisted_staff, answer):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_close(user=thisted_staff, need=need, answer=answer, answer_note="Vi lukker", version=1)

    assert exc.value.code == "answer_required"
    assert list(exc.value.details) == ["answer"]
    need.refresh_from_db()
    assert (need.status, need.answer, need.answered_at, need.closed_at, need.version) == (
        Need.Status.NEW, "", None, None, 1
    )
    assert list(need.events.values_list("kind", flat=True)) == [NeedEvent.Kind.CREATED]


def test_database_refuses_a_closed_need_without_answer():
    need = make_need()

    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(status=Need.Status.CLOSED)


def test_database_refuses_no_match_without_reason():
    need = make_need()

    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(status="closed", answer="no_match", answered_at=timezone.now())


def test_no_match_requires_a_reason(thisted_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_close(user=thisted_staff, need=need, answer="no_match", answer_note=" ", version=1)

    assert (exc.value.code, list(exc.value.details)) == ("reason_required", ["answer_note"])
    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_no_match_with_reason_closes_and_tells_the_company(thisted_staff):
    need = make_need()

    need = need_close(user=thisted_staff, need=need, answer="no_match",
                      answer_note="Ingen studerende med de kompetencer i efteråret", version=1)

    need.refresh_from_db()
    assert (need.status, need.answer, need.version) == (Need.Status.CLOSED, "no_match", 2)
    assert need.answered_at is not None and need.closed_at is not None
    event = need.events.get(kind=NeedEvent.Kind.ANSWERED)
    assert event.public is True
    assert event.text == "Besvaret: intet match – Ingen studerende med de kompetencer i efteråret"


def test_alternative_requires_a_description(thisted_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_close(user=thisted_staff, need=need, answer="alternative", version=1)

    assert exc.value.code == "alternative_required"
    need_close(user=thisted_staff, need=need, answer="alternative", answer_note="Et studieprojekt i foråret",
               version=1)
    need.refresh_from_db()
    assert (need.status, need.answer) == (Need.Status.CLOSED, "alternative")


def test_match_answer_only_through_a_registered_match(thisted_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_close(user=thisted_staff, need=need, answer="match", version=1)

    assert exc.value.code == "match_required"
    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_unknown_answer_is_refused(thisted_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_close(user=thisted_staff, need=need, answer="maybe", answer_note="x", version=1)

    assert exc.value.code == "invalid_answer"


def test_close_with_stale_version_is_a_conflict(thisted_staff):
    need = make_need()
    need_set_status(user=thisted_staff, need=need, status="in_progress", version=1)

    with pytest.raises(Conflict):
        need_close(user=thisted_staff, need=need, answer="no_match", answer_note="x", version=1)

    need.refresh_from_db()
    assert need.status == Need.Status.IN_PROGRESS


def test_other_organisation_cannot_close(aau_staff):
    need = make_need()

    with pytest.raises(Forbidden):
        need_close(user=aau_staff, need=need, answer="no_match", answer_note="x", version=1)

    need.refresh_from_db()
    assert need.status == Need.Status.NEW


# --- Reopen ----------------------------------------------------------------------------------


def test_reopen_clears_the_answer_gives_a_new_deadline_and_keeps_the_history(thisted_staff):
    need = make_need()
    need = need_close(user=thisted_staff, need=need, answer="no_match", answer_note="Ingen", version=1)
    Need.objects.filter(pk=need.pk).update(answer_due=dt.date(2021, 1, 4))

    need = need_reopen(user=thisted_staff, need=need, version=2, reason="Virksomheden ringede igen")

    need.refresh_from_db()
    assert (need.status, need.answer, need.answer_note, need.answered_at) == (Need.Status.IN_PROGRESS, "", "", None)
    assert need.answer_due == answer_due_for(timezone.now())
    assert need.events.filter(kind=NeedEvent.Kind.ANSWERED).exists()
    assert need.events.filter(public=False, text="Genåbnet: Virksomheden ringede igen").exists()


def test_reopen_requires_a_reason_and_a_closed_need(thisted_staff):
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        need_reopen(user=thisted_staff, need=need, version=1, reason="x")
    assert exc.value.code == "need_open"
    need = need_close(user=thisted_staff, need=need, answer="no_match", answer_note="Ingen", version=1)
    with pytest.raises(ValidationFailed) as exc:
        need_reopen(user=thisted_staff, need=need, version=2, reason="")
    assert exc.value.code == "reason_required"


# --- A match registered from the need ----------------------------------------------------------


def test_match_registered_from_the_need_answers_it(thisted_staff):
    need = make_need()

    match = make_match(organisation="jobcenter-thisted", company=need.company, match_type="student_internship",
                       user=thisted_staff, start_date=dt.date(2021, 9, 1), need=need)

    need.refresh_from_db()
    assert match.need == need
    assert (need.status, need.answer, need.version) == (Need.Status.MATCHED, Need.Answer.MATCH, 2)
    assert need.answered_at is not None and need.closed_at is not None
    event = need.events.get(kind=NeedEvent.Kind.MATCHED)
    assert event.public is True
    assert event.text == "Der er registreret et match (Studiepraktik, start 01-09-2021)."
    assert event.organisation == org("jobcenter-thisted")


def test_any_partner_may_answer_a_need_with_a_match():
    """AAU found the student: the need is Jobcenter Thisted's, but the match answers it."""
    need = make_need()

    make_match(organisation="aau", company=need.company, match_type="student_internship", need=need)

    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED


def test_match_merged_into_an_existing_one_also_answers_the_need():
    need = make_need()
    existing = make_match(organisation="aau", company=need.company, match_type="student_internship",
                          person_identifier="student@example.dk")

    duplicate = make_match(organisation="jobcenter-thisted", company=need.company, match_type="student_internship",
                           person_identifier="student@example.dk", need=need)

    need.refresh_from_db()
    existing.refresh_from_db()
    assert duplicate.pk == existing.pk
    assert existing.need == need
    assert need.status == Need.Status.MATCHED


def test_match_for_another_company_is_refused_and_nothing_saved():
    need = make_need()

    with pytest.raises(ValidationFailed) as exc:
        make_match(organisation="jobcenter-thisted", match_type="student_internship", need=need)

    assert exc.value.code == "need_company_mismatch"
    assert Match.objects.count() == 0
    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_match_from_a_closed_need_is_linked_but_the_answer_stays(thisted_staff):
    need = make_need()
    need_close(user=thisted_staff, need=need, answer="alternative", answer_note="Studieprojekt", version=1)

    match = make_match(organisation="jobcenter-thisted", company=need.company, need=need)

    need.refresh_from_db()
    assert match.need == need
    assert (need.status, need.answer) == (Need.Status.CLOSED, "alternative")


def test_closing_with_match_after_reopen_when_a_match_exists(thisted_staff):
    need = make_need()
    make_match(organisation="jobcenter-thisted", company=need.company, need=need)
    need.refresh_from_db()
    need = need_reopen(user=thisted_staff, need=need, version=need.version, reason="Personen stoppede")

    need = need_close(user=thisted_staff, need=need, answer="match", version=need.version)

    assert need.status == Need.Status.MATCHED


# --- Job profile -----------------------------------------------------------------------------


def test_job_profile_is_plain_data_for_matching():
    company = CompanyFactory(municipality=Municipality.objects.get(code="787"))
    need = make_need(company=company, match_types=("student_job", "student_internship"), levels=("MVU", "KVU"),
                     education_wish="Datamatiker", earliest_start=dt.date(2021, 8, 15), title="Udvikler",
                     tasks="Byg en app")

    profile = need_job_profile(need)

    assert profile.as_dict() == {
        "need_id": need.pk,
        "company_cvr": company.cvr,
        "tasks": "Udvikler\n\nByg en app",
        "match_types": ["student_internship", "student_job"],
        "education_levels": ["KVU", "MVU"],
        "education_wish": "Datamatiker",
        "municipality": "787",
        "earliest_start": dt.date(2021, 8, 15),
        "time_frame": "",
        "recognised": True,
    }


def test_job_profile_level_unknown_accepts_all_levels_and_uses_the_place():
    need = make_need(level_unknown=True, place_municipality=Municipality.objects.get(code="851"))

    profile = need_job_profile(need)

    assert (profile.education_levels, profile.municipality) == ((), "851")


# --- List ------------------------------------------------------------------------------------


def test_need_list_filters(thisted_staff, coordinator):
    mine = make_need(user=thisted_staff, title="Mit")
    cme = make_need(organisation="central-matchningsenhed", title="CME",
                    place_municipality=Municipality.objects.get(code="851"))
    closed = make_need(title="Lukket", match_types=("ordinary_job",))
    need_close(user=coordinator, need=closed, answer="no_match", answer_note="Ingen", version=1)
    overdue = make_need(title="Forsinket")
    Need.objects.filter(pk=overdue.pk).update(answer_due=timezone.localdate() - dt.timedelta(days=1))

    def titles(**filters):
        return sorted(n.title for n in need_list(coordinator, **filters))

    assert titles() == ["CME", "Forsinket", "Lukket", "Mit"]
    assert titles(open_only=True) == ["CME", "Forsinket", "Mit"]
    assert titles(status="closed") == ["Lukket"]
    assert titles(overdue=True) == ["Forsinket"]
    assert titles(owner_organisation=org("kommune-aalborg").pk) == ["CME"]  # units included
    assert titles(municipality="851") == ["CME"]
    assert titles(municipality="787") == ["Forsinket", "Lukket", "Mit"]
    assert titles(match_type="ordinary_job") == ["Lukket"]
    assert [n.title for n in need_list(thisted_staff, mine=True)] == ["Mit"]
    assert [n.title for n in need_list(coordinator)][-1] == "Lukket"  # open first
    assert mine.pk and cme.pk


def test_need_list_is_empty_for_the_steering_group(steering):
    make_need()

    assert list(need_list(steering)) == []
