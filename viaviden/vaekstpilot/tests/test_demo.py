"""The synthetic demo data: made through the services, marked synthetic, deleted cleanly."""

import random

import pytest

from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.vaekstpilot.demo import demo_vaekstpilot_delete, demo_vaekstpilot_load
from viaviden.vaekstpilot.models import Application, FollowUp, PaymentList, PilotMonth

pytestmark = pytest.mark.django_db


def test_demo_data_has_pilots_in_every_state_and_is_deleted_cleanly(django_capture_on_commit_callbacks):
    users = {
        "thisted.konsulent": UserFactory(organisation="erhvervskontor-thisted"),
        "aalborg.leder": UserFactory(organisation="erhvervskontor-aalborg", role=User.Role.PARTNER_LEAD),
        "koordinator": UserFactory(role=User.Role.COORDINATOR),
    }
    companies = [CompanyFactory() for _ in range(30)]

    result = demo_vaekstpilot_load(users=users, companies=companies, rng=random.Random(2020))

    apps = Application.objects.all()
    assert result.applications == apps.count() == 12
    assert not apps.filter(is_synthetic=False).exists()
    statuses = set(apps.values_list("status", flat=True))
    assert {"completed", "granted", "terminated", "exception_requested"} <= statuses
    assert result.payment_lists == PaymentList.objects.count() == 1
    assert Match.objects.filter(is_synthetic=True, match_type_id="ordinary_job_vaekstpilot").count() == result.started
    assert FollowUp.objects.exclude(outcome="").exists()
    assert not apps.exclude(person_name="").exists()

    deleted = demo_vaekstpilot_delete()

    assert deleted == {"vaekstpilot_applications": 12, "vaekstpilot_payment_lists": 1}
    assert (Application.objects.count(), PilotMonth.objects.count(), PaymentList.objects.count()) == (0, 0, 0)


def test_demo_without_users_does_nothing():
    result = demo_vaekstpilot_load(users={}, companies=[CompanyFactory()], rng=random.Random(1))

    assert (result.applications, Application.objects.count()) == (0, 0)
