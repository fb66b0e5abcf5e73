"""The report's figures: counted from the registrations as of the cut-off, per kind and subject."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viaviden.matches.models import Match
from viaviden.matches.tests.factories import make_match
from viaviden.reports.services import report_build

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 12, 31)


def figures(report, section):
    return {f["key"]: f["value"] for s in report["sections"] if s["key"] == section for f in s["figures"]}


def table(report, key):
    return next(t for s in report["sections"] for t in s["tables"] if t["key"] == key)


def row(report, table_key, key):
    return next(r for r in table(report, table_key)["rows"] if r["values"].get("key") == key)


def test_matches_after_the_cut_off_and_rejected_ones_do_not_count(programme):
    make_match(start_date=dt.date(2021, 3, 1))
    make_match(start_date=dt.date(2021, 12, 31), status="verified")
    make_match(start_date=dt.date(2022, 1, 1))  # after the cut-off
    make_match(start_date=dt.date(2021, 5, 1), status="rejected")

    report = report_build(kind="yearly", as_of=AS_OF)

    head = figures(report, "summary")
    assert head["actual"] == 2
    assert head["verified"] == 1
    assert head["target"] == 2000
    assert head["pct"] == 0.1
    # 549 of the period's 1,095 days have passed on 31-12-2021: 2,000 × 549/1,095 = 1,002.7
    assert head["expected"] == 1003
    assert head["projection"] == 4  # 2 × 1,095 / 549
    assert report["as_of"] == "2021-12-31"
    assert row(report, "municipalities", "787")["values"]["actual"] == 2


def test_outside_aalborg_share_and_tables_by_partner_type_level_year(programme):
    make_match(organisation="aau", municipality="851", match_type="student_job", level="LVU",
               start_date=dt.date(2020, 9, 1))
    make_match(organisation="aau", municipality="787", match_type="student_job", level="LVU",
               start_date=dt.date(2021, 9, 1))
    make_match(start_date=dt.date(2021, 2, 1))

    report = report_build(kind="yearly", as_of=AS_OF)

    assert figures(report, "summary")["outside_aalborg_pct"] == 66.7
    aau = row(report, "partners", "aau")
    assert aau["values"]["actual"] == 2
    assert aau["filter"] == {"programme": programme.slug, "start_date_to": "2021-12-31", "partner": "aau"}
    assert row(report, "match_types", "student_job")["values"]["actual"] == 2
    assert row(report, "levels", "LVU")["values"]["actual"] == 2
    years = {r["values"]["key"]: r["values"] for r in table(report, "project_years")["rows"]}
    assert years[2020]["actual"] == 2 and years[2021]["actual"] == 1
    assert sum(y["target"] for y in years.values()) == 2000


def test_municipality_sheet_counts_the_municipal_part_with_the_workplace_there(programme):
    make_match(organisation="jobcenter-hjoerring", municipality="787", start_date=dt.date(2021, 3, 1))
    make_match(organisation="aau", municipality="787", start_date=dt.date(2021, 3, 1))
    make_match(organisation="jobcenter-hjoerring", municipality="860", start_date=dt.date(2021, 3, 1))

    report = report_build(kind="municipality", subject="787", as_of=AS_OF)

    head = figures(report, "summary")
    assert head["actual"] == 1  # municipal registrations with the workplace in Thisted
    assert head["all_actual"] == 2  # every match with the workplace in Thisted
    assert report["subject"] == {"type": "municipality", "code": "787", "name": "Thisted"}
    assert "vaekstpilot" not in [s["key"] for s in report["sections"]]


def test_partner_sheet_and_english_variant(programme):
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 3, 1))
    make_match(start_date=dt.date(2021, 3, 1))

    report = report_build(kind="partner", subject="aau", as_of=AS_OF, language="en")

    assert figures(report, "summary")["actual"] == 1
    assert report["language"] == "en"
    assert report["sections"][0]["title"] == "Key figures"


def test_unknown_subject_is_a_clear_error(programme):
    from viaviden.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="Ukendt kommune"):
        report_build(kind="municipality", subject="999", as_of=AS_OF)
    with pytest.raises(ValidationFailed, match="kommunekode eller partner"):
        report_build(kind="partner", as_of=AS_OF)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(
    st.sampled_from(["jobcenter-hjoerring", "aau", "jobcenter-aalborg", "ucn"]),
    st.sampled_from(["787", "851", "860"]),
    st.sampled_from(["ordinary_job", "student_job", "company_internship"]),
    st.integers(min_value=0, max_value=1000),
    st.sampled_from(["registered", "verified", "rejected"]),
), max_size=12))
def test_every_figure_equals_a_recount_from_the_rows(programme, rows):
    Match.objects.all().delete()
    for org, muni, mtype, offset, status in rows:
        make_match(organisation=org, municipality=muni, match_type=mtype, status=status,
                   start_date=programme.start_date + dt.timedelta(days=offset))
    as_of = dt.date(2022, 3, 31)

    report = report_build(kind="yearly", as_of=as_of)

    counted = Match.objects.filter(start_date__lte=as_of).exclude(status="rejected")
    assert figures(report, "summary")["actual"] == counted.count()
    assert figures(report, "summary")["verified"] == counted.filter(status="verified").count()
    for r in table(report, "match_types")["rows"]:
        assert r["values"]["actual"] == counted.filter(match_type_id=r["values"]["key"]).count()
    for r in table(report, "partners")["rows"]:
        assert r["values"]["actual"] == counted.filter(partner__slug=r["values"]["key"]).count()
    for r in table(report, "municipalities")["rows"]:
        assert r["values"]["all_actual"] == counted.filter(municipality_id=r["values"]["key"]).count()
        assert r["values"]["actual"] == counted.filter(municipality_id=r["values"]["key"],
                                                       target_part="municipal").count()
    outside = counted.filter(outside_aalborg=True).count()
    total = counted.count()
    assert figures(report, "summary")["outside_aalborg_pct"] == (round(100 * outside / total, 1) if total else 0.0)


def test_knowledge_share_on_a_sheet_counts_the_subjects_own_events_and_matches(programme):
    """The partner's and the municipality's sheets show the knowledge share from the events their
    organisations led and the matches they registered, not the programme's share."""
    from .helpers import company_survey, held_event

    aau_event = held_event(type="project_bourse", organiser="aau", day=dt.date(2021, 2, 1), attended=2)
    company_survey(event=aau_event, answered=dt.date(2021, 2, 10), gained_knowledge=True)
    company_survey(event=aau_event, answered=dt.date(2021, 2, 11), gained_knowledge=True)
    jc_event = held_event(type="morning_meeting", organiser="jobcenter-hjoerring", day=dt.date(2021, 3, 1), attended=1)
    company_survey(event=jc_event, answered=dt.date(2021, 3, 5), gained_knowledge=True)
    company_survey(event=jc_event, answered=dt.date(2021, 3, 6), gained_knowledge=False)
    match = make_match(organisation="jobcenter-hjoerring", start_date=dt.date(2021, 4, 1))
    company_survey(match=match, answered=dt.date(2021, 5, 1), gained_knowledge=False)

    whole = figures(report_build(kind="yearly", as_of=AS_OF), "events")
    assert (whole["knowledge_pct"], whole["knowledge_answered"], whole["held"]) == (60.0, 5, 2)
    aau = figures(report_build(kind="partner", subject="aau", as_of=AS_OF), "events")
    assert (aau["knowledge_pct"], aau["knowledge_answered"], aau["held"]) == (100.0, 2, 1)
    hjoerring = figures(report_build(kind="municipality", subject="860", as_of=AS_OF), "events")
    assert (hjoerring["knowledge_pct"], hjoerring["knowledge_answered"], hjoerring["held"]) == (33.3, 3, 1)
    # As of a date before the match's survey was answered, only the event's two answers count.
    early = figures(report_build(kind="municipality", subject="860", as_of=dt.date(2021, 3, 31)), "events")
    assert (early["knowledge_pct"], early["knowledge_answered"]) == (50.0, 2)
