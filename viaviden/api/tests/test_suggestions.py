"""/api/suggestions: candidates for a need (masked per the privacy rules, gone at once when consent is
withdrawn), open needs for a candidate, and the shortlist (add, status, contact only with consent)."""

from __future__ import annotations

import pytest
from django.core import mail

from viaviden.candidates.models import Shortlist
from viaviden.candidates.services import consent_withdraw
from viaviden.candidates.shortlist_services import shortlist_add
from viaviden.candidates.tests.matching_support import (  # noqa: F401
    AALBORG,
    THISTED,
    fresh_matching_index,
    register_student,
    support_need,
)
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def own():
    return UserFactory(
        username="thi", organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF, email="thi@example.dk"
    )


@pytest.fixture
def need():
    return support_need(organisation="jobcenter-thisted")


def test_suggestions_for_a_need_in_another_municipality_with_reasons(need, hjoerring):
    # given a self-registered Aalborg student who travels up to 90 minutes, and a need in Thisted
    student = register_student(home=AALBORG, max_travel=90, name="Maja Skjult")

    # when
    response = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["need_id"] == need.pk
    (item,) = body["items"]
    assert item["candidate"]["id"] == student.pk
    assert item["candidate"]["pseudonym"] == f"Kandidat K-{student.pk}"
    assert item["candidate"]["revealed"] is False
    assert (item["candidate"]["name"], item["candidate"]["email"], item["candidate"]["phone"]) == (None, None, None)
    assert item["candidate"]["programme"]["slug"] == "datamatiker-ucn"
    assert item["reasons"][-1].endswith("(inden for kandidatens 90 min)")
    assert 0 < item["score"] <= 1
    assert item["shortlist"] is None


def test_withdrawn_consent_is_gone_on_the_next_call(need, hjoerring):
    student = register_student()
    client = client_for(hjoerring)
    assert [i["candidate"]["id"] for i in client.get(f"/api/suggestions/needs/{need.pk}").json()["items"]] == [
        student.pk
    ]

    consent_withdraw(candidate=student, purpose="matching")

    assert client.get(f"/api/suggestions/needs/{need.pk}").json()["items"] == []


def test_datamatiker_before_datalog_for_it_support(hjoerring):
    datalog = register_student(programme="datalogi-aau")
    datamatiker = register_student(programme="datamatiker-ucn")
    need = support_need(place=AALBORG)

    items = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}").json()["items"]

    assert [i["candidate"]["id"] for i in items] == [datamatiker.pk, datalog.pk]
    assert items[0]["score"] >= items[1]["score"]


def test_sharing_consent_reveals_the_name(need, hjoerring):
    student = register_student(name="Sofie Delt", consents=["matching", "sharing"])

    (item,) = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}").json()["items"]

    assert (item["candidate"]["revealed"], item["candidate"]["name"]) == (True, "Sofie Delt")
    assert item["candidate"]["email"] == student.email


def test_k_is_validated(need, hjoerring):
    response = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}?k=500")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


# --- Permission matrix -----------------------------------------------------------------------------------


def _paths(need, entry, student):
    return [
        ("get", f"/api/suggestions/needs/{need.pk}", None),
        ("get", f"/api/suggestions/candidates/{student.pk}", None),
        ("get", f"/api/suggestions/shortlist?need={need.pk}", None),
        ("get", f"/api/suggestions/shortlist/{entry.pk}", None),
        ("post", "/api/suggestions/shortlist", {"need": need.pk, "candidate": student.pk}),
        ("post", f"/api/suggestions/shortlist/{entry.pk}/status", {"status": "interested"}),
        ("post", f"/api/suggestions/shortlist/{entry.pk}/contact", {"message": "Hej"}),
    ]


@pytest.fixture
def entry(need, own):
    return shortlist_add(user=own, need=need, candidate=register_student(), reasons=["Grund"])


@pytest.fixture
def student():
    return register_student(consents=["matching", "company_contact"])


def test_anonymous_gets_401_everywhere(need, entry, student):
    for method, path, data in _paths(need, entry, student):
        response = getattr(ApiClient(), method)(path, data)
        assert response.status_code == 401, path


def test_steering_group_gets_403_everywhere(need, entry, student, steering):
    client = client_for(steering)
    for method, path, data in _paths(need, entry, student):
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, path
        assert response.json()["code"] == "aggregates_only"
    assert Shortlist.objects.count() == 1


