"""Every eligibility rule: passes when met, fails with its own clear Danish reason, and reads its parameter
from the scheme rule (no literals)."""

import datetime as dt

import pytest

from viaviden.reference.models import EducationLevel, Municipality
from viaviden.vaekstpilot import eligibility
from viaviden.vaekstpilot.eligibility import RULE_CODES, Facts
from viaviden.vaekstpilot.models import Application, SchemeRule
from viaviden.vaekstpilot.services import current_rule

from .factories import application_data, make_application

START = dt.date(2021, 3, 1)


@pytest.fixture
def rule(db) -> SchemeRule:
    return current_rule()


def facts(**overrides) -> Facts:
    values = {
        "start_date": START, "education_level_code": "MVU", "workplace_municipality_code": "787",
        "company_is_private": True, "graduation_date": dt.date(2021, 1, 20),
        "unemployment_start": dt.date(2021, 2, 1),
    }
    values.update(overrides)
    return Facts(**values)


def codes(rule, **overrides) -> list[str]:
    return [f.code for f in eligibility.check(rule, facts(**overrides))]


def test_an_ordinary_application_meets_every_rule(rule):
    assert eligibility.check(rule, facts()) == []


def test_the_rules_are_the_documented_ones():
    assert RULE_CODES == ("education_level", "graduated", "unemployed_at_start", "wage_subsidy_entitled",
                          "workplace_region", "private_company", "internship_required", "internship_length",
                          "internship_before_start")


@pytest.mark.parametrize("level", ["KVU", "MVU", "LVU"])
def test_all_three_levels_are_covered(rule, level):
    assert codes(rule, education_level_code=level) == []


def test_a_level_the_rule_does_not_cover_fails_with_the_covered_levels(rule):
    rule.education_levels.set(EducationLevel.objects.filter(code__in=["MVU", "LVU"]))

    [failure] = eligibility.check(rule, facts(education_level_code="KVU"))

    assert (failure.code, failure.field) == ("education_level", "education_level")
    assert failure.message == "Uddannelsesniveauet KVU er ikke omfattet. Ordningen gælder LVU, MVU."


def test_graduating_after_the_start_date_fails(rule):
    [failure] = eligibility.check(rule, facts(graduation_date=dt.date(2021, 6, 1)))

    assert failure.code == "graduated"
    assert failure.message == "Personen skal være færdiguddannet før startdatoen (dimission 01-06-2021, start 01-03-2021)."


def test_graduating_on_the_start_date_passes(rule):
    assert codes(rule, graduation_date=START) == []


def test_a_person_not_yet_unemployed_at_the_start_fails(rule):
    [failure] = eligibility.check(rule, facts(unemployment_start=dt.date(2021, 4, 1)))

    assert failure.code == "unemployed_at_start"
    assert "Personen skal være ledig, når forløbet starter (ledig fra 01-04-2021, start 01-03-2021)." == failure.message


def test_unemployed_six_months_at_the_start_means_wage_subsidy_and_not_vaekstpilot(rule):
    [failure] = eligibility.check(rule, facts(unemployment_start=dt.date(2020, 9, 1)))

    assert (failure.code, failure.field) == ("wage_subsidy_entitled", "unemployment_start")
    assert failure.message == (
        "Personen har på startdatoen været ledig i mindst 6 måneder (siden 01-09-2020) og har dermed ret til "
        "løntilskud. Vækstpiloten er for ledige, der ikke har ret til løntilskud; brug løntilskud i stedet, eller "
        "start senest 28-02-2021."
    )


def test_unemployed_one_day_less_than_six_months_is_eligible(rule):
    assert codes(rule, unemployment_start=dt.date(2020, 9, 2)) == []


def test_the_wage_subsidy_threshold_is_the_rules(rule):
    rule.wage_subsidy_months = 3

    assert codes(rule, unemployment_start=dt.date(2020, 12, 1)) == ["wage_subsidy_entitled"]
    assert codes(rule, unemployment_start=dt.date(2020, 12, 2)) == []


def test_a_workplace_outside_the_rules_municipalities_fails(rule):
    rule.municipalities.set(Municipality.objects.exclude(code="825"))

    [failure] = eligibility.check(rule, facts(workplace_municipality_code="825"))

    assert (failure.code, failure.field) == ("workplace_region", "postal_code")
    assert failure.message == "Arbejdsstedet skal ligge i en af de nordjyske kommuner, som ordningen dækker."


def test_a_public_workplace_fails_when_the_rule_covers_private_companies_only(rule):
    assert codes(rule, company_is_private=False) == ["private_company"]
    rule.private_only = False
    assert codes(rule, company_is_private=False) == []


def test_an_internship_is_optional_unless_the_rule_requires_it(rule):
    assert codes(rule) == []
    rule.internship_required = True

    [failure] = eligibility.check(rule, facts())

    assert failure.code == "internship_required"
    assert failure.message == "Forløbet skal indledes med en virksomhedspraktik på højst 4 uger."


def test_a_four_week_internship_just_before_the_start_passes(rule):
    assert codes(rule, internship_start=dt.date(2021, 2, 1), internship_end=dt.date(2021, 2, 28)) == []


def test_an_internship_longer_than_the_rules_weeks_fails(rule):
    [failure] = eligibility.check(rule, facts(internship_start=dt.date(2021, 1, 25), internship_end=dt.date(2021, 2, 28)))

    assert failure.code == "internship_length"
    assert failure.message == ("Virksomhedspraktikken forud for forløbet må højst vare 4 uger (28 dage); den varer "
                               "35 dage.")


def test_an_internship_that_does_not_end_before_the_start_fails(rule):
    [failure] = eligibility.check(rule, facts(internship_start=dt.date(2021, 2, 10), internship_end=START))

    assert failure.code == "internship_before_start"
    assert failure.message == ("Virksomhedspraktikken skal ligge før forløbet: den skal slutte senest dagen før "
                               "startdatoen 01-03-2021.")


def test_every_failed_rule_is_reported_at_once(rule):
    assert codes(rule, education_level_code="XYZ", graduation_date=dt.date(2021, 5, 1),
                 unemployment_start=dt.date(2020, 1, 1), company_is_private=False) == [
        "education_level", "graduated", "wage_subsidy_entitled", "private_company"]


def test_an_ineligible_application_is_saved_with_its_reasons_and_not_queued(db):
    app = make_application(unemployment_start=dt.date(2020, 8, 1), company_is_private=False)

    assert app.status == Application.Status.INELIGIBLE
    assert [f["code"] for f in app.failed_rules] == ["wage_subsidy_entitled", "private_company"]
    assert (app.sequence, app.granted_at, app.months.count()) == (None, None, 0)


def test_reasons_are_stored_in_danish_whatever_the_request_language(db):
    from django.utils import translation

    with translation.override("en"):
        app = make_application(company_is_private=False)

    assert app.failed_rules[0]["message"] == "Ordningen gælder kun private virksomheder."


def test_application_data_helper_is_eligible(db):
    data = application_data()

    assert (data.education_level.code, data.start_date) == ("MVU", START)
