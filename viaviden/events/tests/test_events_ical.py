"""The iCalendar feeds parse back (icalendar round trip) with the right events, times and statuses."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from viaviden.events.models import Event
from viaviden.events.tests.event_factories import make_event, make_registration

pytestmark = pytest.mark.django_db

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def _parse(response) -> list[icalendar.Event]:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    return list(cal.walk("VEVENT"))


def test_feed_round_trip():
    # given two public events (one cancelled), a draft and an internal event, all in the future
    start = dt.datetime(2031, 5, 6, 9, 30, tzinfo=CPH)
    bourse = make_event(title="Projektbørs på UCN – Æ, Ø og Å", type="project_bourse", starts_at=start, hours=3,
                        municipality="851")
    make_registration(bourse, name="Skal Ikke Med")
    cancelled = make_event(title="Aflyst morgenmøde", status=Event.Status.CANCELLED,
                           starts_at=start + dt.timedelta(days=1))
    make_event(title="Kladde", status=Event.Status.DRAFT, starts_at=start)
    make_event(title="Intern", public=False, starts_at=start)
    # when the feed is fetched
    items = _parse(Client().get(reverse("event_calendar_ics"), {"from_date": "2031-05-01"}))
    # then it holds the two public events, with local times, place and status, and no people
    by_title = {str(item["SUMMARY"]): item for item in items}
    assert set(by_title) == {"Projektbørs på UCN – Æ, Ø og Å", "Aflyst morgenmøde"}
    first = by_title["Projektbørs på UCN – Æ, Ø og Å"]
    assert first.decoded("DTSTART") == start
    assert first.decoded("DTEND") == start + dt.timedelta(hours=3)
    assert str(first["UID"]) == f"event-{bourse.pk}@127.0.0.1"
    assert "Aalborg" in str(first["LOCATION"])
    assert str(first["URL"]).endswith(reverse("event_public_detail", args=[bourse.pk]))
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(by_title["Aflyst morgenmøde"]["STATUS"]) == "CANCELLED"
    assert f"event-{cancelled.pk}@" in str(by_title["Aflyst morgenmøde"]["UID"])
    assert "Skal Ikke Med" not in Client().get(reverse("event_calendar_ics")).content.decode()


def test_feed_uses_the_calendar_filters():
    make_event(title="Jobmesse", type="job_fair")
    make_event(title="Temadag", type="theme_day")
    items = _parse(Client().get(reverse("event_calendar_ics"), {"type": "theme_day"}))
    assert [str(i["SUMMARY"]) for i in items] == ["Temadag"]


def test_single_event_ics():
    event = make_event(title="Meet & Greet")
    response = Client().get(reverse("event_ics", args=[event.pk]))
    items = _parse(response)
    assert [str(i["SUMMARY"]) for i in items] == ["Meet & Greet"]
    assert response["Content-Disposition"] == f'attachment; filename="arrangement-{event.pk}.ics"'
