"""python manage.py import_cohort FILE --organisation SLUG [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from viaviden.cohorts.importing import import_cohorts
from viaviden.organisations.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import cohort participants and their outcomes from a CSV or XLSX file (format: docs/cohorts.md). The "
        "whole file is validated first; with errors nothing is imported and every bad row is listed, unless "
        "--skip-invalid is given."
    )
    file_help = "CSV (';' or ',') or XLSX file, one row per participant"
    organisation_help = "slug of the organisation running the cohorts"
    user_help = "username recorded as the importer (must belong to the organisation)"

    def run_import(self, **kwargs):
        return import_cohorts(**kwargs)
