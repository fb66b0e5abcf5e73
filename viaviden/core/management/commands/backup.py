"""python manage.py backup --output FILE [--encrypt] [--no-media] [--keep N]

One file with the whole platform: the database (SQLite or PostgreSQL), the uploaded media and a manifest
with every table's row count and checksum and a fingerprint of the secrets (viaviden.core.backup).
--encrypt takes the passphrase from BACKUP_PASSPHRASE. --keep N keeps the newest N backups beside FILE
(rotation; docs/operations.md)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from viaviden.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded media to one file (optionally encrypted)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the backup file to write")
        parser.add_argument("--encrypt", action="store_true", help="encrypt with the passphrase in BACKUP_PASSPHRASE")
        parser.add_argument("--no-media", action="store_true", help="leave the uploaded media out")
        parser.add_argument("--keep", type=int, help="keep only the newest N backups beside the output file")

    def handle(self, *args, **opts):
        passphrase = None
        if opts["encrypt"]:
            passphrase = os.environ.get("BACKUP_PASSPHRASE", "")
            if len(passphrase) < 12:
                raise CommandError("--encrypt: BACKUP_PASSPHRASE skal være sat (mindst 12 tegn).")
        if opts["keep"] is not None and opts["keep"] < 1:
            raise CommandError("--keep skal være mindst 1.")
        try:
            result = backup(Path(opts["output"]), passphrase=passphrase, media=not opts["no_media"],
                            keep=opts["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Sikkerhedskopi skrevet: {result.path} ({result.tables} tabeller, {result.rows} rækker, "
            f"{result.media_files} filer{', krypteret' if result.encrypted else ''})")
        for path in result.removed:
            self.stdout.write(f"Slettet (rotation): {path}")
