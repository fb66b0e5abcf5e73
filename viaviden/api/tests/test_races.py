"""Issue 13: concurrent requests that create the same new company (same CVR number) — `POST /api/companies`
and Vækstpilot applications — get the one company or a 409, never a server error.

PostgreSQL runs the transactions in parallel, so the second insert meets the unique key; SQLite serialises
writes, so there is no race to show there (the lost race itself is also tested on SQLite, deterministically,
in test_hardening.py)."""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from viaviden.companies.models import Company
from viaviden.organisations.models import ApiToken, User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.loader import DATA_DIR, load_reference_data

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises all writes"),
]
CONCURRENT = 12
NEW_CVR = "12345674"


def _fire(make_request):
    barrier = threading.Barrier(CONCURRENT)
    results, lock = [], threading.Lock()

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcome = make_request(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_post_companies_with_the_same_new_cvr(transactional_db):
    load_reference_data()
    user = UserFactory(username="race-hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    token = ApiToken.issue(user=user, name="race")[1]

    def post(i):
        return Client().post("/api/companies", {"cvr": NEW_CVR, "name": f"Kapløb {i} ApS", "municipality": "860"},
                             content_type="application/json", headers={"Authorization": f"Bearer {token}"})

    responses = _fire(post)
    statuses = sorted(r.status_code for r in responses)
    # Find-or-register: one registers it (201), every other request gets that same company (200).
    assert statuses == [200] * (CONCURRENT - 1) + [201]
    assert {r.json()["name"] for r in responses} == {Company.objects.get(cvr=NEW_CVR).name}
    assert Company.objects.filter(cvr=NEW_CVR).count() == 1


def test_concurrent_vaekstpilot_applications_for_the_same_new_company(transactional_db):
    from viaviden.vaekstpilot import services
    from viaviden.vaekstpilot.loader import load_vaekstpilot_config
    from viaviden.vaekstpilot.tests.factories import application_data, partner_user, set_quota

    load_reference_data()
    load_vaekstpilot_config(DATA_DIR)
    set_quota(funded_pilots=50)
    staff = partner_user()
    inputs = [application_data(cvr=NEW_CVR, company_name=f"Kapløb {i} ApS") for i in range(CONCURRENT)]

    results = _fire(lambda i: services.application_create(user=staff, data=inputs[i]))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert Company.objects.filter(cvr=NEW_CVR).count() == 1
    assert {app.company_id for app in results} == {Company.objects.get(cvr=NEW_CVR).pk}
