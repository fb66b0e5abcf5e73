"""/api/bourses: access per role, cases on a company's behalf, review, rankings, the upload with row errors,
runs, hand-move previews, locks and the confirmation into matches.

Until the lead wires the router into the main API (`api.add_router("/bourses", bourse_router)`), these tests
mount it on a test API with the same authentication and error handlers (see `urlpatterns` below)."""

import io

import pytest
from django.urls import include, path
from ninja import NinjaAPI

from viaviden.api import api as main_api
from viaviden.api.auth import BearerTokenAuth, VerifiedSessionAuth
from viaviden.api.bourse import router as bourse_router
from viaviden.events.models import AssignmentLock, BourseCase, BourseRun, Preference
from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank
from viaviden.matches.models import Match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, client_for

if not any(router is bourse_router for _prefix, router in main_api.api._routers):
    # Not wired into /api/ yet: mount it on a test API with the same authentication and error handlers.
    test_api = NinjaAPI(urls_namespace="api-bourse-test", auth=[BearerTokenAuth(), VerifiedSessionAuth()])
    test_api._exception_handlers = dict(main_api.api._exception_handlers)
    test_api.add_router("/bourses", bourse_router, url_name_prefix="bourse_test")
    urlpatterns = [path("api/", test_api.urls), path("", include("config.urls"))]
