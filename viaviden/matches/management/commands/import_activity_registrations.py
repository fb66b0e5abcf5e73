"""python manage.py import_activity_registrations FILE [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from viaviden.matches.registrations import import_activity_registrations
from viaviden.organisations.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import activity registrations (events held, people reached, percentages) from a CSV or XLSX file "
        "(format: docs/import-format.md). All or nothing unless --skip-invalid is given."
    )
    user_help = "username recorded as the registrant (may register only own targets)"

    def run_import(self, **kwargs):
        return import_activity_registrations(**kwargs)
