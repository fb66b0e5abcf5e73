"""python manage.py vaekstpilot_reminders [--date YYYY-MM-DD] [--dry-run]

Run once a day (cron): reminds companies to report the wage of a finished month, and companies and
partners of due follow-ups (once each)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.vaekstpilot.reminders import send_reminders


class Command(BaseCommand):
    help = "Send Vækstpilot reminders: wage reports for finished months and due follow-ups (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="only print what would be sent")

    def handle(self, *args, **opts):
        today = None
        if opts["date"]:
            try:
                today = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(_("Ugyldig dato: %(d)s (brug ÅÅÅÅ-MM-DD).") % {"d": opts["date"]})
        result = send_reminders(today, dry_run=opts["dry_run"])
        prefix = _("(prøvekørsel) ") if result.dry_run else ""
        for m in result.months:
            self.stdout.write(prefix + _("Løn mangler: %(ref)s, %(company)s, %(from)s–%(to)s") % {
                "ref": m.application.reference, "company": m.application.company.name,
                "from": m.period_start.strftime("%d-%m-%Y"), "to": m.period_end.strftime("%d-%m-%Y")})
        for f in result.follow_ups:
            self.stdout.write(prefix + _("Opfølgning venter: %(ref)s, %(company)s, %(kind)s (%(due)s)") % {
                "ref": f.application.reference, "company": f.application.company.name,
                "kind": f.get_kind_display().lower(), "due": f.due_date.strftime("%d-%m-%Y")})
        self.stdout.write(prefix + _("%(date)s: %(m)d lønpåmindelser, %(f)d opfølgningspåmindelser.") % {
            "date": result.today.strftime("%d-%m-%Y"), "m": len(result.months), "f": len(result.follow_ups)})
