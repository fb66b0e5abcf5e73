"""The subsidy arithmetic: periods, part months, cap, rounding, Danish formatting (no database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viaviden.vaekstpilot.calculation import (
    add_months,
    format_decimal_comma,
    format_dkk,
    grant_amount_ore,
    month_cap_ore,
    month_periods,
    monthly_subsidy_ore,
    months_between,
    parse_dkk,
    pilot_end,
    round_half_up,
)

CAP = 1_250_000  # 12.500 kr. in øre (the rule's value, passed in as the services do)


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(dt.date(2021, 1, 31), 1) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert add_months(dt.date(2020, 11, 15), 4) == dt.date(2021, 3, 15)
    assert add_months(dt.date(2021, 3, 1), -6) == dt.date(2020, 9, 1)


def test_a_four_month_pilot_ends_the_day_before_the_same_date_four_months_later():
    assert pilot_end(dt.date(2021, 3, 1), 4) == dt.date(2021, 6, 30)
    assert pilot_end(dt.date(2021, 3, 15), 4) == dt.date(2021, 7, 14)


def test_a_pilot_from_the_first_has_four_whole_calendar_months():
    periods = month_periods(dt.date(2021, 3, 1), dt.date(2021, 6, 30))

    assert [(p.month, p.start, p.end, p.days, p.month_days) for p in periods] == [
        (dt.date(2021, 3, 1), dt.date(2021, 3, 1), dt.date(2021, 3, 31), 31, 31),
        (dt.date(2021, 4, 1), dt.date(2021, 4, 1), dt.date(2021, 4, 30), 30, 30),
        (dt.date(2021, 5, 1), dt.date(2021, 5, 1), dt.date(2021, 5, 31), 31, 31),
        (dt.date(2021, 6, 1), dt.date(2021, 6, 1), dt.date(2021, 6, 30), 30, 30),
    ]


def test_a_pilot_from_the_middle_of_a_month_has_part_months_at_both_ends():
    periods = month_periods(dt.date(2021, 3, 15), dt.date(2021, 7, 14))

    assert [(p.start, p.end, p.days) for p in periods] == [
        (dt.date(2021, 3, 15), dt.date(2021, 3, 31), 17),
        (dt.date(2021, 4, 1), dt.date(2021, 4, 30), 30),
        (dt.date(2021, 5, 1), dt.date(2021, 5, 31), 31),
        (dt.date(2021, 6, 1), dt.date(2021, 6, 30), 30),
        (dt.date(2021, 7, 1), dt.date(2021, 7, 14), 14),
    ]


def test_the_subsidy_is_half_the_wage_below_the_cap():
    assert monthly_subsidy_ore(wage_ore=2_000_000, share_percent=50, cap_ore=CAP, days=31, month_days=31) == 1_000_000


def test_the_subsidy_is_capped_at_12500_a_month():
    assert monthly_subsidy_ore(wage_ore=3_000_000, share_percent=50, cap_ore=CAP, days=30, month_days=30) == CAP
    assert monthly_subsidy_ore(wage_ore=2_500_000, share_percent=50, cap_ore=CAP, days=30, month_days=30) == CAP


def test_a_part_month_has_the_cap_pro_rata_by_calendar_days():
    # 17 of 31 days of March: cap 12.500 × 17/31 = 6.854,84 kr.; the wage paid for 17 days is 16.451,61 kr.
    assert month_cap_ore(cap_ore=CAP, days=17, month_days=31) == 685_484
    assert monthly_subsidy_ore(wage_ore=1_645_161, share_percent=50, cap_ore=CAP, days=17, month_days=31) == 685_484
    # A low wage in a part month: half the wage, under the pro-rata cap.
    assert monthly_subsidy_ore(wage_ore=1_000_000, share_percent=50, cap_ore=CAP, days=17, month_days=31) == 500_000


def test_amounts_round_half_up_to_whole_ore():
    assert monthly_subsidy_ore(wage_ore=2_000_001, share_percent=50, cap_ore=CAP, days=31, month_days=31) == 1_000_001
    assert round_half_up(5, 2) == 3
    assert round_half_up(4, 3) == 1
    with pytest.raises(ValueError):
        round_half_up(1, 0)


def test_the_grant_is_the_stated_wage_in_every_month():
    assert grant_amount_ore(monthly_wage_ore=3_000_000, share_percent=50, cap_ore=CAP, months=4) == 5_000_000
    assert grant_amount_ore(monthly_wage_ore=2_000_000, share_percent=50, cap_ore=CAP, months=4) == 4_000_000


def test_months_between_counts_whole_calendar_months():
    assert months_between(dt.date(2021, 1, 15), dt.date(2021, 7, 14)) == 5
    assert months_between(dt.date(2021, 1, 15), dt.date(2021, 7, 15)) == 6
    assert months_between(dt.date(2021, 7, 15), dt.date(2021, 1, 15)) == -6


def test_danish_formatting():
    assert format_dkk(1_250_000) == "12.500,00 kr."
    assert format_dkk(2_190_000_000, decimals=False) == "21.900.000 kr."
    assert format_dkk(685_484) == "6.854,84 kr."
    assert format_dkk(-150) == "-1,50 kr."
    assert format_dkk(None) == "–"
    assert format_decimal_comma(685_484) == "6854,84"


@pytest.mark.parametrize(("text", "ore"), [
    ("32.000", 3_200_000), ("32000", 3_200_000), ("32.000,50", 3_200_050), ("32000,5", 3_200_050),
    ("32 000 kr.", 3_200_000), ("1.250.000", 125_000_000), ("12.5", 1250),
])
def test_parse_dkk_reads_kroner_as_danes_write_them(text, ore):
    assert parse_dkk(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "12,345", "-100", "1,2,3"])
def test_parse_dkk_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_dkk(text)


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    months=st.integers(min_value=1, max_value=12),
    wage=st.integers(min_value=0, max_value=20_000_000),
)
def test_the_months_tile_the_period_and_each_subsidy_respects_share_and_cap(start, months, wage):
    end = pilot_end(start, months)
    periods = month_periods(start, end)

    assert periods[0].start == start and periods[-1].end == end
    assert sum(p.days for p in periods) == (end - start).days + 1
    assert all(p.start.month == p.end.month == p.month.month for p in periods)
    for p in periods:
        subsidy = monthly_subsidy_ore(wage_ore=wage, share_percent=50, cap_ore=CAP, days=p.days,
                                      month_days=p.month_days)
        assert subsidy <= round_half_up(wage * 50, 100)
        assert subsidy <= month_cap_ore(cap_ore=CAP, days=p.days, month_days=p.month_days) <= CAP
    # Pro rata by calendar days can add up to a little more than `months` whole months when the end date is
    # clamped to a short February (30-10 + 4 months ends 27-02); the grant is then the ceiling (services).


def test_amounts_follow_the_active_language():
    """Issue 14: amounts were formatted the Danish way on English pages."""
    from django.utils import translation

    from viaviden.vaekstpilot.templatetags.vaekstpilot_tags import dkk, dkk_whole

    assert dkk(1250050) == "12.500,50 kr."
    with translation.override("en"):
        assert dkk(1250050) == "DKK 12,500.50"
        assert dkk(-5) == "-DKK 0.05"
        assert dkk_whole(2190000050) == "DKK 21,900,001"
        assert dkk(None) == "–"
