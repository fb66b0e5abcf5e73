"""The dashboard's headline: the state of the programme in six figures, for the first screen.

Each figure comes from the function that owns the fact (progress from `matches.progress`, the subsidy scheme
from `vaekstpilot.selectors`, the answer promise from `companies.answer_promise`); this module only puts them
side by side."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from viaviden.companies.answer_promise import answer_times_report
from viaviden.matches.models import Programme
from viaviden.vaekstpilot.selectors import vaekstpilot_figures


def headline_figures(programme: Programme, overview: dict[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """`overview` is `programme_figures(programme, as_of=…)`, already computed for the page; its projection is
    the one the API and the status report show. Every figure is as of the overview's cut-off (`today`
    overrides it)."""
    if today is None:
        today = dt.date.fromisoformat(overview["as_of"]) if overview.get("as_of") else timezone.localdate()
    projection = overview["projection"]
    # The answer promise is a standing service: every request since the programme started counts.
    answers = answer_times_report(programme.start_date, today, today=today)[-1]
    return {
        "matches": overview["totals"],
        "projection": {
            "total": projection["projected_total"],
            "pct": projection["projected_pct"],
            "reaches_target": bool(projection["reaches_target"]),
        },
        "outside_aalborg": overview["outside_aalborg"],
        "vaekstpilot": vaekstpilot_figures(programme, as_of=today),
        "answers": {
            "answered": answers.answered,
            "within": answers.within_deadline,
            "pct": answers.within_deadline_share,
            "open": answers.open,
            "overdue": answers.overdue,
        },
    }
