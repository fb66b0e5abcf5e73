"""Rebuild the case search index from the published cases (after changing the compound vocabulary in
viaviden/cases/search.py, or to repair the index)."""

import time

from django.core.management.base import BaseCommand

from viaviden.cases.search import reindex_all


class Command(BaseCommand):
    help = "Rebuild the case search index (terms and facet values of the published cases)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = reindex_all()
        self.stdout.write(f"Indexed {count} published cases in {time.perf_counter() - started:.1f} s.")
