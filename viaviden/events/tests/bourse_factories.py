"""Test data for bourses straight into the database (the services are tested on their own):
`make_bourse`, `make_case`, `make_participant`, `rank`."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from viaviden.companies.models import Company
from viaviden.events.models import (
    CONSENT_TEXT_VERSION,
    BourseCase,
    BourseParticipant,
    CollaborationKind,
    Event,
    EventType,
    Preference,
)
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.reference.models import EducationLevel

from .event_factories import make_event

_seq = itertools.count(1)

# Inside the programme period 2020-07-01 – 2023-06-30, so confirmed matches count on the dashboard.
BOURSE_DAY = dt.datetime(2022, 3, 10, 10, 0, tzinfo=dt.UTC)


def make_bourse(*, organiser: str = "aau", co_organisers: tuple[str, ...] = ("ucn",),
                type: str = EventType.PROJECT_BOURSE, starts_at: dt.datetime | None = None, **fields) -> Event:
    return make_event(organiser=organiser, co_organisers=co_organisers, type=type,
                      starts_at=starts_at or BOURSE_DAY, audiences=("students", "companies"), **fields)


def make_case(event: Event, *, company: Company | None = None, title: str | None = None, capacity: int = 2,
              status: str = BourseCase.Status.PUBLISHED, kind: str = CollaborationKind.PROJECT,
              min_group_size: int = 1, max_group_size: int | None = None, levels: tuple[str, ...] = (),
              programmes: tuple = (), submitter_email: str = "kontakt@firma.example", **fields) -> BourseCase:
    case = BourseCase.objects.create(
        event=event, company=company or CompanyFactory(), title=title or f"Syntetisk case {next(_seq)}",
        challenge="En udfordring.", collaboration_kind=kind, capacity=capacity, min_group_size=min_group_size,
        max_group_size=max_group_size, status=status, submitter_name="Syntetisk Kontakt",
        submitter_email=submitter_email, **fields,
    )
    if levels:
        case.wished_levels.set(EducationLevel.objects.filter(code__in=levels))
    if programmes:
        case.wished_programmes.set(programmes)
    return case


def make_participant(event: Event, *, name: str | None = None, members: list[dict] | None = None,
                     size: int | None = None, level: str = "LVU", **fields) -> BourseParticipant:
    n = next(_seq)
    if members is None:
        count = size or 1
        members = [{"name": f"Syntetisk Studerende {n}-{i}", "email": f"stud{n}-{i}@example.dk", "level": level,
                    "programme": ""} for i in range(1, count + 1)]
    kind = BourseParticipant.Kind.GROUP if len(members) > 1 else BourseParticipant.Kind.INDIVIDUAL
    return BourseParticipant.objects.create(
        event=event, kind=kind, name=name or (f"Gruppe {n}" if len(members) > 1 else members[0]["name"]),
        members=members, size=len(members), contact_email=members[0]["email"] or f"kontakt{n}@example.dk",
        consent_at=timezone.now(), consent_text_version=CONSENT_TEXT_VERSION, **fields,
    )


def rank(participant: BourseParticipant, *cases: BourseCase) -> None:
    Preference.objects.filter(participant=participant).delete()
    for i, case in enumerate(cases, start=1):
        Preference.objects.create(participant=participant, case=case, rank=i)
