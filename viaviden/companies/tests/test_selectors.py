"""company_search / company_by_cvr (used by the CVR lookup while registering a match)."""

import pytest

from viaviden.companies.models import Company
from viaviden.companies.selectors import company_by_cvr, company_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    return {
        "smedie": Company.objects.create(cvr="12345674", name="Syntetisk Smedie ApS", municipality_id="787"),
        "bageri": Company.objects.create(cvr="12345690", name="Syntetisk Bageri A/S", municipality_id="860"),
        "havn": Company.objects.create(cvr="55133018", name="Hirtshals Havneservice", municipality_id="860"),
    }


def test_search_by_cvr_prefix_in_number_order(companies):
    assert [c.cvr for c in company_search("1234 56")] == ["12345674", "12345690"]


def test_search_by_full_cvr_with_dk_prefix(companies):
    assert company_search("DK55133018") == [companies["havn"]]


def test_search_by_name_is_case_insensitive_and_sorted_by_name(companies):
    assert [c.name for c in company_search("syntetisk")] == ["Syntetisk Bageri A/S", "Syntetisk Smedie ApS"]


def test_search_respects_limit(companies):
    assert len(company_search("syntetisk", limit=1)) == 1


def test_search_with_empty_query_finds_nothing(companies):
    assert company_search("   ") == []


def test_by_cvr_accepts_spacing_and_rejects_invalid_numbers(companies):
    assert company_by_cvr(" 1234 5674 ") == companies["smedie"]
    assert company_by_cvr("12345678") is None  # invalid check digit: no query for a wrong number
    assert company_by_cvr("30000056") is None  # valid but not registered
