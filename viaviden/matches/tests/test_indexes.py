"""The match table's indexes: each insert pays for every one (an import writes 100,000 rows), so the keys most
matches leave empty have partial indexes, and a key that leads a unique constraint has no index of its own.
Every lookup those keys serve still finds an index (migration 0017_imp16_partial_key_indexes)."""

import pytest
from django.db import connection

from viaviden.matches.models import Match, MatchContribution

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, tuple[str, ...]]:
    """Index name -> its columns, unique constraints' indexes included."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: tuple(c["columns"]) for name, c in constraints.items() if c["index"] or c["unique"]}


def _index_definition(name: str) -> str:
    sql = ("SELECT indexdef FROM pg_indexes WHERE indexname = %s" if connection.vendor == "postgresql"
           else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [name])
        return cursor.fetchone()[0]


def test_the_mostly_empty_keys_have_a_partial_index_only_and_the_contribution_s_match_key_none_of_its_own():
    match_indexes = _indexes(Match._meta.db_table)
    for column, name in [("need_id", "match_need"), ("verified_by_id", "match_verified_by"),
                         ("possible_duplicate_of_id", "match_possible_duplicate_of")]:
        assert [n for n, columns in match_indexes.items() if columns == (column,)] == [name]
        definition = _index_definition(name).replace('"', "").replace("(", "").replace(")", "")
        assert definition.endswith(f"WHERE {column} IS NOT NULL"), definition
    contribution_indexes = _indexes(MatchContribution._meta.db_table)
    assert ("match_id",) not in contribution_indexes.values()
    assert ("match_id", "organisation_id") in contribution_indexes.values()


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Match.objects.filter(need_id__in=[1, 2]), "match_need"),  # a need's matches; SET NULL on delete
        (lambda: Match.objects.filter(verified_by_id=1), "match_verified_by"),  # SET NULL when a user goes
        (lambda: Match.objects.filter(possible_duplicate_of__isnull=False), "match_possible_duplicate_of"),
        (lambda: Match.objects.filter(possible_duplicate_of_id=7), "match_possible_duplicate_of"),
        (lambda: MatchContribution.objects.filter(match_id__in=[1, 2]), "uniq_contribution"),
    ],
)
def test_the_lookups_of_those_keys_use_an_index(queryset, index):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # an empty test table: make the planner show the index it can use
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset().order_by().explain()  # the lookup alone, without the list order
    if connection.vendor == "sqlite" and index == "uniq_contribution":
        index = "sqlite_autoindex_matches_matchcontribution"  # SQLite's name for a UNIQUE constraint's index
    assert index in plan, plan
