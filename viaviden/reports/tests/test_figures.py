"""The figures: every activity target from its one measure, as of a date; per-project-year evaluation; the
programme figures with pace and projection."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from viaviden.cases.models import Case
from viaviden.cases.tests.factories import make_case
from viaviden.matches.models import ActivityRegistration, ActivityTarget
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import Organisation
from viaviden.reports.figures import activity_target_figures, programme_figures
from viaviden.vaekstpilot import services as vp
from viaviden.vaekstpilot.models import FollowUp
from viaviden.vaekstpilot.tests.factories import make_application, partner_user

from .helpers import aware, company_survey, held_event

pytestmark = pytest.mark.django_db

END = dt.date(2023, 6, 30)


def _rows(programme, as_of=END, **kw):
    return {r["code"]: r for r in activity_target_figures(programme, as_of=as_of, **kw)}


def test_match_targets_count_the_partner_s_matches_of_the_activities_and_group(programme):
    make_match(organisation="aau", activity="bourse", match_type="student_project", municipality="851")
    make_match(organisation="aau", activity="bourse", match_type="ordinary_job")  # not a student collaboration
    make_match(organisation="ucn", activity="bourse", match_type="student_job")
    make_match(organisation="aau", activity="bourse", match_type="student_job", status="rejected")
    rows = _rows(programme)
    assert (rows["aau-bourse-matches"]["actual"], rows["aau-bourse-matches"]["share"]) == (1, 0.2)
    assert rows["aau-bourse-matches"]["measure"] == "matches"
    assert rows["ucn-bourse-matches"]["actual"] == 1
    assert rows["aka-job-matches"]["actual"] == 0


def test_a_jobcentre_s_target_counts_the_municipality_s_matches(programme):
    target = ActivityTarget.objects.create(
        programme=programme, code="jca-test", organisation=Organisation.objects.get(slug="jobcenter-aalborg"),
        title_da="t", title_en="t", unit="matches", value=10, match_activities=["job_search_course"], source="test",
    )
    make_match(organisation="erhvervskontor-aalborg", activity="job_search_course")
    make_match(organisation="central-matchningsenhed", activity="job_search_course")
    make_match(organisation="jobcenter-aalborg", activity="bourse")
    make_match(organisation="jobcenter-hjoerring", activity="job_search_course")
    assert _rows(programme)[target.code]["actual"] == 2


def test_events_held_and_participants_by_type_and_organiser_as_of(programme):
    held_event(type="talent_attraction", organiser="akademikernes-a-kasse", day=dt.date(2021, 3, 4), attended=12,
               signed_up_only=5)
    held_event(type="talent_attraction", organiser="akademikernes-a-kasse", day=dt.date(2022, 3, 4), attended=20)
    held_event(type="talent_attraction", organiser="aau", day=dt.date(2021, 3, 4), attended=30)  # other organiser
    held_event(type="meet_and_greet", organiser="akademikernes-a-kasse", day=dt.date(2021, 3, 4), attended=7)
    held_event(type="talent_attraction", organiser="akademikernes-a-kasse", day=dt.date(2021, 5, 4), attended=9,
               status="published")  # not held
    held_event(type="project_bourse", organiser="ucn", day=dt.date(2021, 2, 1))
    held_event(type="student_job_bourse", organiser="ucn", day=dt.date(2022, 2, 1))
    rows = _rows(programme)
    assert rows["aka-talent-attraction-events"]["actual"] == 2
    assert rows["aka-talent-attraction-members"]["actual"] == 32
    assert (rows["ucn-bourses-held"]["actual"], rows["ucn-bourses-held"]["share"]) == (2, 25.0)
    # As of the end of 2021 the second event has not happened yet.
    rows = _rows(programme, as_of=dt.date(2021, 12, 31))
    assert (rows["aka-talent-attraction-events"]["actual"], rows["aka-talent-attraction-members"]["actual"]) == (1, 12)
    assert rows["ucn-bourses-held"]["actual"] == 1


def test_the_theme_day_is_evaluated_per_project_year_never_summed(programme):
    held_event(type="theme_day", organiser="aau", day=dt.date(2021, 3, 10), attended=64)
    held_event(type="theme_day", organiser="ucn", day=dt.date(2022, 3, 10), attended=71)
    held_event(type="theme_day", organiser="aau", day=dt.date(2023, 3, 10), attended=69)
    row = _rows(programme)["theme-day-staff"]
    assert row["per_project_year"] is True
    assert [(y["year"], y["target"], y["actual"], y["share"], y["met"]) for y in row["years"]] == [
        (2020, 70, 64, 91.4, False), (2021, 70, 71, 101.4, True), (2022, 70, 69, 98.6, False)]
    # The headline is the project year of the cut-off (2022/23), not 204 of 70.
    assert (row["actual"], row["share"], row["current_year"]) == (69, 98.6, "2022/23")
    row = _rows(programme, as_of=dt.date(2021, 12, 1))["theme-day-staff"]
    assert (row["actual"], row["current_year"]) == (0, "2021/22")
    assert [y["actual"] for y in row["years"]] == [64, 0, 0]


def test_vaekstpilot_pilots_and_retention_come_from_the_scheme_not_from_typed_numbers(programme):
    staff = partner_user()
    started = [make_application(user=staff) for _ in range(3)]
    make_application(user=staff)  # granted, not started
    for app in started:
        vp.application_start(user=staff, application=app, version=app.version, today=dt.date(2021, 3, 1))
    outcomes = [FollowUp.Outcome.SAME_COMPANY, FollowUp.Outcome.OTHER_COMPANY, FollowUp.Outcome.NOT_EMPLOYED]
    for app, outcome in zip(started, outcomes, strict=True):
        fu = app.follow_ups.get(kind=FollowUp.Kind.END)
        vp.follow_up_record(follow_up=fu, outcome=outcome, user=staff)
    target = ActivityTarget.objects.get(programme=programme, code="vaekstpilot-continuing")
    ActivityRegistration.objects.create(activity_target=target, date=dt.date(2021, 6, 30), amount=85)  # ignored
    rows = _rows(programme, as_of=dt.date.today())
    assert (rows["vaekstpilot-pilots"]["measure"], rows["vaekstpilot-pilots"]["actual"]) == ("vaekstpilot_started", 3)
    retention = rows["vaekstpilot-continuing"]
    assert (retention["actual"], retention["numerator"], retention["denominator"]) == (66.7, 2, 3)
    # Before the pilots' start date nothing had started.
    assert _rows(programme, as_of=dt.date(2021, 2, 28))["vaekstpilot-pilots"]["actual"] == 0


def test_knowledge_share_from_company_surveys_answered_by_the_cut_off(programme):
    event = held_event(type="project_bourse", organiser="aau", day=dt.date(2021, 2, 1), attended=3)
    company_survey(event=event, answered=dt.date(2021, 2, 10), gained_knowledge=True)
    company_survey(event=event, answered=dt.date(2021, 2, 11), gained_knowledge=True)
    company_survey(event=event, answered=dt.date(2021, 3, 1), gained_knowledge=False)
    company_survey(event=event, answered=None, gained_knowledge=None)  # not answered
    row = _rows(programme)["aau-knowledge-gain"]
    assert (row["measure"], row["actual"], row["numerator"], row["denominator"], row["share"]) == (
        "knowledge_share", 66.7, 2, 3, 74.1)
    assert _rows(programme, as_of=dt.date(2021, 2, 20))["aau-knowledge-gain"]["actual"] == 100.0


def test_case_coverage_is_partners_with_a_published_case(programme):
    from viaviden.cases.selectors import coverage, coverage_partners

    partners = list(coverage_partners())
    case = make_case(publish=True, partners=[p.slug for p in partners[:2]])
    Case.objects.filter(pk=case.pk).update(published_at=aware(dt.date(2021, 5, 1)))
    make_case(partners=[partners[2].slug])  # a draft does not count
    row = _rows(programme)["case-platform-partners"]
    # The same figure as the coverage page (the author's partner counts too).
    page = next(t for t in coverage() if t.dimension == "partner")
    assert (row["numerator"], row["denominator"]) == (page.covered, len(page.rows)) == (3, len(partners))
    assert row["actual"] == round(100 * 3 / len(partners), 1)
    assert _rows(programme, as_of=dt.date(2021, 4, 30))["case-platform-partners"]["numerator"] == 0


def test_cohort_effect_is_not_measured_until_the_cohorts_app_exists(programme):
    row = _rows(programme)["jca-job-search-employed"]
    assert row["measure"] == "cohort_in_work"
    try:
        import viaviden.cohorts.selectors  # noqa: F401
    except ModuleNotFoundError:
        assert (row["actual"], row["share"], row["measured"]) == (None, None, False)
        assert "Måles endnu ikke" in row["note"]


def test_manual_registrations_count_up_to_the_cut_off(programme):
    target = ActivityTarget.objects.get(programme=programme, code="aka-workshop-invited")
    ActivityRegistration.objects.create(activity_target=target, date=dt.date(2021, 1, 5), amount=40)
    ActivityRegistration.objects.create(activity_target=target, date=dt.date(2022, 1, 5), amount=60)
    assert _rows(programme)["aka-workshop-invited"]["actual"] == 100
    assert _rows(programme, as_of=dt.date(2021, 12, 31))["aka-workshop-invited"]["actual"] == 40


def test_organisation_filter_keeps_the_partner_s_targets(programme):
    rows = _rows(programme, organisation=Organisation.objects.get(slug="ucn"))
    assert set(rows) == {"ucn-bourses-held", "ucn-bourse-matches", "ucn-regional-event-matches",
                         "ucn-meet-greet-matches"}


def test_programme_figures_honour_as_of_and_project_pace(programme):
    make_match(start_date=dt.date(2020, 9, 1))
    make_match(start_date=dt.date(2021, 3, 1), organisation="aau", municipality="851")
    make_match(start_date=dt.date(2022, 3, 1), status="verified")
    figures = programme_figures(programme, as_of=dt.date(2021, 6, 30))
    json.dumps(figures)  # serialisable as it is
    assert (figures["totals"]["actual"], figures["as_of"]) == (2, "2021-06-30")
    assert figures["period"]["elapsed_days"] == 365
    assert figures["projection"]["projected_total"] == round(2 * 1095 / 365)
    assert figures["outside_aalborg"]["count"] == 1
    assert programme_figures(programme, as_of=END)["totals"]["actual"] == 3
    scoped = programme_figures(programme, as_of=END, partner=Organisation.objects.get(slug="aau"))
    assert (scoped["totals"]["actual"], scoped["scope"]["partner"], scoped["scope"]["target"]) == (
        1, "aau", scoped["scope"]["target"])
    assert programme_figures(programme, as_of=END, municipality="787")["totals"]["actual"] == 2


def test_api_progress_takes_as_of_and_declares_it_in_openapi(programme):

    from viaviden.api.tests.conftest import client_for
    from viaviden.organisations.models import User
    from viaviden.organisations.tests.factories import UserFactory

    make_match(start_date=dt.date(2020, 9, 1))
    make_match(start_date=dt.date(2022, 9, 1))
    api = client_for(UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP))
    assert api.get("/api/progress", {"as_of": "2021-06-30"}).json()["totals"]["actual"] == 1
    body = api.get("/api/progress").json()
    assert body["totals"]["actual"] == 2 and body["as_of"] == dt.date.today().isoformat()
    assert api.get("/api/progress", {"as_of": "30-06-2021"}).status_code == 422
    schema = api.get("/api/openapi.json").json()
    params = {p["name"] for p in schema["paths"]["/api/progress"]["get"]["parameters"]}
    assert {"programme", "as_of"} <= params
    assert "/api/activity-targets/{code}" in schema["paths"]


def test_pages_and_exports_take_as_of(programme, staff_client, user_factory):
    from django.urls import reverse

    from viaviden.organisations.models import User

    make_match(start_date=dt.date(2020, 9, 1))
    make_match(start_date=dt.date(2022, 9, 1))
    held_event(type="theme_day", organiser="aau", day=dt.date(2021, 3, 10), attended=64)
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    page = client.get(reverse("dashboard"), {"as_of": "2021-06-30"})
    assert page.context["overview"]["totals"]["actual"] == 1
    assert "opgjort pr. 30-06-2021" in page.content.decode()
    assert client.get(reverse("dashboard"), {"as_of": "juni"}).status_code == 404
    body = client.get(reverse("dashboard_export", args=["totals", "csv"]), {"as_of": "2021-06-30"})
    assert "2021-06-30" in body["Content-Disposition"]
    lines = body.content.decode("utf-8-sig").splitlines()
    assert lines[1].split(";")[5] == "1"  # the whole programme: 1 match as of the cut-off
    activities = client.get(reverse("dashboard_export", args=["activities", "csv"]), {"as_of": "2021-06-30"})
    rows = [r.split(";") for r in activities.content.decode("utf-8-sig").splitlines()]
    theme = [r for r in rows if r[1] == "theme-day-staff"]
    assert [(r[3], r[7]) for r in theme] == [("2020/21", "64"), ("2020/21", "64"), ("2021/22", "0"), ("2022/23", "0")]
