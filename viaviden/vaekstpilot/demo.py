"""Synthetic demo data for Nordjysk Vækstpilot, made through the real services so every pilot has its queue
number, months, payments, match and follow-ups. Called by the foundation's demo generator
(viaviden/demo/loader.py) after the synthetic companies exist.

Everything is fictional and marked synthetic (Application.is_synthetic; the matches it registers are
synthetic too); `demo_vaekstpilot_delete` removes it. No person names are stored."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from viaviden.companies.models import Company
from viaviden.matches.models import Match, Programme
from viaviden.organisations.models import User
from viaviden.reference.models import EducationLevel

from .calculation import days_in_month, round_half_up
from .models import Application, ApplicationEvent, FollowUp, PaymentList, PilotMonth, Quota, SchemeRule
from .services import (
    ApplicationData,
    application_create,
    application_decide_exception,
    application_request_exception,
    application_start,
    application_terminate,
    follow_up_record,
    month_approve,
    month_report,
    payment_list_create,
    rule_for,
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
# Who applies on the company's behalf (demo users of demo/loader.py), and who decides.
APPLICANTS = ("thisted.konsulent", "aalborg.leder", "hjoerring.konsulent", "aka.rekruttering")
DECIDERS = ("erhvervshus.leder", "koordinator")
DEMO_RULE_SLUG = "nordjysk-vaekstpilot-syntetisk-demoperiode"
OUTCOMES = (FollowUp.Outcome.SAME_COMPANY,) * 7 + (FollowUp.Outcome.OTHER_COMPANY, FollowUp.Outcome.NOT_EMPLOYED)


@dataclass
class VaekstpilotDemoResult:
    applications: int = 0
    started: int = 0
    payment_lists: int = 0


def demo_scheme_rule_ensure(programme: Programme) -> SchemeRule | None:
    """The scheme's rule for the demo's synthetic programme period: a copy of the latest real rule, valid in
    that period, so pilots can be applied for and started in the demo today. Marked by its slug and name."""
    existing = SchemeRule.objects.filter(slug=DEMO_RULE_SLUG).first()
    if existing is not None:
        return existing
    model = SchemeRule.objects.exclude(slug=DEMO_RULE_SLUG).order_by("-valid_from").first()
    if model is None or SchemeRule.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=programme.start_date), valid_from__lte=programme.end_date
    ).exists():
        return None
    levels, municipalities = list(model.education_levels.all()), list(model.municipalities.all())
    rule = SchemeRule.objects.get(pk=model.pk)
    rule.pk = rule.id = None
    rule.slug, rule.name = DEMO_RULE_SLUG, f"Nordjysk Vækstpilot, syntetisk demoperiode ({programme.name})"
    rule.valid_from, rule.valid_to = programme.start_date, programme.end_date
    rule.save()
    rule.education_levels.set(levels)
    rule.municipalities.set(municipalities)
    return rule


def _start_dates(rng: random.Random, today: dt.date) -> list[tuple[dt.date, SchemeRule]]:
    """Twelve pilots over Vækst Via Viden 2.0's three project years, and seven in the demo's current period:
    most started, the last ones granted with a start date still to come (so a pilot can be started)."""
    days = []
    for i in range(12):
        # Spread over the three project years; every third starts mid-month (part months).
        start = dt.date(2020 + i % 3, rng.choice((9, 10, 11, 2, 3)), 15 if i % 3 == 0 else 1)
        days.append(start.replace(year=start.year + (1 if start.month < 7 else 0)))
    programme = Programme.objects.filter(is_current=True, is_synthetic=True).first()
    if programme is not None and demo_scheme_rule_ensure(programme) is not None:
        span = (today - programme.start_date).days
        for i in range(5):
            day = programme.start_date + dt.timedelta(days=round(span * (i + 0.5) / 5))
            days.append(day.replace(day=15 if i % 3 == 0 else 1))
        days += [today.replace(day=1) + dt.timedelta(days=32 * k) for k in (1, 2)]
        days[-2:] = [d.replace(day=1) for d in days[-2:]]
    return [(day, rule) for day in days if (rule := rule_for(day)) is not None]


def demo_vaekstpilot_load(*, users: dict[str, User], companies: list[Company],
                          rng: random.Random) -> VaekstpilotDemoResult:
    result = VaekstpilotDemoResult()
    applicants = [users[u] for u in APPLICANTS if u in users]
    decider = next((users[u] for u in DECIDERS if u in users), None)
    if not applicants or decider is None or not companies:
        return result
    today = timezone.localdate()
    levels = {lv.code: lv for lv in EducationLevel.objects.all()}
    dates = _start_dates(rng, today)
    picked = rng.sample(companies, min(len(dates), len(companies)))
    for i, (company, (start, _rule)) in enumerate(zip(picked, dates, strict=False)):
        education, institution, level = EDUCATIONS[i % len(EDUCATIONS)]
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
            if app.status != Application.Status.GRANTED or i % 6 == 4 or start > today:
                continue  # some stay granted, not yet started
            result.started += 1
            if app.months.order_by("month").first().period_end > today:
                # Started this month: nothing to report yet. Starting registers the pilot's match.
                application_start(user=user, application=app, version=app.version)
                continue
            third = app.months.order_by("month")[2]
            if i % 7 == 3 and third.period_end <= today:  # the employment ended early, in the third month
                app = application_terminate(user=user, application=app, last_day=third.period_start,
                                            reason="Vækstpiloten fik job i en anden virksomhed (syntetisk).",
                                            version=app.version)
            for n, month in enumerate(app.months.filter(status=PilotMonth.Status.PENDING, period_end__lte=today)
                                      .order_by("month")):
                paid = round_half_up(wage * month.days, days_in_month(month.month))
                if n == 2 and i % 4 == 1:
                    paid += 150_000  # a pay rise in the third month
                month_report(application=app, month_id=month.pk, wage_ore=paid, employment_confirmed=True,
                             by_company=True)
                month_approve(user=decider, month=month)
            for fu in app.follow_ups.filter(due_date__lte=today).order_by("due_date"):
                follow_up_record(follow_up=fu, outcome=OUTCOMES[rng.randrange(len(OUTCOMES))], user=user)
    if PilotMonth.objects.filter(status=PilotMonth.Status.APPROVED, application__is_synthetic=True).exists():
        payment_list_create(user=decider)
        result.payment_lists += 1
    demo_vaekstpilot_backdate(rng)
    return result


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def demo_vaekstpilot_backdate(rng: random.Random) -> int:
    """Give the synthetic applications a history in the past. The services stamp every step with the time
    the demo is loaded, so a report as of last week would show no grant at all; here every application is
    created and granted 2–8 weeks before its start (not before its rule's first day, never in the future),
    started on its start date, each month reported and approved a few days after it ended, follow-ups answered
    within a week of their date, the payment list made after its last approval, the pilot's match registered
    when it started, and the application's public history dated to match. Returns the applications changed."""
    now = timezone.now()

    def cap(moment: dt.datetime) -> dt.datetime:
        return min(moment, now)

    apps = Application.objects.filter(is_synthetic=True).select_related("scheme_rule").order_by("id")
    lists: dict[int, dt.datetime] = {}
    for app in apps:
        first = max(app.scheme_rule.valid_from, app.start_date - dt.timedelta(days=rng.randrange(14, 60)))
        created = cap(_at(first - dt.timedelta(days=rng.randrange(1, 6)), 9))
        decided = cap(_at(first, 14))
        times: dict[str, list[dt.datetime]] = {
            "created": [created], "submitted": [created], "confirmed": [created], "ineligible": [created],
            "exception_requested": [cap(created + dt.timedelta(days=1))], "exception_approved": [decided],
            "granted": [decided], "waiting": [decided],
        }
        app.created_at = created
        if app.exception_requested_at is not None:
            app.exception_requested_at = times["exception_requested"][0]
        if app.exception_decided_at is not None:
            app.exception_decided_at = decided
        if app.queued_at is not None:
            app.queued_at = decided
        if app.granted_at is not None:
            app.granted_at = decided
        if app.started_at is not None:
            app.started_at = cap(_at(app.start_date, 8))
            times["started"] = [app.started_at]
        months = list(app.months.exclude(reported_at__isnull=True).order_by("month"))
        for month in months:
            month.reported_at = cap(_at(month.period_end + dt.timedelta(days=2)))
            if month.approved_at is not None:
                month.approved_at = cap(_at(month.period_end + dt.timedelta(days=4)))
            if month.payment_list_id is not None:
                lists[month.payment_list_id] = max(lists.get(month.payment_list_id, month.approved_at),
                                                   month.approved_at)
        PilotMonth.objects.bulk_update(months, ["reported_at", "approved_at"])
        times["month_reported"] = [m.reported_at for m in months]
        times["month_approved"] = [m.approved_at for m in months if m.approved_at is not None]
        follow_ups = list(app.follow_ups.exclude(answered_at__isnull=True).order_by("due_date"))
        for fu in follow_ups:
            fu.answered_at = cap(_at(fu.due_date + dt.timedelta(days=rng.randrange(0, 7))))
        FollowUp.objects.bulk_update(follow_ups, ["answered_at"])
        times["follow_up"] = [fu.answered_at for fu in follow_ups]
        if app.closed_at is not None:
            ends = [m.approved_at for m in months if m.approved_at is not None]
            if app.terminated_on is not None:
                ends.append(_at(app.terminated_on + dt.timedelta(days=1)))
            app.closed_at = cap(max(ends)) if ends else decided
            times["completed"] = times["terminated"] = times["rejected"] = times["withdrawn"] = [app.closed_at]
        Application.objects.filter(pk=app.pk).update(
            created_at=app.created_at, exception_requested_at=app.exception_requested_at,
            exception_decided_at=app.exception_decided_at, queued_at=app.queued_at, granted_at=app.granted_at,
            started_at=app.started_at, closed_at=app.closed_at)
        if app.match_id is not None and app.started_at is not None:
            Match.objects.filter(pk=app.match_id).update(created_at=app.started_at)
        used: dict[str, int] = {}
        events = list(app.events.order_by("at", "id"))
        for event in events:
            moments = times.get(event.kind) or [now]
            n = used.get(event.kind, 0)
            used[event.kind] = n + 1
            event.at = moments[min(n, len(moments) - 1)]
        # The "paid" steps follow the payment lists (below).
        app.events.model.objects.bulk_update([e for e in events if e.kind != "paid"], ["at"])
    for list_id, last_approval in lists.items():
        made = cap(last_approval + dt.timedelta(days=1))
        PaymentList.objects.filter(pk=list_id).update(created_at=made)
        ApplicationEvent.objects.filter(kind="paid", application__months__payment_list_id=list_id,
                                        application__is_synthetic=True).update(at=made)
    return len(apps)


@transaction.atomic
def demo_vaekstpilot_delete() -> dict[str, int]:
    """Delete synthetic applications (with their months, follow-ups and history) and payment lists left empty."""
    deleted = Application.objects.filter(is_synthetic=True).delete()[1].get("vaekstpilot.Application", 0)
    lists = PaymentList.objects.annotate(n=Count("months")).filter(n=0).delete()[0]
    # The demo period's rule and quotas, unless real applications use them.
    synthetic = Programme.objects.filter(is_synthetic=True)
    if not Application.objects.filter(Q(programme__in=synthetic) | Q(scheme_rule__slug=DEMO_RULE_SLUG)).exists():
        Quota.objects.filter(programme__in=synthetic).delete()
        SchemeRule.objects.filter(slug=DEMO_RULE_SLUG).delete()
    return {"vaekstpilot_applications": deleted, "vaekstpilot_payment_lists": lists}
