"""Synthetic demo data for events (SPEC 3.4): events of every kind in several municipalities — held ones in
the programme period with sign-ups, attendance, activity registrations and answered follow-up surveys;
upcoming ones on the public calendar with seats taken and a waiting list; a draft and a cancelled one.

Called by the foundation's demo generator (viaviden/core/demo.py) after users and companies exist.
Events are made through the services (so held events record their activity registrations as in real
use); sign-ups are bulk-created (no e-mail). Everything is marked synthetic and removed by
`demo_events_delete` (call it before the synthetic companies are deleted)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from viaviden.companies.models import Company
from viaviden.matches.models import ActivityRegistration, ActivityTarget, Programme
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import Municipality

from .models import CONSENT_TEXT_VERSION, Event, EventType, Registration, Survey
from .services import EventData, event_create, event_mark_held, event_publish

FIRST_NAMES = ("Mette", "Søren", "Anne", "Jens", "Louise", "Mads", "Camilla", "Rasmus", "Sofie", "Frederik", "Ida",
               "Mikkel", "Line", "Kasper", "Nanna", "Jonas", "Signe", "Anders", "Maja", "Emil")
LAST_NAMES = ("Demosen", "Testrup", "Prøvesen", "Eksempelgaard", "Fiktivsen", "Syntetisk", "Pladsholder")
COMMENTS = ("Godt at møde virksomhederne ansigt til ansigt.", "Vi fik tre gode kontakter.",
            "Mere tid til netværk næste gang, tak.", "Spændende oplæg om studerendes projekter.",
            "Vi har allerede aftalt et praktikforløb.")

# (title, type, organiser slug, user, municipality code, place, audiences, target code, participants target code)
HELD = (
    ("Projektbørs efterår", EventType.PROJECT_BOURSE, "ucn", "ucn.erhverv", "851", "UCN, Sofiendalsvej 60",
     ("companies", "students"), "ucn-bourses-held", None),
    ("Talent Attraction: Karriere i Vendsyssel", EventType.TALENT_ATTRACTION, "akademikernes-a-kasse",
     "aka.rekruttering", "860", "Hjørring Bibliotek", ("companies", "graduates", "unemployed"),
     "aka-talent-attraction-events", "aka-talent-attraction-members"),
    ("Meet & Greet på AAU", EventType.MEET_AND_GREET, "aau", "aau.karriere", "851", "AAU, Fredrik Bajers Vej 7",
     ("companies", "students"), None, None),
    ("Fyraftensmøde: Studerende som ressource", EventType.AFTER_WORK_MEETING, "erhvervskontor-thisted",
     "thisted.konsulent", "787", "Thisted Erhvervshus", ("companies",), None, None),
    ("Jobmesse for højtuddannede", EventType.JOB_FAIR, "jobcenter-hjoerring", "hjoerring.konsulent", "860",
     "Jobcenter Hjørring", ("companies", "unemployed", "graduates"), None, None),
    ("Jobsøgningsworkshop", EventType.JOB_SEARCH_COURSE, "jobcenter-aalborg", "aalborg.konsulent", "851",
     "Jobcenter Aalborg", ("unemployed",), None, "jca-job-search-offered"),
    ("Temadag for partnernes medarbejdere", EventType.THEME_DAY, "koordinationsgruppen", "koordinator", "846",
     "Hobro Idrætscenter", ("staff",), None, "theme-day-staff"),
    ("Morgenmøde om praktik", EventType.MORNING_MEETING, "ucn", "ucn.erhverv", "813", "UCN Frederikshavn",
     ("companies",), None, None),
)
UPCOMING = (
    ("Praktikbørs forår", EventType.INTERNSHIP_BOURSE, "ucn", "ucn.erhverv", "851", "UCN, Sofiendalsvej 60",
     ("companies", "students"), 60),
    ("Meet & Greet i Brønderslev", EventType.MEET_AND_GREET, "aau", "aau.karriere", "810", "Brønderslev Rådhus",
     ("companies", "students", "graduates"), 12),
    ("Talent Attraction: Livet i Thy", EventType.TALENT_ATTRACTION, "akademikernes-a-kasse", "aka.rekruttering",
     "787", "Thisted Kulturhus", ("graduates", "unemployed"), 40),
    ("Brobygning: Fra studie til job i Himmerland", EventType.BRIDGE_BUILDING, "koordinationsgruppen", "koordinator",
     "820", "Vesthimmerlands Gymnasium, Aars", ("students", "graduates"), None),
    ("Studiejobbørs", EventType.STUDENT_JOB_BOURSE, "aau", "aau.karriere", "851", "AAU, Kroghstræde 3",
     ("companies", "students"), 80),
    ("Fyraftensmøde på Mors", EventType.AFTER_WORK_MEETING, "erhvervskontor-thisted", "thisted.konsulent", "773",
     "Nykøbing Mors Erhvervscenter", ("companies",), 25),
)


@dataclass
class EventsDemoResult:
    events: int = 0
    registrations: int = 0
    surveys: int = 0


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _data(spec, *, start: dt.datetime, hours: int, capacity: int | None, orgs, munis, targets) -> EventData:
    title, kind, org_slug, _user, muni, place, audiences = spec[:7]
    target_code = spec[7] if len(spec) > 8 else None
    people_code = spec[8] if len(spec) > 8 else None
    return EventData(
        title=title, type=kind, organiser=orgs[org_slug], municipality=munis[muni], place=place,
        starts_at=start, ends_at=start + dt.timedelta(hours=hours), audiences=list(audiences), capacity=capacity,
        description="Syntetisk demoarrangement. Alle deltagere og virksomheder er opdigtede.",
        activity_target=targets.get(target_code), participants_target=targets.get(people_code),
    )


def _registrations(event: Event, rng: random.Random, companies: list[Company], *, n_people: int, n_companies: int,
                   attended_share: float | None, waitlisted: int = 0) -> list[Registration]:
    now = timezone.now()
    rows: list[Registration] = []
    used: set[str] = set()
    audiences = [a for a in event.audiences if a != "companies"] or ["students"]
    for i in range(n_people + waitlisted):
        email = f"demo.deltager.{event.pk}.{i}@example.dk"
        used.add(email)
        rows.append(Registration(
            event=event, kind=Registration.Kind.PERSON, audience=rng.choice(audiences), name=_name(rng), email=email,
            status=Registration.Status.REGISTERED if i < n_people else Registration.Status.WAITLISTED,
            consent_at=now, consent_text_version=CONSENT_TEXT_VERSION, is_synthetic=True,
        ))
    for company in rng.sample(companies, min(n_companies, len(companies))):
        rows.append(Registration(
            event=event, kind=Registration.Kind.COMPANY, audience="companies", name=_name(rng),
            email=f"demo.kontakt.{event.pk}.{company.cvr}@example.dk", organisation_name=company.name,
            cvr=company.cvr, company=company, status=Registration.Status.REGISTERED, consent_at=now,
            consent_text_version=CONSENT_TEXT_VERSION, is_synthetic=True,
        ))
    if attended_share is not None:
        for reg in rows:
            if reg.status == Registration.Status.REGISTERED and rng.random() < attended_share:
                reg.attended_at = event.starts_at + dt.timedelta(minutes=rng.randint(0, 20))
    return Registration.objects.bulk_create(rows)


def demo_events_load(*, users: dict[str, User], companies: list[Company], rng: random.Random) -> EventsDemoResult:
    result = EventsDemoResult()
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__in={s[2] for s in HELD + UPCOMING})}
    munis = {m.code: m for m in Municipality.objects.all()}
    programme = Programme.objects.filter(is_current=True).first()
    targets = {t.code: t for t in ActivityTarget.objects.filter(programme=programme)} if programme else {}
    companies = [c for c in companies if c.merged_into_id is None]
    if not users or not companies:
        return result

    # Held events in the programme period, each with sign-ups, attendance and answered surveys.
    for i, spec in enumerate(HELD):
        user = users.get(spec[3])
        if user is None or spec[2] not in orgs:
            continue
        day = dt.date(2021 + i % 2, (3 + 2 * i) % 12 + 1, rng.randint(3, 26))
        start = _aware(day, 9 if spec[1] != EventType.AFTER_WORK_MEETING else 16)
        event = event_create(user=user, data=_data(spec, start=start, hours=3, capacity=None, orgs=orgs, munis=munis,
                                                   targets=targets))
        event = event_publish(user=user, event=event, version=event.version)
        Event.objects.filter(pk=event.pk).update(is_synthetic=True)
        event.is_synthetic = True
        n_companies = rng.randint(4, 10) if event.for_companies else 0
        regs = _registrations(event, rng, companies, n_people=rng.randint(12, 40), n_companies=n_companies,
                              attended_share=0.8)
        result.registrations += len(regs)
        event = event_mark_held(user=user, event=event, version=event.version)
        sent_at = event.ends_at + dt.timedelta(days=1)
        for survey in event.surveys.all():
            survey.sent_at = sent_at
            if rng.random() < 0.6:
                survey.answered_at = sent_at + dt.timedelta(days=rng.randint(0, 6))
                survey.gained_knowledge = rng.random() < 0.9
                survey.collaboration_happened = rng.choice((True, False, None))
                survey.comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
            elif rng.random() < 0.5:
                survey.reminded_at = sent_at + dt.timedelta(days=7)
            survey.save()
            result.surveys += 1
        result.events += 1

    # Upcoming events on the public calendar; the small ones are full with a waiting list.
    today = timezone.localdate()
    for i, spec in enumerate(UPCOMING):
        user = users.get(spec[3])
        if user is None or spec[2] not in orgs:
            continue
        capacity = spec[7]
        start = _aware(today + dt.timedelta(days=10 + 9 * i), 16 if spec[1] == EventType.AFTER_WORK_MEETING else 10)
        event = event_create(user=user, data=_data(spec[:7], start=start, hours=3, capacity=capacity, orgs=orgs,
                                                   munis=munis, targets=targets))
        event = event_publish(user=user, event=event, version=event.version)
        Event.objects.filter(pk=event.pk).update(is_synthetic=True)
        full = capacity is not None and capacity <= 15
        n_people = capacity if full else rng.randint(3, 15)
        n_companies = 0 if full or not event.for_companies else rng.randint(2, 6)
        regs = _registrations(event, rng, companies, n_people=n_people, n_companies=n_companies, attended_share=None,
                              waitlisted=3 if full else 0)
        result.registrations += len(regs)
        result.events += 1

    # A draft and a cancelled event.
    ucn_user = users.get("ucn.erhverv")
    if ucn_user is not None and "ucn" in orgs:
        start = _aware(today + dt.timedelta(days=70), 10)
        draft = event_create(user=ucn_user, data=_data(
            ("Regionalt samarbejdsarrangement (kladde)", EventType.MEET_AND_GREET, "ucn", "", "860",
             "UCN Hjørring", ("companies", "students")), start=start, hours=4, capacity=100, orgs=orgs,
            munis=munis, targets=targets))
        cancelled = event_create(user=ucn_user, data=_data(
            ("Morgenmøde i Læsø (aflyst)", EventType.MORNING_MEETING, "ucn", "", "825", "Læsø Rådhus",
             ("companies",)), start=start - dt.timedelta(days=30), hours=2, capacity=20, orgs=orgs, munis=munis,
            targets=targets))
        cancelled.status = Event.Status.CANCELLED
        cancelled.cancelled_at = timezone.now()
        cancelled.save(update_fields=["status", "cancelled_at"])
        Event.objects.filter(pk__in=[draft.pk, cancelled.pk]).update(is_synthetic=True)
        result.events += 2
    return result


def demo_events_delete() -> dict[str, int]:
    """Delete the synthetic events (with their sign-ups, surveys and bourse data) and the activity
    registrations they recorded."""
    events = Event.objects.filter(is_synthetic=True)
    reg_ids = [pk for pair in events.values_list("held_registration_id", "participants_registration_id")
               for pk in pair if pk is not None]
    deleted = {
        "event_surveys": Survey.objects.filter(Q(event__in=events) | Q(is_synthetic=True)).delete()[0],
        "event_activity_registrations": ActivityRegistration.objects.filter(pk__in=reg_ids).delete()[0],
    }
    registrations = Registration.objects.filter(event__in=events).count()
    deleted["events"] = events.delete()[1].get("events.Event", 0)
    deleted["event_registrations"] = registrations
    return deleted
