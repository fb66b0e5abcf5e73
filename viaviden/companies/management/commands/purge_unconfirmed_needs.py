"""Delete self-service needs whose e-mail address was not confirmed in time (and the companies only they
created). Run daily, e.g. from cron: `python manage.py purge_unconfirmed_needs`."""

from django.core.management.base import BaseCommand

from viaviden.companies.selfservice import CONFIRM_DAYS, unconfirmed_needs_purge


class Command(BaseCommand):
    help = "Sletter selvbetjeningshenvendelser, der ikke er bekræftet inden for fristen."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=CONFIRM_DAYS,
                            help=f"Slet ubekræftede henvendelser ældre end så mange dage (standard {CONFIRM_DAYS}).")

    def handle(self, *args, days: int, **options):
        needs, companies = unconfirmed_needs_purge(days=days)
        self.stdout.write(f"Slettet {needs} ubekræftede henvendelser og {companies} virksomheder uden anden historik.")
