"""python manage.py import_cohort FILE --organisation SLUG [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.cohorts.importing import import_cohorts
from viaviden.core.errors import AppError
from viaviden.organisations.models import Organisation, User


class Command(BaseCommand):
    help = (
        "Import cohort participants and their outcomes from a CSV or XLSX file (format: docs/cohorts.md). The "
        "whole file is validated first; with errors nothing is imported and every bad row is listed, unless "
        "--skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (';' or ',') or XLSX file, one row per participant")
        parser.add_argument("--organisation", required=True, help="slug of the organisation running the cohorts")
        parser.add_argument("--user", help="username recorded as the importer (must belong to the organisation)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the bad ones")
        parser.add_argument("--rejects", help="with --skip-invalid: write the bad rows with a 'fejl' column here")

    def handle(self, *args, **opts):
        organisation = Organisation.objects.filter(slug=opts["organisation"]).first()
        if organisation is None:
            raise CommandError(_("Ukendt organisation: %(slug)s") % {"slug": opts["organisation"]})
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(_("Ukendt bruger: %(u)s") % {"u": opts["user"]})
        try:
            result = import_cohorts(path_or_file=opts["file"], organisation=organisation, user=user,
                                    skip_invalid=opts["skip_invalid"], rejects_path=opts["rejects"])
        except OSError as exc:
            raise CommandError(_("Filen kunne ikke åbnes: %(e)s") % {"e": exc})
        except AppError as exc:
            raise CommandError(str(exc.message))
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.committed and result.errors:
            if result.rejected:
                raise CommandError(
                    _("Filen blev afvist: %(bad)d af %(total)d rækker har fejl. Intet er importeret.")
                    % {"bad": result.rejected, "total": result.rows_total}
                )
            raise CommandError(_("Filen blev afvist. Intet er importeret."))
        self.stdout.write(result.summary())
        if result.rejected and opts["rejects"]:
            self.stdout.write(_("Afviste rækker er skrevet til %(path)s.") % {"path": opts["rejects"]})
