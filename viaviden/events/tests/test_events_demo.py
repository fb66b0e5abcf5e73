"""The synthetic event demo data loads through the services and deletes without a trace."""

import random

import pytest

from viaviden.events.demo import demo_events_delete, demo_events_load
from viaviden.events.models import Event, Registration, Survey
from viaviden.matches.models import ActivityRegistration
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = {
    "ucn.erhverv": ("partner_lead", "ucn"),
    "aau.karriere": ("partner_staff", "aau"),
    "aka.rekruttering": ("partner_staff", "akademikernes-a-kasse"),
    "aalborg.konsulent": ("partner_staff", "jobcenter-aalborg"),
    "thisted.konsulent": ("partner_staff", "erhvervskontor-thisted"),
    "hjoerring.konsulent": ("partner_staff", "jobcenter-hjoerring"),
    "koordinator": ("coordinator", "koordinationsgruppen"),
}


def test_load_and_delete():
    users = {name: UserFactory(username=name, role=role, organisation=org) for name, (role, org) in USERS.items()}
    companies = [CompanyFactory() for _ in range(12)]
    before = ActivityRegistration.objects.count()
    result = demo_events_load(users=users, companies=companies, rng=random.Random(7))
    assert result.events == 16
    assert Event.objects.filter(is_synthetic=True).count() == 16
    assert Event.objects.filter(status=Event.Status.HELD).count() == 8
    assert Registration.objects.filter(status=Registration.Status.WAITLISTED).exists()
    assert Survey.objects.filter(answered_at__isnull=False).exists()
    assert not Survey.objects.filter(is_synthetic=False).exists()
    # Never both: the demo's events count towards the targets measured from events by their type and organiser
    # (events.selectors.held_events_measure); none is registered on such a target a second time.
    assert ActivityRegistration.objects.count() == before
    assert not Event.objects.filter(is_synthetic=True).exclude(
        activity_target=None, participants_target=None).exclude(activity_target__measure="registrations").exists()
    deleted = demo_events_delete()
    assert deleted["events"] == 16
    assert Event.objects.count() == Registration.objects.count() == Survey.objects.count() == 0
    assert ActivityRegistration.objects.count() == before
