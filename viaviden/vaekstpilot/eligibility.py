"""Who can be a Vækstpilot: the scheme's rules, each with a code and a plain Danish reason when it fails.

Every rule reads its parameters from the SchemeRule valid on the start date; nothing is a literal here.
A failed rule does not refuse the application: it is saved as "does not meet the conditions" with the
reasons, and a partner may ask the lead partner for a justified exception.

| code | rule |
|---|---|
| education_level | the person's level is one the rule allows (KVU, MVU, LVU) |
| graduated | the person has graduated before the start date |
| unemployed_at_start | the person is unemployed when the pilot starts (unemployed since ≤ start date) |
| wage_subsidy_entitled | unemployed at least `wage_subsidy_months` at the start date ⇒ entitled to wage subsidy |
| workplace_region | the company's workplace is in one of the rule's municipalities (North Jutland) |
| private_company | the company is private (when the rule says so) |
| internship_required | a preceding company internship when the rule requires one |
| internship_length | the internship lasts at most `internship_weeks` weeks |
| internship_before_start | the internship ends before the pilot starts |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from .calculation import add_months
from .models import SchemeRule

RULE_CODES = (
    "education_level", "graduated", "unemployed_at_start", "wage_subsidy_entitled", "workplace_region",
    "private_company", "internship_required", "internship_length", "internship_before_start",
)


@dataclass(frozen=True)
class Failure:
    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    """What the rules look at."""

    start_date: dt.date
    education_level_code: str
    workplace_municipality_code: str
    company_is_private: bool
    graduation_date: dt.date
    unemployment_start: dt.date
    internship_start: dt.date | None = None
    internship_end: dt.date | None = None


def _d(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def check(rule: SchemeRule, facts: Facts) -> list[Failure]:
    """Every failed rule with its reason (Danish, whatever the request's language: it is stored)."""
    with translation.override("da"):
        return _check(rule, facts)


def _check(rule: SchemeRule, f: Facts) -> list[Failure]:
    failures: list[Failure] = []
    levels = sorted(lv.code for lv in rule.education_levels.all())
    if f.education_level_code not in levels:
        failures.append(Failure("education_level", "education_level", _(
            "Uddannelsesniveauet %(level)s er ikke omfattet. Ordningen gælder %(levels)s."
        ) % {"level": f.education_level_code, "levels": ", ".join(levels)}))

    if f.graduation_date > f.start_date:
        failures.append(Failure("graduated", "graduation_date", _(
            "Personen skal være færdiguddannet før startdatoen (dimission %(grad)s, start %(start)s)."
        ) % {"grad": _d(f.graduation_date), "start": _d(f.start_date)}))

    if f.unemployment_start > f.start_date:
        failures.append(Failure("unemployed_at_start", "unemployment_start", _(
            "Personen skal være ledig, når forløbet starter (ledig fra %(from)s, start %(start)s)."
        ) % {"from": _d(f.unemployment_start), "start": _d(f.start_date)}))
    else:
        entitled_from = add_months(f.unemployment_start, rule.wage_subsidy_months)
        if f.start_date >= entitled_from:
            failures.append(Failure("wage_subsidy_entitled", "unemployment_start", _(
                "Personen har på startdatoen været ledig i mindst %(months)d måneder (siden %(from)s) og har "
                "dermed ret til løntilskud. Vækstpiloten er for ledige, der ikke har ret til løntilskud; brug "
                "løntilskud i stedet, eller start senest %(last)s."
            ) % {"months": rule.wage_subsidy_months, "from": _d(f.unemployment_start),
                 "last": _d(entitled_from - dt.timedelta(days=1))}))

    municipality_codes = {m.code for m in rule.municipalities.all()}
    if f.workplace_municipality_code not in municipality_codes:
        failures.append(Failure("workplace_region", "postal_code", _(
            "Arbejdsstedet skal ligge i en af de nordjyske kommuner, som ordningen dækker."
        )))

    if rule.private_only and not f.company_is_private:
        failures.append(Failure("private_company", "company_is_private", _(
            "Ordningen gælder kun private virksomheder."
        )))

    if f.internship_start is None or f.internship_end is None:
        if rule.internship_required:
            failures.append(Failure("internship_required", "internship_start", _(
                "Forløbet skal indledes med en virksomhedspraktik på højst %(weeks)d uger."
            ) % {"weeks": rule.internship_weeks}))
    else:
        days = (f.internship_end - f.internship_start).days + 1
        if days > rule.internship_weeks * 7:
            failures.append(Failure("internship_length", "internship_end", _(
                "Virksomhedspraktikken forud for forløbet må højst vare %(weeks)d uger (%(max)d dage); den "
                "varer %(days)d dage."
            ) % {"weeks": rule.internship_weeks, "max": rule.internship_weeks * 7, "days": days}))
        if f.internship_end >= f.start_date:
            failures.append(Failure("internship_before_start", "internship_end", _(
                "Virksomhedspraktikken skal ligge før forløbet: den skal slutte senest dagen før startdatoen "
                "%(start)s."
            ) % {"start": _d(f.start_date)}))
    return failures
