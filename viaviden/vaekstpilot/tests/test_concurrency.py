"""The proof that concurrent applications never get more pilots or money than funded: 50 applications fired
at once, each in its own thread and database connection, for the last 3 places of a project year.

PostgreSQL runs the transactions truly in parallel; the project year's Quota row (`select_for_update`)
serialises the grants. SQLite serialises every write transaction anyway, so the race cannot happen there
and the test is skipped."""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.db.models import Sum

from viaviden.matches.tests.factories import CompanyFactory
from viaviden.reference.loader import DATA_DIR, load_reference_data
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.loader import load_vaekstpilot_config
from viaviden.vaekstpilot.models import PLACE_STATUSES, Application, Quota

from .factories import application_data, make_application, partner_user, set_quota

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises all writes, so there is no "
                                               "race to prove (run with DATABASE_URL=postgres://...)"),
]

FUNDED, ALREADY_GRANTED, CONCURRENT = 10, 7, 50


def test_fifty_concurrent_applications_for_the_last_three_places_grant_exactly_three(transactional_db):
    load_reference_data()  # transactional tests start from an empty database
    load_vaekstpilot_config(DATA_DIR)
    set_quota(funded_pilots=FUNDED)
    staff = partner_user()
    for _ in range(ALREADY_GRANTED):
        make_application(user=staff)
    inputs = [application_data(company=CompanyFactory()) for _ in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)
    created: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def apply(data):
        try:
            barrier.wait(timeout=30)
            app = services.application_create(user=staff, data=data)
            with lock:
                created.append(app.pk)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply, args=(data,)) for data in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert len(created) == CONCURRENT
    fired = Application.objects.filter(pk__in=created)
    granted = fired.filter(status=Application.Status.GRANTED)
    assert granted.count() == FUNDED - ALREADY_GRANTED == 3
    assert fired.filter(status=Application.Status.WAITING).count() == CONCURRENT - 3
    # The whole year: never more places or money than funded.
    quota = Quota.objects.get(project_year=2020)
    year = Application.objects.filter(project_year=2020, status__in=PLACE_STATUSES)
    assert year.count() == FUNDED
    assert year.aggregate(s=Sum("reserved_amount_ore"))["s"] <= quota.funded_amount_ore
    # Arrival numbers are unique and gapless, and the granted ones arrived first (first come, first served).
    sequences = sorted(fired.values_list("sequence", flat=True))
    assert sequences == list(range(ALREADY_GRANTED + 1, ALREADY_GRANTED + CONCURRENT + 1))
    assert sorted(granted.values_list("sequence", flat=True)) == sequences[:3]
    assert quota.last_sequence == ALREADY_GRANTED + CONCURRENT
