"""The command shell every CSV/XLSX import shares (matches, companies, cohorts, activity registrations): the
file, the importing user, --skip-invalid and --rejects, the Danish errors and summary. Each command names its
import function; the rules of the import stay in that function."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import AppError

from .models import Organisation, User


class ImportCommand(BaseCommand):
    file_help = "CSV (';' or ',') or XLSX file"
    user_help = "username recorded as the importer in the audit log"
    # Help for --organisation; None when the import takes no organisation.
    organisation_help: str | None = None

    def run_import(self, **kwargs: Any) -> Any:
        """Call the import service with path_or_file, user, skip_invalid, rejects_path (and organisation)."""
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        if self.organisation_help:
            parser.add_argument("--organisation", required=True, help=self.organisation_help)
        parser.add_argument("--user", help=self.user_help)
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the bad ones")
        parser.add_argument("--rejects", help="with --skip-invalid: write the bad rows with a 'fejl' column here")

    def handle(self, *args, **opts):
        kwargs: dict[str, Any] = {}
        if self.organisation_help:
            kwargs["organisation"] = Organisation.objects.filter(slug=opts["organisation"]).first()
            if kwargs["organisation"] is None:
                raise CommandError(_("Ukendt organisation: %(slug)s") % {"slug": opts["organisation"]})
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(_("Ukendt bruger: %(u)s") % {"u": opts["user"]})
        try:
            result = self.run_import(path_or_file=opts["file"], user=user, skip_invalid=opts["skip_invalid"],
                                     rejects_path=opts["rejects"], **kwargs)
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