@pytest.mark.parametrize("who", ["own", "other", "coordinator"])
def test_staff_answers(who, need, entry, student, own, hjoerring, coordinator, django_capture_on_commit_callbacks):
    user = {"own": own, "other": hjoerring, "coordinator": coordinator}[who]
    client = client_for(user)
    writes_allowed = who != "other"
    expected = [200, 200, 200, 200, 201 if writes_allowed else 403, 200 if writes_allowed else 403]

    answers = [getattr(client, m)(p, d).status_code for m, p, d in _paths(need, entry, student)[:6]]

    assert answers == expected
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contact = client.post(f"/api/suggestions/shortlist/{entry.pk}/contact", {"message": "Hej"})
    # the entry's candidate did not consent to contact: refused for everyone, no mail
    assert contact.status_code == 403
    assert contact.json()["code"] == ("no_contact_consent" if writes_allowed else "not_need_owner")
    assert mail.outbox == []


# --- Shortlist ---------------------------------------------------------------------------------------------


def test_add_to_shortlist_with_the_reasons_of_the_suggestion(need, own, student):
    response = client_for(own).post("/api/suggestions/shortlist", {"need": need.pk, "candidate": student.pk})

    assert response.status_code == 201
    body = response.json()
    assert body["need_id"] == need.pk
    assert body["candidate"]["id"] == student.pk
    assert body["status"] == "shortlisted"
    assert body["reasons"][0].startswith("Matcher opgaveområdet 'IT-drift og support'")
    assert body["organisation"] == "jobcenter-thisted"
    assert body["match_form_url"] == f"/match/ny/?need={need.pk}&candidate={student.pk}"


def test_add_twice_is_409(need, own, entry):
    response = client_for(own).post("/api/suggestions/shortlist", {"need": need.pk, "candidate": entry.candidate_id})

    assert response.status_code == 409
    assert response.json()["code"] == "already_shortlisted"


@pytest.mark.parametrize("need_id", [0, -1, 2**31, 2**63, 10**30])
def test_suggestions_for_a_need_that_cannot_exist_is_404(need, hjoerring, need_id):
    response = client_for(hjoerring).get(f"/api/suggestions/needs/{need_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_add_without_matching_consent_is_404(need, own):
    hidden = register_student(consents=["sharing"])

    response = client_for(own).post("/api/suggestions/shortlist", {"need": need.pk, "candidate": hidden.pk})

    assert response.status_code == 404
    assert response.json()["code"] == "no_matching_consent"
    assert not Shortlist.objects.exists()


def test_contact_with_consent_sends_the_email(need, own, student, django_capture_on_commit_callbacks):
    entry = shortlist_add(user=own, need=need, candidate=student, reasons=[])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(own).post(f"/api/suggestions/shortlist/{entry.pk}/contact", {"message": "Hej Maja"})

    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    assert response.json()["contacted_at"] is not None
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "Hej Maja" in mail.outbox[0].body


def test_shortlist_list_is_masked_for_other_organisations(need, entry, hjoerring):
    response = client_for(hjoerring).get(f"/api/suggestions/shortlist?need={need.pk}")

    (item,) = response.json()
    assert item["candidate"]["name"] is None
    assert item["candidate"]["pseudonym"] == f"Kandidat K-{entry.candidate_id}"
    assert item["reasons"] == ["Grund"]


def test_open_needs_for_a_candidate(need, hjoerring, student):
    response = client_for(hjoerring).get(f"/api/suggestions/candidates/{student.pk}")

    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["kind"] == "need"
    assert item["need"]["id"] == need.pk
    assert item["need"]["municipality"] == THISTED
    assert item["reasons"][0].startswith("Matcher opgaveområdet")


def test_open_needs_for_a_candidate_without_matching_consent_is_403(need, hjoerring):
    creator = UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    from viaviden.candidates.tests.matching_support import partner_candidate

    candidate = partner_candidate(creator, consents=["sharing"])

    response = client_for(hjoerring).get(f"/api/suggestions/candidates/{candidate.pk}")

    assert response.status_code == 403
    assert response.json()["code"] == "no_matching_consent"


def test_suggestions_query_count_is_bounded(need, hjoerring, django_assert_max_num_queries):
    for _ in range(6):
        register_student(consents=["matching", "sharing"])
    client = client_for(hjoerring)
    client.get(f"/api/suggestions/needs/{need.pk}")
    client.get(f"/api/suggestions/needs/{need.pk}")

    with django_assert_max_num_queries(20):
        response = client.get(f"/api/suggestions/needs/{need.pk}")

    assert len(response.json()["items"]) == 6
