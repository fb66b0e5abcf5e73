"""python manage.py candidate_retention [--date YYYY-MM-DD] [--dry-run]

Run once a day (cron): candidate profiles unused for CANDIDATE_RETENTION_DAYS are anonymised; the person gets
a warning e-mail CANDIDATE_RETENTION_WARNING_DAYS before (SPEC 3.9). Logging in or updating the profile
resets the clock. Running it twice on a day changes nothing the second time."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.candidates.services import candidate_retention_run, retention_days


class Command(BaseCommand):
    help = (
        "Warn candidates whose profiles are about to expire and anonymise expired ones (no personal data is "
        "printed: candidates are named by id)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="only print what would happen; change nothing")

    def handle(self, *args, **opts):
        now = None
        if opts["date"]:
            try:
                day = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(_("Ugyldig dato: %(d)s (brug ÅÅÅÅ-MM-DD).") % {"d": opts["date"]}) from None
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(6, 0)))
        result = candidate_retention_run(now=now, dry_run=opts["dry_run"])
        prefix = _("(prøvekørsel) ") if result.dry_run else ""
        for pk in result.warned:
            self.stdout.write(prefix + _("Advarsel sendt: kandidat %(pk)d") % {"pk": pk})
        for pk in result.anonymised:
            self.stdout.write(prefix + _("Anonymiseret: kandidat %(pk)d") % {"pk": pk})
        retention, warning = retention_days()
        self.stdout.write(
            prefix
            + _("%(date)s: %(warned)d advarsler, %(anonymised)d anonymiseret (slettefrist %(days)d dage, "
                "advarsel %(warning)d dage før).")
            % {"date": timezone.localtime(result.now).strftime("%d-%m-%Y"), "warned": len(result.warned),
               "anonymised": len(result.anonymised), "days": retention, "warning": warning}
        )
