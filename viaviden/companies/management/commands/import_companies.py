"""python manage.py import_companies FILE [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from viaviden.companies.importing import import_companies
from viaviden.organisations.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import companies and production units from a CSV or XLSX file (format: docs/import-format.md). The "
        "whole file is validated first; with errors nothing is imported and every bad row is listed, unless "
        "--skip-invalid is given. Known CVR numbers only get their empty fields filled in."
    )

    def run_import(self, **kwargs):
        return import_companies(**kwargs)
