"""python manage.py import_activity_registrations FILE [--user USERNAME] [--skip-invalid] [--rejects FILE]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import AppError
from viaviden.matches.registrations import import_activity_registrations
from viaviden.organisations.models import User


class Command(BaseCommand):
    help = (
        "Import activity registrations (events held, people reached, percentages) from a CSV or XLSX file "
        "(format: docs/import-format.md). All or nothing unless --skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (';' or ',') or XLSX file")
        parser.add_argument("--user", help="username recorded as the registrant (may register only own targets)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the bad ones")
        parser.add_argument("--rejects", help="with --skip-invalid: write the bad rows with a 'fejl' column here")

    def handle(self, *args, **opts):
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(_("Ukendt bruger: %(u)s") % {"u": opts["user"]})
        try:
            result = import_activity_registrations(path_or_file=opts["file"], user=user,
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
