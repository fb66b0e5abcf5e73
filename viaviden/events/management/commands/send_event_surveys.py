"""Send the follow-up surveys that are due, and one reminder to those who have not answered.

    python manage.py send_event_surveys [--dry-run] [--reminder-days 7]

Run it daily (cron/systemd timer). Safe to run again: a survey is sent once and reminded once."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from viaviden.events.surveys import REMINDER_DAYS, surveys_send_due


class Command(BaseCommand):
    help = _("Send de opfølgningsspørgeskemaer, der er klar (afholdte arrangementer og bekræftede samarbejder), "
             "og én påmindelse til dem, der ikke har svaret.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("Tæl hvad der ville blive sendt; send intet."))
        parser.add_argument("--reminder-days", type=int, default=REMINDER_DAYS,
                            help=_("Påmind efter så mange dage uden svar (standard %(days)s).") % {"days": REMINDER_DAYS})

    def handle(self, *args, dry_run: bool = False, reminder_days: int = REMINDER_DAYS, **options):
        result = surveys_send_due(reminder_days=reminder_days, dry_run=dry_run)
        text = _("Ville sende") if dry_run else _("Sendt")
        self.stdout.write(
            _("%(what)s: %(sent)s spørgeskemaer og %(reminded)s påmindelser; %(old)s for gamle til at sende.")
            % {"what": text, "sent": result.sent, "reminded": result.reminded, "old": result.skipped_old}
        )
