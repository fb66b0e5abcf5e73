"""Synthetic demo data for Nordjysk Vækstpilot, made through the real services so every pilot has its queue
number, months, payments, match and follow-ups. Called by the foundation's demo generator
(viaviden/core/demo.py) after the synthetic companies exist.

Everything is fictional and marked synthetic (Application.is_synthetic; the matches it registers are
synthetic too); `demo_vaekstpilot_delete` removes it. No person names are stored."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from viaviden.companies.models import Company
from viaviden.organisations.models import User
from viaviden.reference.models import EducationLevel

from .calculation import days_in_month, round_half_up
from .models import Application, FollowUp, PaymentList, PilotMonth
from .services import (
    ApplicationData,
    application_create,
    application_decide_exception,
    application_request_exception,
    application_terminate,
    current_rule,
    follow_up_record,
    month_approve,
    month_report,
    payment_list_create,
)

# (education, institution, level) — typical graduates of the region's programmes.
EDUCATIONS = (
    ("Datamatiker", "UCN", "KVU"), ("Markedsføringsøkonom", "UCN", "KVU"), ("Produktionsteknolog", "UCN", "KVU"),
    ("Bygningskonstruktør", "UCN", "MVU"), ("Maskiningeniør", "AAU", "MVU"), ("Finansbachelor", "UCN", "MVU"),
    ("Cand.merc.", "AAU", "LVU"), ("Cand.it.", "AAU", "LVU"), ("Cand.polyt. i energiteknik", "AAU", "LVU"),
)
TASKS = (
    "Digital markedsføring og salg til nye kunder i Tyskland.",
    "Automatisering af produktionen og opsamling af maskindata.",
    "Ny webshop og bedre synlighed på nettet.",
    "Energioptimering af produktionen og dokumentation til kunderne.",
    "Styr på økonomi, budgetter og likviditet, så virksomheden kan vokse.",
    "Udvikling af en ny version af virksomhedens hovedprodukt.",
)
# Who applies on the company's behalf (demo users of core/demo.py), and who decides.
APPLICANTS = ("thisted.konsulent", "aalborg.leder", "hjoerring.konsulent", "aka.rekruttering")
DECIDERS = ("erhvervshus.leder", "koordinator")
OUTCOMES = (FollowUp.Outcome.SAME_COMPANY,) * 7 + (FollowUp.Outcome.OTHER_COMPANY, FollowUp.Outcome.NOT_EMPLOYED)


@dataclass
class VaekstpilotDemoResult:
    applications: int = 0
    started: int = 0
    payment_lists: int = 0


def demo_vaekstpilot_load(*, users: dict[str, User], companies: list[Company],
                          rng: random.Random) -> VaekstpilotDemoResult:
    result = VaekstpilotDemoResult()
    rule = current_rule()
    applicants = [users[u] for u in APPLICANTS if u in users]
    decider = next((users[u] for u in DECIDERS if u in users), None)
    if rule is None or not applicants or decider is None or not companies:
        return result
    levels = {lv.code: lv for lv in EducationLevel.objects.all()}
    picked = rng.sample(companies, min(12, len(companies)))
    for i, company in enumerate(picked):
        education, institution, level = EDUCATIONS[i % len(EDUCATIONS)]
        # Spread over the three project years; every third starts mid-month (part months).
        start = dt.date(2020 + i % 3, rng.choice((9, 10, 11, 2, 3)), 15 if i % 3 == 0 else 1)
        start = start.replace(year=start.year + (1 if start.month < 7 else 0))
        if not rule.covers(start):
            continue
        wage = rng.randrange(2_800_000, 3_900_001, 50_000)
        graduated = start - dt.timedelta(days=rng.randrange(30, 150))
        unemployed = graduated + dt.timedelta(days=rng.randrange(1, 20))
        if i == 5:
            unemployed = start - dt.timedelta(days=220)  # over 6 months: entitled to wage subsidy
        user = applicants[i % len(applicants)]
        with transaction.atomic():
            app = application_create(user=user, is_synthetic=True, data=ApplicationData(
                company=company, workplace_municipality=company.municipality, company_is_private=True,
                growth_task=TASKS[i % len(TASKS)], contact_name="Syntetisk Kontaktperson",
                contact_email=f"kontakt{i}@virksomhed.demo.invalid", education=education, institution=institution,
                education_level=levels[level], graduation_date=graduated, unemployment_start=min(unemployed, start),
                monthly_wage_ore=wage, start_date=start,
            ))
            result.applications += 1
            if app.status == Application.Status.INELIGIBLE:
                app = application_request_exception(
                    user=user, application=app, version=app.version,
                    justification="Virksomheden har ikke råd til løntilskudsforløbet, og opgaven haster (syntetisk).")
                if i % 2 == 0:
                    application_decide_exception(user=decider, application=app, approve=True, version=app.version)
                continue
            if app.status != Application.Status.GRANTED or i % 6 == 4:
                continue  # some stay granted, not yet started
            result.started += 1
            if i % 7 == 3:  # the employment ended early, in the third month
                third = app.months.order_by("month")[2]
                app = application_terminate(user=user, application=app, last_day=third.period_start,
                                            reason="Vækstpiloten fik job i en anden virksomhed (syntetisk).",
                                            version=app.version)
            for n, month in enumerate(app.months.filter(status=PilotMonth.Status.PENDING).order_by("month")):
                paid = round_half_up(wage * month.days, days_in_month(month.month))
                if n == 2 and i % 4 == 1:
                    paid += 150_000  # a pay rise in the third month
                month_report(application=app, month_id=month.pk, wage_ore=paid, employment_confirmed=True,
                             by_company=True)
                month_approve(user=decider, month=month)
            for fu in app.follow_ups.order_by("due_date"):
                follow_up_record(follow_up=fu, outcome=OUTCOMES[rng.randrange(len(OUTCOMES))], user=user)
    if PilotMonth.objects.filter(status=PilotMonth.Status.APPROVED, application__is_synthetic=True).exists():
        payment_list_create(user=decider)
        result.payment_lists += 1
    return result


@transaction.atomic
def demo_vaekstpilot_delete() -> dict[str, int]:
    """Delete synthetic applications (with their months, follow-ups and history) and payment lists left empty."""
    deleted = Application.objects.filter(is_synthetic=True).delete()[1].get("vaekstpilot.Application", 0)
    lists = PaymentList.objects.annotate(n=Count("months")).filter(n=0).delete()[0]
    return {"vaekstpilot_applications": deleted, "vaekstpilot_payment_lists": lists}
