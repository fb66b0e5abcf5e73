"""The seed's budget table (5.1.4.1) reproduced from the configuration; the command; the reference loader."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from viaviden.reference.loader import DATA_DIR
from viaviden.vaekstpilot import budget, services
from viaviden.vaekstpilot.loader import load_vaekstpilot_config
from viaviden.vaekstpilot.models import SchemeRule

from .factories import lead_user, make_application

pytestmark = pytest.mark.django_db


def test_the_rule_from_the_file_holds_the_seeds_numbers():
    rule = services.current_rule()

    assert (rule.slug, rule.lead_organisation.slug) == ("nordjysk-vaekstpilot-2020-2023", "erhvervshus-nordjylland")
    assert (rule.subsidy_share_percent, rule.monthly_cap_ore, rule.months, rule.internship_weeks) == (50, 1_250_000, 4, 4)
    assert (rule.wage_subsidy_months, rule.pilots_per_year, rule.pilots_per_year_max) == (6, 50, 75)
    assert (rule.budget_per_pilot_ore, rule.overhead_per_pilot_ore, rule.deb_share_max_percent) == (
        10_000_000, 4_600_000, 50)
    assert sorted(lv.code for lv in rule.education_levels.all()) == ["KVU", "LVU", "MVU"]
    assert rule.municipalities.count() == 11
    assert (rule.continuing_target_percent, rule.follow_up_months, rule.budget_scenarios) == (88, 3, [150, 225])


def test_150_pilots_reproduce_the_seeds_column():
    s = budget.scenario(services.current_rule(), 150)

    assert (s.total_ore, s.deb_ore, s.own_payment_ore, s.remaining_ore) == (
        2_190_000_000, 1_095_000_000, 750_000_000, 345_000_000)


def test_225_pilots_reproduce_the_seeds_column():
    s = budget.scenario(services.current_rule(), 225)

    assert (s.total_ore, s.deb_ore, s.own_payment_ore, s.remaining_ore) == (
        3_285_000_000, 1_642_500_000, 1_125_000_000, 517_500_000)


def test_the_scenarios_follow_the_configuration():
    rule = services.current_rule()
    rule.overhead_per_pilot_ore = 5_000_000
    rule.deb_share_max_percent = 40

    s = budget.scenario(rule, 100)

    assert (s.total_ore, s.deb_ore, s.own_payment_ore, s.remaining_ore) == (
        1_500_000_000, 600_000_000, 500_000_000, 400_000_000)


def test_the_budget_command_prints_the_seeds_figures():
    out = io.StringIO()

    call_command("vaekstpilot_budget", stdout=out)

    text = out.getvalue()
    lines = text.splitlines()
    assert "Ved 150 vækstpiloter" in lines[3] and "Ved 225 vækstpiloter" in lines[3]
    assert lines[4].split() == ["Samlede", "udgifter", "Kr.", "21.900.000", "Kr.", "32.850.000"]
    assert lines[5] == "Heraf finansieringsbehov:"
    assert lines[6].split()[-4:] == ["Kr.", "10.950.000", "Kr.", "16.425.000"]
    assert lines[6].strip().startswith("DEB (ved støtteprocent på max. 50 %)")
    assert lines[7].split() == ["Virksomhedernes", "egenbetaling", "Kr.", "7.500.000", "Kr.", "11.250.000"]
    assert lines[8].split() == ["Resterende", "finansieringsbehov", "Kr.", "3.450.000", "Kr.", "5.175.000"]
    assert "Faktisk (Vækst Via Viden 2.0): 0 bevilget" in text


def test_the_budget_command_takes_any_number_of_pilots_and_shows_actual_spend():
    make_application(user=lead_user())
    out = io.StringIO()

    call_command("vaekstpilot_budget", "--pilots", "150", "--pilots", "10", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[4].split() == ["Samlede", "udgifter", "Kr.", "21.900.000", "Kr.", "1.460.000"]
    assert "1 bevilget" in out.getvalue() and "tilskud bevilget 50.000,00 kr." in out.getvalue()
    with pytest.raises(CommandError):
        call_command("vaekstpilot_budget", "--pilots", "0", stdout=io.StringIO())


def test_the_loader_is_idempotent_and_leaves_a_rule_edited_in_the_ui_alone():
    assert load_vaekstpilot_config(DATA_DIR) == Counter()

    rule = SchemeRule.objects.get()
    services.scheme_rule_update(user=lead_user(), rule=rule, changes={"monthly_cap_ore": 1_300_000},
                                version=rule.version)
    assert load_vaekstpilot_config(DATA_DIR) == Counter()
    assert SchemeRule.objects.get().monthly_cap_ore == 1_300_000


def test_the_loader_corrects_a_rule_nobody_edited():
    SchemeRule.objects.update(monthly_cap_ore=1)

    stats = load_vaekstpilot_config(DATA_DIR)

    assert stats == Counter({"schemerule.updated": 1})
    assert SchemeRule.objects.get().monthly_cap_ore == 1_250_000


def test_a_rule_edit_is_validated_and_audited():
    from auditlog.models import LogEntry

    rule = SchemeRule.objects.get()
    with pytest.raises(services.ValidationFailed):
        services.scheme_rule_update(user=lead_user(), rule=rule, changes={"subsidy_share_percent": 120},
                                    version=rule.version)
    with pytest.raises(services.Forbidden):
        from .factories import partner_user

        services.scheme_rule_update(user=partner_user(), rule=rule, changes={"months": 5}, version=None)

    services.scheme_rule_update(user=lead_user(), rule=rule, changes={"months": 5}, version=rule.version)

    rule.refresh_from_db()
    assert (rule.months, rule.subsidy_share_percent, rule.edited_in_ui, rule.version) == (5, 50, True, 2)
    latest = LogEntry.objects.get_for_object(rule).filter(action=LogEntry.Action.UPDATE).order_by("-pk").first()
    assert latest.changes_dict["months"] == ["4", "5"]


def test_rules_may_not_overlap():
    rule = SchemeRule.objects.get()
    other = SchemeRule.objects.create(
        slug="senere", name="Senere", valid_from="2023-07-01", lead_organisation=rule.lead_organisation,
        subsidy_share_percent=50, monthly_cap_ore=1, months=4, wage_subsidy_months=6, pilots_per_year=1,
        budget_per_pilot_ore=1, overhead_per_pilot_ore=1, deb_share_max_percent=50, continuing_target_percent=88,
        follow_up_months=3, source="test", source_year=2023)

    with pytest.raises(services.ValidationFailed) as exc:
        services.scheme_rule_update(user=lead_user(), rule=other, changes={"valid_from": rule.valid_to},
                                    version=None)

    assert exc.value.code == "rule_overlap"
