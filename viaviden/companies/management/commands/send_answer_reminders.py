"""python manage.py send_answer_reminders [--date YYYY-MM-DD] [--dry-run]

Run once a day (cron): reminds the answering side once per company request before its deadline and
sends the coordinators a digest of overdue requests (the answer promise, SPEC 3.2)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.companies.answer_promise import answer_reminders_send


class Command(BaseCommand):
    help = (
        "Send answer-promise reminders before the deadline (once per request) and the coordinators' daily digest "
        "of overdue requests. Prints what was sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="only print what would be sent; change nothing")

    def handle(self, *args, **opts):
        today = None
        if opts["date"]:
            try:
                today = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(_("Ugyldig dato: %(d)s (brug ÅÅÅÅ-MM-DD).") % {"d": opts["date"]})
        result = answer_reminders_send(today, dry_run=opts["dry_run"])
        prefix = _("(prøvekørsel) ") if result.dry_run else ""
        for request, recipients in result.reminders:
            self.stdout.write(
                prefix
                + _("Påmindelse: %(kind)s %(pk)d, %(company)s, frist %(due)s → %(to)s")
                % {
                    "kind": request.kind_label.lower(),
                    "pk": request.pk,
                    "company": request.need.company.name,
                    "due": request.due.strftime("%d-%m-%Y"),
                    "to": ", ".join(recipients) or _("ingen modtagere"),
                }
            )
        if result.overdue:
            self.stdout.write(
                prefix
                + _("Oversigt over %(n)d overskredne henvendelser → %(to)s")
                % {"n": len(result.overdue), "to": ", ".join(result.digest_recipients) or _("ingen modtagere")}
            )
        self.stdout.write(
            prefix
            + _("%(date)s: %(reminders)d påmindelser, %(overdue)d overskredne henvendelser.")
            % {"date": result.today.strftime("%d-%m-%Y"), "reminders": len(result.reminders),
               "overdue": len(result.overdue)}
        )
