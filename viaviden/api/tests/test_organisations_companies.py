"""/api/organisations and /api/companies."""

import pytest

from viaviden.companies.models import Company
from viaviden.matches.tests.factories import CompanyFactory, next_cvr
from viaviden.organisations.models import Organisation

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_organisations_list_is_paginated_and_filterable(steering, django_assert_max_num_queries):
    api = client_for(steering)
    api.get("/api/targets")  # records the token's last use outside the measured request

    with django_assert_max_num_queries(3):
        everything = api.get("/api/organisations", {"page_size": 100})

    assert everything.status_code == 200
    assert everything.json()["count"] == Organisation.objects.count()
    cme = next(o for o in everything.json()["items"] if o["slug"] == "central-matchningsenhed")
    assert (cme["kind"], cme["parent"], cme["partner"], cme["municipality"], cme["target_part"]) == (
        "unit",
        "jobcenter-aalborg",
        "kommune-aalborg",
        "851",
        "municipal",
    )
    universities = api.get("/api/organisations", {"kind": "university"})
    assert [o["slug"] for o in universities.json()["items"]] == ["aau", "ucn"]
    assert [
        o["slug"] for o in api.get("/api/organisations", {"q": "hjørring", "kind": "jobcentre"}).json()["items"]
    ] == ["jobcenter-hjoerring"]


def test_organisation_by_slug_or_id(hjoerring):
    api = client_for(hjoerring)
    aau = Organisation.objects.get(slug="aau")
    assert api.get("/api/organisations/aau").json()["id"] == aau.pk
    assert api.get(f"/api/organisations/{aau.pk}").json()["slug"] == "aau"
    missing = api.get("/api/organisations/nowhere")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_company_search_and_lookup(hjoerring):
    a = CompanyFactory(name="Syntetisk Smedie ApS", municipality_id="860", industry_id="C")
    b = CompanyFactory(name="Syntetisk Software A/S", municipality_id="851", industry_id="J")
    api = client_for(hjoerring)

    def cvrs(**params):
        return [c["cvr"] for c in api.get("/api/companies", params).json()["items"]]

    assert cvrs(q="smedie") == [a.cvr]
    assert cvrs(q=b.cvr) == [b.cvr]
    assert cvrs(municipality="851") == [b.cvr]
    assert cvrs(industry="C") == [a.cvr]
    assert cvrs(cvr=f"DK{a.cvr}") == [a.cvr]
    body = api.get(f"/api/companies/{b.cvr}").json()
    assert body == {
        "cvr": b.cvr,
        "name": "Syntetisk Software A/S",
        "municipality": "851",
        "municipality_name": "Aalborg",
        "industry": "J",
        "size_class": None,
        "is_synthetic": True,
    }
    assert api.get(f"/api/companies/{next_cvr()}").status_code == 404


def test_post_company_creates_then_finds(hjoerring):
    cvr = next_cvr()
    api = client_for(hjoerring)
    created = api.post("/api/companies", {"cvr": cvr, "name": "Syntetisk Bageri ApS", "municipality": "860"})
    again = api.post("/api/companies", {"cvr": cvr})
    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["name"] == again.json()["name"] == "Syntetisk Bageri ApS"
    assert Company.objects.filter(cvr=cvr).count() == 1


def test_post_company_with_invalid_cvr_or_unknown_municipality_saves_nothing(hjoerring):
    api = client_for(hjoerring)
    bad_cvr = api.post("/api/companies", {"cvr": "1234", "name": "X", "municipality": "860"})
    assert bad_cvr.status_code == 422
    assert bad_cvr.json()["code"] == "invalid_cvr"
    assert bad_cvr.json()["message"] == "CVR-nummeret skal bestå af 8 cifre."
    assert bad_cvr.json()["details"] == {"cvr": ["CVR-nummeret skal bestå af 8 cifre."]}
    bad_municipality = api.post("/api/companies", {"cvr": next_cvr(), "name": "X", "municipality": "999"})
    assert bad_municipality.status_code == 422
    assert bad_municipality.json()["details"] == {"municipality": ["Ukendt værdi: 999."]}
    assert Company.objects.count() == 0
