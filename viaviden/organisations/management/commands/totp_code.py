"""Print a user's current TOTP code (development and demo convenience: log in as a demo user)."""

from django.core.management.base import BaseCommand, CommandError

from viaviden.organisations.models import User
from viaviden.organisations.services import totp_device_confirmed, totp_now


class Command(BaseCommand):
    help = "Skriv den aktuelle engangskode (TOTP) for en bruger. Kun til udvikling og demo."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Ukendt bruger: {username}")
        device = totp_device_confirmed(user)
        if device is None:
            raise CommandError(f"Brugeren {username} har ingen bekræftet godkendelsesapp.")
        self.stdout.write(totp_now(device))
