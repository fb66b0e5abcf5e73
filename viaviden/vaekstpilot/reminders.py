"""Reminders of Nordjysk Vækstpilot (run daily: `python manage.py vaekstpilot_reminders`).

- A month of a running pilot is over and its wage is not reported: the company's contact gets one
  reminder with the private status link and the deadline (the rule's `report_due_days` after the month).
- A follow-up (end of the pilot, and some months later) is due and unanswered: the company's contact and
  the responsible partner's staff get one reminder.
Each reminder is sent once (`reminded_at`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import RUN_STATUSES, Application, FollowUp, PilotMonth
from .services import _da, _mail_company, _mail_staff, _partner_emails, staff_url


@dataclass
class ReminderResult:
    today: dt.date
    dry_run: bool
    months: list[PilotMonth] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


def due_month_reminders(today: dt.date):
    return (
        PilotMonth.objects.filter(
            status=PilotMonth.Status.PENDING, period_end__lt=today, reminded_at__isnull=True,
            application__status__in=[Application.Status.GRANTED, *RUN_STATUSES],
        )
        .select_related("application__company", "application__scheme_rule")
        .order_by("period_end", "id")
    )


def due_follow_up_reminders(today: dt.date):
    return (
        FollowUp.objects.filter(outcome="", due_date__lte=today, reminded_at__isnull=True)
        .select_related("application__company", "application__partner_organisation")
        .order_by("due_date", "id")
    )


def send_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> ReminderResult:
    today = today or timezone.localdate()
    result = ReminderResult(today=today, dry_run=dry_run)
    now = timezone.now()
    for month in due_month_reminders(today):
        result.months.append(month)
        if dry_run:
            continue
        with transaction.atomic():
            app = month.application
            deadline = month.period_end + dt.timedelta(days=app.scheme_rule.report_due_days)
            text = _da(lambda app=app, month=month, deadline=deadline: _(
                "Perioden %(from)s–%(to)s er slut. Indberet den udbetalte løn og bekræft ansættelsen senest "
                "%(deadline)s, så tilskuddet kan udbetales.") % {
                "from": month.period_start.strftime("%d-%m-%Y"), "to": month.period_end.strftime("%d-%m-%Y"),
                "deadline": deadline.strftime("%d-%m-%Y")})
            _mail_company(app, _da(lambda app=app: _("Indberet løn for vækstpiloten (%(ref)s)")
                                   % {"ref": app.reference}), text)
            PilotMonth.objects.filter(pk=month.pk).update(reminded_at=now)
    for fu in due_follow_up_reminders(today):
        result.follow_ups.append(fu)
        if dry_run:
            continue
        with transaction.atomic():
            app = fu.application
            text = _da(lambda fu=fu: _("Opfølgning på vækstpiloten (%(kind)s): er personen i ordinær beskæftigelse i "
                                       "jeres eller en anden virksomhed?") % {"kind": fu.get_kind_display().lower()})
            _mail_company(app, _da(lambda app=app: _("Opfølgning på vækstpiloten (%(ref)s)") % {"ref": app.reference}),
                          text)
            _mail_staff(_partner_emails(app), _da(lambda app=app: _("Opfølgning venter: %(ref)s, %(company)s")
                                                  % {"ref": app.reference, "company": app.company.name}),
                        text, staff_url(app))
            FollowUp.objects.filter(pk=fu.pk).update(reminded_at=now)
    return result
