"""Retention at the pilot's end and at the later follow-up, as of a date: retained / asked / open."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from viaviden.api.tests.conftest import client_for
from viaviden.organisations.models import User
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import FollowUp
from viaviden.vaekstpilot.selectors import pilot_figures

from .factories import make_application, partner_user

pytestmark = pytest.mark.django_db


def _answer(app, kind, outcome, day):
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    FollowUp.objects.filter(application=app, kind=kind).update(outcome=outcome, answered_at=at)


@pytest.fixture
def pilots():
    staff = partner_user()
    apps = [make_application(user=staff) for _ in range(4)]
    for app in apps:
        services.application_start(user=staff, application=app, version=None)
    end = FollowUp.objects.get(application=apps[0], kind="end").due_date
    later = FollowUp.objects.get(application=apps[0], kind="later").due_date
    _answer(apps[0], "end", "same_company", end + dt.timedelta(days=2))
    _answer(apps[0], "later", "other_company", later + dt.timedelta(days=1))
    _answer(apps[1], "end", "not_employed", end + dt.timedelta(days=1))
    _answer(apps[2], "end", "unknown", end + dt.timedelta(days=10))
    return end, later


def _rows(figures):
    return {k: (figures[k]["retained"], figures[k]["asked"], figures[k]["share"], figures[k]["unanswered"],
                figures[k]["open"]) for k in ("end", "later")}


def test_retention_as_of_dates(pilots, programme):
    end, later = pilots
    assert later.month - end.month in (3, -9)  # three months after the end (the rule's follow_up_months)
    assert _rows(pilot_figures(programme, as_of=end - dt.timedelta(days=1))) == {
        "end": (0, 0, None, 0, 4), "later": (0, 0, None, 0, 4)}
    assert _rows(pilot_figures(programme, as_of=end + dt.timedelta(days=5))) == {
        "end": (1, 2, 50.0, 2, 0), "later": (0, 0, None, 0, 4)}
    figures = pilot_figures(programme, as_of=later + dt.timedelta(days=1))
    assert _rows(figures) == {"end": (1, 3, 33.3, 1, 0), "later": (1, 1, 100.0, 3, 0)}
    assert (figures["target_pct"], figures["later_months"]) == (88, 3)


def test_retention_on_the_overview_and_through_the_api(pilots, staff_client, user_factory):
    end, later = pilots
    as_of = (later + dt.timedelta(days=1)).isoformat()
    steering = user_factory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")
    html = staff_client(steering).get(reverse("vaekstpilot_figures_fragment"), {"as_of": as_of}).content.decode()
    assert 'data-testid="vp-retention-later"' in html and "100,0 %" in html and "33,3 %" in html
    staff = user_factory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-thisted")
    assert staff_client(staff).get(reverse("vaekstpilot_list")).status_code == 200
    body = client_for(steering).get("/api/vaekstpilot/retention", {"as_of": as_of}).json()
    assert (body["end"]["asked"], body["end"]["retained"], body["later"]["share"]) == (3, 1, 100.0)
