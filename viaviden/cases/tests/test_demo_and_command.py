"""Demo data (synthetic cases through the real services) and the re-index command."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command

from viaviden.cases.demo import CASES, demo_cases_delete, demo_cases_load
from viaviden.cases.models import Case, CaseIndex, Tag
from viaviden.cases.search import CaseQuery, case_search
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "koordinator": ("koordinationsgruppen", User.Role.COORDINATOR),
    "ucn.erhverv": ("ucn", User.Role.PARTNER_LEAD),
    "aau.karriere": ("aau", User.Role.PARTNER_STAFF),
    "thisted.konsulent": ("erhvervskontor-thisted", User.Role.PARTNER_STAFF),
    "hjoerring.konsulent": ("jobcenter-hjoerring", User.Role.PARTNER_STAFF),
    "aalborg.konsulent": ("jobcenter-aalborg", User.Role.PARTNER_STAFF),
    "aka.rekruttering": ("akademikernes-a-kasse", User.Role.PARTNER_STAFF),
}


def test_demo_cases_are_synthetic_published_through_review_and_removable():
    users = {name: UserFactory(username=name, organisation=org, role=role) for name, (org, role) in
             DEMO_USERS.items()}
    # The carpenter's web shop belongs to a construction company (DB07 F), not to any company in Thisted.
    companies = [CompanyFactory(municipality_id="787", industry_id="J"), CompanyFactory(municipality_id="787", industry_id="F")]

    created = demo_cases_load(users=users, companies=companies, rng=random.Random(1))

    published = [c for c in CASES if c.status == "published"]
    assert created == {"cases": len(CASES), "published": len(published)}
    assert set(Case.objects.values_list("is_synthetic", flat=True)) == {True}
    assert Case.objects.filter(status="published").count() == len(published)
    assert all(p.has_consent for c in Case.objects.all() for p in c.persons.all())
    assert case_search(CaseQuery(q="markedsføringsøkonomer")).total == 1
    assert Case.objects.get(title__startswith="Datamatiker byggede").shown_company_name == companies[1].name

    deleted = demo_cases_delete()

    assert deleted["cases"] == len(CASES)
    assert (Case.objects.count(), CaseIndex.objects.count(), Tag.objects.count()) == (0, 0, 0)


def test_demo_cases_need_the_coordinator():
    assert demo_cases_load(users={}, companies=[], rng=random.Random(1)) == {"cases": 0, "published": 0}


def test_reindex_command():
    from viaviden.cases.tests.factories import make_case

    make_case(publish=True)
    CaseIndex.objects.all().delete()
    out = StringIO()

    call_command("cases_reindex", stdout=out)

    assert out.getvalue().startswith("Indexed 1 published cases in ")
    assert case_search(CaseQuery(q="smedjen")).total == 1
