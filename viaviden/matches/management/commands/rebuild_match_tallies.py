from django.core.management.base import BaseCommand, CommandError

from viaviden.matches.tallies import differences, rebuild, tallies_kept


class Command(BaseCommand):
    help = ("Recompute the match tallies (the progress figures' counts per start month) from the match table; "
            "--check only compares them.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 if they differ")

    def handle(self, *args, **opts):
        if not tallies_kept():
            self.stdout.write("match tallies are kept on PostgreSQL only; this database counts by scans")
            return
        if opts["check"]:
            diff = differences()
            for name, rows in diff.items():
                self.stdout.write(f"{name}: {len(rows)} groups differ (stored, recounted), e.g. "
                                  f"{next(iter(rows.items()))}")
            if diff:
                raise CommandError("match tallies differ from the match table")
            self.stdout.write("match tallies agree with the match table")
            return
        for name, n in rebuild().items():
            self.stdout.write(f"{name}: {n} rows")
