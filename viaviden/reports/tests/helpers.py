"""Rows for the figures' tests, made directly (events, sign-ups, surveys) or through the services (matches,
Vækstpilot grants)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from viaviden.events.models import Event, Registration, Survey
from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality

_seq = itertools.count(1)


def aware(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def held_event(*, type: str, organiser: str, day: dt.date, attended: int = 0, signed_up_only: int = 0,
               status: str = Event.Status.HELD) -> Event:
    """An event of `type` organised by the organisation with slug `organiser` on `day`, with `attended`
    participants who came and `signed_up_only` who did not."""
    event = Event.objects.create(
        title=f"Syntetisk arrangement {next(_seq)}", type=type, organiser=Organisation.objects.get(slug=organiser),
        municipality=Municipality.objects.get(code="851"), place="Aalborg", starts_at=aware(day, 10),
        ends_at=aware(day, 14), status=status,
    )
    for i in range(attended + signed_up_only):
        Registration.objects.create(event=event, name=f"Deltager {i}", email=f"d{next(_seq)}@example.invalid",
                                    consent_at=aware(day, 9), attended_at=aware(day, 10) if i < attended else None)
    return event


def company_survey(*, event: Event | None = None, match=None, answered: dt.date | None,
                   gained_knowledge: bool | None) -> Survey:
    return Survey.objects.create(
        event=event, match=match, respondent_kind=Survey.RespondentKind.COMPANY,
        email=f"s{next(_seq)}@example.invalid", sent_at=aware(answered or dt.date(2021, 1, 1)),
        answered_at=aware(answered) if answered else None,
        gained_knowledge=gained_knowledge if answered else None,
    )
