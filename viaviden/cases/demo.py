"""Synthetic demo cases for the case platform, made through the real services (draft → review → published,
with the recorded consent of every synthetic person shown), so the public list, the facets, the coverage
report and the search index look as they would in use. Some partners are left without a case, so the
coverage report has something to say, and a few cases stay in draft or review.

Every case is marked `is_synthetic`; the companies and people in them are fictional. Called by the
foundation's demo generator (viaviden/demo/loader.py); `demo_cases_delete` removes them again."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from viaviden.candidates.models import StudyProgramme, TaskArea
from viaviden.matches.models import Programme
from viaviden.organisations.models import User
from viaviden.reference.models import Industry, MatchType, Municipality, SizeClass

from .models import Case, CasePerson, Tag
from .search import bump_generation
from .services import CaseData, ImageData, case_create, case_person_add, case_publish, case_submit

IMAGES = {
    "vaerksted": "Tegning af et værksted med en arbejdsbænk",
    "kontor": "Tegning af et kontor med to skriveborde",
    "energi": "Tegning af en sol over et tag med solceller",
    "havn": "Tegning af en havn med et skib",
}


@dataclass(frozen=True)
class DemoCase:
    author: str  # demo username
    title: str
    summary: str
    body: str
    kind: str
    municipality: str
    industry: str
    size: str
    match_type: str
    programmes: tuple[str, ...]
    task_areas: tuple[str, ...]
    benefits: tuple[str, ...]
    audiences: tuple[str, ...]
    tags: tuple[str, ...]
    image: str
    person: tuple[str, str]  # (name, role)
    status: str = "published"


CASES: tuple[DemoCase, ...] = (
    DemoCase("ucn.erhverv", "Markedsføringsøkonom gav smedjen i {place} nye kunder",
             "En studiepraktikant fra UCN fik en lille smedje på de sociale medier – og blev ansat bagefter.",
             "{company} havde aldrig haft en akademiker ansat. Indehaveren troede ikke, at markedsføring "
             "var noget for en smedje.\n\nPraktikanten lavede en plan for opslag, film fra værkstedet og annoncer "
             "målrettet landbruget. Efter et halvt år kom hver femte nye kunde via Facebook.\n\n«Jeg havde ikke "
             "forestillet mig, hvad en markedsføringsøkonom kunne gøre for os,» siger indehaveren.",
             "article", "787", "C", "small", "student_internship", ("markedsfoeringsoekonom-ucn",),
             ("markedsfoering", "sociale-medier"), ("growth", "recruitment"), ("companies", "students"),
             ("sociale medier", "første akademiker"), "vaerksted",
             ("Syntetisk Sofie Dimittend", "markedsføringsøkonom")),
    DemoCase("aau.karriere", "Energiingeniør halverede bageriets elregning",
             "Et studieprojekt fra AAU kortlagde energiforbruget i et bageri i {place} og fandt store besparelser.",
             "Ovnene kørte på de dyreste timer. To studerende målte forbruget i tre uger og foreslog at flytte "
             "bagningen og lægge solceller på taget.\n\nBageriet sparer nu omkring halvdelen af elregningen og har "
             "ansat den ene studerende i et studiejob.",
             "one_pager", "860", "C", "micro", "student_project", ("energiteknik-aau",), ("energi-og-klima",),
             ("sustainability", "efficiency"), ("companies", "students"), ("grøn omstilling",), "energi",
             ("Syntetisk Mads Studerende", "kandidatstuderende i energiteknik")),
    DemoCase("thisted.konsulent", "Datamatiker byggede webshop til tømrerfirmaet",
             "Et studiejob blev til fast ansættelse, da tømreren begyndte at sælge tagvinduer på nettet.",
             "Erhvervskontoret i Thisted satte tømrerfirmaet i forbindelse med UCN. Datamatikeren byggede en "
             "webshop og koblede den til lagersystemet.\n\nI dag står webshoppen for en fjerdedel af omsætningen.",
             "article", "787", "F", "small", "student_job", ("datamatiker-ucn",), ("softwareudvikling",),
             ("digitalisation", "growth"), ("companies", "graduates"), ("digitalisering", "webshop"), "kontor",
             ("Syntetisk Jonas Datamatiker", "datamatiker, nu fastansat")),
    DemoCase("hjoerring.konsulent", "Ledig cand.merc. fik eksporten til Tyskland i gang",
             "Med løntilskud fik en produktionsvirksomhed i {place} hjælp til sit første eksportmarked.",
             "Virksomheden havde længe talt om Nordtyskland. Jobcentret foreslog en ledig kandidat med erfaring fra "
             "international handel.\n\nEfter et halvt år med løntilskud var der tre faste kunder i Schleswig-Holstein,"
             " og kandidaten blev ansat.",
             "article", "860", "C", "medium", "wage_subsidy", ("cand-merc-international-business-aau",),
             ("eksport-og-internationalisering", "salg"), ("markets", "growth"), ("companies", "partner_staff"),
             ("eksport",), "havn", ("Syntetisk Anna Kandidat", "cand.merc. i international business")),
    DemoCase("aalborg.konsulent", "Vækstpilot: første akademiker i vognmandsforretningen",
             "En logistikøkonom planlægger nu ruterne – og vognmanden sparer kørsel og tid.",
             "Med Nordjysk Vækstpilot fik vognmanden tilskud til at ansætte sin første højtuddannede. Logistik"
             "økonomen lagde ruterne om og indførte digital planlægning.\n\nKørslen faldt med hver tiende kilometer.",
             "article", "851", "H", "small", "ordinary_job_vaekstpilot", ("logistikoekonom-ucn",),
             ("logistik-og-indkoeb",), ("efficiency", "recruitment"), ("companies",), ("vækstpilot",), "havn",
             ("Syntetisk Peter Logistikøkonom", "logistikøkonom")),
    DemoCase("aka.rekruttering", "Rekrutteringsservice fandt HR-konsulent til voksende it-firma",
             "Akademikernes Rekrutteringsservice hjalp et it-firma i {place} med deres første HR-ansættelse.",
             "Firmaet var vokset fra 8 til 30 ansatte på to år. Rekrutteringsservice skrev jobopslaget og udvalgte "
             "kandidater.\n\nDen nye HR-konsulent har lavet personalehåndbog og onboarding.",
             "social", "851", "J", "small", "ordinary_job", ("psykologi-aau",), ("hr-og-ledelse",),
             ("competences",), ("companies", "graduates"), ("rekruttering",), "kontor",
             ("Syntetisk Louise HR-konsulent", "cand.psych., HR-konsulent")),
    DemoCase("ucn.erhverv", "Produktionsteknolog automatiserede pakkelinjen",
             "En virksomhedspraktik blev begyndelsen på en automatiseret pakkelinje i {place}.",
             "Praktikanten kortlagde flaskehalse og programmerede en robot til pakningen.\n\nFejlene faldt, og "
             "virksomheden har nu to produktionsteknologer.",
             "article", "813", "C", "medium", "company_internship", ("produktionsteknolog-ucn",),
             ("automation", "produktion-og-ingenioerarbejde"), ("efficiency", "innovation"), ("companies",),
             ("automatisering",), "vaerksted", ("Syntetisk Ali Teknolog", "produktionsteknolog")),
    DemoCase("aau.karriere", "Dataanalyse gav hotellet flere gæster uden for sæsonen",
             "Et studieprojekt i data science fandt mønstre i bookingerne hos et hotel i {place}.",
             "De studerende samkørte bookinger, vejr og færgetider. Hotellet flyttede sine kampagner til de uger, "
             "hvor gæsterne faktisk bestiller.",
             "one_pager", "825", "I", "micro", "student_project", ("data-science-aau",),
             ("data-og-analyse", "turisme-og-oplevelser"), ("growth", "digitalisation"), ("students", "companies"),
             ("turisme",), "havn", ("Syntetisk Emma Studerende", "studerende i data science"), status="review"),
    DemoCase("thisted.konsulent", "Bygningskonstruktør tegner nu for entreprenøren",
             "En kladde om en entreprenør i {place}, der ansatte en bygningskonstruktør fra UCN.",
             "Historien er ved at blive skrevet.", "article", "787", "F", "small", "ordinary_job",
             ("bygningskonstruktoer-ucn",), ("byggeri",), ("competences",), ("students",), (), "vaerksted",
             ("Syntetisk Karin Konstruktør", "bygningskonstruktør"), status="draft"),
)


# How a case names its company's line of business (DB07 section), so the text is about the company it belongs to.
INDUSTRY_WORDS = {
    "A": "landbrugs- og fiskerivirksomhed", "C": "produktionsvirksomhed", "D": "energivirksomhed",
    "E": "forsyningsvirksomhed", "F": "byggevirksomhed", "G": "handelsvirksomhed", "H": "transportvirksomhed",
    "I": "hotel- og restaurationsvirksomhed", "J": "it-virksomhed", "K": "finansvirksomhed",
    "L": "ejendomsvirksomhed", "M": "rådgivningsvirksomhed", "N": "servicevirksomhed", "P": "uddannelsesvirksomhed",
    "Q": "sundhedsvirksomhed", "R": "kultur- og fritidsvirksomhed", "S": "servicevirksomhed",
}


def _company_for(spec: DemoCase, companies: list, rng: random.Random):
    """A synthetic company in the case's line of business, in its municipality when there is one."""
    same = [c for c in companies if c.industry_id == spec.industry]
    local = [c for c in same if c.municipality_id == spec.municipality]
    return rng.choice(local or same) if same else None


