"""core.sql.prepared_cursor: on PostgreSQL a repeated statement is prepared once and then run without being
parsed and planned again (issue 16); everywhere its queries are logged as Django's own are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.core.sql import CompiledQuery, prepared_cursor
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


SINCE = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)


def compiled_organisations() -> CompiledQuery:
    from django.db.models.expressions import RawSQL

    qs = (
        Organisation.objects.filter(pk__in=RawSQL("__ids__", ()), kind="__kind__")  # noqa: S611
        .order_by("slug")
        .values_list("pk", "slug", "active")
    )
    return CompiledQuery(qs, slots={"kind": ("__kind__", None)}, id_lists=("ids",))


def test_a_compiled_query_answers_as_its_queryset_for_any_parameters():
    query = compiled_organisations()
    orgs = list(Organisation.objects.order_by("pk"))
    for kind in {o.kind for o in orgs}:
        for ids in ([], [orgs[0].pk], [o.pk for o in orgs], [o.pk for o in orgs[:3]] + [10**9]):
            expected = list(
                Organisation.objects.filter(pk__in=ids, kind=kind).order_by("slug").values_list("pk", "slug", "active")
            )
            assert query.run(kind=kind, ids=ids) == expected
    assert any(query.run(kind=o.kind, ids=[o.pk]) for o in orgs)


def test_converters_are_applied_and_datetimes_adapted():
    from django.db.models.functions import Now

    from viaviden.organisations.models import ApiToken
    from viaviden.organisations.tests.factories import UserFactory

    token, _raw = ApiToken.issue(user=UserFactory(username="sql"), name="t")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=Now())
    adapt = connection.ops.adapt_datetimefield_value
    qs = ApiToken.objects.filter(last_used_at__gt=SINCE).values_list("pk", "last_used_at", "revoked")
    query = CompiledQuery(qs, slots={"since": (SINCE, adapt)})
    token.refresh_from_db()
    assert query.run(since=SINCE.replace(year=2000)) == [(token.pk, token.last_used_at, False)]
    assert query.run(since=token.last_used_at) == []
