"""Shared fixtures: reference data is loaded once per test database; factories live per app."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from viaviden.reference.loader import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def programme(db):
    from viaviden.matches.models import Programme

    return Programme.objects.get(is_current=True)


# --- Staff users and logged-in, OTP-verified clients (viaviden/organisations/tests/factories.py) ---


@pytest.fixture
def user_factory(db):
    """`user_factory(role="partner_staff", organisation="jobcenter-hjoerring", **fields)` -> User."""
    from viaviden.organisations.tests.factories import UserFactory

    return UserFactory


@pytest.fixture
def staff_client(db):
    """`staff_client(user)` -> a new django.test.Client logged in as `user` with a verified second factor."""
    from django.test import Client

    from viaviden.organisations.tests.factories import login_verified

    def make(user):
        return login_verified(Client(), user)

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache (progress aggregates) belongs to one test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _danish_by_default():
    """Requests activate a language for the thread; start every test in Danish, the default."""
    from django.utils import translation

    translation.activate("da")
    yield
    translation.activate("da")
