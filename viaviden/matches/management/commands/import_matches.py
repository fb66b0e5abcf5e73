"""python manage.py import_matches FILE --organisation SLUG [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from viaviden.matches.importing import import_matches
from viaviden.organisations.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import matches from a CSV or XLSX file (format: docs/import-format.md). The whole file is validated "
        "first; with errors nothing is imported and every bad row is listed, unless --skip-invalid is given."
    )
    organisation_help = "slug of the registering organisation"
    user_help = "username recorded as the importer (must be allowed to register for the organisation)"

    def run_import(self, **kwargs):
        return import_matches(**kwargs)
