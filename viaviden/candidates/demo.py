"""Synthetic demo candidates (SPEC 3.3): profiles created by partner staff on the persons' behalf through
`candidate_create_by_partner`, each with the consents the (fictional) person gave — all to matching, about
half also to sharing their name — so the suggestion pages of the demo's company needs have candidates to show.

The competences are written around the kinds of tasks the demo needs ask for (viaviden/companies/demo.py), the
programmes come from the loaded competence guides, and the home municipalities are spread over the region.
Called by the demo generator (viaviden/demo/loader.py); `demo_candidates_delete` removes them again."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from viaviden.organisations.models import User
from viaviden.reference.models import Municipality

from .models import Candidate, Consent, StudyProgramme
from .services import candidate_create_by_partner

FIRST_NAMES = ("Mette", "Søren", "Anne", "Jens", "Louise", "Mads", "Camilla", "Rasmus", "Sofie", "Frederik", "Ida",
               "Mikkel", "Line", "Kasper", "Nanna", "Jonas", "Signe", "Anders", "Maja", "Emil", "Freja", "Oliver")
# (competences, experience, programme slug words that fit) — one per kind of need in the demo work space.
PROFILES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Markedsføring på sociale medier, annoncer, opslag og måling af effekten; content og kampagner.",
     "Har lavet opslag og annoncer for en lokal forening.", ("markedsfoering", "kommunikation", "multimedie")),
    ("IT-support, netværk, servere, brugeradministration og daglig IT-drift.",
     "Studiejob i en IT-afdeling med support og drift.", ("it-", "datamatiker", "datalogi", "software")),
    ("Digitalisering af produktion, produktionsplanlægning, maskindata og automation.",
     "Praktik i en produktionsvirksomhed med planlægning.", ("produktion", "automation", "maskin")),
    ("Eksport, markedsanalyse, international handel og salg til Tyskland; taler tysk.",
     "Projekt om eksport til Nordtyskland.", ("international", "handel", "merc", "oekonom")),
    ("Bogholderi, budgetter, likviditet, månedsregnskab og økonomistyring.",
     "Studiejob som bogholder i en mindre virksomhed.", ("finans", "oekonom", "merc", "revision")),
    ("Energioptimering, energiforbrug, kortlægning af besparelser og solceller.",
     "Bachelorprojekt om energibesparelser i en produktionshal.", ("energi", "bygning", "maskin")),
    ("Hjemmeside, webshop, webudvikling og søgemaskineoptimering (placering på Google).",
     "Har bygget webshops som freelancer.", ("web", "datamatiker", "multimedie", "software")),
    ("HR, rekruttering, onboarding, personalehåndbog og ledelse.",
     "Praktik i en HR-afdeling.", ("hr", "psykologi", "ledelse", "merc")),
    ("Logistik, lager, lageroptimering, indkøb og leverandører.",
     "Studiejob på et lager med indkøb.", ("logistik", "oekonom", "produktion")),
    ("Dataanalyse af kundedata, analyser, dashboards og statistik.",
     "Projekt med dashboards over salgsdata.", ("data", "datalogi", "statistik", "oekonomi")),
    ("Produktudvikling, ingeniørarbejde, konstruktion og ny version af maskiner.",
     "Speciale om produktudvikling i en maskinfabrik.", ("maskin", "produkt", "ingenioer", "polyt")),
    ("Kommunikation, nyhedsbrev, cases, pressemeddelelser og tekstforfatning.",
     "Redaktør på et studenterblad.", ("kommunikation", "dansk", "journal", "medie")),
)
AUTHORS = ("aau.karriere", "ucn.erhverv", "aka.rekruttering", "aalborg.konsulent", "hjoerring.konsulent")
PER_PROFILE = 6


def _programme_for(rng: random.Random, programmes: list[StudyProgramme], words: tuple[str, ...]) -> StudyProgramme:
    fitting = [p for p in programmes if any(w in p.slug for w in words)]
    return rng.choice(fitting or programmes)


def demo_candidates_load(*, users: dict[str, User], rng: random.Random) -> int:
    """Create the synthetic candidates; returns how many. Skipped when no partner user or programme exists."""
    authors = [users[u] for u in AUTHORS if u in users]
    programmes = list(StudyProgramme.objects.filter(active=True).select_related("level").order_by("slug"))
    municipalities = list(Municipality.objects.filter(in_region=True).order_by("code"))
    if not authors or not programmes or not municipalities:
        return 0
    today = timezone.localdate()
    aalborg = next((m for m in municipalities if m.code == "851"), None)
    kinds = (Candidate.Kind.STUDENT, Candidate.Kind.GRADUATE, Candidate.Kind.UNEMPLOYED, Candidate.Kind.EMPLOYED)
    created: list[int] = []
    for i in range(PER_PROFILE * len(PROFILES)):
        competences, experience, words = PROFILES[i % len(PROFILES)]
        programme = _programme_for(rng, programmes, words)
        kind = kinds[i % len(kinds)]
        home = aalborg if i % 3 == 0 and aalborg is not None else rng.choice(municipalities)
        purposes = [Consent.Purpose.MATCHING]
        if i % 2 == 0:
            purposes.append(Consent.Purpose.SHARING)
        if i % 3 == 0:
            purposes.append(Consent.Purpose.COMPANY_CONTACT)
        candidate = candidate_create_by_partner(
            user=authors[i % len(authors)],
            data={
                "email": f"demo.kandidat.{i + 1}@demo.invalid", "name": f"{rng.choice(FIRST_NAMES)} Syntetisk",
                "kind": kind, "programme": programme, "institution": programme.institution,
                "competences": competences, "experience": experience,
                "expected_graduation": today + dt.timedelta(days=rng.randint(60, 400))
                if kind == Candidate.Kind.STUDENT else None,
                "available_from": today + dt.timedelta(days=rng.choice((0, 0, 14, 30, 60))),
                "home_municipality": home, "max_travel_minutes": rng.choice((45, 60, 90, 120)),
                "willing_to_move": i % 4 == 0,
            },
            consents=purposes, consent_method="mundtligt ved samtale",
            consent_date=today - dt.timedelta(days=rng.randint(0, 90)),
        )
        created.append(candidate.pk)
    Candidate.objects.filter(pk__in=created).update(is_synthetic=True)
    return len(created)


def demo_candidates_delete() -> int:
    """Delete the synthetic candidates (with their consents and shortlist entries)."""
    return Candidate.objects.filter(is_synthetic=True).delete()[1].get("candidates.Candidate", 0)
