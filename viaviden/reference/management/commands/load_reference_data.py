from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from viaviden.reference.loader import load_reference_data


class Command(BaseCommand):
    help = "Load the versioned reference data in data/reference/ (idempotent)."

    def handle(self, *args, **options):
        stats = load_reference_data()
        if not stats:
            self.stdout.write(_("Referencedata er allerede indlæst; intet ændret."))
            return
        for key, count in sorted(stats.items()):
            self.stdout.write(f"{key}: {count}")
