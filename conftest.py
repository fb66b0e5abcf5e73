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
