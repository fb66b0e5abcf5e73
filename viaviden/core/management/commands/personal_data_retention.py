"""python manage.py personal_data_retention [--date YYYY-MM-DD] [--dry-run]

Run once a day (scheduled by the task queue): warns and anonymises Vækstpilot applicants, event
registrations, self-service requesters and consented match persons whose retention period ends
(viaviden.core.retention; the periods are data, table RetentionPolicy). Prints counts, never people."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.core.retention import policy_for, retention_run_all


class Command(BaseCommand):
    help = "Warn and anonymise personal data whose retention period ends (counts only are printed)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="only count what would happen; change nothing")

    def handle(self, *args, **opts):
        now = None
        if opts["date"]:
            try:
                day = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(_("Ugyldig dato: %(d)s (brug ÅÅÅÅ-MM-DD).") % {"d": opts["date"]}) from None
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(6, 0)))
        prefix = _("(prøvekørsel) ") if opts["dry_run"] else ""
        for outcome in retention_run_all(now=now, dry_run=opts["dry_run"]):
            policy = policy_for(outcome.key)
            self.stdout.write(
                prefix + _("%(key)s: %(warned)d advarsler, %(anonymised)d anonymiseret (slettefrist %(days)d dage, "
                           "advarsel %(warning)d dage før).")
                % {"key": outcome.key, "warned": len(outcome.warned), "anonymised": len(outcome.anonymised),
                   "days": policy.days, "warning": policy.warning_days})
