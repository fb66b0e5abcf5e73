"""core.sql.prepared_cursor: on PostgreSQL a repeated statement is prepared once and then run without being
parsed and planned again (issue 16); everywhere its queries are logged as Django's own are."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.core.sql import CompiledQuery, insert_rows, prepared_cursor
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


@contextmanager
def raw_statements() -> Iterator[list[str]]:
    """The SQL texts executed meanwhile, as sent to the driver (placeholders, not the logged parameters)."""
    statements: list[str] = []

    def raw(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(raw):
        yield statements


def test_a_compiled_query_is_one_statement_for_any_number_of_ids():
    query = compiled_organisations()
    pks = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    with raw_statements() as statements:
        for ids in ([], pks[:1], pks[:2], pks):
            query.run(kind="municipality", ids=ids)
    # prepared on PostgreSQL, compiled once per connection on SQLite, whatever the number of ids
    assert len(set(statements)) == 1


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


def test_inserted_rows_are_those_the_orm_inserts():
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from viaviden.organisations.tests.factories import UserFactory

    user = UserFactory(username="audit-rows")

    def template(cid: str) -> LogEntry:
        return LogEntry(content_type=ContentType.objects.get_for_model(Organisation), action=LogEntry.Action.ACCESS,
                        changes=None, actor=user, cid=cid, additional_data={"personal_data": True, "via": "test"})

    ids = [11, 12, 13]
    orm = []
    for pk in ids:
        entry = template("orm")
        entry.object_pk, entry.object_id, entry.object_repr = str(pk), pk, f"Æ-{pk}"
        orm.append(entry)
    LogEntry.objects.bulk_create(orm)
    with CaptureQueriesContext(connection) as ctx, raw_statements() as statements:
        insert_rows(LogEntry, template("rows"), {"object_pk": [str(pk) for pk in ids], "object_id": ids,
                                                 "object_repr": [f"Æ-{pk}" for pk in ids]})
        insert_rows(LogEntry, template("one"), {"object_pk": ["14"], "object_id": [14], "object_repr": ["Æ-14"]})
        insert_rows(LogEntry, template("none"), {"object_pk": [], "object_id": [], "object_repr": []})
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT", "INSERT"]  # atomic by itself
    # one statement for any number of rows: prepared on PostgreSQL, compiled once per connection on SQLite
    assert len(statements) == 2 and statements[0] == statements[1]

    def rows(cid: str) -> list[tuple]:
        fields = [f.attname for f in LogEntry._meta.concrete_fields if f.attname not in ("id", "cid", "timestamp")]
        return list(LogEntry.objects.filter(cid=cid).order_by("object_id").values_list(*fields))

    assert rows("rows") == rows("orm") and len(rows("rows")) == 3
    assert rows("one")[0][:4] == rows("orm")[0][:1] + ("14", 14, "Æ-14")
    assert not rows("none")
    assert LogEntry.objects.filter(cid="rows").earliest("timestamp").timestamp is not None
