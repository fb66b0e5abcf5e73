"""Issue an API token for a user: `python manage.py issue_api_token USERNAME --name NAME`.

The token is printed once; only its hash is stored, so it cannot be shown again (issue a new one and
revoke the old one instead)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.organisations.models import ApiToken, User


class Command(BaseCommand):
    help = "Udsteder en API-nøgle til en bruger og viser den én gang."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="Hvad nøglen bruges til, fx 'Fagsystem-integration'.")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.select_related("organisation").filter(username=username).first()
        if user is None:
            raise CommandError(_("Brugeren %(username)s findes ikke.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("Brugeren %(username)s er deaktiveret.") % {"username": username})
        if not name.strip():
            raise CommandError(_("Angiv et navn til nøglen med --name."))
        token, raw = ApiToken.issue(user=user, name=name.strip())
        self.stderr.write(
            _("API-nøgle «%(name)s» udstedt til %(username)s (%(organisation)s). Den vises kun denne ene gang:")
            % {
                "name": token.name,
                "username": user.username,
                "organisation": user.organisation or _("ingen organisation"),
            }
        )
        self.stdout.write(raw)
