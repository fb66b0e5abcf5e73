"""The company register in the browser: permission matrix for every URL, search with filters and a fixed
query count, create/edit (CVR check, optimistic locking), production units, merge and import."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from viaviden.companies.models import Company, CompanyMerge, ProductionUnit
from viaviden.companies.services import company_merge, production_unit_add
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, make_match, next_cvr
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

INVALID_CVR = "12345678"


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def staff():
    return UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def other_staff():
    return UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def lead():
    return UserFactory(organisation="erhvervskontor-thisted", role=User.Role.PARTNER_LEAD)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


@pytest.fixture
def no_organisation():
    return UserFactory(organisation=None, role=User.Role.PARTNER_STAFF)


@pytest.fixture
def company(staff):
    company = CompanyFactory(name="Syntetisk Smedie ApS", municipality_id="860", industry_id="C")
    production_unit_add(user=staff, company=company, data={"address": "Havnevej 1", "postal_code": "9800"})
    return company


# --- Permission matrix ---------------------------------------------------------------------------

ALL_URLS = [
    "company_list",
    "company_create",
    "company_import",
    "company_import_rejects",
    "company_detail",
    "company_edit",
    "company_merge",
    "company_unit_add",
    "company_unit_edit",
]
# Pages a partner's staff may open (company data is shared between all partners).
STAFF_PAGES = ["company_list", "company_create", "company_import", "company_detail", "company_edit",
               "company_unit_add", "company_unit_edit"]
POST_PAGES = ["company_create", "company_import", "company_edit", "company_merge", "company_unit_add",
              "company_unit_edit"]


def url_for(name: str, company: Company) -> str:
    if name == "company_unit_edit":
        return reverse(name, args=[company.pk, company.units.get().pk])
    if name.startswith("company_") and name not in ("company_list", "company_create", "company_import",
                                                    "company_import_rejects"):
        return reverse(name, args=[company.pk])
    return reverse(name)


@pytest.mark.parametrize("name", ALL_URLS)
def test_anonymous_is_sent_to_login(name, company):
    response = Client().get(url_for(name, company))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", ALL_URLS)
@pytest.mark.parametrize("who", ["steering", "no_organisation"])
def test_steering_group_and_users_without_organisation_get_403(name, who, company, request):
    user = request.getfixturevalue(who)
    client = client_for(user)

    get = client.get(url_for(name, company))
    post = client.post(url_for(name, company), {"name": "Ændret", "other": next_cvr(), "confirm": "1", "version": 1})

    assert (get.status_code, post.status_code) == (403, 403 if name in POST_PAGES else 405)
    assert Company.objects.get(pk=company.pk).name == "Syntetisk Smedie ApS"


@pytest.mark.parametrize("name", STAFF_PAGES)
@pytest.mark.parametrize("who", ["staff", "other_staff", "lead", "coordinator"])
def test_partner_staff_of_any_organisation_and_coordinators_open_the_register(name, who, company, request):
    response = client_for(request.getfixturevalue(who)).get(url_for(name, company))

    assert response.status_code == 200


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("other_staff", 403), ("lead", 200), ("coordinator", 200)])
def test_only_leads_and_coordinators_may_merge(who, status, company, request):
    other = CompanyFactory()
    client = client_for(request.getfixturevalue(who))

    get = client.get(reverse("company_merge", args=[company.pk]))
    post = client.post(reverse("company_merge", args=[company.pk]), {"other": other.cvr, "confirm": "1"})

    assert get.status_code == status
    assert post.status_code == (302 if status == 200 else 403)
    assert Company.objects.get(pk=other.pk).merged_into_id == (company.pk if status == 200 else None)


@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_rejects_download_is_404_without_an_import(who, request):
    response = client_for(request.getfixturevalue(who)).get(reverse("company_import_rejects"))

    assert response.status_code == 404


def test_unknown_company_and_unit_are_404(staff, company):
    client = client_for(staff)

    assert client.get(reverse("company_detail", args=[company.pk + 1000])).status_code == 404
    assert client.get(reverse("company_unit_edit", args=[company.pk, 99999])).status_code == 404
    elsewhere = CompanyFactory()
    unit = company.units.get()
    assert client.get(reverse("company_unit_edit", args=[elsewhere.pk, unit.pk])).status_code == 404


# --- List and search -----------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [c.name for c in response.context["companies"]]


def test_list_searches_and_filters(staff, company):
    software = CompanyFactory(name="Syntetisk Software A/S", municipality_id="851", industry_id="J",
                              has_highly_educated_staff=True, size_class_id="small")
    client = client_for(staff)

    assert listed(client.get(reverse("company_list"))) == ["Syntetisk Smedie ApS", "Syntetisk Software A/S"]
    assert listed(client.get(reverse("company_list"), {"q": "software"})) == ["Syntetisk Software A/S"]
    assert listed(client.get(reverse("company_list"), {"q": company.cvr})) == ["Syntetisk Smedie ApS"]
    assert listed(client.get(reverse("company_list"), {"municipality": "860"})) == ["Syntetisk Smedie ApS"]
    assert listed(client.get(reverse("company_list"), {"industry": "J"})) == ["Syntetisk Software A/S"]
    assert listed(client.get(reverse("company_list"), {"size_class": "small"})) == ["Syntetisk Software A/S"]
    assert listed(client.get(reverse("company_list"), {"has_highly_educated_staff": "true"})) == [software.name]
    response = client.get(reverse("company_list"), {"q": "syntetisk", "industry": "C"})
    html = response.content.decode()
    assert "1 virksomhed</h2>" in html
    assert f'href="{reverse("company_detail", args=[company.pk])}"' in html


def test_list_leaves_out_merged_records(lead, company):
    merged = CompanyFactory(name="Dublet ApS")
    company_merge(user=lead, survivor=company, merged=merged)

    response = client_for(lead).get(reverse("company_list"), {"q": merged.cvr})

    assert listed(response) == ["Syntetisk Smedie ApS"]  # the old number finds the survivor


def test_list_ignores_an_invalid_filter_and_says_so(staff, company):
    response = client_for(staff).get(reverse("company_list"), {"industry": "ZZ"})

    assert listed(response) == ["Syntetisk Smedie ApS"]
    assert "Nogle filtre kunne ikke bruges og er ignoreret" in response.content.decode()


def test_list_query_count_does_not_grow_with_the_page(staff, django_assert_max_num_queries):
    for i in range(40):
        c = CompanyFactory(name=f"Virksomhed {i:02d}", industry_id="C", size_class_id="small")
        ProductionUnit.objects.create(company=c, address="Vej 1", postal_code="9800", municipality_id="860")
    client = client_for(staff)
    client.get(reverse("company_list"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("company_list"), {"q": "virksomhed"})

    assert response.status_code == 200
    assert len(listed(response)) == 40
    assert "40 virksomheder</h2>" in response.content.decode()


def test_list_is_paginated(staff):
    for i in range(52):
        CompanyFactory(name=f"Virksomhed {i:02d}")
    client = client_for(staff)

    page2 = client.get(reverse("company_list"), {"page": 2})

    assert listed(page2) == ["Virksomhed 50", "Virksomhed 51"]
    assert "?page=2" in client.get(reverse("company_list")).content.decode()


# --- Create and edit ------------------------------------------------------------------------------


def test_create_registers_and_redirects_to_detail(staff):
    cvr = next_cvr()

    response = client_for(staff).post(
        reverse("company_create"),
        {"cvr": f"DK{cvr}", "name": "Ny Virksomhed ApS", "municipality": "787", "industry": "F",
         "size_class": "", "has_highly_educated_staff": "false"},
    )

    company = Company.objects.get(cvr=cvr)
    assert response.status_code == 302
    assert response["Location"] == reverse("company_detail", args=[company.pk])
    assert (company.name, company.municipality_id, company.industry_id, company.has_highly_educated_staff) == (
        "Ny Virksomhed ApS",
        "787",
        "F",
        False,
    )


def test_create_with_wrong_cvr_shows_danish_error_and_saves_nothing(staff):
    response = client_for(staff).post(
        reverse("company_create"), {"cvr": INVALID_CVR, "name": "X ApS", "municipality": "787"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "cvr": ["CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."]
    }
    assert "Der er problemer med formularen" in response.content.decode()
    assert Company.objects.count() == 0


def test_create_with_known_cvr_says_so(staff, company):
    response = client_for(staff).post(
        reverse("company_create"), {"cvr": company.cvr, "name": "X ApS", "municipality": "787"}
    )

    assert response.context["form"].errors == {
        "cvr": [f"Virksomheden med CVR-nummer {company.cvr} findes allerede i registret (Syntetisk Smedie ApS)."]
    }
    assert Company.objects.count() == 1


def test_edit_saves_and_bumps_version(other_staff, company):
    response = client_for(other_staff).post(
        reverse("company_edit", args=[company.pk]),
        {"name": "Syntetisk Smedie & Co ApS", "municipality": "860", "industry": "C", "size_class": "micro",
         "has_highly_educated_staff": "true", "version": 1},
    )

    company.refresh_from_db()
    assert response.status_code == 302
    assert (company.name, company.size_class_id, company.has_highly_educated_staff, company.version) == (
        "Syntetisk Smedie & Co ApS",
        "micro",
        True,
        2,
    )


def test_concurrent_edit_shows_conflict_and_keeps_the_other_edit(staff, other_staff, company):
    data = {"name": "Første ændring", "municipality": "860", "industry": "C", "version": 1}
    client_for(staff).post(reverse("company_edit", args=[company.pk]), data)

    response = client_for(other_staff).post(reverse("company_edit", args=[company.pk]), {**data, "name": "Anden"})

    assert response.status_code == 200
    assert response.context["conflict"] is True
    assert "Virksomheden er ændret af en anden" in response.content.decode()
    assert Company.objects.get(pk=company.pk).name == "Første ændring"


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_shows_facts_units_matches_and_sections(staff, company):
    make_match(organisation="jobcenter-hjoerring", company=company)
    make_match(organisation="aau", company=company)

    response = client_for(staff).get(reverse("company_detail", args=[company.pk]))

    html = response.content.decode()
    assert (response.context["matches_total"], response.context["matches_visible"]) == (2, 1)
    assert f'href="{reverse("match_list")}?q={company.cvr}"' in html
    assert "Havnevej 1, 9800" in html
    assert f'href="{reverse("company_unit_add", args=[company.pk])}"' in html
    assert f'href="{reverse("company_merge", args=[company.pk])}"' not in html  # staff may not merge
    assert 'id="object-history-heading"' in html


def test_tombstone_redirects_to_the_survivor_with_its_merge_history(lead, company):
    merged = CompanyFactory(name="Dublet ApS")
    make_match(company=merged)
    company_merge(user=lead, survivor=company, merged=merged, reason="Oprettet to gange")
    client = client_for(lead)

    response = client.get(reverse("company_detail", args=[merged.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("company_detail", args=[company.pk])

    html = client.get(response["Location"]).content.decode()
    assert f"Dublet ApS (CVR {merged.cvr}) er lagt sammen med Syntetisk Smedie ApS. Du ser den samlede post." in html
    assert f"<td>Dublet ApS (CVR {merged.cvr})</td>" in html
    assert "<td>1 match</td>" in html
    assert "<td>Oprettet to gange</td>" in html


# --- Units ----------------------------------------------------------------------------------------


def test_unit_add_with_unknown_postal_code_shows_error_and_saves_nothing(staff, company):
    response = client_for(staff).post(
        reverse("company_unit_add", args=[company.pk]), {"address": "Vej 2", "postal_code": "8000"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "postal_code": ["Postnummeret 8000 findes ikke i referencedata for de nordjyske kommuner."]
    }
    assert company.units.count() == 1


def test_unit_add_with_ambiguous_postal_code_asks_for_municipality(staff, company):
    client = client_for(staff)

    first = client.post(reverse("company_unit_add", args=[company.pk]), {"address": "Vej 2", "postal_code": "9330"})
    second = client.post(
        reverse("company_unit_add", args=[company.pk]),
        {"address": "Vej 2", "postal_code": "9330", "municipality": "810"},
    )

    assert first.context["form"].errors == {
        "municipality": ["Postnummeret 9330 ligger i flere kommuner (Brønderslev, Frederikshavn). Vælg kommunen."]
    }
    assert second.status_code == 302
    assert company.units.get(address="Vej 2").municipality_id == "810"


def test_unit_edit_and_delete(staff, company):
    unit = company.units.get()
    client = client_for(staff)

    edited = client.post(
        reverse("company_unit_edit", args=[company.pk, unit.pk]),
        {"address": "Havnevej 3", "postal_code": "9800", "city": "Hjørring", "p_number": "1000000003",
         "is_primary": "on"},
    )
    unit.refresh_from_db()
    assert edited.status_code == 302
    assert (unit.address, unit.city, unit.p_number, unit.municipality_id) == ("Havnevej 3", "Hjørring", "1000000003",
                                                                             "860")

    deleted = client.post(reverse("company_unit_edit", args=[company.pk, unit.pk]), {"delete": "1"})
    assert deleted.status_code == 302
    assert company.units.count() == 0


# --- Merge ----------------------------------------------------------------------------------------


def test_merge_previews_then_merges_on_confirm(lead, company):
    other = CompanyFactory(name="Dublet ApS", size_class_id="small")
    make_match(company=other)
    client = client_for(lead)
    url = reverse("company_merge", args=[company.pk])

    preview = client.post(url, {"other": other.cvr, "reason": "Samme firma"})

    html = preview.content.decode()
    assert preview.status_code == 200
    assert preview.context["preview"] == [("match", 1)]
    assert preview.context["preview_fill"] == ["størrelse"]
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert Company.objects.get(pk=other.pk).merged_into_id is None  # nothing happens before confirming

    done = client.post(url, {"other": other.cvr, "reason": "Samme firma", "confirm": "1"})

    assert done.status_code == 302
    merge = CompanyMerge.objects.get()
    assert (merge.survivor, merge.merged, merge.reason, merge.moved["matches"]) == (company, other, "Samme firma", 1)
    assert Match.objects.get().company == company


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ("invalid", "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."),
        ("unknown", "Der er ingen virksomhed med dette CVR-nummer i registret."),
        ("self", "En virksomhed kan ikke lægges sammen med sig selv."),
        ("tombstone", "Gammel ApS (CVR {cvr}) er allerede lagt sammen med Syntetisk Smedie ApS."),
    ],
)
def test_merge_refusals_are_shown_and_change_nothing(other, message, lead, company):
    cvr = {"invalid": INVALID_CVR, "unknown": next_cvr(), "self": company.cvr}.get(other)
    if other == "tombstone":
        old = CompanyFactory(name="Gammel ApS")
        company_merge(user=lead, survivor=company, merged=old)
        cvr = old.cvr
    merges = CompanyMerge.objects.count()

    response = client_for(lead).post(reverse("company_merge", args=[company.pk]), {"other": cvr, "confirm": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"other": [message.format(cvr=cvr)]}
    assert CompanyMerge.objects.count() == merges


# --- Import ---------------------------------------------------------------------------------------


def upload(text: str, name: str = "virksomheder.csv") -> io.BytesIO:
    file = io.BytesIO(text.encode("utf-8-sig"))
    file.name = name
    return file


def test_import_page_all_or_nothing_lists_every_bad_row(staff):
    good = next_cvr()
    file = upload(f"cvr;navn;kommune;branche\r\n{good};God ApS;Thisted;C\r\n{INVALID_CVR};Dårlig ApS;Thisted;Z\r\n")

    response = client_for(staff).post(reverse("company_import"), {"file": file})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Filen er ikke importeret" in html
    assert [(e.row, e.column, e.message) for e in response.context["errors"]] == [
        (3, "cvr", "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."),
        (3, "branche", "Ukendt branche 'Z'. Angiv en DB07-hovedbranche (A–U)."),
    ]
    assert Company.objects.count() == 0


def test_import_page_skip_invalid_offers_the_rejects(staff):
    good = next_cvr()
    file = upload(f"cvr;navn;kommune\r\n{good};God ApS;Thisted\r\n{INVALID_CVR};Dårlig ApS;Thisted\r\n")
    client = client_for(staff)

    response = client.post(reverse("company_import"), {"file": file, "skip_invalid": "on"})

    html = response.content.decode()
    assert "Filen er importeret" in html
    assert f'href="{reverse("company_import_rejects")}"' in html
    assert list(Company.objects.values_list("cvr", flat=True)) == [good]
    rejects = client.get(reverse("company_import_rejects"))
    assert rejects.status_code == 200
    assert rejects["Content-Type"] == "text/csv; charset=utf-8"
    assert rejects.content.decode("utf-8-sig").splitlines() == [
        "cvr;navn;kommune;fejl",
        f"{INVALID_CVR};Dårlig ApS;Thisted;cvr: CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke).",
    ]


def test_import_page_without_file_asks_for_one(staff):
    response = client_for(staff).post(reverse("company_import"), {})

    assert response.context["form"].errors == {"file": ["Vælg en fil."]}
