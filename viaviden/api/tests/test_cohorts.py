"""/api/cohorts: the same rules as the pages; the effect is open to the steering group as aggregates."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from viaviden.cohorts.models import Cohort, Participant
from viaviden.cohorts.tests.factories import make_cohort, participant, set_outcome
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, client_for


@pytest.fixture
def cohort(db):
    c = make_cohort(title="Hold 7", people=["a", "b", "c"])
    set_outcome(c, "a", "ordinary_job", dt.date(2021, 4, 1))
    return c


@pytest.fixture
def jca_staff(db):
    return UserFactory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-aalborg")


def test_anonymous_gets_401(cohort):
    assert ApiClient().get("/api/cohorts").status_code == 401
    assert ApiClient().get("/api/cohorts/effect").status_code == 401


@pytest.mark.parametrize("who,listed,detail", [("jca", 1, 200), ("hjoerring", 0, 404), ("coordinator", 1, 200),
                                               ("steering", None, 403)])
def test_read_permission_matrix(cohort, jca_staff, hjoerring, coordinator, steering, who, listed, detail):
    user = {"jca": jca_staff, "hjoerring": hjoerring, "coordinator": coordinator, "steering": steering}[who]
    api = client_for(user)
    response = api.get("/api/cohorts")
    if listed is None:
        assert response.status_code == 403 and response.json()["code"] == "aggregates_only"
    else:
        assert response.json()["count"] == listed
    response = api.get(f"/api/cohorts/{cohort.pk}")
    assert response.status_code == detail
    if detail == 200:
        body = response.json()
        assert (body["organisation"], body["programme"], len(body["participants"])) == (
            "jobcenter-aalborg", "vvv-2-0", 3)
        assert "person_key" not in body["participants"][0]


def test_effect_for_the_steering_group_and_own_org_only_for_staff(cohort, jca_staff, hjoerring, steering):
    expected = {"closed": 3, "in_work": 1, "share": 33.3, "open": 0, "offered": 3, "unregistered": 2}
    body = client_for(steering).get("/api/cohorts/effect?organisation=jobcenter-aalborg&as_of=2021-07-01").json()
    assert {k: body[k] for k in expected} == expected
    body = client_for(jca_staff).get("/api/cohorts/effect?as_of=2021-07-01").json()
    assert body["organisation"] == "kommune-aalborg" and body["in_work"] == 1
    assert client_for(hjoerring).get("/api/cohorts/effect?organisation=jobcenter-aalborg").status_code == 404
    body = client_for(hjoerring).get("/api/cohorts/effect?as_of=2021-07-01").json()
    assert (body["organisation"], body["closed"]) == ("kommune-hjoerring", 0)


def test_create_add_and_register_outcomes_through_the_api(jca_staff):
    api = client_for(jca_staff)
    response = api.post("/api/cohorts", {"title": "Hold 8", "activity": "upskilling", "start_date": "2021-09-01",
                                         "end_date": "2021-10-29", "participants": ["s1", "s2"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["organisation"], len(body["participants"])) == ("jobcenter-aalborg", 2)
    cid = body["id"]
    added = api.post(f"/api/cohorts/{cid}/participants", {"participants": ["s2", "s3"], "education_level": "lvu"})
    assert (added.json()["added"], added.json()["already"]) == (1, 1)
    pid = added.json()["cohort"]["participants"][2]["id"]
    response = api._call("put", f"/api/cohorts/{cid}/participants/{pid}/outcome",
                         {"outcome": "subsidised_job", "outcome_date": "2021-11-15"})
    assert response.status_code == 200 and response.json()["outcome"] == "subsidised_job"
    assert LogEntry.objects.filter(content_type__model="participant", actor=jca_staff).count() == 4


def test_bad_input_gets_danish_errors_and_saves_nothing(jca_staff, cohort):
    api = client_for(jca_staff)
    response = api.post("/api/cohorts", {"title": "Hold 8", "start_date": "2021-09-01", "end_date": "2021-08-01"})
    assert response.status_code == 422
    assert response.json()["details"] == {"end_date": ["Slutdatoen kan ikke ligge før startdatoen."]}
    p = participant(cohort, "b")
    response = api._call("put", f"/api/cohorts/{cohort.pk}/participants/{p.pk}/outcome", {"outcome": "education"})
    assert response.status_code == 422
    assert response.json()["message"] == "Angiv startdatoen for jobbet eller uddannelsen."
    assert not Cohort.objects.filter(title="Hold 8").exists()


def test_other_organisation_cannot_write_and_staff_cannot_delete(cohort, jca_staff, hjoerring, coordinator):
    p = participant(cohort, "b")
    api = client_for(hjoerring)
    assert api._call("put", f"/api/cohorts/{cohort.pk}/participants/{p.pk}/outcome",
                     {"outcome": "none"}).status_code == 404
    assert api.post("/api/cohorts", {"organisation": "jobcenter-aalborg", "title": "X", "start_date": "2021-09-01",
                                     "end_date": "2021-10-01"}).status_code == 403
    assert client_for(jca_staff)._call("delete", f"/api/cohorts/{cohort.pk}").status_code == 403
    assert client_for(coordinator)._call("delete", f"/api/cohorts/{cohort.pk}").status_code == 204
    assert Participant.objects.count() == 0


def test_a_stale_version_is_a_conflict(cohort, jca_staff):
    api = client_for(jca_staff)
    assert api.patch(f"/api/cohorts/{cohort.pk}", {"version": 1, "title": "Hold 7b"}).status_code == 200
    response = api.patch(f"/api/cohorts/{cohort.pk}", {"version": 1, "title": "Hold 7c"})
    assert response.status_code == 409
    cohort.refresh_from_db()
    assert cohort.title == "Hold 7b"


def test_openapi_declares_the_cohort_endpoints(db):
    from viaviden.api.api import api

    paths = api.get_openapi_schema()["paths"]
    assert {"/api/cohorts", "/api/cohorts/effect", "/api/cohorts/{cohort_id}",
            "/api/cohorts/{cohort_id}/participants",
            "/api/cohorts/{cohort_id}/participants/{participant_id}/outcome"} <= set(paths)


def test_list_reads_in_a_fixed_number_of_queries(jca_staff, django_assert_max_num_queries):
    for i in range(5):
        make_cohort(title=f"Hold {i}", people=[f"x{i}", f"y{i}"])
    api = client_for(jca_staff)
    api.get("/api/cohorts")  # warm up (token lookup, last-used write)
    with django_assert_max_num_queries(8):
        body = api.get("/api/cohorts").json()
    assert body["count"] == 5
