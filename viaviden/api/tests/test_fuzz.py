"""Schemathesis over every operation of the published schema, with a coordinator's and a partner's token:
no server error, only declared status codes, responses that conform to the schema (issue 13)."""

import os

import pytest

from viaviden.organisations.models import ApiToken, User
from viaviden.organisations.tests.factories import UserFactory

from .fuzzing import fuzz, keep_connections_open, quiet_wsgi_app

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


@pytest.fixture
def tokens(db):
    coordinator = UserFactory(username="fuzz-koord", organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    partner = UserFactory(username="fuzz-hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    return {
        "coordinator": ApiToken.issue(user=coordinator, name="fuzz")[1],
        "partner": ApiToken.issue(user=partner, name="fuzz")[1],
    }


@pytest.fixture
def app():
    restore = keep_connections_open()
    yield quiet_wsgi_app()
    restore()


def test_every_operation_survives_generated_requests(app, tokens):
    result = fuzz(app, tokens, max_examples=EXAMPLES)
    assert result.operations > 80
    assert result.failures == [], "\n\n".join(result.failures)
    assert result.server_errors == 0
