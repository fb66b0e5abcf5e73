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

from .measures import Context, pilots, vaekstpilot_rules


def headline_figures(programme: Programme, overview: dict[str, Any], *, today: dt.date | None = None,
                     ctx: Context | None = None) -> dict[str, Any]:
    """`overview` is `programme_figures(programme, as_of=…)`, already computed for the page; its projection is
    the one the API and the status report show. Every figure is as of the overview's cut-off (`today`
    overrides it). `ctx`: the page's shared reads (`reports.figures.figures_context`) for the same day, so the
    Vækstpilot figures the activity targets read are not read again."""
    if today is None:
        today = dt.date.fromisoformat(overview["as_of"]) if overview.get("as_of") else timezone.localdate()
    if ctx is not None and ctx.programme.pk == programme.pk and ctx.as_of == today:
        vaekstpilot = vaekstpilot_figures(programme, as_of=today, rules=vaekstpilot_rules(ctx), pilots=pilots(ctx))
    else:
        vaekstpilot = vaekstpilot_figures(programme, as_of=today)
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
        "vaekstpilot": vaekstpilot,
        "answers": {
            "answered": answers.answered,
            "within": answers.within_deadline,
            "pct": answers.within_deadline_share,
            "open": answers.open,
            "overdue": answers.overdue,
        },
    }
