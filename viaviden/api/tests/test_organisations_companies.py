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
        "has_highly_educated_staff": None,
        "version": 1,
        "units": [],
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


# --- The register: units, edit, merged records, permissions -------------------------------------------


def _unit(company, **kw):
    from viaviden.companies.models import ProductionUnit

    data = {"address": "Havnevej 1", "postal_code": "9800", "city": "Hjørring", "municipality_id": "860"}
    return ProductionUnit.objects.create(company=company, **{**data, **kw})


def test_company_list_includes_units_and_staff_and_takes_fixed_queries(hjoerring, django_assert_max_num_queries):
    for i in range(5):
        company = CompanyFactory(name=f"Syntetisk {i} ApS", has_highly_educated_staff=i % 2 == 0)
        _unit(company, p_number=f"100000000{i}", is_primary=True)
        _unit(company, address="Toldbodgade 2", postal_code="7700", city="Thisted", municipality_id="787")
    api = client_for(hjoerring)
    api.get("/api/companies")

    with django_assert_max_num_queries(4):
        response = api.get("/api/companies", {"page_size": 100})

    items = response.json()["items"]
    assert response.json()["count"] == 5
    assert [len(c["units"]) for c in items] == [2, 2, 2, 2, 2]
    assert items[0]["units"][0] == {
        "id": items[0]["units"][0]["id"],
        "p_number": "1000000000",
        "name": "",
        "address": "Havnevej 1",
        "postal_code": "9800",
        "city": "Hjørring",
        "municipality": "860",
        "municipality_name": "Hjørring",
        "is_primary": True,
    }
    names = [c["name"] for c in api.get("/api/companies", {"has_highly_educated_staff": "true"}).json()["items"]]
    assert names == ["Syntetisk 0 ApS", "Syntetisk 2 ApS", "Syntetisk 4 ApS"]
    by_p = api.get("/api/companies", {"q": "1000000003"}).json()["items"]
    assert [c["name"] for c in by_p] == ["Syntetisk 3 ApS"]
    in_thisted = api.get("/api/companies", {"municipality": "787"}).json()["count"]
    assert in_thisted == 5  # through their units


def test_merged_record_cvr_answers_with_the_survivor(hjoerring, hjoerring_lead):
    from viaviden.companies.services import company_merge

    survivor, merged = CompanyFactory(name="Den rigtige ApS"), CompanyFactory(name="Dubletten")
    company_merge(user=hjoerring_lead, survivor=survivor, merged=merged)
    api = client_for(hjoerring)

    assert api.get(f"/api/companies/{merged.cvr}").json()["cvr"] == survivor.cvr
    assert [c["cvr"] for c in api.get("/api/companies", {"cvr": merged.cvr}).json()["items"]] == [survivor.cvr]
    assert [c["cvr"] for c in api.get("/api/companies", {"q": "dubletten"}).json()["items"]] == []
    again = api.post("/api/companies", {"cvr": merged.cvr})
    assert (again.status_code, again.json()["cvr"]) == (200, survivor.cvr)


def test_patch_company_with_version(hjoerring):
    company = CompanyFactory(name="Syntetisk Smedie ApS", industry_id="C")
    api = client_for(hjoerring)

    response = api.patch(
        f"/api/companies/{company.cvr}",
        {"version": 1, "name": "Syntetisk Smedie & Co ApS", "industry": None, "size_class": "small",
         "has_highly_educated_staff": False},
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["name"], body["industry"], body["size_class"], body["has_highly_educated_staff"], body["version"]) == (
        "Syntetisk Smedie & Co ApS",
        None,
        "small",
        False,
        2,
    )
    company.refresh_from_db()
    assert (company.name, company.industry_id, company.version) == ("Syntetisk Smedie & Co ApS", None, 2)


