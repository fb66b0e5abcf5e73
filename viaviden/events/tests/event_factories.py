"""Test data for events: `make_event(...)` and `make_registration(event, ...)` straight into the database
(the services are tested on their own)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from viaviden.events.models import CONSENT_TEXT_VERSION, Event, EventType, Registration
from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality

_seq = itertools.count(1)


def make_event(
    *,
    organiser: Organisation | str = "ucn",
    co_organisers: tuple[str, ...] = (),
    status: str = Event.Status.PUBLISHED,
    type: str = EventType.MEET_AND_GREET,
    municipality: str = "851",
    starts_at: dt.datetime | None = None,
    hours: int = 2,
    capacity: int | None = None,
    waitlist_enabled: bool = True,
    public: bool = True,
    audiences: tuple[str, ...] = ("students", "companies"),
    **fields,
) -> Event:
    org = organiser if isinstance(organiser, Organisation) else Organisation.objects.get(slug=organiser)
    start = starts_at or (timezone.now() + dt.timedelta(days=14)).replace(microsecond=0)
    event = Event.objects.create(
        title=fields.pop("title", f"Syntetisk arrangement {next(_seq)}"),
        type=type,
        organiser=org,
        municipality=Municipality.objects.get(pk=municipality),
        place=fields.pop("place", "UCN, Sofiendalsvej 60"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        status=status,
        capacity=capacity,
        waitlist_enabled=waitlist_enabled,
        public=public,
        **{Event.AUDIENCE_FIELDS[a]: True for a in audiences},
        **fields,
    )
    if co_organisers:
        event.co_organisers.set(Organisation.objects.filter(slug__in=co_organisers))
    return event


def make_registration(event: Event, *, name: str | None = None, email: str | None = None,
                      status: str = Registration.Status.REGISTERED, kind: str = Registration.Kind.PERSON,
                      attended: bool = False, **fields) -> Registration:
    n = next(_seq)
    return Registration.objects.create(
        event=event, kind=kind, name=name or f"Syntetisk Deltager {n}", email=email or f"deltager{n}@example.dk",
        status=status, consent_at=timezone.now(), consent_text_version=CONSENT_TEXT_VERSION,
        attended_at=timezone.now() if attended else None, **fields,
    )