else:
    urlpatterns = [path("", include("config.urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("viaviden.api.tests.test_bourse")]


@pytest.fixture
def aau(db):
    return UserFactory(username="aau-api", organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def ucn(db):
    return UserFactory(username="ucn-api", organisation="ucn", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def bourse():
    event = make_bourse(organiser="aau", co_organisers=("ucn",), title="Syntetisk API-børs")
    big = make_case(event, title="Stor case", capacity=3, max_group_size=3)
    job = make_case(event, title="Studiejob", capacity=1, kind="student_job")
    group = make_participant(event, name="Gruppe Nord", size=3)
    ann = make_participant(event, name="Ann")
    rank(group, big)
    rank(ann, big, job)
    return {"event": event, "big": big, "job": job, "group": group, "ann": ann}


@pytest.mark.parametrize("who,expected", [("anonymous", 401), ("steering", 403), ("aalborg", 404), ("ucn", 200),
                                          ("aau", 200), ("coordinator", 200)])
def test_manage_endpoints_access(request, bourse, who, expected):
    client = ApiClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    event = bourse["event"].pk
    assert client.get(f"/api/bourses/{event}/cases").status_code == expected
    assert client.get(f"/api/bourses/{event}/participants").status_code == expected
    assert client.get(f"/api/bourses/{event}/runs").status_code == expected


@pytest.mark.parametrize("who,expected", [("anonymous", 401), ("steering", 403), ("aalborg", 200),
                                          ("coordinator", 200)])
def test_bourse_list_access(request, bourse, who, expected):
    client = ApiClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    response = client.get("/api/bourses")
    assert response.status_code == expected
    if expected == 200:
        assert [b["title"] for b in response.json()["items"]] == ["Syntetisk API-børs"]


def test_lists_give_cases_and_rankings(aau, bourse, django_assert_max_num_queries):
    client = client_for(aau)
    with django_assert_max_num_queries(12):
        cases = client.get(f"/api/bourses/{bourse['event'].pk}/cases").json()["items"]
    assert [(c["title"], c["match_type"], c["capacity"]) for c in cases] == [
        ("Stor case", "student_project", 3), ("Studiejob", "student_job", 1)]
    with django_assert_max_num_queries(12):
        people = client.get(f"/api/bourses/{bourse['event'].pk}/participants").json()["items"]
    assert [(p["name"], p["size"], p["ranking"]) for p in people] == [
        ("Ann", 1, [bourse["big"].pk, bourse["job"].pk]), ("Gruppe Nord", 3, [bourse["big"].pk])]


def test_partner_submits_a_case_for_a_new_company_and_the_organiser_publishes_it(aalborg, aau, bourse):
    body = {"cvr": "12345674", "company_name": "Syntetisk Thy Smedie ApS", "postal_code": "7700", "title": "Robotter",
            "challenge": "Automatisering.", "collaboration_kind": "internship", "capacity": 2, "levels": ["lvu"]}
    response = client_for(aalborg).post(f"/api/bourses/{bourse['event'].pk}/cases", body)
    assert response.status_code == 201, response.json()
    case = BourseCase.objects.get(title="Robotter")
    assert (case.status, case.organisation.slug, case.company.name) == ("submitted", "jobcenter-aalborg",
                                                                        "Syntetisk Thy Smedie ApS")
    assert client_for(aalborg).post(f"/api/bourses/cases/{case.pk}/status", {"status": "published"}).status_code == 404
    published = client_for(aau).post(f"/api/bourses/cases/{case.pk}/status", {"status": "published", "version": 1})
    assert (published.status_code, published.json()["status"], published.json()["version"]) == (200, "published", 2)
    stale = client_for(aau).post(f"/api/bourses/cases/{case.pk}/status", {"status": "rejected", "version": 1})
    assert stale.status_code == 409


def test_staff_set_a_ranking_and_bad_rankings_are_422(aau, bourse):
    client = client_for(aau)
    url = f"/api/bourses/participants/{bourse['ann'].pk}/preferences"
    ok = client.client.put(url, data={"cases": [bourse["job"].pk]}, content_type="application/json",
                           headers=client.headers)
    assert (ok.status_code, ok.json()["ranking"]) == (200, [bourse["job"].pk])
    bad = client.client.put(url, data={"cases": [bourse["job"].pk, bourse["job"].pk]},
                            content_type="application/json", headers=client.headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_preferences")
    assert list(Preference.objects.filter(participant=bourse["ann"]).values_list("case_id", flat=True)) == [
        bourse["job"].pk]


def test_upload_with_bad_rows_is_422_with_every_row_error(aau, bourse):
    csv = (f"deltager;email;stoerrelse;prioritet;case;niveau\n"
           f"Ny;ny@example.dk;1;1;{bourse['big'].pk};LVU\n"
           f"Ny;ny@example.dk;1;1;{bourse['job'].pk};LVU\n"
           f"Stor;stor@example.dk;5;1;{bourse['big'].pk};LVU\n").encode()
    client = client_for(aau)
    response = client.client.post(f"/api/bourses/{bourse['event'].pk}/preferences/import",
                                  {"file": io.BytesIO(csv)}, headers=client.headers)
    assert response.status_code == 422
    assert [(r["row"], r["column"]) for r in response.json()["details"]["rows"]] == [(3, "prioritet"),
                                                                                    (4, "stoerrelse")]
    good = io.BytesIO(csv.rsplit(b"\n", 3)[0] + b"\n")
    good.name = "ok.csv"
    response = client.client.post(f"/api/bourses/{bourse['event'].pk}/preferences/import", {"file": good},
                                  headers=client.headers)
    assert (response.status_code, response.json()["participants_created"]) == (200, 1)


def test_run_move_lock_rerun_and_confirm(aau, ucn, bourse):
    event, group, ann, job = bourse["event"], bourse["group"], bourse["ann"], bourse["job"]
    co = client_for(ucn)
    response = co.post(f"/api/bourses/{event.pk}/runs", {"mode": "stable"})
    assert response.status_code == 201
    run = response.json()
    assert run["result"]["placement"] == {str(group.pk): str(bourse["big"].pk), str(ann.pk): str(job.pk)}
    assert co.post(f"/api/bourses/{event.pk}/runs", {"mode": "best"}).status_code == 422

    move = co.post(f"/api/bourses/runs/{run['id']}/move-effect", {"participant": group.pk, "case": job.pk}).json()
    assert (move["capacity_ok"], move["free_seats_after"], move["seated_students_delta"]) == (False, -3, 0)
    assert co.post(f"/api/bourses/{event.pk}/locks", {"participant": group.pk, "case": job.pk}).status_code == 422
    lock = co.post(f"/api/bourses/{event.pk}/locks", {"participant": ann.pk, "case": job.pk})
    assert lock.status_code == 201
    rerun = co.post(f"/api/bourses/{event.pk}/runs", {"mode": "optimal"}).json()
    assert rerun["result"]["locked"] == [str(ann.pk)]

    assert co.post(f"/api/bourses/runs/{rerun['id']}/confirm").status_code == 403  # UCN is not the lead
    confirmed = client_for(aau).post(f"/api/bourses/runs/{rerun['id']}/confirm")
    assert confirmed.status_code == 200
    assert (confirmed.json()["created"], len(confirmed.json()["matches"])) == (4, 4)
    again = client_for(aau).post(f"/api/bourses/runs/{rerun['id']}/confirm").json()
    assert (again["created"], again["already"]) == (0, 4)
    assert Match.objects.filter(activity="bourse", activity_note="Syntetisk API-børs").count() == 4
    assert BourseRun.objects.get(pk=rerun["id"]).is_confirmed
    delete = co.client.delete(f"/api/bourses/locks/{lock.json()['id']}", headers=co.headers)
    assert delete.status_code == 422  # confirmed: locks can no longer change
    assert AssignmentLock.objects.count() == 1
