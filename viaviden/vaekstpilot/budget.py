"""The scheme's budget scenarios (seed 5.1.4.1), computed from the SchemeRule, and the actual spend.

For N pilots (all amounts from the rule):

    total expenses          = N × (budget per pilot + overhead per pilot)       150 × 146.000 = 21.900.000
    DEB (at most x %)       = total × DEB's maximum share                       50 %          = 10.950.000
    companies' own payment  = N × (budget per pilot − most subsidy per pilot)    150 × 50.000  =  7.500.000
    remaining need          = total − DEB − companies' own payment                             =  3.450.000

The budget per pilot (100.000 kr.) is the wage of the subsidised months; the scheme pays at most
min(months × cap, share × budget per pilot) of it (4 × 12.500 = 50.000 kr.), the company the rest. The
overhead (about 46.000 kr.) is project management, administration, evaluation and audit; the seed's
footnote 15 says the total includes the companies' own payment and the administration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, Sum

from .calculation import round_half_up
from .models import PLACE_STATUSES, RUN_STATUSES, Application, PilotMonth, Quota, SchemeRule


@dataclass(frozen=True)
class Scenario:
    pilots: int
    per_pilot_ore: int
    total_ore: int
    deb_share_percent: int
    deb_ore: int
    own_payment_ore: int
    remaining_ore: int
    subsidy_ore: int  # the scheme's subsidy to companies (part of the total)
    overhead_ore: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def subsidy_per_pilot_ore(rule: SchemeRule) -> int:
    """The most one pilot's subsidy can be, within the pilot's budget."""
    return min(rule.max_subsidy_per_pilot_ore, round_half_up(rule.budget_per_pilot_ore * rule.subsidy_share_percent,
                                                              100))


def scenario(rule: SchemeRule, pilots: int) -> Scenario:
    if pilots < 0:
        raise ValueError("pilots must not be negative")
    per_pilot = rule.budget_per_pilot_ore + rule.overhead_per_pilot_ore
    total = pilots * per_pilot
    deb = round_half_up(total * rule.deb_share_max_percent, 100)
    subsidy = pilots * subsidy_per_pilot_ore(rule)
    own = pilots * rule.budget_per_pilot_ore - subsidy
    return Scenario(
        pilots=pilots, per_pilot_ore=per_pilot, total_ore=total, deb_share_percent=rule.deb_share_max_percent,
        deb_ore=deb, own_payment_ore=own, remaining_ore=total - deb - own, subsidy_ore=subsidy,
        overhead_ore=pilots * rule.overhead_per_pilot_ore,
    )


def default_pilot_counts(rule: SchemeRule, programme=None) -> list[int]:
    """The rule's scenarios (150 and 225); without any, the pilots per year over the programme's years."""
    counts = [int(n) for n in (rule.budget_scenarios or []) if int(n) >= 0]
    if counts:
        return counts
    years = len(programme.project_years()) if programme is not None else 1
    out = [rule.pilots_per_year * years]
    if rule.pilots_per_year_max:
        out.append(rule.pilots_per_year_max * years)
    return out


def actuals(programme) -> dict[str, Any]:
    """What has actually been granted and paid in the programme, to set against the scenarios."""
    apps = Application.objects.filter(programme=programme)
    counts = apps.aggregate(
        granted=Count("id", filter=Q(status__in=PLACE_STATUSES)),
        started=Count("id", filter=Q(status__in=RUN_STATUSES)),
        waiting=Count("id", filter=Q(status=Application.Status.WAITING)),
        reserved=Sum("reserved_amount_ore", filter=Q(status__in=PLACE_STATUSES)),
    )
    months = PilotMonth.objects.filter(application__programme=programme).exclude(
        status__in=[PilotMonth.Status.PENDING, PilotMonth.Status.CANCELLED]
    )
    money = months.aggregate(
        wages=Sum("wage_ore"),
        subsidy=Sum("subsidy_ore"),
        paid=Sum("subsidy_ore", filter=Q(status=PilotMonth.Status.LISTED)),
        approved=Sum("subsidy_ore", filter=Q(status__in=[PilotMonth.Status.APPROVED, PilotMonth.Status.LISTED])),
        own=Sum(F("wage_ore") - F("subsidy_ore")),
    )
    quotas = Quota.objects.filter(programme=programme).aggregate(pilots=Sum("funded_pilots"),
                                                                 amount=Sum("funded_amount_ore"))
    return {
        "granted": counts["granted"] or 0,
        "started": counts["started"] or 0,
        "waiting": counts["waiting"] or 0,
        "reserved_ore": counts["reserved"] or 0,
        "wages_ore": money["wages"] or 0,
        "subsidy_reported_ore": money["subsidy"] or 0,
        "subsidy_approved_ore": money["approved"] or 0,
        "subsidy_paid_ore": money["paid"] or 0,
        "own_payment_ore": money["own"] or 0,
        "funded_pilots": quotas["pilots"],
        "funded_amount_ore": quotas["amount"],
    }
