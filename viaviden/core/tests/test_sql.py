"""core.sql.prepared_cursor: on PostgreSQL a repeated statement is prepared once and then run without being
parsed and planned again (issue 16); everywhere its queries are logged as Django's own are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.core.sql import prepared_cursor
from viaviden.organisations.models import Organisation

pytestmark = pytest.mark.django_db

QUERY = 'SELECT "slug" FROM "organisations_organisation" WHERE "slug" = %s'


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_queries_are_answered_and_logged_like_djangos():
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(7):
            with prepared_cursor() as cursor:
                cursor.execute(QUERY, ["aau"])
                assert cursor.fetchall() == [("aau",)]
    assert len(ctx.captured_queries) == 7
    assert Organisation.objects.filter(slug="aau").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_repeated_statement_is_prepared_and_djangos_own_cursors_are_not():
    for _ in range(7):
        with connection.cursor() as cursor:
            cursor.execute(QUERY, ["ucn"])
    assert not [s for s in prepared_statements() if "organisations_organisation" in s]
    for slug in ["aau", "ucn", "aau", "ucn", "aau", "ucn", "aau"]:
        with prepared_cursor() as cursor:
            cursor.execute(QUERY, [slug])
            assert cursor.fetchall() == [(slug,)]
    assert [s for s in prepared_statements() if "organisations_organisation" in s] == [QUERY.replace("%s", "$1")]
