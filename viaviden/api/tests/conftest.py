"""Fixtures for the API tests: users of the roles that matter and a client that sends their token."""

import pytest
from django.test import Client

from viaviden.organisations.models import ApiToken, User
from viaviden.organisations.tests.factories import UserFactory


class ApiClient:
    """A Django test client that sends `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, token: str | None = None, **headers):
        self.client = Client()
        self.headers = dict(headers)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method, path, data=None, headers=None, **kwargs):
        all_headers = {**self.headers, **(headers or {})}
        if method in ("post", "patch", "put"):
            return getattr(self.client, method)(
                path,
                data=data if data is not None else {},
                content_type="application/json",
                headers=all_headers,
                **kwargs,
            )
        return getattr(self.client, method)(path, data=data, headers=all_headers, **kwargs)

    def get(self, path, data=None, **kw):
        return self._call("get", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data, **kw)


def another_worker(sql: str, *params, notices=None) -> None:
    """Commits `sql` on a connection of its own, as another worker of the server would, and waits until this
    process's connection has the notice (`notices`: core.change_notices' AUTH_NOTICES unless given; PostgreSQL
    sends it moments after the commit)."""
    import time

    import psycopg
    from django.db import connection

    from viaviden.core.change_notices import AUTH_NOTICES

    notices = notices or AUTH_NOTICES
    before = notices.generation()
    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                         host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True) as other:
        other.execute(sql, params)
    deadline = time.monotonic() + 10
    while notices.generation() == before:
        assert time.monotonic() < deadline, "no notice arrived"
        time.sleep(0.005)


@pytest.fixture
def kept_connections(transactional_db, monkeypatch):
    """Committed data, and connections kept between requests as in production (CONN_MAX_AGE 60; the tests'
    settings close them after each request)."""
    from django.db import connection

    from viaviden.reference.loader import load_reference_data

    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    load_reference_data()
    yield
    connection.close()


def client_for(user: User) -> ApiClient:
    _token, raw = ApiToken.issue(user=user, name="test")
    return ApiClient(raw)


@pytest.fixture
def hjoerring(db):
    return UserFactory(username="hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def hjoerring_lead(db):
    return UserFactory(username="hj-lead", organisation="erhvervskontor-hjoerring", role=User.Role.PARTNER_LEAD)


@pytest.fixture
def aalborg(db):
    return UserFactory(username="aal", organisation="jobcenter-aalborg", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def steering(db):
    return UserFactory(username="styr", organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="koord", organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
