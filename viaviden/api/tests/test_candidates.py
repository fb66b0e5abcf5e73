"""/api/candidates: the same privacy rules as the web pages (masking, audit of access, steering group 403),
creating a profile on a person's behalf with consent, and query counts."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core import mail

from viaviden.candidates.models import Candidate
from viaviden.candidates.services import consent_give
from viaviden.candidates.tests.factories import make_candidate
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Karen Syntetisk", "karen.syntetisk@example.dk", "+45 31 41 59 26"


@pytest.fixture
def candidate():
    """Jobcenter Hjørring works with Karen; she agreed to matching, not to sharing with everyone."""
    return make_candidate(name=NAME, email=EMAIL, phone=PHONE, organisation="jobcenter-hjoerring",
                          consents=["matching"])


def create_body(**overrides) -> dict:
    body = {
        "email": "ny.person@example.dk",
        "name": "Ny Syntetisk Person",
        "kind": "unemployed",
        "programme": "cand-merc-finance-aau",
        "competences": "Finansiel analyse",
        "match_types": ["ordinary_job"],
        "home_municipality": "860",
        "max_travel_minutes": 60,
        "consents": ["matching", "company_contact"],
        "consent_method": "skriftligt",
    }
    body.update(overrides)
    return body


def test_anonymous_401_and_steering_group_403(candidate, steering):
    for method, path, body in (("get", "/api/candidates", None), ("get", f"/api/candidates/{candidate.pk}", None),
                               ("post", "/api/candidates", create_body())):
        assert getattr(ApiClient(), method)(path, body).status_code == 401
        response = getattr(client_for(steering), method)(path, body)
        assert (response.status_code, response.json()["code"]) == (403, "aggregates_only")
    assert Candidate.objects.count() == 1


def _person_fields(item: dict) -> tuple:
    return item["name"], item["email"], item["phone"], item["experience"]


def test_other_organisation_sees_a_pseudonym_in_list_and_detail(candidate, aalborg):
    api = client_for(aalborg)

    listed = api.get("/api/candidates").json()
    detail = api.get(f"/api/candidates/{candidate.pk}").json()

    assert listed["count"] == 1
    for item in (listed["items"][0], detail):
        assert item["revealed"] is False
        assert _person_fields(item) == (None, None, None, None)
        assert item["pseudonym"] == f"Kandidat K-{candidate.pk}"
        assert (item["programme"]["slug"], item["level"], item["home_municipality"]) == ("datamatiker-ucn", "KVU", "851")
        assert item["consents"] == ["matching"]
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_coordinator_of_another_organisation_is_masked_too(candidate, coordinator):
    api = client_for(coordinator)

    assert _person_fields(api.get("/api/candidates").json()["items"][0]) == (None, None, None, None)
    assert _person_fields(api.get(f"/api/candidates/{candidate.pk}").json()) == (None, None, None, None)


@pytest.mark.parametrize("who", ["own_org", "sharing"])
def test_own_organisation_or_a_sharing_consent_reveals_and_the_detail_is_audited(who, candidate, hjoerring, aalborg):
    user = hjoerring if who == "own_org" else aalborg
    if who == "sharing":
        consent_give(candidate=candidate, purpose="sharing")
    api = client_for(user)

    listed = api.get("/api/candidates").json()["items"][0]
    detail = api.get(f"/api/candidates/{candidate.pk}").json()

    for item in (listed, detail):
        assert item["revealed"] is True
        assert item["name"] == NAME and item["email"] == EMAIL and item["phone"] == PHONE
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(candidate.pk))
    assert [(e.actor, e.object_repr, e.additional_data["via"]) for e in entries.order_by("pk")] == [
        (user, f"Kandidat K-{candidate.pk}", "api-list"), (user, f"Kandidat K-{candidate.pk}", "api"),
    ]


def test_a_candidate_without_consent_is_not_found_by_other_organisations(aalborg, hjoerring):
    private = make_candidate(organisation="jobcenter-hjoerring")

    response = client_for(aalborg).get(f"/api/candidates/{private.pk}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client_for(aalborg).get("/api/candidates").json()["count"] == 0
    assert client_for(hjoerring).get(f"/api/candidates/{private.pk}").status_code == 200


def test_list_filters_and_name_search_only_among_revealed(candidate, aalborg):
    other = make_candidate(name="Karen Delt", programme="cand-merc-finance-aau", consents=["matching", "sharing"])
    api = client_for(aalborg)

    by_name = api.get("/api/candidates", {"q": "Karen"}).json()
    by_level = api.get("/api/candidates", {"level": "lvu"}).json()
    by_consent = api.get("/api/candidates", {"consent": "sharing"}).json()

    assert [i["id"] for i in by_name["items"]] == [other.pk]
    assert [i["id"] for i in by_level["items"]] == [other.pk]
    assert [i["id"] for i in by_consent["items"]] == [other.pk]


def test_list_query_count_does_not_grow(hjoerring, django_assert_max_num_queries):
    api = client_for(hjoerring)
    for i in range(3):
        make_candidate(organisation="jobcenter-hjoerring" if i % 2 else None, consents=["matching"],
                       match_types=("student_job", "ordinary_job"))

    with django_assert_max_num_queries(15) as few:
        first = api.get("/api/candidates")
    for i in range(20):
        make_candidate(organisation="jobcenter-hjoerring" if i % 2 else None, consents=["matching"],
                       match_types=("student_job", "ordinary_job"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        second = api.get("/api/candidates", {"page_size": 100})

    assert first.json()["count"] == 3 and second.json()["count"] == 23
    assert len(second.json()["items"]) == 23


def test_create_on_behalf_with_consents(hjoerring, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hjoerring).post("/api/candidates", create_body(consent_date="2022-05-02"))

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["revealed"], data["name"], data["email"], data["level"]) == (
        True, "Ny Syntetisk Person", "ny.person@example.dk", "LVU")
    assert data["consents"] == ["company_contact", "matching"]
    assert data["organisation"]["slug"] == "jobcenter-hjoerring"
    candidate = Candidate.objects.get(pk=data["id"])
    consent = candidate.consents.get(purpose="matching")
    assert (consent.recorded_by, consent.method, consent.given_at.date().isoformat()) == (
        hjoerring, "skriftligt", "2022-05-02")
    created = LogEntry.objects.get(object_pk=str(candidate.pk), action=LogEntry.Action.CREATE,
                                   content_type__model="candidate")
    assert created.actor == hjoerring
    assert [m.to for m in mail.outbox] == [["ny.person@example.dk"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consents": []}, "consents"),
        ({"consents": ["everything"]}, "consents.0"),
        ({"consent_method": "telepatisk"}, "consent_method"),
        ({"programme": "findes-ikke"}, "programme"),
        ({"home_municipality": "0101"}, "home_municipality"),
        ({"email": "karen.syntetisk@example.dk"}, "email"),
        ({"max_travel_minutes": 0}, "max_travel_minutes"),
        ({"surname": "x"}, "surname"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(overrides, field, candidate, hjoerring,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hjoerring).post("/api/candidates", create_body(**overrides))

    assert response.status_code == 422, response.json()
    assert field in response.json()["details"]
    assert list(Candidate.objects.all()) == [candidate]
    assert mail.outbox == []


def test_users_without_an_organisation_cannot_create():
    user = UserFactory(organisation=None, role=User.Role.PARTNER_STAFF)

    response = client_for(user).post("/api/candidates", create_body())

    assert response.status_code == 403
    assert not Candidate.objects.exists()