def _text(template: str, company, municipality: Municipality) -> str:
    return template.replace("{company}", company.name if company else "Virksomheden").replace(
        "{place}", municipality.name)


def _data(spec: DemoCase, company) -> CaseData:
    municipality = company.municipality if company else Municipality.objects.get(pk=spec.municipality)
    industry = company.industry if company else Industry.objects.get(pk=spec.industry)
    intro = (f"{company.name} er en {INDUSTRY_WORDS.get(industry.code, 'virksomhed')} i {municipality.name}.\n\n"
             if company else "")
    return CaseData(
        title=_text(spec.title, company, municipality), summary=_text(spec.summary, company, municipality),
        body=intro + _text(spec.body, company, municipality), kind=spec.kind,
        company=company, company_name=company.name if company else "Syntetisk virksomhed",
        municipality=municipality, industry=industry,
        size_class=company.size_class if company and company.size_class_id else SizeClass.objects.get(pk=spec.size),
        match_type=MatchType.objects.get(pk=spec.match_type),
        programmes=list(StudyProgramme.objects.select_related("level").filter(slug__in=spec.programmes)),
        task_areas=list(TaskArea.objects.filter(slug__in=spec.task_areas)), benefits=list(spec.benefits),
        audiences=list(spec.audiences), tags=list(spec.tags),
        images=[ImageData(url=f"/static/cases/demo/{spec.image}.svg", alt_text=IMAGES[spec.image],
                          caption="Illustration (syntetiske demodata)")],
    )


