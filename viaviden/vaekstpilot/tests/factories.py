"""Test helpers for Nordjysk Vækstpilot: valid application input and applications made through the services.

    data = application_data()                                  # eligible, start 01-03-2021, 30.000 kr.
    app = make_application(user=lead)                          # granted (while places last)
    app = make_application(user=staff, level="PhD")            # unknown level → ValidationFailed
    app = make_application(unemployment_start=date(2020, 1, 1))  # ineligible (wage subsidy)
"""

from __future__ import annotations

import datetime as dt

from viaviden.matches.models import Programme
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import EducationLevel, Municipality
from viaviden.vaekstpilot.models import Application, Quota
from viaviden.vaekstpilot.services import ApplicationData, application_create, current_rule, quota_defaults

START = dt.date(2021, 3, 1)


def application_data(**overrides) -> ApplicationData:
    municipality = overrides.pop("municipality", None) or Municipality.objects.get(code="787")
    if "company" not in overrides and "cvr" not in overrides:
        overrides["company"] = CompanyFactory(municipality=municipality)
    level = overrides.pop("level", "MVU")
    values = {
        "workplace_municipality": municipality,
        "workplace_postal_code": "7700",
        "company_is_private": True,
        "growth_task": "Digital markedsføring og nye kunder i Tyskland",
        "contact_name": "Syntetisk Direktør",
        "contact_email": "direktoer@virksomhed.example",
        "education": "Markedsføringsøkonom",
        "institution": "UCN",
        "education_level": EducationLevel.objects.get(pk=level),
        "graduation_date": dt.date(2021, 1, 20),
        "unemployment_start": dt.date(2021, 2, 1),
        "monthly_wage_ore": 3_000_000,
        "start_date": START,
    }
    values.update(overrides)
    return ApplicationData(**values)


def partner_user(**kwargs) -> User:
    kwargs.setdefault("organisation", "erhvervskontor-thisted")
    kwargs.setdefault("role", User.Role.PARTNER_STAFF)
    return UserFactory(**kwargs)


def lead_user(**kwargs) -> User:
    kwargs.setdefault("organisation", "erhvervshus-nordjylland")
    kwargs.setdefault("role", User.Role.PARTNER_LEAD)
    return UserFactory(**kwargs)


def make_application(*, user: User | None = None, **overrides) -> Application:
    user = user or partner_user()
    return application_create(user=user, data=application_data(**overrides))


def set_quota(*, project_year: int = 2020, funded_pilots: int, funded_amount_ore: int | None = None) -> Quota:
    """The project year's quota with `funded_pilots` places (money: places × the most a pilot can get)."""
    programme = Programme.objects.get(is_current=True)
    rule = current_rule()
    defaults = quota_defaults(rule)
    amount = funded_amount_ore if funded_amount_ore is not None else funded_pilots * rule.max_subsidy_per_pilot_ore
    quota, _created = Quota.objects.get_or_create(programme=programme, project_year=project_year, defaults=defaults)
    quota.funded_pilots, quota.funded_amount_ore = funded_pilots, amount
    quota.save()
    return quota
