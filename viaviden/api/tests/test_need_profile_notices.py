"""Issue 16: on PostgreSQL a need's job profile (what the suggestions rank by) is kept until a need, its match
types or levels, or a company changes — committed by any process (core.change_notices). Whether the user may see
the need is asked on every request. The tests commit, as a real server's workers do (transactional_db)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.candidates.tests.matching_support import (  # noqa: F401
    fresh_matching_index,
    register_student,
    support_need,
)
from viaviden.companies.need_selectors import access_need_job_profile
from viaviden.core.change_notices import NEED_NOTICES
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import another_worker, client_for

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not ON_POSTGRES, reason="NOTIFY is PostgreSQL's")]


@pytest.fixture
def asked(kept_connections):
    need = support_need(organisation="jobcenter-thisted")
    register_student()
    user = UserFactory(username="profile-hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    client = client_for(user)
    path = f"/api/suggestions/needs/{need.pk}"
    for _ in range(3):  # builds the index; the token's first use and its notice
        assert client.get(path).status_code == 200
    return need, user, client, path


def profile_reads(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return sum('"companies_need"."tasks"' in (q["sql"] or "") for q in ctx.captured_queries)


@pytest.mark.parametrize("change", [
    "UPDATE companies_need SET title = 'Netværkstekniker' WHERE id = %s",
    "INSERT INTO companies_need_education_levels (need_id, educationlevel_id) VALUES (%s, 'LVU')",
    "UPDATE companies_company SET municipality_id = '851' WHERE id = (SELECT company_id FROM companies_need "
    "WHERE id = %s)",
])
def test_a_kept_profile_is_read_again_once_another_worker_changes_the_need(asked, change):
    need, user, client, path = asked
    assert profile_reads(client, path) == 0
    before = access_need_job_profile(user, need.pk)
    another_worker(change, need.pk, notices=NEED_NOTICES)
    assert profile_reads(client, path) == 1
    assert access_need_job_profile(user, need.pk) != before
    assert profile_reads(client, path) == 0


def test_who_may_see_the_need_is_asked_every_time(asked):
    need, user, client, path = asked
    steering = client_for(UserFactory(username="profile-steer", organisation="koordinationsgruppen",
                                      role=User.Role.STEERING_GROUP))
    assert steering.get(path).status_code == 403
    assert client.get(path).status_code == 200
