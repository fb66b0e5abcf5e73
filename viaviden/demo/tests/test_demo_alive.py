"""The demo is alive the first minute (issue 14 item 5, issue 11 items 6 and 7): a synthetic current period
with today in it, suggestions for most needs, bourses ready to run, events on working days, cases about their
own company, Vækstpilot matches only from started pilots, and a Danish summary."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from viaviden.candidates.suggestions import suggestions_for_need
from viaviden.cases.demo import INDUSTRY_WORDS
from viaviden.cases.models import Case
from viaviden.companies.models import Need
from viaviden.core.workdays import is_working_day
from viaviden.demo import loader as demo
from viaviden.demo.programme import SYNTHETIC_PROGRAMME_SLUG
from viaviden.events.bourse_services import bourse_run_create
from viaviden.events.models import BOURSE_TYPES, Event
from viaviden.matches.models import Match, Programme
from viaviden.matches.selectors import programme_or_current
from viaviden.organisations.models import User
from viaviden.vaekstpilot.models import Application

pytestmark = pytest.mark.django_db

N = 200


@pytest.fixture
def loaded():
    out = StringIO()
    call_command("load_demo_data", "--matches", str(N), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_synthetic_current_programme_contains_today_with_the_same_target_structure(loaded):
    today = timezone.localdate()
    current = programme_or_current()
    real = Programme.objects.get(slug="vvv-2-0")
    assert current.slug == SYNTHETIC_PROGRAMME_SLUG and current.is_synthetic and "Syntetisk" in current.name
    assert current.start_date <= today <= current.end_date
    # Vækst Via Viden 2.0 stays as it is.
    assert (real.start_date.isoformat(), real.end_date.isoformat(), real.is_synthetic) == ("2020-07-01", "2023-06-30",
                                                                                            False)
    assert (current.total_target, current.municipal_target, current.partner_target) == (
        real.total_target, real.municipal_target, real.partner_target)
    for kind in ("municipality", "partner"):
        assert sorted(current.targets.filter(kind=kind).values_list("value", flat=True)) == sorted(
            real.targets.filter(kind=kind).values_list("value", flat=True))
    assert sorted(current.activity_targets.values_list("code", "value")) == sorted(
        real.activity_targets.values_list("code", "value"))
    # In progress: matches up to today, none in the future.
    matches = Match.objects.filter(programme=current)
    assert matches.count() > 0 and not matches.filter(start_date__gt=today).exists()


def test_synthetic_programme_is_marked_in_the_ui(loaded, staff_client):
    client = staff_client(User.objects.get(username="koordinator"))
    page = client.get("/", follow=True).content.decode()
    assert "Syntetisk demoperiode" in page and "er også syntetisk" in page


def test_vaekstpilot_matches_only_from_started_applications(loaded):
    vp = Match.objects.filter(match_type_id="ordinary_job_vaekstpilot")
    started = Application.objects.filter(match__isnull=False)
    assert vp.count() == started.count() > 0
    assert set(vp.values_list("pk", flat=True)) == set(started.values_list("match_id", flat=True))
    # Pilots in the current period too (granted, and started where the start date has come).
    assert started.filter(programme__is_synthetic=True).exists()


def test_suggestions_exist_for_most_needs(loaded):
    user = User.objects.get(username="koordinator")
    needs = list(Need.objects.filter(is_synthetic=True))
    with_suggestions = sum(1 for need in needs if suggestions_for_need(user, need))
    assert needs and with_suggestions / len(needs) >= 0.75, (with_suggestions, len(needs))


def test_suggestion_page_shows_candidates(loaded, staff_client):
    client = staff_client(User.objects.get(username="koordinator"))
    user = User.objects.get(username="koordinator")
    need = next(n for n in Need.objects.filter(is_synthetic=True).order_by("pk") if suggestions_for_need(user, n))
    response = client.get(f"/forslag/behov/{need.pk}/")
    assert response.status_code == 200
    assert "Ingen kandidater passer til behovet" not in response.content.decode()
    assert response.context["suggestions"]


def test_bourses_are_ready_to_run(loaded):
    bourses = Event.objects.filter(is_synthetic=True, type__in=BOURSE_TYPES, status=Event.Status.PUBLISHED)
    assert bourses.count() >= 2
    for event in bourses:
        assert event.bourse_cases.filter(status="published").count() >= 5
        assert event.bourse_participants.filter(preferences__isnull=False).distinct().count() >= 10
        run = bourse_run_create(user=User.objects.get(username="koordinator"), event=event, mode="stable",
                                time_limit=5)
        assigned = [a for a in run.result.get("assignment", run.result.get("assignments", [])) if a]
        assert run.pk and (assigned or run.result)


def test_events_on_working_days_and_named_by_their_season(loaded):
    events = Event.objects.filter(is_synthetic=True)
    assert events.count() >= 10
    for event in events:
        day = timezone.localtime(event.starts_at).date()
        assert is_working_day(day) and (day.month, day.day) not in ((12, 24), (12, 31)), event
        if "forår" in event.title:
            assert day.month <= 6, event
        if "efterår" in event.title:
            assert day.month >= 7, event
    # Spread over the year, not bunched.
    months = {timezone.localtime(e.starts_at).month for e in events}
    assert len(months) >= 8


def test_cases_are_about_their_company(loaded):
    cases = Case.objects.filter(is_synthetic=True).select_related("company", "industry")
    assert cases.exists()
    for case in cases:
        assert case.company is not None
        assert case.industry_id == case.company.industry_id
        assert case.company.name in case.body
        assert INDUSTRY_WORDS[case.company.industry_id] in case.body


def test_summary_is_danish_and_second_run_changes_nothing(loaded):
    assert "Syntetiske demodata indlæst" in loaded
    assert "kandidatprofiler med samtykke" in loaded and "klar til fordeling" in loaded
    assert "aktuelle programperiode er syntetisk" in loaded
    assert ".created" not in loaded and ".venv/bin/python manage.py totp_code" in loaded
    before = (Match.objects.count(), Programme.objects.count(), Event.objects.count())
    out = StringIO()
    call_command("load_demo_data", "--matches", str(N), stdout=out, stderr=StringIO())
    assert "intet ændret" in out.getvalue()
    assert (Match.objects.count(), Programme.objects.count(), Event.objects.count()) == before


def test_reset_removes_the_synthetic_period_and_gives_current_back(loaded):
    demo.demo_data_delete()
    assert not Programme.objects.filter(is_synthetic=True).exists()
    assert programme_or_current().slug == "vvv-2-0"
    assert not Match.objects.filter(is_synthetic=True).exists()


def test_reference_loader_prints_a_danish_summary():
    from viaviden.reference.management.commands.load_reference_data import summary

    lines = summary({"programmetaskarea.created": 346, "municipality.updated": 2, "programme.targets_computed": 1})
    text = "\n".join(lines)
    assert "346 koblinger mellem uddannelser og opgaveområder" in text and "2 kommuner" in text
    assert ".created" not in text


def test_a_real_match_in_the_synthetic_period_survives_a_reset(loaded):
    from viaviden.companies.models import Company
    from viaviden.matches.services import MatchData, match_register
    from viaviden.organisations.models import Organisation
    from viaviden.reference.models import EducationLevel, MatchType

    real = match_register(
        user=None, organisation=Organisation.objects.get(slug="jobcenter-hjoerring"),
        data=MatchData(company=Company.objects.filter(is_synthetic=True).order_by("cvr").first(),
                       match_type=MatchType.objects.get(code="ordinary_job"), start_date=timezone.localdate(),
                       education_level=EducationLevel.objects.get(code="LVU"), education="cand.merc."),
    ).match
    assert real.programme.is_synthetic

    call_command("load_demo_data", "--matches", str(N), "--reset", stdout=StringIO(), stderr=StringIO())

    assert Match.objects.filter(pk=real.pk, programme__slug=SYNTHETIC_PROGRAMME_SLUG).exists()
    assert programme_or_current().slug == SYNTHETIC_PROGRAMME_SLUG


def test_report_as_of_two_weeks_ago_shows_grants_and_published_cases(loaded):
    """The demo's history lies in the past (issue 11): grants, payments and publications are dated within the
    synthetic period, not at load time, so a report as of a fortnight ago has something to show."""
    import datetime as dt

    from viaviden.reports.content import build_report

    today = timezone.localdate()
    as_of = today - dt.timedelta(days=14)
    report = build_report(kind="yearly", as_of=as_of)
    sections = {s["key"]: s for s in report["sections"]}
    vp = {f["key"]: f["value"] for f in sections["vaekstpilot"]["figures"]}
    cases = {f["key"]: f["value"] for f in sections["cases"]["figures"]}
    assert vp["granted"] > 0 and vp["started"] > 0 and vp["approved_amount"] > 0
    assert cases["partners_covered"] > 0 and cases["municipalities_covered"] > 0
    current = programme_or_current()
    apps = Application.objects.filter(programme=current, granted_at__isnull=False)
    assert apps.exists()
    for app in apps:  # granted in the period, before the pilot starts, never in the future
        granted = timezone.localtime(app.granted_at).date()
        assert current.start_date <= granted <= min(app.start_date, today)
    published = Case.objects.filter(is_synthetic=True, published_at__isnull=False)
    dates = sorted(timezone.localtime(c.published_at).date() for c in published)
    assert dates[0] < as_of and dates[-1] < today and len(set(dates)) > 1
