"""How the Vækstpilot subsidy is computed: pure functions on integers (øre) and dates, no database.

The pilot period starts on the start date and lasts the rule's number of months (start + 4 months − 1
day). It is split into calendar months, because wages are paid by calendar month; the first and last
month may be part months. For each month:

    subsidy = min(share × reported wage, cap × days covered / days in the month)

rounded half up to whole øre. The reported wage is what was actually paid for the days covered, so a
wage change is simply a different wage in that month. The total never exceeds the grant (the tilsagn:
months × min(share × stated monthly wage, cap)); a month that would pass it gets what is left.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from viaviden.core.dates import add_months


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero (for ≥ 0 values)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def pilot_end(start: dt.date, months: int) -> dt.date:
    """The last day of a pilot of `months` months starting on `start` (01-03 → 30-06 for 4 months)."""
    return add_months(start, months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    month: dt.date  # first day of the calendar month
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def month_days(self) -> int:
        return days_in_month(self.month)


def month_periods(start: dt.date, end: dt.date) -> list[Period]:
    """The calendar months from `start` to `end` (both included), each with the days it covers."""
    if end < start:
        return []
    periods = []
    month = start.replace(day=1)
    while month <= end:
        last = month.replace(day=days_in_month(month))
        periods.append(Period(month=month, start=max(start, month), end=min(end, last)))
        month = last + dt.timedelta(days=1)
    return periods


def month_cap_ore(*, cap_ore: int, days: int, month_days: int) -> int:
    """The cap for a month of which `days` of `month_days` are in the pilot period (pro rata)."""
    if days >= month_days:
        return cap_ore
    return round_half_up(cap_ore * days, month_days)


def monthly_subsidy_ore(*, wage_ore: int, share_percent: int, cap_ore: int, days: int, month_days: int) -> int:
    """min(share × wage, cap pro rata) in øre."""
    if wage_ore < 0:
        raise ValueError("wage must not be negative")
    return min(round_half_up(wage_ore * share_percent, 100), month_cap_ore(cap_ore=cap_ore, days=days,
                                                                            month_days=month_days))


def grant_amount_ore(*, monthly_wage_ore: int, share_percent: int, cap_ore: int, months: int) -> int:
    """The grant (tilsagn): the subsidy for the stated monthly wage in every month of the period."""
    return months * min(round_half_up(monthly_wage_ore * share_percent, 100), cap_ore)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from `earlier` to `later` (15-01 → 14-07 is 5, 15-01 → 15-07 is 6)."""
    if later < earlier:
        return -months_between(later, earlier)
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if add_months(earlier, months) > later:
        months -= 1
    return months


# --- Danish formatting ---------------------------------------------------------------------------------


def _group(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def format_dkk(ore: int | None, *, decimals: bool = True, suffix: bool = True) -> str:
    """12.500,00 kr. (or 21.900.000 kr. without decimals); '–' for None."""
    if ore is None:
        return "–"
    sign = "-" if ore < 0 else ""
    ore = abs(int(ore))
    if decimals:
        text = f"{_group(ore // 100)},{ore % 100:02d}"
    else:
        text = _group(round_half_up(ore, 100))
    return f"{sign}{text}{' kr.' if suffix else ''}"


def format_decimal_comma(ore: int | None) -> str:
    """12500,00 — for CSV files read by Danish spreadsheets and finance systems (no thousands separator)."""
    if ore is None:
        return ""
    sign = "-" if ore < 0 else ""
    ore = abs(int(ore))
    return f"{sign}{ore // 100},{ore % 100:02d}"


def parse_dkk(text: str) -> int:
    """'25.000,50', '25000,5', '25000' or '25 000 kr.' → øre. Raises ValueError for anything else."""
    cleaned = (text or "").strip().lower().removesuffix("kr.").removesuffix("kr").strip()
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned:
        whole, _sep, frac = cleaned.rpartition(",")
        whole = whole.replace(".", "")
    else:
        parts = cleaned.split(".")
        # "25.000" is twenty-five thousand in Danish; a single dot with 1–2 decimals is a decimal point.
        if len(parts) == 2 and len(parts[1]) in (1, 2):
            whole, frac = parts
        else:
            whole, frac = cleaned.replace(".", ""), ""
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 2:
        raise ValueError(text)
    return int(whole) * 100 + int((frac + "00")[:2])
