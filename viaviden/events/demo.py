"""Synthetic demo data for events (SPEC 3.4): events of every kind in several municipalities — held ones in
the programme period with sign-ups, attendance, activity registrations and answered follow-up surveys;
upcoming ones on the public calendar with seats taken and a waiting list; a draft and a cancelled one.

Called by the foundation's demo generator (viaviden/demo/loader.py) after users and companies exist.
Events are made through the services (so held events record their activity registrations as in real
use); sign-ups are bulk-created (no e-mail). Everything is marked synthetic and removed by
`demo_events_delete` (call it before the synthetic companies are deleted)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils import timezone

from viaviden.companies.models import Company
from viaviden.core.workdays import is_working_day
from viaviden.matches.models import ActivityRegistration, ActivityTarget, Programme
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import Municipality

from .bourse_services import CaseData, bourse_case_submit_staff, bourse_participant_register, bourse_preferences_set
from .models import (
    BOURSE_TYPES,
    CONSENT_TEXT_VERSION,
    BourseCase,
    BourseParticipant,
    Event,
    EventType,
    Registration,
    Survey,
)
from .services import EventData, event_create, event_mark_held, event_publish

FIRST_NAMES = ("Mette", "Søren", "Anne", "Jens", "Louise", "Mads", "Camilla", "Rasmus", "Sofie", "Frederik", "Ida",
               "Mikkel", "Line", "Kasper", "Nanna", "Jonas", "Signe", "Anders", "Maja", "Emil")
LAST_NAMES = ("Demosen", "Testrup", "Prøvesen", "Eksempelgaard", "Fiktivsen", "Syntetisk", "Pladsholder")
COMMENTS = ("Godt at møde virksomhederne ansigt til ansigt.", "Vi fik tre gode kontakter.",
            "Mere tid til netværk næste gang, tak.", "Spændende oplæg om studerendes projekter.",
            "Vi har allerede aftalt et praktikforløb.")

# (title, type, organiser slug, user, municipality code, place, audiences, target code, participants target code,
# month). Held events are in the last twelve months, in their month; "{season}" becomes "forår"/"efterår" and
# the year of the date, so no spring bourse lands in December.
HELD = (
    ("Projektbørs {season}", EventType.PROJECT_BOURSE, "ucn", "ucn.erhverv", "851", "UCN, Sofiendalsvej 60",
     ("companies", "students"), "ucn-bourses-held", None, 9),
    ("Talent Attraction: Karriere i Vendsyssel", EventType.TALENT_ATTRACTION, "akademikernes-a-kasse",
     "aka.rekruttering", "860", "Hjørring Bibliotek", ("companies", "graduates", "unemployed"),
     "aka-talent-attraction-events", "aka-talent-attraction-members", 10),
    ("Meet & Greet på AAU", EventType.MEET_AND_GREET, "aau", "aau.karriere", "851", "AAU, Fredrik Bajers Vej 7",
     ("companies", "students"), None, None, 11),
    ("Fyraftensmøde: Studerende som ressource", EventType.AFTER_WORK_MEETING, "erhvervskontor-thisted",
     "thisted.konsulent", "787", "Thisted Erhvervshus", ("companies",), None, None, 1),
    ("Jobmesse for højtuddannede", EventType.JOB_FAIR, "jobcenter-hjoerring", "hjoerring.konsulent", "860",
     "Jobcenter Hjørring", ("companies", "unemployed", "graduates"), None, None, 3),
    ("Jobsøgningsworkshop", EventType.JOB_SEARCH_COURSE, "jobcenter-aalborg", "aalborg.konsulent", "851",
     "Jobcenter Aalborg", ("unemployed",), None, "jca-job-search-offered", 4),
    ("Temadag for partnernes medarbejdere", EventType.THEME_DAY, "koordinationsgruppen", "koordinator", "846",
     "Hobro Idrætscenter", ("staff",), None, "theme-day-staff", 5),
    ("Morgenmøde om praktik", EventType.MORNING_MEETING, "ucn", "ucn.erhverv", "813", "UCN Frederikshavn",
     ("companies",), None, None, 6),
)
# (title, type, organiser slug, user, municipality code, place, audiences, capacity, month): the next time
# that month comes round (the bourses in their semester: internship bourse in February, student jobs in September).
UPCOMING = (
    ("Praktikbørs {season}", EventType.INTERNSHIP_BOURSE, "ucn", "ucn.erhverv", "851", "UCN, Sofiendalsvej 60",
     ("companies", "students"), 60, 2),
    ("Meet & Greet i Brønderslev", EventType.MEET_AND_GREET, "aau", "aau.karriere", "810", "Brønderslev Rådhus",
     ("companies", "students", "graduates"), 12, 1),
    ("Talent Attraction: Livet i Thy", EventType.TALENT_ATTRACTION, "akademikernes-a-kasse", "aka.rekruttering",
     "787", "Thisted Kulturhus", ("graduates", "unemployed"), 40, 3),
    ("Brobygning: Fra studie til job i Himmerland", EventType.BRIDGE_BUILDING, "koordinationsgruppen", "koordinator",
     "820", "Vesthimmerlands Gymnasium, Aars", ("students", "graduates"), None, 4),
    ("Studiejobbørs {season}", EventType.STUDENT_JOB_BOURSE, "aau", "aau.karriere", "851", "AAU, Kroghstræde 3",
     ("companies", "students"), 80, 9),
    ("Fyraftensmøde på Mors", EventType.AFTER_WORK_MEETING, "erhvervskontor-thisted", "thisted.konsulent", "773",
     "Nykøbing Mors Erhvervscenter", ("companies",), 25, 1),
)


def season_title(title: str, day: dt.date) -> str:
    """'Praktikbørs {season}' -> 'Praktikbørs forår 2027' (January–June is spring, July–December autumn)."""
    return title.replace("{season}", f"{'forår' if day.month <= 6 else 'efterår'} {day.year}")


def event_day(rng: random.Random, year: int, month: int) -> dt.date:
    """A working day in the month between the 3rd and the 24th: no weekend, no Danish public holiday, not
    Christmas Eve (core.workdays knows the holidays)."""
    while True:
        day = dt.date(year, month, rng.randint(3, 24))
        if is_working_day(day) and (day.month, day.day) != (12, 24):
            return day


def _month_before(today: dt.date, month: int) -> tuple[int, int]:
    """The latest (year, month) before today's month."""
    return (today.year, month) if month < today.month else (today.year - 1, month)