def test_patch_with_if_match_and_stale_version_is_409(hjoerring):
    company = CompanyFactory(name="Første ApS")
    api = client_for(hjoerring)
    assert api.patch(f"/api/companies/{company.cvr}", {"name": "Anden ApS"}, headers={"If-Match": '"1"'}).status_code == 200

    stale = api.patch(f"/api/companies/{company.cvr}", {"version": 1, "name": "Tredje ApS"})

    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    assert Company.objects.get(pk=company.pk).name == "Anden ApS"


def test_patch_errors_change_nothing(hjoerring):
    company = CompanyFactory(name="Uændret ApS")
    api = client_for(hjoerring)

    no_version = api.patch(f"/api/companies/{company.cvr}", {"name": "X"})
    emptied = api.patch(f"/api/companies/{company.cvr}", {"version": 1, "name": None, "municipality": "999"})
    unknown_field = api.patch(f"/api/companies/{company.cvr}", {"version": 1, "cvr": next_cvr()})
    missing = api.patch(f"/api/companies/{next_cvr()}", {"version": 1, "name": "X"})

    assert (no_version.status_code, no_version.json()["code"]) == (422, "version_required")
    assert emptied.status_code == 422
    assert emptied.json()["details"] == {"name": ["Feltet kan ikke tømmes."], "municipality": ["Ukendt værdi: 999."]}
    assert unknown_field.status_code == 422
    assert missing.status_code == 404
    company.refresh_from_db()
    assert (company.name, company.version) == ("Uændret ApS", 1)


def test_units_list_and_add(hjoerring):
    company = CompanyFactory()
    api = client_for(hjoerring)

    created = api.post(
        f"/api/companies/{company.cvr}/units",
        {"address": "Havnevej 1", "postal_code": "9800", "city": "Hjørring", "p_number": "1000000001"},
    )
    ambiguous = api.post(f"/api/companies/{company.cvr}/units", {"address": "Vej 2", "postal_code": "9330"})
    chosen = api.post(
        f"/api/companies/{company.cvr}/units", {"address": "Vej 2", "postal_code": "9330", "municipality": "813"}
    )

    assert created.status_code == 201
    assert (created.json()["municipality"], created.json()["is_primary"]) == ("860", True)
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (422, "municipality_required")
    assert ambiguous.json()["details"] == {
        "municipality": ["Postnummeret 9330 ligger i flere kommuner (Brønderslev, Frederikshavn). Vælg kommunen."]
    }
    assert (chosen.status_code, chosen.json()["municipality"]) == (201, "813")
    listed = api.get(f"/api/companies/{company.cvr}/units").json()
    assert [(u["address"], u["is_primary"]) for u in listed] == [("Havnevej 1", True), ("Vej 2", False)]


def test_unit_with_unknown_postal_code_is_422_and_saves_nothing(hjoerring):
    company = CompanyFactory()
    api = client_for(hjoerring)

    response = api.post(f"/api/companies/{company.cvr}/units", {"address": "Vej 1", "postal_code": "8000"})

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_postal_code",
        "message": "Postnummeret 8000 findes ikke i referencedata for de nordjyske kommuner.",
        "details": {"postal_code": ["Postnummeret 8000 findes ikke i referencedata for de nordjyske kommuner."]},
    }
    assert company.units.count() == 0


def test_steering_group_gets_403_on_every_company_endpoint(steering):
    company = CompanyFactory(name="Uændret ApS")
    api = client_for(steering)

    responses = [
        api.get("/api/companies"),
        api.get(f"/api/companies/{company.cvr}"),
        api.post("/api/companies", {"cvr": next_cvr(), "name": "X", "municipality": "860"}),
        api.patch(f"/api/companies/{company.cvr}", {"version": 1, "name": "X"}),
        api.get(f"/api/companies/{company.cvr}/units"),
        api.post(f"/api/companies/{company.cvr}/units", {"address": "Vej 1", "postal_code": "9800"}),
    ]

    assert [r.status_code for r in responses] == [403] * 6
    assert {r.json()["code"] for r in responses} == {"aggregates_only"}
    assert (Company.objects.count(), Company.objects.get().name, company.units.count()) == (1, "Uændret ApS", 0)