def demo_cases_load(*, users: dict[str, User], companies: list, rng: random.Random) -> dict[str, int]:
    """Create the synthetic cases; authors and reviewer are demo users (skipped when one is missing)."""
    reviewer = users.get("koordinator")
    created = {"cases": 0, "published": 0}
    if reviewer is None:
        return created
    for spec in CASES:
        author = users.get(spec.author)
        if author is None:
            continue
        company = _company_for(spec, companies, rng)
        case = case_create(user=author, data=_data(spec, company), is_synthetic=True)
        name, role = spec.person
        case_person_add(user=author, case=case, name=name, role=role, consent_method="written",
                        consent_note="Syntetisk demodata")
        created["cases"] += 1
        if spec.status in ("review", "published"):
            case = case_submit(user=author, case=case, version=None)
        if spec.status == "published":
            case_publish(user=reviewer, case=case, version=None, persons_confirmed=True)
            created["published"] += 1
    demo_cases_backdate(rng)
    return created


def demo_cases_backdate(rng: random.Random, *, today: dt.date | None = None) -> int:
    """Spread the synthetic cases' history over the past: the services stamp every step with the load time,
    so a report as of last week would show no case published. The published cases are published evenly from
    a month into the current programme period (the last year when there is none) to three days ago, each
    written one to three weeks before and submitted a few days before; drafts and cases in review were
    written in the last weeks. Returns the cases changed."""
    today = today or timezone.localdate()
    programme = Programme.objects.filter(is_current=True).first()
    first = programme.start_date + dt.timedelta(days=30) if programme and programme.start_date < today else None
    if first is None or first >= today - dt.timedelta(days=30):
        first = today - dt.timedelta(days=365)
    last = today - dt.timedelta(days=3)

    def at(day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    cases = list(Case.objects.filter(is_synthetic=True).order_by("id"))
    published = [c for c in cases if c.published_at is not None]
    for i, case in enumerate(published):
        day = first + dt.timedelta(days=round((last - first).days * (i + 0.5) / len(published)))
        case.published_at = at(day, 13)
        case.submitted_at = at(day - dt.timedelta(days=rng.randrange(1, 5)), 10)
        case.created_at = at(day - dt.timedelta(days=rng.randrange(7, 22)), 9)
    for case in cases:
        if case.published_at is None:
            case.created_at = at(today - dt.timedelta(days=rng.randrange(3, 21)), 9)
            if case.submitted_at is not None:
                case.submitted_at = at(today - dt.timedelta(days=rng.randrange(1, 3)), 10)
    Case.objects.bulk_update(cases, ["created_at", "submitted_at", "published_at"])
    persons = list(CasePerson.objects.filter(case__in=cases).select_related("case"))
    for person in persons:
        person.created_at = person.case.created_at
        if person.consent_recorded_at is not None:
            person.consent_recorded_at = person.case.created_at
    CasePerson.objects.bulk_update(persons, ["created_at", "consent_recorded_at"])
    return len(cases)


def demo_cases_delete() -> dict[str, int]:
    """Delete the synthetic cases (with their persons, images and index rows) and tags no case uses any more."""
    deleted = Case.objects.filter(is_synthetic=True).delete()[1].get("cases.Case", 0)
    tags = Tag.objects.annotate(n=Count("cases")).filter(n=0).delete()[0]
    bump_generation()
    return {"cases": deleted, "case_tags": tags}