def _month_after(today: dt.date, month: int) -> tuple[int, int]:
    """The next (year, month) after today's month."""
    return (today.year, month) if month > today.month else (today.year + 1, month)


@dataclass
class EventsDemoResult:
    events: int = 0
    registrations: int = 0
    surveys: int = 0
    bourse_cases: int = 0
    bourse_participants: int = 0


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _data(spec, *, start: dt.datetime, hours: int, capacity: int | None, orgs, munis, targets) -> EventData:
    title, kind, org_slug, _user, muni, place, audiences = spec[:7]
    title = season_title(title, start.date())
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


# Bourse cases: (title, challenge) — what a company of the region typically brings to a bourse.
BOURSE_CASES = (
    ("Synlighed på sociale medier", "Vi vil nå nye kunder på sociale medier og vil gerne have en plan for opslag og "
     "annoncer."),
    ("Data fra produktionen", "Vores maskiner logger data, som ingen bruger. Hvad kan de fortælle os?"),
    ("Eksport til Tyskland", "Vi vil undersøge markedet i Nordtyskland for vores produkter."),
    ("Ny webshop", "Vi sælger kun over telefonen i dag og vil gerne have en webshop koblet til lageret."),
    ("Energiforbruget ned", "Vi vil kortlægge vores energiforbrug og finde besparelser."),
    ("Bedre lagerstyring", "Lageret vokser, og vi vil have styr på indkøb og leverandører."),
    ("Kundeanalyse", "Hvem er vores kunder, og hvorfor vælger de os? Vi vil gerne have en analyse."),
    ("Rekruttering af unge", "Vi har svært ved at tiltrække unge medarbejdere og vil gerne have nye ideer."),
)
BOURSE_KIND = {
    EventType.PROJECT_BOURSE: "project", EventType.INTERNSHIP_BOURSE: "internship",
    EventType.STUDENT_JOB_BOURSE: "student_job",
}


def _bourse(event: Event, user: User, rng: random.Random, companies: list[Company]) -> tuple[int, int]:
    """Published company cases, participants (individuals and groups) and their rankings, made through the
    bourse services, so the organiser can run the assignment at once."""
    cases = []
    for i, company in enumerate(rng.sample(companies, min(len(BOURSE_CASES), len(companies)))):
        title, challenge = BOURSE_CASES[i]
        capacity = rng.choice((2, 3, 4))
        cases.append(bourse_case_submit_staff(user=user, event=event, company=company, publish=True, data=CaseData(
            title=f"{title} hos {company.name}", challenge=f"{challenge} (Syntetisk demo-case.)",
            collaboration_kind=BOURSE_KIND[event.type], capacity=capacity, min_group_size=1,
            max_group_size=capacity, timing="Efter børsen", submitter_name="Syntetisk Kontaktperson",
            submitter_email=f"case.{event.pk}.{i}@demo.invalid")))
    levels = ("KVU", "MVU", "LVU") if event.organiser.slug == "aau" else ("KVU", "MVU")
    participants = []
    for i in range(20):
        size = 1 if i % 4 else rng.choice((2, 3))
        members = [{"name": _name(rng), "email": f"demo.studerende.{event.pk}.{i}.{m}@demo.invalid",
                    "level": rng.choice(levels)} for m in range(size)]
        participant = bourse_participant_register(
            event=event, kind=BourseParticipant.Kind.INDIVIDUAL if size == 1 else BourseParticipant.Kind.GROUP,
            name=f"Gruppe {i + 1}" if size > 1 else "", members=members, consent=True)
        fitting = [c.pk for c in cases if c.min_group_size <= size <= (c.max_group_size or c.capacity)]
        ranked = rng.sample(fitting, min(len(fitting), rng.randint(3, event.max_ranked_choices)))
        if ranked:
            bourse_preferences_set(participant=participant, case_ids=ranked)
        participants.append(participant.pk)
    BourseCase.objects.filter(pk__in=[c.pk for c in cases]).update(is_synthetic=True)
    BourseParticipant.objects.filter(pk__in=participants).update(is_synthetic=True)
    return len(cases), len(participants)


