from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import AppError
from viaviden.demo import loader as demo


class Command(BaseCommand):
    help = (
        "Load the synthetic demo data set (fictional companies, pseudonymous matches, demo logins with "
        "known passwords and TOTP secrets). Deterministic for a seed; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default 2020)")
        parser.add_argument("--matches", type=int, default=demo.DEFAULT_MATCHES, help="number of matches")
        parser.add_argument("--companies", type=int, default=demo.DEFAULT_COMPANIES, help="number of companies")
        parser.add_argument(
            "--reset", action="store_true", help="delete the synthetic data and demo users first, then recreate them"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="allow loading demo accounts with public passwords under production settings",
        )

    def handle(self, *args, **opts):
        if settings.SETTINGS_MODULE.endswith(".production") and not opts["allow_production"]:
            raise CommandError(_("Demodata har offentligt kendte adgangskoder og indlæses ikke i produktion."))
        if opts["matches"] < 1 or opts["companies"] < 30:
            raise CommandError(_("Angiv mindst 1 match og mindst 30 virksomheder."))
        try:
            result = demo.demo_data_load(
                seed=opts["seed"], matches=opts["matches"], companies=opts["companies"], reset=opts["reset"]
            )
        except AppError as exc:
            raise CommandError(str(exc.message)) from exc

        if result.deleted:
            self.stdout.write(
                _(
                    "Slettet: %(m)s syntetiske match, %(c)s virksomheder, %(u)s demobrugere, "
                    "%(a)s aktivitetsregistreringer."
                )
                % {
                    "m": result.deleted.get("matches", 0),
                    "c": result.deleted.get("companies", 0),
                    "u": result.deleted.get("users", 0),
                    "a": result.deleted.get("activity_registrations", 0),
                }
            )
        if not result.created:
            summary = demo.demo_summary()
            self.stdout.write(
                _(
                    "Syntetiske demodata er allerede indlæst (%(m)s match, %(c)s virksomheder); "
                    "intet ændret. Brug --reset for at genskabe dem."
                )
                % {"m": summary["matches"], "c": summary["companies"]}
            )
        else:
            for line in demo.demo_result_lines(result):
                self.stdout.write(line)
        for username in result.skipped_users:
            self.stderr.write(
                _("Brugeren %(u)s findes allerede og er ikke en demobruger; den er ikke ændret.") % {"u": username}
            )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo.demo_logins()
        if not logins:
            return
        w = self.stdout.write
        w("")
        w(_("Demologins (alle data er syntetiske). Adgangskode for alle: %(p)s") % {"p": demo.DEMO_PASSWORD})
        w(
            _(
                "Engangskode (TOTP): .venv/bin/python manage.py totp_code BRUGERNAVN — eller læg hemmeligheden "
                "(base32) ind i en authenticator-app."
            )
        )
        header = (_("Brugernavn"), _("Rolle"), _("Organisation"), _("TOTP-hemmelighed (base32)"))
        rows = [(lg.username, lg.role_label, lg.organisation, lg.secret_base32) for lg in logins]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            w("  " + "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row[:3])) + "  " + str(row[3]))
        if any(lg.username == "aalborg.konsulent" for lg in logins):
            w(_("API-nøgle (demo) for aalborg.konsulent: %(t)s") % {"t": demo.DEMO_API_TOKEN})
            w(
                _("  Brug: curl -H 'Authorization: Bearer %(t)s' http://127.0.0.1:8000/api/matches")
                % {"t": demo.DEMO_API_TOKEN}
            )
