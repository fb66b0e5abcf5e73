"""Issue 16: on PostgreSQL the match list's count is kept per list (its SQL and parameters) until a match,
contribution, company, organisation, user or token changes — committed by any process (core.change_notices). The
tests commit, as a real server's workers do (transactional_db)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.core.change_notices import MATCH_NOTICES
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import another_worker, client_for

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not ON_POSTGRES, reason="NOTIFY is PostgreSQL's")]


@pytest.fixture
def coordinator_api(kept_connections):
    for i in range(3):
        make_match(organisation="aau" if i % 2 else "jobcenter-hjoerring")
    user = UserFactory(username="count-koord", organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    return client_for(user)


def listed(api, **query) -> tuple[int, int, bool]:
    """(count, items, whether the database counted) of one request. (A statement bound on the server, as the
    contributions' is, may be logged without its text: none of those counts.)"""
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/matches", query)
    assert response.status_code == 200
    body = response.json()
    return body["count"], len(body["items"]), any("COUNT(" in (q["sql"] or "").upper() for q in ctx.captured_queries)


def settled(api, **query) -> tuple[int, int, bool]:
    """The list once its count is kept: the token's first use, and last_used_at's notice, are behind it."""
    for _ in range(3):
        result = listed(api, **query)
    return result


def test_a_kept_count_is_used_until_a_match_changes(coordinator_api):
    assert settled(coordinator_api, status="registered") == (3, 3, False)
    another_worker("UPDATE matches_match SET status = 'verified' WHERE id = %s", Match.objects.first().pk,
                   notices=MATCH_NOTICES)
    assert listed(coordinator_api, status="registered") == (2, 2, True)
    assert listed(coordinator_api, status="registered") == (2, 2, False)


def test_what_the_process_itself_commits_is_counted(coordinator_api):
    settled(coordinator_api)
    make_match(organisation="jobcenter-thisted")
    assert listed(coordinator_api) == (4, 4, True)


def test_each_filter_and_page_has_the_count_of_its_own_list(coordinator_api):
    settled(coordinator_api)
    assert listed(coordinator_api, registering_org="aau") == (1, 1, True)
    assert listed(coordinator_api, registering_org="aau") == (1, 1, False)
    assert listed(coordinator_api, page_size=2) == (3, 2, False)  # the same list: its count is kept
    assert listed(coordinator_api, page=2, page_size=2) == (3, 1, False)
    assert listed(coordinator_api, page=9) == (3, 0, False)  # past the end: no count of its own either


def test_a_company_changed_elsewhere_is_counted_again(coordinator_api):
    company = Match.objects.select_related("company").first().company
    assert settled(coordinator_api, company_cvr="12345674")[0] == 0
    another_worker("UPDATE companies_company SET cvr = '12345674' WHERE id = %s", company.pk, notices=MATCH_NOTICES)
    assert listed(coordinator_api, company_cvr="12345674")[0] == Match.objects.filter(company=company).count() > 0


def test_the_four_tables_announce_their_changes(coordinator_api):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE t.tgname = 'viaviden_matches_changed' ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
    assert tables == ["companies_company", "matches_match", "matches_matchcontribution", "organisations_organisation"]
