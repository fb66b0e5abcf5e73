"""Working days in Denmark: Monday to Friday except Danish public holidays (helligdage).

The holiday calendar comes from the `holidays` package (python-holidays), which follows the law
(e.g. Store Bededag is no longer a holiday from 2024). Christmas Eve, New Year's Eve and Constitution
Day are not public holidays and count as working days, as in the municipalities' own deadline rules.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Denmark(years=year, language="da").keys())


def is_public_holiday(day: dt.date) -> bool:
    return day in _holidays(day.year)


def holiday_name(day: dt.date) -> str | None:
    """The Danish name of the public holiday on `day`, or None."""
    return holidays.Denmark(years=day.year, language="da").get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself does not count; days >= 0).
    A request received on a Friday with 1 working day is due the next Monday (or later around holidays)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
