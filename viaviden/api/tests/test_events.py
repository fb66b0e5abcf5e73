"""/api/events: access per role, create/edit with versions, publish/cancel/held, sign-ups with capacity and
waiting list, check-in, results and the aggregate figures."""

import datetime as dt

import pytest
from django.utils import timezone

from viaviden.events.models import Event, Registration
from viaviden.events.tests.event_factories import make_event, make_registration
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ucn(db):
    return UserFactory(username="ucn-api", organisation="ucn", role=User.Role.PARTNER_STAFF)


def _body(**overrides) -> dict:
    body = {
        "title": "Praktikbørs forår", "type": "internship_bourse", "organiser": "ucn", "co_organisers": ["aau"],
        "municipality": "851", "place": "UCN Aalborg", "starts_at": "2031-02-10T10:00:00+01:00",
        "ends_at": "2031-02-10T14:00:00+01:00", "audiences": ["students", "companies"], "capacity": 2,
        # The one target measured by manual registrations (a target measured from events counts it by itself).
        "activity_target": "aka-workshop-invited",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("who,expected", [("anonymous", 401), ("steering", 403), ("aalborg", 200),
                                          ("ucn", 200), ("coordinator", 200)])
def test_list_access(request, who, expected):
    make_event(organiser="ucn")
    client = ApiClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert client.get("/api/events").status_code == expected


@pytest.mark.parametrize("who,expected", [("steering", 403), ("aalborg", 403), ("ucn", 200), ("coordinator", 200)])
def test_registrations_only_for_organisers_and_coordinators(request, who, expected):
    event = make_event(organiser="ucn")
    make_registration(event, name="Synne Syntetisk")
    response = client_for(request.getfixturevalue(who)).get(f"/api/events/{event.pk}/registrations")
    assert response.status_code == expected
    if expected == 200:
        assert [r["name"] for r in response.json()["items"]] == ["Synne Syntetisk"]


def test_drafts_of_other_organisations_are_not_found(aalborg):
    draft = make_event(organiser="ucn", status=Event.Status.DRAFT)
    assert client_for(aalborg).get(f"/api/events/{draft.pk}").status_code == 404
    assert client_for(aalborg).get("/api/events").json()["count"] == 0


def test_create_edit_publish(ucn):
    client = client_for(ucn)
    created = client.post("/api/events", _body())
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["status"], data["organiser"], data["co_organisers"], data["activity_target"]) == (
        "draft", "ucn", ["aau"], "aka-workshop-invited")
    stale = client._call("put", f"/api/events/{data['id']}", {**_body(title="Ny"), "version": 7})
    assert stale.status_code == 409
    edited = client._call("put", f"/api/events/{data['id']}", {**_body(title="Ny"), "version": 1})
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["version"]) == ("Ny", 2)
    published = client.post(f"/api/events/{data['id']}/publish", {"version": 2})
    assert published.json()["status"] == "published"


def test_create_reports_unknown_references_and_saves_nothing(ucn):
    response = client_for(ucn).post("/api/events", _body(organiser="nope", municipality="9999",
                                                         activity_target="nope"))
    assert response.status_code == 422
    assert set(response.json()["details"]) == {"organiser", "municipality", "activity_target"}
    assert Event.objects.count() == 0


def test_create_for_another_organisation_is_refused(aalborg):
    response = client_for(aalborg).post("/api/events", _body())
    assert response.status_code == 422
    assert "organiser" in response.json()["details"]
    assert Event.objects.count() == 0


def test_sign_ups_waiting_list_check_in_and_held(ucn):
    client = client_for(ucn)
    event = make_event(organiser="ucn", capacity=1, starts_at=timezone.now() + dt.timedelta(minutes=5))
    url = f"/api/events/{event.pk}/registrations"
    first = client.post(url, {"name": "A", "email": "a@example.dk", "consent": True})
    second = client.post(url, {"name": "B", "email": "b@example.dk", "consent": True})
    assert (first.json()["status"], second.json()["status"], second.json()["waitlist_position"]) == (
        "registered", "waitlisted", 1)
    no_consent = client.post(url, {"name": "C", "email": "c@example.dk"})
    assert no_consent.status_code == 422
    assert event.registrations.count() == 2
    cancelled = client.post(f"{url}/{first.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=second.json()["id"]).status == "registered"
    checked = client.post(f"{url}/{second.json()['id']}/attendance", {"attended": True})
    assert checked.json()["attended_at"] is not None
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    held = client.post(f"/api/events/{event.pk}/held", {})
    assert held.json()["status"] == "held"
    results = client.get(f"/api/events/{event.pk}/results").json()
    assert (results["attended"], results["registered"], results["cancelled"]) == (1, 1, 1)


def test_other_organisation_cannot_change(aalborg):
    event = make_event(organiser="ucn")
    reg = make_registration(event)
    client = client_for(aalborg)
    assert client.post(f"/api/events/{event.pk}/cancel", {}).status_code == 403
    assert client.post(f"/api/events/{event.pk}/registrations/{reg.pk}/attendance",
                       {"attended": True}).status_code == 403
    event.refresh_from_db()
    reg.refresh_from_db()
    assert (event.status, reg.attended_at) == ("published", None)


def test_figures_are_open_to_the_steering_group(steering, programme):
    response = client_for(steering).get("/api/events/figures")
    assert response.status_code == 200
    assert response.json()["programme"] == programme.slug
    assert response.json()["surveys"]["target_pct"] == 90


def test_list_query_count(ucn, django_assert_max_num_queries):
    for _ in range(3):
        make_event(organiser="ucn", co_organisers=("aau",))
    client = client_for(ucn)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/events")
    for _ in range(10):
        make_event(organiser="ucn", co_organisers=("aau",))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/events")
    assert response.json()["count"] == 13
