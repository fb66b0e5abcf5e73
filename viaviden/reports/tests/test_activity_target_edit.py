"""Coordinators edit activity targets (value, upper value, per-year flag, years, title) on the targets page
and through the API; every change is audited; partner staff, the steering group and anonymous may not."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from viaviden.api.tests.conftest import ApiClient
from viaviden.api.tests.conftest import client_for as api_client_for
from viaviden.matches.models import ActivityTarget
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db


def _target(programme, code="theme-day-staff") -> ActivityTarget:
    return ActivityTarget.objects.get(programme=programme, code=code)


def _entries(at: ActivityTarget):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(ActivityTarget),
                                   object_pk=str(at.pk))


def _post(client, at, **overrides):
    data = {"programme": at.programme.slug, "title_da": at.title_da, "title_en": at.title_en, "value": "75",
            "value_max": "", "per_project_year": "on", "years": "2021, 2022"}
    data.update(overrides)
    return client.post(reverse("activity_target_edit", args=[at.pk]), {k: v for k, v in data.items() if v is not None})


def test_coordinator_edits_on_the_targets_page_and_the_change_is_audited(programme):
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    at = _target(programme)
    client = login_verified(Client(), coordinator)
    page = client.get(reverse("targets")).content.decode()
    assert f'data-testid="activity-target-form-{at.code}"' in page
    response = _post(client, at, title_da="Temadag for medarbejdere")
    assert response.status_code == 302
    at.refresh_from_db()
    assert (at.value, at.per_project_year, at.years, at.title_da) == (75, True, [2021, 2022], "Temadag for medarbejdere")
    entry = _entries(at).latest("timestamp")
    assert entry.actor == coordinator
    assert set(entry.changes_dict) >= {"value", "years", "title_da"}
    # The figures follow: only the chosen years, each against 75.
    rows = client.get(reverse("targets")).content.decode()
    assert 'data-code="theme-day-staff" data-year="2020"' not in rows
    assert 'data-code="theme-day-staff" data-year="2021"' in rows


def test_bad_input_is_refused_with_a_message_and_nothing_saved(programme):
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    at = _target(programme)
    client = login_verified(Client(), coordinator)
    before = (at.value, at.value_max, at.years)
    response = _post(client, at, value="80", value_max="10")
    assert response.status_code == 422
    assert "Det øvre måltal må ikke være mindre end måltallet." in response.content.decode()
    response = _post(client, at, years="2019")
    assert response.status_code == 422
    assert "Projektår uden for programperioden: 2019." in response.content.decode()
    at.refresh_from_db()
    assert (at.value, at.value_max, at.years) == before
    assert not _entries(at).filter(action=LogEntry.Action.UPDATE).exists()


@pytest.mark.parametrize(
    ("role", "organisation"),
    [(User.Role.PARTNER_STAFF, "ucn"), (User.Role.PARTNER_LEAD, "ucn"), (User.Role.STEERING_GROUP, "kkr-nordjylland")],
)
def test_only_coordinators_may_edit(programme, role, organisation):
    at = _target(programme, "ucn-bourses-held")
    user = UserFactory(organisation=organisation, role=role)
    response = _post(login_verified(Client(), user), at, value="1")
    assert response.status_code == 403
    api = api_client_for(user).patch(f"/api/activity-targets/{at.code}", {"value": 1})
    assert api.status_code == 403
    at.refresh_from_db()
    assert at.value == 8


def test_anonymous_is_sent_to_login_and_the_api_says_401(programme):
    at = _target(programme)
    response = _post(Client(), at)
    assert response.status_code == 302 and "login" in response["Location"]
    assert ApiClient().patch(f"/api/activity-targets/{at.code}", {"value": 1}).status_code == 401
    assert ApiClient().get("/api/activity-targets").status_code == 401
    at.refresh_from_db()
    assert at.value == 70


def test_coordinator_edits_through_the_api_audited(programme):
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    at = _target(programme, "vaekstpilot-pilots")
    api = api_client_for(coordinator)
    response = api.patch(f"/api/activity-targets/{at.code}", {"value": 160, "value_max": 230})
    assert response.status_code == 200
    body = response.json()
    assert (body["target"], body["target_max"], body["measure"]) == (160, 230, "vaekstpilot_started")
    at.refresh_from_db()
    assert (at.value, at.value_max) == (160, 230)
    assert _entries(at).latest("timestamp").actor == coordinator
    bad = api.patch(f"/api/activity-targets/{at.code}", {"value": 300, "value_max": 230})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_target"
    assert api.patch("/api/activity-targets/no-such", {"value": 1}).status_code == 404
    at.refresh_from_db()
    assert at.value == 160


def test_everyone_on_staff_reads_the_activity_targets_through_the_api(programme):
    steering = UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)
    rows = api_client_for(steering).get("/api/activity-targets", {"as_of": "2022-06-30"}).json()
    assert {r["code"] for r in rows} == set(ActivityTarget.objects.filter(programme=programme)
                                           .values_list("code", flat=True))
