"""Event pages: the permission matrix of every URL, the public sign-up flow, the private cancel link, the
check-in list and the query counts of the calendars."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.companies.selfservice import form_token_issue
from viaviden.events.models import Event, Registration
from viaviden.events.tests.event_factories import make_event, make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(user_factory, staff_client):
    """Logged-in clients: own organisation (UCN, the organiser), co-organiser (AAU), another organisation,
    a coordinator and the steering group; plus an anonymous one."""
    return {
        "anonymous": Client(),
        "own": staff_client(user_factory(organisation="ucn")),
        "co": staff_client(user_factory(organisation="aau")),
        "other": staff_client(user_factory(organisation="jobcenter-aalborg")),
        "coordinator": staff_client(user_factory(role="coordinator")),
        "steering": staff_client(user_factory(role="steering_group")),
    }


def test_login_url_is_what_the_matrix_expects(clients):
    response = clients["anonymous"].get(reverse("event_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Permission matrix ------------------------------------------------------------------------------

STAFF_READ = {"anonymous": "login", "own": 200, "co": 200, "other": 200, "coordinator": 200, "steering": 403}
MANAGE = {"anonymous": "login", "own": 200, "co": 200, "other": 403, "coordinator": 200, "steering": 403}


def _is_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _outcome(response) -> int | str:
    return "login" if _is_login(response) else response.status_code


@pytest.mark.parametrize("who", list(STAFF_READ))
def test_matrix_internal_calendar_and_create(clients, who):
    assert _outcome(clients[who].get(reverse("event_list"))) == STAFF_READ[who]
    assert _outcome(clients[who].get(reverse("event_create"))) == STAFF_READ[who]


@pytest.mark.parametrize("who", list(STAFF_READ))
def test_matrix_event_detail_published(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",))
    assert _outcome(clients[who].get(reverse("event_detail", args=[event.pk]))) == STAFF_READ[who]


@pytest.mark.parametrize("who,expected", [("anonymous", "login"), ("own", 200), ("co", 200), ("other", 404),
                                          ("coordinator", 200), ("steering", 403)])
def test_matrix_draft_is_hidden_from_other_organisations(clients, who, expected):
    event = make_event(organiser="ucn", co_organisers=("aau",), status=Event.Status.DRAFT)
    assert _outcome(clients[who].get(reverse("event_detail", args=[event.pk]))) == expected
    assert _outcome(clients[who].get(reverse("event_edit", args=[event.pk]))) == (
        200 if expected == 200 else expected)


@pytest.mark.parametrize("who", list(MANAGE))
@pytest.mark.parametrize("name", ["event_edit", "event_checkin", "event_staff_signup"])
def test_matrix_manage_pages(clients, who, name):
    event = make_event(organiser="ucn", co_organisers=("aau",))
    assert _outcome(clients[who].get(reverse(name, args=[event.pk]))) == MANAGE[who]


@pytest.mark.parametrize("who", list(MANAGE))
def test_matrix_publish(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",), status=Event.Status.DRAFT)
    response = clients[who].post(reverse("event_publish", args=[event.pk]), {"version": 1})
    expected = {200: 302, 403: 403, "login": "login"}[MANAGE[who]]
    expected = 404 if who == "other" else expected  # a draft of another organisation is not revealed
    assert _outcome(response) == expected
    event.refresh_from_db()
    assert (event.status == Event.Status.PUBLISHED) is (MANAGE[who] == 200)


@pytest.mark.parametrize("who", list(MANAGE))
def test_matrix_cancel(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",))
    response = clients[who].post(reverse("event_cancel", args=[event.pk]), {"version": 1})
    assert _outcome(response) == {200: 302, 403: 403, "login": "login"}[MANAGE[who]]
    event.refresh_from_db()
    assert (event.status == Event.Status.CANCELLED) is (MANAGE[who] == 200)


@pytest.mark.parametrize("who", list(MANAGE))
def test_matrix_mark_held(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",), starts_at=timezone.now() - dt.timedelta(hours=3))
    response = clients[who].post(reverse("event_mark_held", args=[event.pk]), {"version": 1})
    assert _outcome(response) == {200: 302, 403: 403, "login": "login"}[MANAGE[who]]
    event.refresh_from_db()
    assert (event.status == Event.Status.HELD) is (MANAGE[who] == 200)


@pytest.mark.parametrize("who", list(MANAGE))
def test_matrix_check_in_toggle(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",))
    reg = make_registration(event)
    response = clients[who].post(reverse("event_checkin_toggle", args=[event.pk, reg.pk]), {"attended": "1"})
    assert _outcome(response) == {200: 302, 403: 403, "login": "login"}[MANAGE[who]]
    reg.refresh_from_db()
    assert (reg.attended_at is not None) is (MANAGE[who] == 200)


@pytest.mark.parametrize("who", list(MANAGE))
def test_matrix_staff_cancels_a_registration(clients, who):
    event = make_event(organiser="ucn", co_organisers=("aau",))
    reg = make_registration(event)
    response = clients[who].post(reverse("event_registration_cancel_staff", args=[event.pk, reg.pk]))
    assert _outcome(response) == {200: 302, 403: 403, "login": "login"}[MANAGE[who]]
    reg.refresh_from_db()
    assert (reg.status == Registration.Status.CANCELLED) is (MANAGE[who] == 200)


@pytest.mark.parametrize("who", list(STAFF_READ))
def test_matrix_public_pages_are_open_to_everyone(clients, who):
    event = make_event()
    reg = make_registration(event)
    for url in (reverse("event_calendar"), reverse("event_calendar_ics"), reverse("event_public_detail", args=[event.pk]),
                reverse("event_ics", args=[event.pk]), reverse("event_registration_status", args=[reg.token])):
        assert clients[who].get(url).status_code == 200, url


def test_registrations_with_names_are_shown_to_organisers_only(clients):
    event = make_event(organiser="ucn")
    make_registration(event, name="Synne Syntetisk")
    assert "Synne Syntetisk" in clients["own"].get(reverse("event_detail", args=[event.pk])).content.decode()
    assert "Synne Syntetisk" not in clients["other"].get(reverse("event_detail", args=[event.pk])).content.decode()


def test_public_pages_hide_drafts_and_internal_events(clients):
    draft = make_event(status=Event.Status.DRAFT)
    internal = make_event(public=False)
    for event in (draft, internal):
        assert clients["anonymous"].get(reverse("event_public_detail", args=[event.pk])).status_code == 404
        assert clients["anonymous"].get(reverse("event_ics", args=[event.pk])).status_code == 404
    page = clients["anonymous"].get(reverse("event_calendar")).content.decode()
    assert draft.title not in page
    assert internal.title not in page


# --- Create and edit through the form ----------------------------------------------------------------


def test_staff_creates_an_event_with_the_form(clients):
    response = clients["own"].post(reverse("event_create"), {
        "title": "Fyraftensmøde om eksport", "type": "after_work_meeting", "organiser": _org("ucn"),
        "municipality": "813", "place": "Frederikshavn Erhvervshus", "starts_at": "2030-03-04T16:00",
        "ends_at": "2030-03-04T18:00", "audiences": ["companies", "graduates"], "capacity": "40",
        "waitlist_enabled": "on", "public": "on", "max_ranked_choices": "5",
    })
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("event_detail", args=[event.pk])
    assert (event.title, event.status, event.capacity, event.audiences) == (
        "Fyraftensmøde om eksport", "draft", 40, ["companies", "graduates"])
    assert timezone.localtime(event.starts_at).strftime("%d-%m-%Y %H:%M") == "04-03-2030 16:00"


def test_invalid_form_saves_nothing(clients):
    response = clients["own"].post(reverse("event_create"), {"title": "", "type": "unknown"})
    assert response.status_code == 200
    assert "Der er problemer med formularen" in response.content.decode()
    assert Event.objects.count() == 0


def _org(slug):
    from viaviden.organisations.models import Organisation

    return Organisation.objects.get(slug=slug).pk


# --- Public sign-up ---------------------------------------------------------------------------------


def _signup_post(**overrides):
    data = {"kind": "person", "name": "Syntetisk Studerende", "email": "stud@example.dk", "phone": "",
            "audience": "students", "organisation_name": "", "cvr": "", "consent": "on", "website": "",
            "form_token": form_token_issue(at=time.time() - 30)}
    data.update(overrides)
    return data


def test_public_sign_up_then_cancel_by_private_link(django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event_public_detail", args=[event.pk]), _signup_post())
    reg = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("event_registration_status", args=[reg.token])
    assert reg.status == Registration.Status.REGISTERED
    assert mail.outbox[0].to == ["stud@example.dk"]
    status_page = client.get(response["Location"])
    assert "Du er tilmeldt." in status_page.content.decode()
    assert status_page["Cache-Control"] == "no-store, private"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("event_registration_cancel", args=[reg.token]))
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED


def test_public_sign_up_without_consent_saves_nothing_and_sends_nothing(django_capture_on_commit_callbacks):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("event_public_detail", args=[event.pk]), _signup_post(consent=""))
    assert response.status_code == 200
    assert "Du skal give samtykke, før vi kan gemme din tilmelding." in response.content.decode()
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_public_company_sign_up_validates_cvr():
    event = make_event()
    response = Client().post(reverse("event_public_detail", args=[event.pk]), _signup_post(
        kind="company", organisation_name="Firma ApS", cvr="12345678", consent=""))
    assert response.status_code == 200
    assert Registration.objects.count() == 0


def test_honeypot_and_too_fast_forms_are_refused():
    event = make_event()
    for data in (_signup_post(website="spam"), _signup_post(form_token=form_token_issue())):
        response = Client().post(reverse("event_public_detail", args=[event.pk]), data)
        assert "Vi kunne ikke modtage tilmeldingen" in response.content.decode()
    assert Registration.objects.count() == 0


def test_waiting_list_position_is_shown():
    event = make_event(capacity=1)
    make_registration(event)
    response = Client().post(reverse("event_public_detail", args=[event.pk]), _signup_post())
    page = Client().get(response["Location"]).content.decode()
    assert "Du er på ventelisten som nummer 1." in page


def test_unknown_token_is_404():
    assert Client().get(reverse("event_registration_status", args=["nope"])).status_code == 404
    assert Client().post(reverse("event_registration_cancel", args=["nope"])).status_code == 404


# --- Check-in ----------------------------------------------------------------------------------------


def test_check_in_with_htmx_returns_the_row(clients):
    event = make_event(organiser="ucn")
    reg = make_registration(event, name="Tina Tablet")
    response = clients["own"].post(reverse("event_checkin_toggle", args=[event.pk, reg.pk]), {"attended": "1"},
                                   headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith(f'<tr id="checkin-{reg.pk}">')
    assert 'aria-pressed="true"' in body
    reg.refresh_from_db()
    assert reg.attended_at is not None
    response = clients["own"].post(reverse("event_checkin_toggle", args=[event.pk, reg.pk]), {"attended": "0"},
                                   headers={"HX-Request": "true"})
    reg.refresh_from_db()
    assert reg.attended_at is None


def test_check_in_search_by_name(clients):
    event = make_event(organiser="ucn")
    make_registration(event, name="Anna Andersen")
    make_registration(event, name="Bo Berg")
    make_registration(event, name="Venter Vagn", status=Registration.Status.WAITLISTED)
    response = clients["own"].get(reverse("event_checkin", args=[event.pk]), {"q": "anna"},
                                  headers={"HX-Request": "true", "HX-Target": "checkin-list"})
    body = response.content.decode()
    assert "Anna Andersen" in body
    assert "Bo Berg" not in body
    assert "<html" not in body
    full = clients["own"].get(reverse("event_checkin", args=[event.pk])).content.decode()
    assert "Bo Berg" in full
    assert "Venter Vagn" not in full


# --- Query counts ------------------------------------------------------------------------------------


def _many_events(n):
    for i in range(n):
        event = make_event(organiser="ucn" if i % 2 else "aau", co_organisers=("akademikernes-a-kasse",))
        make_registration(event)


def test_public_calendar_query_count_does_not_grow(django_assert_max_num_queries):
    _many_events(3)
    client = Client()
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("event_calendar"))
    _many_events(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("event_calendar"))
    assert response.context["page"].paginator.count == 15


def test_internal_calendar_query_count_does_not_grow(clients, django_assert_max_num_queries):
    _many_events(3)
    client = clients["own"]
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("event_list"))
    _many_events(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("event_list"))
    assert response.context["page"].paginator.count == 15


def test_ics_feed_query_count_does_not_grow(django_assert_max_num_queries):
    _many_events(3)
    with django_assert_max_num_queries(10) as few:
        Client().get(reverse("event_calendar_ics"))
    _many_events(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        Client().get(reverse("event_calendar_ics"))


# --- Calendar filters --------------------------------------------------------------------------------


def test_calendar_filters_by_type_municipality_audience_and_date():
    hit = make_event(type="job_fair", municipality="787", audiences=("unemployed",), title="Jobmesse Thisted")
    make_event(type="job_fair", municipality="851", audiences=("unemployed",), title="Jobmesse Aalborg")
    make_event(type="theme_day", municipality="787", audiences=("unemployed",), title="Temadag Thisted")
    make_event(type="job_fair", municipality="787", audiences=("students",), title="Studiemesse Thisted")
    make_event(type="job_fair", municipality="787", audiences=("unemployed",), title="Gammel messe",
               starts_at=timezone.now() - dt.timedelta(days=30))
    response = Client().get(reverse("event_calendar"),
                            {"type": "job_fair", "municipality": "787", "audience": "unemployed"})
    assert [e.pk for e in response.context["events"]] == [hit.pk]


def test_edit_form_shows_the_event_and_saves_changes(clients):
    event = make_event(organiser="ucn", title="Gammel titel", capacity=30)
    page = clients["own"].get(reverse("event_edit", args=[event.pk])).content.decode()
    assert 'value="Gammel titel"' in page
    assert 'name="version" value="1"' in page
    assert f'value="{timezone.localtime(event.starts_at):%Y-%m-%dT%H:%M}"' in page
    data = {
        "title": "Ny titel", "type": event.type, "organiser": _org("ucn"), "municipality": "851",
        "place": event.place, "starts_at": f"{timezone.localtime(event.starts_at):%Y-%m-%dT%H:%M}",
        "ends_at": f"{timezone.localtime(event.ends_at):%Y-%m-%dT%H:%M}", "audiences": ["students"],
        "capacity": "30", "public": "on", "max_ranked_choices": "5", "version": "1",
    }
    response = clients["own"].post(reverse("event_edit", args=[event.pk]), data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.version, event.audiences) == ("Ny titel", 2, ["students"])
    stale = clients["own"].post(reverse("event_edit", args=[event.pk]), {**data, "title": "Tredje"})
    assert "Arrangementet er ændret af en anden" in stale.content.decode()
    event.refresh_from_db()
    assert event.title == "Ny titel"
