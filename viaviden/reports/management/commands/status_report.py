"""python manage.py status_report --kind yearly --as-of 2022-06-30 --format pdf --output status.pdf [--issue]
python manage.py status_report --reprint ID --format json --output status.json"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import AppError
from viaviden.organisations.models import User
from viaviden.reports.content import Kind
from viaviden.reports.models import IssuedReport
from viaviden.reports.render import FORMATS, render
from viaviden.reports.services import issued_figures, report_build, report_issue


class Command(BaseCommand):
    help = ("Build a status report (yearly, steering, municipality, partner) as of a date in HTML, PDF, XLSX or "
            "JSON; --issue freezes it; --reprint ID renders an issued report again from its stored figures.")

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=Kind.ALL)
        parser.add_argument("--subject", help="municipality code or partner slug (municipality and partner sheets)")
        parser.add_argument("--as-of", dest="as_of", help="cut-off date YYYY-MM-DD")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--language", choices=("da", "en"), default="da")
        parser.add_argument("--issue", action="store_true", help="freeze the report and print its id and SHA-256")
        parser.add_argument("--user", help="username recorded as the issuer (default: none, the command line)")
        parser.add_argument("--reprint", type=int, metavar="ID", help="render issued report ID from its stored figures")

    def handle(self, *args, **o):
        issued = None
        try:
            if o["reprint"] is not None:
                if o["kind"] or o["as_of"] or o["issue"]:
                    raise CommandError(_("--reprint bruges alene med --format og --output."))
                issued = IssuedReport.objects.filter(pk=o["reprint"]).first()
                if issued is None:
                    raise CommandError(_("Rapport nr. %(id)s findes ikke.") % {"id": o["reprint"]})
                report = issued_figures(issued)
            else:
                if not o["kind"] or not o["as_of"]:
                    raise CommandError(_("Angiv --kind og --as-of (eller --reprint ID)."))
                try:
                    as_of = dt.date.fromisoformat(o["as_of"])
                except ValueError as exc:
                    raise CommandError(_("Ugyldig dato: %(d)s (brug ÅÅÅÅ-MM-DD).") % {"d": o["as_of"]}) from exc
                if o["issue"]:
                    user = None
                    if o["user"]:
                        user = User.objects.filter(username=o["user"]).first()
                        if user is None:
                            raise CommandError(_("Ukendt bruger: %(u)s") % {"u": o["user"]})
                    issued = report_issue(user=user, kind=o["kind"], subject=o["subject"], as_of=as_of,
                                          language=o["language"])
                    report = issued_figures(issued)
                else:
                    report = report_build(kind=o["kind"], subject=o["subject"], as_of=as_of, language=o["language"])
        except AppError as exc:
            raise CommandError(str(exc.message)) from exc
        Path(o["output"]).write_bytes(render(report, o["fmt"], issued=issued))
        if o["issue"]:
            self.stdout.write(f"issued {issued.pk} sha256 {issued.sha256}")
