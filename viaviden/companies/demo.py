"""Synthetic demo data for the company work space (needs, referrals, contact log, hand-overs), made
through the real services so every need has its history and deadlines. Called by the foundation's demo
generator (viaviden/demo/loader.py) after the synthetic companies and matches exist.

Everything is marked synthetic (Need.is_synthetic, ContactEntry.is_synthetic) and deleted with
`demo_workspace_delete`. Dates are moved back after creation so the lists show overdue requests,
due-soon reminders and upcoming next steps relative to today."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from viaviden.core.workdays import add_working_days
from viaviden.organisations.models import Organisation, Service, User
from viaviden.reference.models import EducationLevel, MatchType

from .contact_services import contact_create, handover_accept, handover_create
from .models import Company, ContactEntry, Handover, Need, NeedEvent, Referral
from .need_services import need_answer_with_match, need_close, need_create
from .referral_services import referral_accept, referral_ask, referral_create, referral_decline

# (title, tasks, match type codes, level codes) — fictional but typical requests (seed 5.1.2, 5.2.1).
NEEDS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Markedsføring på sociale medier", "Vi vil gerne blive synlige på sociale medier og have en plan for "
     "opslag, annoncer og måling af effekten.", ("student_job", "student_project"), ("KVU", "MVU")),
    ("IT-support og netværk", "Vores netværk, servere og brugeradministration skal have et eftersyn, og vi "
     "mangler én til den daglige IT-drift.", ("student_internship", "ordinary_job"), ()),
    ("Digital produktionsplanlægning", "Vi vil digitalisere planlægningen i produktionen og få data ud af "
     "maskinerne.", ("student_project",), ("MVU", "LVU")),
    ("Eksport til Tyskland", "Vi overvejer at sælge vores produkter i Nordtyskland og har brug for en "
     "markedsanalyse.", ("student_project", "student_internship"), ()),
    ("Bogholder med flair for tal", "Vi skal have styr på budgetter, likviditet og månedsregnskab.",
     ("ordinary_job", "wage_subsidy"), ("KVU", "MVU")),
    ("Energioptimering af hallen", "Vores energiforbrug er steget meget; vi vil gerne have kortlagt "
     "besparelser og mulighed for solceller.", ("student_project",), ("MVU", "LVU")),
    ("Ny hjemmeside og webshop", "Vi vil have en ny hjemmeside med webshop og bedre placering på Google.",
     ("student_job", "company_internship"), ()),
    ("HR og rekruttering", "Vi vokser og har brug for hjælp til rekruttering, onboarding og "
     "personalehåndbog.", ("ordinary_job_vaekstpilot", "ordinary_job"), ("MVU", "LVU")),
    ("Logistik og lager", "Lageret skal optimeres, og vi vil gerne have bedre styr på indkøb og "
     "leverandører.", ("student_internship", "company_internship"), ("KVU",)),
    ("Dataanalyse af kundedata", "Vi har mange kundedata, men bruger dem ikke. Vi vil gerne have analyser "
     "og dashboards.", ("student_project", "student_job"), ("LVU",)),
    ("Produktudvikling", "Vi vil udvikle en ny version af vores maskine og har brug for en ingeniør.",
     ("ordinary_job_vaekstpilot",), ("MVU", "LVU")),
    ("Kommunikation og nyhedsbrev", "Vi vil fortælle bedre om det, vi laver — nyhedsbrev, cases og "
     "pressemeddelelser.", ("student_job",), ()),
)
TOPICS = ("Opfølgning på virksomhedsbesøg", "Behov for studentermedhjælp", "Rekruttering til nyt job",
          "Praktikplads til foråret", "Mulighed for løntilskud", "Interesse for projektbørs")
NEXT_STEPS = ("Sende forslag til kandidater", "Ringe op efter sommerferien", "Invitere til børsen",
              "Følge op på praktikaftale", "Sende oversigt over ordninger")
NO_MATCH_REASON = ("Vi har ikke fundet en kandidat med de ønskede kompetencer i denne omgang. Vi har sat "
                   "jer på listen til næste projektbørs og kontakter jer i god tid.")


@dataclass
class WorkspaceDemoResult:
    needs: int = 0
    referrals: int = 0
    contacts: int = 0
    handovers: int = 0


def _owner_user(users: dict[str, User], company: Company, student: bool) -> User | None:
    by_municipality = {"787": "thisted.konsulent", "851": "aalborg.leder", "860": "hjoerring.konsulent"}
    if company.municipality_id in by_municipality:
        return users.get(by_municipality[company.municipality_id])
    return users.get("ucn.erhverv" if student else "aalborg.konsulent")


def _backdate_need(need: Need, days: int) -> None:
    """Move a need's creation, request and history `days` back; the deadline follows in working days."""
    delta = dt.timedelta(days=days)
    fields = {"created_at": F("created_at") - delta}
    if need.requested_at is not None:
        requested = need.requested_at - delta
        fields |= {"requested_at": requested, "answer_due": add_working_days(timezone.localdate(requested), 10)}
    Need.objects.filter(pk=need.pk).update(**fields, is_synthetic=True)
    NeedEvent.objects.filter(need=need).update(at=F("at") - delta)
    for referral in Referral.objects.filter(need=need):
        sent = referral.created_at - delta
        Referral.objects.filter(pk=referral.pk).update(created_at=sent, due=add_working_days(sent.date(), 10))


