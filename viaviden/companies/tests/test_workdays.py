"""Danish working days: weekends and public holidays (Easter, Christmas/New Year, Ascension, Whit Monday;
Store Bededag until 2023) do not count. Every expected date below is counted by hand."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viaviden.core.workdays import add_working_days, holiday_name, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 3, 24), True),  # Wednesday before Easter
        (D(2027, 3, 25), False),  # Skærtorsdag
        (D(2027, 3, 26), False),  # Langfredag
        (D(2027, 3, 29), False),  # Anden påskedag
        (D(2027, 3, 30), True),
        (D(2026, 12, 24), True),  # Christmas Eve is not a public holiday
        (D(2026, 12, 25), False),
        (D(2026, 12, 31), True),  # nor New Year's Eve
        (D(2027, 1, 1), False),
        (D(2027, 5, 6), False),  # Kristi himmelfartsdag
        (D(2027, 5, 17), False),  # Anden pinsedag
        (D(2027, 6, 5), False),  # Constitution Day 2027 is a Saturday anyway
        (D(2026, 6, 5), True),  # Constitution Day on a Friday: a working day
        (D(2023, 5, 5), False),  # Store Bededag 2023
        (D(2024, 4, 26), True),  # the same Friday in 2024: abolished
        (D(2027, 3, 20), False),  # Saturday
        (D(2027, 3, 21), False),  # Sunday
    ],
)
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


def test_holiday_names_are_danish():
    assert holiday_name(D(2027, 3, 25)) == "Skærtorsdag"
    assert holiday_name(D(2023, 5, 5)) == "Store bededag"
    assert holiday_name(D(2024, 4, 26)) is None
    assert holiday_name(D(2027, 3, 24)) is None


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Thursday 18 March 2027 + 10: 19, 22, 23, 24, (Easter 25–29), 30, 31, 1, 2, 5, 6 April.
        (D(2027, 3, 18), 10, D(2027, 4, 6)),
        # The same two weeks without a holiday: Thursday to Thursday (with Easter it would be 1 April).
        (D(2027, 3, 4), 10, D(2027, 3, 18)),
        # Christmas: Wed 23 Dec 2026 + 3: 24 (working), 28, 29 (25 is Friday, 26–27 weekend).
        (D(2026, 12, 23), 3, D(2026, 12, 29)),
        # New Year: Wed 30 Dec + 2: 31 Dec, (1 Jan Friday holiday, weekend), Monday 4 Jan 2027.
        (D(2026, 12, 30), 2, D(2027, 1, 4)),
        # Thursday 17 Dec 2026 + 10 runs over Christmas and New Year to Monday 4 January.
        (D(2026, 12, 17), 10, D(2027, 1, 4)),
        # Ascension Thursday 6 May 2027: Wed + 1 = Friday.
        (D(2027, 5, 5), 1, D(2027, 5, 7)),
        # Whit Monday 17 May 2027: Fri + 1 = Tuesday.
        (D(2027, 5, 14), 1, D(2027, 5, 18)),
        # Store Bededag: Thu 4 May 2023 + 1 = Monday 8 May; in 2024 the Friday counts.
        (D(2023, 5, 4), 1, D(2023, 5, 8)),
        (D(2024, 4, 25), 1, D(2024, 4, 26)),
        # Weekends: a Friday or a Saturday + 1 is the Monday.
        (D(2027, 3, 19), 1, D(2027, 3, 22)),
        (D(2027, 3, 20), 1, D(2027, 3, 22)),
        (D(2027, 3, 18), 0, D(2027, 3, 18)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_add_working_days_refuses_negative_days():
    with pytest.raises(ValueError):
        add_working_days(D(2027, 3, 18), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2027, 3, 18), D(2027, 4, 6), 10),
        (D(2027, 3, 24), D(2027, 3, 29), 0),  # Easter and a weekend only
        (D(2027, 3, 24), D(2027, 3, 30), 1),
        (D(2027, 4, 6), D(2027, 4, 6), 0),
        (D(2027, 4, 7), D(2027, 4, 6), 0),
        (D(2026, 12, 23), D(2027, 1, 4), 6),  # 24, 28, 29, 30, 31 Dec and 4 Jan
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


@given(start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)), days=st.integers(min_value=1, max_value=40))
def test_add_then_count_round_trips_and_lands_on_a_working_day(start, days):
    due = add_working_days(start, days)

    assert is_working_day(due)
    assert working_days_between(start, due) == days
    assert working_days_between(start, due - dt.timedelta(days=1)) == days - 1
