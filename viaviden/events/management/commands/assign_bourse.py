"""python manage.py assign_bourse --input DIR --mode stable|optimal --output FILE [--json] [--time-limit SEK]

A thin wrapper around `viaviden.assignment.cli.main` (file formats, output and exit codes: docs/assignment.md).
The options are declared here as well, so `manage.py help assign_bourse` and `call_command` know them; the
command passes them on to the solver's command line unchanged and exits with its code (0 done, 1 the result
broke a hard rule, 2 bad arguments or input)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.assignment import cli
from viaviden.assignment.model import MODES
from viaviden.assignment.optimal import DEFAULT_TIME_LIMIT


class Command(BaseCommand):
    help = (
        "Fordel deltagere (studerende og grupper) på børscases fra CSV-filer, stabilt eller optimalt. "
        "Filformater: docs/assignment.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, metavar="MAPPE", help="mappe med cases.csv, preferences.csv mv.")
        parser.add_argument("--mode", required=True, choices=MODES, help="stable: stabil; optimal: maksimal velfærd")
        parser.add_argument("--output", required=True, metavar="FIL", help="CSV: participant_id,case_id,rank")
        parser.add_argument("--json", action="store_true", help="skriv resultatet som JSON i stedet for tekst")
        parser.add_argument(
            "--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SEK",
            help=f"tidsgrænse for optimal (standard {DEFAULT_TIME_LIMIT:.0f} s)",
        )

    def handle(self, *args, **opts):
        argv = ["--input", str(opts["input"]), "--mode", opts["mode"], "--output", str(opts["output"]),
                "--time-limit", repr(float(opts["time_limit"]))]
        if opts["json"]:
            argv.append("--json")
        code = cli.main(argv, stdout=self.stdout, stderr=self.stderr)
        if code != cli.EXIT_OK:
            raise CommandError(
                _("Der er ikke skrevet nogen fordeling (afslutningskode %(code)d).") % {"code": code}, returncode=code
            )