def demo_workspace_load(*, users: dict[str, User], companies: list[Company], rng: random.Random) -> WorkspaceDemoResult:
    result = WorkspaceDemoResult()
    if not users or not companies:
        return result
    types = {t.code: t for t in MatchType.objects.all()}
    levels = {lv.code: lv for lv in EducationLevel.objects.all()}
    services = {s.slug: s for s in Service.objects.filter(active=True).select_related("organisation")}
    receivers = {"central-matchningsenhed": "cme.konsulent", "rekrutteringsservice": "aka.rekruttering",
                 "aau-kontaktpunkt": "aau.karriere", "ucn-kontaktpunkt": "ucn.erhverv"}
    picked = rng.sample(companies, min(36, len(companies)))
    # Needs in every state: new, overdue, referred (sent/question/accepted/declined), matched, closed.
    for i, company in enumerate(picked):
        title, tasks, type_codes, level_codes = NEEDS[i % len(NEEDS)]
        student = any(types[c].group == "student_collaboration" for c in type_codes)
        owner = _owner_user(users, company, student)
        if owner is None:
            continue
        need = need_create(user=owner, company=company, title=title, tasks=tasks,
                           match_types=[types[c] for c in type_codes], education_levels=[levels[c] for c in level_codes],
                           recognised=i % 5 != 0, time_frame=rng.choice(("Snarest", "Efter sommerferien", "Foråret")),
                           place_municipality=company.municipality)
        result.needs += 1
        state = i % 6
        if state in (1, 2, 3):
            slug = rng.choice([s for s in receivers if s in services and services[s].organisation_id != owner.organisation_id])
            referral = referral_create(user=owner, need=need, service=services[slug],
                                       message="Virksomheden ønsker hurtig kontakt (syntetisk demo).")
            result.referrals += 1
            receiver = users.get(receivers[slug])
            if receiver is not None and state == 2:
                referral_accept(user=receiver, referral=referral, version=referral.version)
            elif receiver is not None and state == 3:
                if (i // 6) % 2:
                    referral_ask(user=receiver, referral=referral, version=referral.version,
                                 question="Hvornår kan virksomheden tage imod en studerende?")
                else:
                    alternative = next(s for k, s in services.items() if k in receivers and k != slug)
                    referral_decline(user=receiver, referral=referral, version=referral.version,
                                     reason="Vi har ikke kandidater med den profil lige nu.",
                                     alternative_service=alternative)
        elif state == 4:
            match = company.matches.filter(need__isnull=True).order_by("-start_date").first()
            if match is not None:
                company.matches.filter(pk=match.pk).update(need=need)
                need_answer_with_match(need=need, match=match, user=owner)
        elif state == 5 and (i // 6) % 2:
            need.refresh_from_db()
            need_close(user=owner, need=need, answer=Need.Answer.NO_MATCH, answer_note=NO_MATCH_REASON,
                       version=need.version)
        _backdate_need(need, days=rng.choice((1, 3, 8, 15, 20, 30)))

    # The contact log: entries from several partners, some next steps overdue, some coming up.
    authors = [u for u in users.values() if u.organisation_id and not u.sees_everything and not u.aggregates_only]
    today = timezone.localdate()
    contact_ids = []
    for i, company in enumerate(rng.sample(companies, min(60, len(companies)))):
        author = authors[i % len(authors)]
        has_step = i % 3 != 0
        entry = contact_create(
            user=author, company=company, contact_date=today - dt.timedelta(days=rng.randint(0, 40)),
            channel=rng.choice(ContactEntry.Channel.values), topic=rng.choice(TOPICS),
            note="Syntetisk note: talte med den daglige leder om behovet." if i % 4 == 0 else
            "Syntetisk note: virksomheden vil gerne høre mere om studentersamarbejde.",
            mentions_person=i % 4 == 0,
            next_step=rng.choice(NEXT_STEPS) if has_step else "",
            next_step_due=today + dt.timedelta(days=rng.randint(1, 21)) if has_step else None,
        )
        if has_step and i % 5 == 0:  # overdue: the step was due last week
            ContactEntry.objects.filter(pk=entry.pk).update(next_step_due=today - dt.timedelta(days=5))
        contact_ids.append(entry.pk)
    result.contacts = ContactEntry.objects.filter(pk__in=contact_ids).update(is_synthetic=True)

    # Hand-overs: a university passes a lead to a business office (pending), and one that was accepted.
    pairs = (("aau.karriere", "erhvervskontor-aalborg", False), ("ucn.erhverv", "jobcenter-hjoerring", True))
    for sender_name, receiver_slug, accept in pairs:
        sender = users.get(sender_name)
        receiver_org = Organisation.objects.filter(slug=receiver_slug).first()
        if sender is None or receiver_org is None:
            continue
        company = rng.choice(companies)
        handover = handover_create(
            user=sender, company=company, to_organisation=receiver_org,
            message="Studieprojektet sluttede godt, og virksomheden vil gerne ansætte. Kan I tage over? (syntetisk)")
        result.handovers += 1
        receiver = next((u for u in users.values() if u.organisation_id == receiver_org.pk), None)
        if accept and receiver is not None:
            handover_accept(user=receiver, handover=handover, version=handover.version)
    return result


def demo_workspace_delete() -> dict[str, int]:
    """Delete the synthetic work-space rows (before the synthetic companies they point to)."""
    needs = Need.objects.filter(is_synthetic=True)
    deleted = {
        "referrals": Referral.objects.filter(need__in=needs).delete()[0],
        "handovers": Handover.objects.filter(company__is_synthetic=True).delete()[0],
        "contacts": ContactEntry.objects.filter(is_synthetic=True).delete()[0],
    }
    # The matches that answered these needs stay: Match.need is SET_NULL.
    deleted["needs"] = needs.delete()[1].get("companies.Need", 0)
    return deleted
