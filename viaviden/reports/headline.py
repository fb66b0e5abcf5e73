"""The dashboard's headline: the state of the programme in six figures, for the first screen.

Each figure comes from the function that owns the fact (progress from `matches.progress`, the subsidy scheme
from `vaekstpilot.selectors`, the answer promise from `companies.answer_promise`); this module only puts them
side by side and adds the projection, which is the match total extrapolated at the pace so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from viaviden.companies.answer_promise import answer_times_report
from viaviden.matches.models import Programme
from viaviden.vaekstpilot.selectors import vaekstpilot_figures


def projected_total(actual: int, elapsed_days: int, days: int) -> int | None:
    """The match total at the end of the period if the pace so far continues; None before the start."""
    if elapsed_days <= 0 or days <= 0:
        return None
    return round(actual * days / elapsed_days)


def headline_figures(programme: Programme, overview: dict[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """`overview` is `progress_overview(programme)`, already computed for the page."""
    today = today or timezone.localdate()
    totals, period = overview["totals"], overview["period"]
    projection = projected_total(totals["actual"], period["elapsed_days"], period["days"])
    target = totals["target"]
    # The answer promise is a standing service: every request since the programme started counts.
    answers = answer_times_report(programme.start_date, today)[-1]
    return {
        "matches": totals,
        "projection": {
            "total": projection,
            "pct": round(100 * projection / target, 1) if projection is not None and target else None,
            "reaches_target": projection is not None and target is not None and projection >= target,
        },
        "outside_aalborg": overview["outside_aalborg"],
        "vaekstpilot": vaekstpilot_figures(programme),
        "answers": {
            "answered": answers.answered,
            "within": answers.within_deadline,
            "pct": answers.within_deadline_share,
            "open": answers.open,
            "overdue": answers.overdue,
        },
    }
