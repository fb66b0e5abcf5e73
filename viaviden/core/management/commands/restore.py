"""python manage.py restore FILE [--replace] [--database-url URL]

Restore a backup made by `manage.py backup`: the database and the uploaded media. Refuses a backup made
with another SECRET_KEY or PERSON_KEY_PEPPER, one of another database engine, and a database that is not
empty unless --replace. Afterwards every table's row count and checksum is compared with the backup's.
An encrypted backup needs BACKUP_PASSPHRASE."""

import os
from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError

from viaviden.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and the uploaded media from a backup file, then verify every table."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument("--replace", action="store_true", help="overwrite a database that is not empty")
        parser.add_argument("--database-url", help="restore into this database instead (e.g. to test a backup)")

    def handle(self, *args, **opts):
        db = dj_database_url.parse(opts["database_url"]) if opts["database_url"] else None
        try:
            result = restore(Path(opts["file"]), db=db, passphrase=os.environ.get("BACKUP_PASSPHRASE"),
                             replace=opts["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Genskabt fra sikkerhedskopien af {result.created_at}: {result.tables} tabeller og {result.rows} "
            f"rækker identiske med sikkerhedskopien, {result.media_files} filer.")
