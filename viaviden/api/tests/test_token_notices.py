"""Issue 16: on PostgreSQL a process keeps a valid API token's row until a change to tokens, users or
organisations is committed — by any process — and PostgreSQL's NOTIFY says so (core.change_notices). These tests
commit, as the workers of a real server do, so they run outside the test transaction (transactional_db)."""

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from viaviden.organisations.models import ApiToken, User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import ApiClient, another_worker

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def postgres_only(test):
    return pytest.mark.postgres(pytest.mark.skipif(not ON_POSTGRES, reason="NOTIFY is PostgreSQL's")(test))


@pytest.fixture
def api(kept_connections):
    """A token's client (committed, with connections kept between requests)."""
    user = UserFactory(username="notices-hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    token, raw = ApiToken.issue(user=user, name="notices")
    client = ApiClient(raw)
    client.user, client.token = user, token
    return client


def lookups(api: ApiClient, expect: int = 200) -> int:
    """How many times the request read the token's row."""
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/organisations")
    assert response.status_code == expect
    return sum(q["sql"].startswith('SELECT "organisations_apitoken"') for q in ctx.captured_queries)


def kept(api: ApiClient) -> None:
    """Uses the token until its row is kept. The first use records last_used_at, a change like any other: its
    notice has the next request read the row once more."""
    assert lookups(api) == 1
    assert lookups(api) == 1
    assert lookups(api) == 0


@pytest.mark.parametrize("change", [
    "UPDATE organisations_apitoken SET revoked = true WHERE id = %s",
    "UPDATE organisations_user SET is_active = false WHERE id = (SELECT user_id FROM organisations_apitoken "
    "WHERE id = %s)",
    "DELETE FROM organisations_apitoken WHERE id = %s",
])
@postgres_only
def test_a_kept_token_is_refused_once_another_worker_revokes_it(api, change):
    kept(api)  # no round trip for the token any more
    another_worker(change, api.token.pk)
    assert lookups(api, expect=401) == 1


@postgres_only
def test_a_change_to_any_user_or_organisation_is_read_again(api):
    kept(api)
    another_worker("UPDATE organisations_organisation SET name = name || ' (ny)' WHERE slug = %s", "aau")
    assert lookups(api) == 1
    assert lookups(api) == 0
    another_worker("UPDATE organisations_user SET first_name = 'Ny' WHERE id = %s", api.user.pk)
    assert lookups(api) == 1


@postgres_only
def test_what_the_request_itself_commits_is_noticed(api):
    kept(api)
    User.objects.filter(pk=api.user.pk).update(is_active=False)  # this connection, committed at once
    assert lookups(api, expect=401) == 1


@postgres_only
def test_a_new_connection_forgets_what_was_kept(api):
    kept(api)
    connection.close()  # any notice sent until it listens again would be missed
    assert lookups(api) == 1
    assert lookups(api) == 0


@postgres_only
def test_older_than_max_age_is_read_again(api, monkeypatch):
    from viaviden.api.auth import _token_lookup

    kept(api)
    monkeypatch.setattr(_token_lookup("default").kept, "max_age", 0.0)
    assert lookups(api) == 1


def test_unknown_tokens_are_never_kept(api):
    stranger = ApiClient("not-a-real-token")
    assert lookups(stranger, expect=401) == 1
    assert lookups(stranger, expect=401) == 1


def test_inside_a_transaction_every_request_reads_the_token(api):
    with transaction.atomic():
        assert lookups(api) == 1
        assert lookups(api) == 1


def test_with_notices_off_every_request_reads_the_token(api, settings):
    settings.CHANGE_NOTICES = False
    assert lookups(api) == 1
    assert lookups(api) == 1


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite has no NOTIFY")
def test_on_sqlite_every_request_reads_the_token(api):
    assert lookups(api) == 1
    assert lookups(api) == 1


@postgres_only
def test_the_three_tables_announce_their_changes(api):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE t.tgname = 'viaviden_auth_changed' ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
    assert tables == ["organisations_apitoken", "organisations_organisation", "organisations_user"]
