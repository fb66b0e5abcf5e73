"""iCalendar (RFC 5545) feeds of public events, built with the `icalendar` package: the whole public
calendar (with the same filters as the page) and one event. Only public data: no sign-ups, no people."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from viaviden.core.mail import site_url

from .models import Event

PRODID = "-//Vækst Via Viden//Arrangementer//DA"


def _uid(event: Event) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "vaekstviaviden.dk"
    return f"event-{event.pk}@{host}"


def _vevent(event: Event) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", _uid(event))
    item.add("dtstamp", timezone.now())
    item.add("dtstart", timezone.localtime(event.starts_at))
    item.add("dtend", timezone.localtime(event.ends_at))
    item.add("summary", event.title)
    location = ", ".join(part for part in (event.place, event.address, event.municipality.name) if part)
    item.add("location", location)
    url = site_url(reverse("event_public_detail", args=[event.pk]))
    item.add("url", url)
    description = "\n\n".join(part for part in (event.get_type_display(), event.description, url) if part)
    item.add("description", description)
    item.add("categories", [event.get_type_display()])
    item.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}", parameters={"CN": event.organiser.name})
    if event.status == Event.Status.CANCELLED:
        item.add("status", "CANCELLED")
    else:
        item.add("status", "CONFIRMED")
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.version)
    return item


def calendar_ics(events: Iterable[Event], *, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in events:
        cal.add_component(_vevent(event))
    cal.add_missing_timezones()
    return cal.to_ical()