def demo_events_load(*, users: dict[str, User], companies: list[Company], rng: random.Random) -> EventsDemoResult:
    result = EventsDemoResult()
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__in={s[2] for s in HELD + UPCOMING})}
    munis = {m.code: m for m in Municipality.objects.all()}
    programme = Programme.objects.filter(is_current=True).first()
    # An event is linked only to a target measured by manual registrations (the form's rule); the targets
    # measured from events (events held, participants) count the demo's held events by type and organiser.
    targets = {t.code: t for t in ActivityTarget.objects.filter(
        programme=programme, measure=ActivityTarget.Measure.REGISTRATIONS)} if programme else {}
    companies = [c for c in companies if c.merged_into_id is None]
    if not users or not companies:
        return result

    # Held events in the last twelve months, each with sign-ups, attendance and answered surveys.
    today = timezone.localdate()
    for spec in HELD:
        user = users.get(spec[3])
        if user is None or spec[2] not in orgs:
            continue
        day = event_day(rng, *_month_before(today, spec[9]))
        start = _aware(day, 9 if spec[1] != EventType.AFTER_WORK_MEETING else 16)
        event = event_create(user=user, data=_data(spec[:9], start=start, hours=3, capacity=None, orgs=orgs, munis=munis,
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

    # Upcoming events on the public calendar; the small ones are full with a waiting list. The bourses get
    # company cases, participants and their rankings, ready for the organiser to run the assignment.
    for spec in UPCOMING:
        user = users.get(spec[3])
        if user is None or spec[2] not in orgs:
            continue
        capacity = spec[7]
        start = _aware(event_day(rng, *_month_after(today, spec[8])),
                       16 if spec[1] == EventType.AFTER_WORK_MEETING else 10)
        data = _data(spec[:7], start=start, hours=3, capacity=capacity, orgs=orgs, munis=munis, targets=targets)
        if spec[1] in BOURSE_TYPES:
            # Cases until three weeks before, rankings until two weeks before the bourse.
            data = replace(data, case_deadline=start - dt.timedelta(days=21),
                           preference_deadline=start - dt.timedelta(days=14))
        event = event_create(user=user, data=data)
        event = event_publish(user=user, event=event, version=event.version)
        Event.objects.filter(pk=event.pk).update(is_synthetic=True)
        full = capacity is not None and capacity <= 15
        n_people = capacity if full else rng.randint(3, 15)
        n_companies = 0 if full or not event.for_companies else rng.randint(2, 6)
        regs = _registrations(event, rng, companies, n_people=n_people, n_companies=n_companies, attended_share=None,
                              waitlisted=3 if full else 0)
        result.registrations += len(regs)
        result.events += 1
        if event.is_bourse:
            cases, participants = _bourse(event, user, rng, companies)
            result.bourse_cases += cases
            result.bourse_participants += participants

    # A draft and a cancelled event.
    ucn_user = users.get("ucn.erhverv")
    if ucn_user is not None and "ucn" in orgs:
        start = _aware(event_day(rng, *_month_after(today, (today.month + 1) % 12 + 1)), 10)
        draft = event_create(user=ucn_user, data=_data(
            ("Regionalt samarbejdsarrangement (kladde)", EventType.MEET_AND_GREET, "ucn", "", "860",
             "UCN Hjørring", ("companies", "students")), start=start, hours=4, capacity=100, orgs=orgs,
            munis=munis, targets=targets))
        cancelled = event_create(user=ucn_user, data=_data(
            ("Morgenmøde i Læsø (aflyst)", EventType.MORNING_MEETING, "ucn", "", "825", "Læsø Rådhus",
             ("companies",)), start=_aware(event_day(rng, *_month_after(today, today.month % 12 + 1)), 9), hours=2, capacity=20, orgs=orgs, munis=munis,
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
