"""Suggestions through the Django path (SPEC 3.3, issue 4 acceptance): a self-registered student who consents
to matching appears for a fitting need in another municipality, and withdrawing consent removes them at
once; datamatiker ranks at least as high as datalog for operational IT support; identities are masked per
the privacy rules; open needs are suggested to a candidate."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from viaviden.candidates.matching_index import matching_index, matching_index_owner
from viaviden.candidates.models import Candidate, Shortlist
from viaviden.candidates.selectors import candidate_own
from viaviden.candidates.services import candidate_erase, consents_set
from viaviden.candidates.suggestions import suggestions_for_candidate, suggestions_for_need
from viaviden.companies.need_services import need_set_status
from viaviden.core.errors import Forbidden
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .matching_support import (  # noqa: F401
    AALBORG,
    MARKETING_TEXT,
    THISTED,
    fresh_matching_index,
    partner_candidate,
    register_student,
    support_need,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant():
    return UserFactory(organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF)


def ids(rows) -> list[int]:
    return [r.candidate.pk for r in rows]


def test_self_registered_student_with_matching_consent_is_suggested_for_a_need_in_another_municipality(consultant):
    # given an Aalborg student who registered themself, consented to matching and travels up to 90 minutes
    student = register_student(home=AALBORG, max_travel=90)
    # and an IT-support need at a company in Thisted (about 85 minutes from Aalborg)
    need = support_need(place=THISTED)

    # when the consultant asks for suggestions
    rows = suggestions_for_need(consultant, need)

    # then the student is suggested, with Danish reasons that include the trip within their limit
    assert ids(rows) == [student.pk]
    reasons = rows[0].reasons
    assert reasons[0].startswith("Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker")
    assert "Niveau: virksomheden har ikke udelukket nogen niveauer" in reasons
    assert reasons[-1].startswith("Rejsetid ca. ") and reasons[-1].endswith("(inden for kandidatens 90 min)")
    assert 0 < rows[0].score <= 1


def test_withdrawing_consent_removes_the_student_from_suggestions_at_once(consultant):
    # given the student is in the suggestions (the index is built and holds them)
    student = register_student()
    need = support_need()
    assert ids(suggestions_for_need(consultant, need)) == [student.pk]
    builds = matching_index_owner().builds

    # when they withdraw their matching consent on their consent page (self-service)
    consents_set(candidate=student, purposes=[])

    # then the very next call does not suggest them, in the same process, without a rebuild
    assert suggestions_for_need(consultant, need) == []
    assert matching_index_owner().builds == builds


@pytest.mark.parametrize("withdraw", ["consent", "erasure"])
def test_within_the_sync_interval_a_withdrawn_consent_or_an_erasure_elsewhere_is_never_shown(
    consultant, settings, withdraw
):
    # given the production interval (60 s here), and the student suggested just now
    settings.MATCHING_INDEX_SYNC_SECONDS = 60
    student = register_student()
    other = register_student()
    need = support_need()
    assert sorted(ids(suggestions_for_need(consultant, need))) == sorted([student.pk, other.pk])

    # when consent goes or the profile is erased in another process (nothing announced to this one)
    if withdraw == "consent":
        consents_set(candidate=student, purposes=[])
    else:
        candidate_erase(candidate=student)

    # then the next call, still within the interval, does not show them: the rows are read at query time
    assert ids(suggestions_for_need(consultant, need)) == [other.pk]


def test_erased_candidate_is_never_shown_even_if_the_index_still_holds_them(consultant):
    student = register_student()
    other = register_student()
    need = support_need()
    assert sorted(ids(suggestions_for_need(consultant, need))) == sorted([student.pk, other.pk])

    candidate_erase(candidate=student)

    assert ids(suggestions_for_need(consultant, need)) == [other.pk]
    assert student.pk not in matching_index()


def test_candidates_out_of_reach_or_without_consent_are_not_suggested(consultant):
    reachable = register_student(max_travel=90)
    register_student(max_travel=30)  # Aalborg-Thisted is longer
    register_student(consents=["sharing", "company_contact"])  # no matching consent
    mover = register_student(max_travel=30, willing_to_move=True)

    rows = suggestions_for_need(consultant, support_need(place=THISTED))

    assert sorted(ids(rows)) == sorted([reachable.pk, mover.pk])


def test_datamatiker_ranks_at_least_as_high_as_datalog_for_an_it_support_need_accepting_any_level(consultant):
    # given a datalog (LVU) registered first and a datamatiker (KVU), equal in everything else
    datalog = register_student(programme="datalogi-aau")
    datamatiker = register_student(programme="datamatiker-ucn")
    need = support_need(place=AALBORG)

    # when
    rows = suggestions_for_need(consultant, need)

    # then
    assert ids(rows) == [datamatiker.pk, datalog.pk]
    assert rows[0].score >= rows[1].score
    assert rows[0].reasons[0] == (
        "Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker og kandidatens egne kompetencer"
    )


def test_a_level_the_company_excluded_is_not_suggested(consultant):
    register_student(programme="datamatiker-ucn")  # KVU
    datalog = register_student(programme="datalogi-aau")  # LVU

    rows = suggestions_for_need(consultant, support_need(levels=("LVU",)))

    assert ids(rows) == [datalog.pk]
    assert "Niveau: LVU som ønsket" in rows[0].reasons


def test_identity_is_masked_without_sharing_consent_and_shown_with_it(consultant):
    # given one candidate who shares their contact details with all partners and one who does not
    masked = register_student(name="Maja Skjult")
    shared = register_student(name="Sofie Delt", consents=["matching", "sharing"])

    # when a consultant of another organisation sees the suggestions
    rows = {r.candidate.pk: r.candidate for r in suggestions_for_need(consultant, support_need())}

    # then
    assert rows[masked.pk].revealed is False
    assert rows[masked.pk].name is None and rows[masked.pk].email is None and rows[masked.pk].phone is None
    assert rows[masked.pk].display_name == f"Kandidat K-{masked.pk}"
    assert rows[shared.pk].revealed is True
    assert rows[shared.pk].name == "Sofie Delt"
    # and only the revealed one is written to the audit log as an access to personal data
    accesses = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__via="suggestions")
    assert [(e.object_id, e.actor_id, e.object_repr) for e in accesses] == [
        (shared.pk, consultant.pk, f"Kandidat K-{shared.pk}")
    ]


def test_the_candidates_own_organisation_sees_the_name_and_coordinators_do_not(consultant):
    creator = UserFactory(organisation="jobcenter-aalborg", role=User.Role.PARTNER_STAFF)
    colleague = UserFactory(organisation="erhvervskontor-aalborg", role=User.Role.PARTNER_STAFF)
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    candidate = partner_candidate(creator, name="Ole Egen")
    need = support_need()

    for user, revealed in ((colleague, True), (consultant, False), (coordinator, False)):
        (row,) = suggestions_for_need(user, need)
        assert row.candidate.pk == candidate.pk
        assert row.candidate.revealed is revealed, user.organisation.slug


def test_the_steering_group_gets_no_suggestions():
    steering = UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)
    register_student()

    with pytest.raises(Forbidden):
        suggestions_for_need(steering, support_need())


def test_shortlisted_candidates_carry_their_entry(consultant):
    student = register_student()
    need = support_need()
    entry = Shortlist.objects.create(
        need=need, candidate=student, organisation=consultant.organisation, added_by=consultant
    )

    (row,) = suggestions_for_need(consultant, need)

    assert row.shortlist == entry


def test_k_limits_the_number_of_suggestions(consultant):
    for _ in range(4):
        register_student()

    assert len(suggestions_for_need(consultant, support_need(), k=2)) == 2


# --- Needs for a candidate -----------------------------------------------------------------------------


def test_open_needs_are_suggested_to_a_candidate_best_first():
    # given an IT student and three needs: IT support in Thisted, marketing in Aalborg, and a closed IT need
    student = candidate_own(register_student().pk)
    it_need = support_need(place=THISTED)
    marketing = support_need(place=AALBORG)
    marketing.tasks, marketing.title = MARKETING_TEXT, "Markedsføring"
    marketing.save()
    closed = support_need(place=AALBORG)
    from viaviden.companies.models import Need

    Need.objects.filter(pk=closed.pk).update(
        status=Need.Status.CLOSED, answer="no_match", answer_note="Ingen kandidater", answered_at=closed.created_at
    )

    # when
    result = suggestions_for_candidate(student)

    # then the IT need is first and the closed need is not there
    assert [s.object.pk for s in result][0] == it_need.pk
    assert closed.pk not in [s.object.pk for s in result]
    assert all(s.kind == "need" for s in result)
    assert result[0].reasons[0].startswith("Matcher opgaveområdet 'IT-drift og support'")


def test_the_candidates_own_page_leaves_out_needs_the_company_has_not_recognised():
    student = candidate_own(register_student().pk)
    unrecognised = support_need(recognised=False)

    assert [s.object.pk for s in suggestions_for_candidate(student)] == [unrecognised.pk]
    assert suggestions_for_candidate(student, for_candidate=True) == []


def test_needs_in_progress_are_open_and_out_of_reach_needs_are_not_suggested(consultant):
    student = candidate_own(register_student(max_travel=30).pk)
    far = support_need(place=THISTED)
    near = support_need(place=AALBORG)
    need_set_status(user=consultant, need=near, status="in_progress", version=near.version)

    assert [s.object.pk for s in suggestions_for_candidate(student)] == [near.pk]
    assert far.pk != near.pk


def test_a_candidate_without_programme_is_matched_through_their_own_competences(consultant):
    student = register_student(programme=None, competences="IT-support, netværk og servere, printere og pc'er")

    (row,) = suggestions_for_need(consultant, support_need())

    assert row.candidate.pk == student.pk
    assert row.reasons[0] == "Matcher opgaveområdet 'IT-drift og support' via kandidatens egne kompetencer"
    assert Candidate.objects.get(pk=student.pk).education_text == "Cand.merc."
