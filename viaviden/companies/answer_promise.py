"""The answer promise (SPEC 3.2, seed 5.2.1.2): every company request gets an answer before a deadline
counted in Danish working days. The deadline rule is data (AnswerRule, with validity dates)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from viaviden.core.workdays import add_working_days

from .models import AnswerRule

DEFAULT_WORKING_DAYS = 10
DEFAULT_REMIND_DAYS_BEFORE = 2


def answer_rule_on(day: dt.date) -> AnswerRule:
    """The rule in force on `day` (the newest with valid_from <= day), or the default (not saved)."""
    rule = AnswerRule.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if rule is None:
        rule = AnswerRule(valid_from=dt.date(2020, 1, 1), working_days=DEFAULT_WORKING_DAYS,
                          remind_days_before=DEFAULT_REMIND_DAYS_BEFORE)
    return rule


def answer_due_for(received: dt.datetime | dt.date | None = None) -> dt.date:
    """The answer deadline for a request received at `received` (default: now)."""
    if received is None:
        received = timezone.now()
    day = timezone.localdate(received) if isinstance(received, dt.datetime) else received
    return add_working_days(day, answer_rule_on(day).working_days)


def is_company_request(*, source: str, match_type_codes: list[str] | set[str]) -> bool:
    """Whether a need is a company request under the answer promise: anything the company sent itself,
    and any need wishing a student collaboration."""
    from viaviden.matches.models import MatchType

    from .models import Need

    if source == Need.Source.SELF_SERVICE:
        return True
    if not match_type_codes:
        return False
    return MatchType.objects.filter(code__in=match_type_codes, group="student_collaboration").exists()
