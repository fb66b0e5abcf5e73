"""The match registry in the browser: permission matrix for every URL, register (company inline),
duplicates, consent, optimistic locking, verify/reject, list filters, query count and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from viaviden.companies.models import Company
from viaviden.matches.models import Match, MatchContribution
from viaviden.matches.tests.factories import CompanyFactory, make_match, next_cvr
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

INVALID_CVR = "12345678"  # weighted sum 114, not divisible by 11


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def aalborg_staff():
    return UserFactory(organisation="jobcenter-aalborg", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def aalborg_lead():
    return UserFactory(organisation="erhvervskontor-aalborg", role=User.Role.PARTNER_LEAD)


@pytest.fixture
def hjoerring_staff():
    return UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def hjoerring_lead():
    return UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_LEAD)


@pytest.fixture
def aau_staff():
    return UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


@pytest.fixture
def aalborg_match():
    """Registered by Jobcenter Aalborg for a company in Thisted."""
    return make_match(organisation="jobcenter-aalborg")


def form_data(**overrides) -> dict:
    data = {
        "cvr": next_cvr(),
        "company_name": "Syntetisk Maskinfabrik A/S",
        "company_municipality": "860",
        "company_industry": "C",
        "company_size_class": "small",
        "match_type": "ordinary_job",
        "start_date": "2022-03-15",
        "education_level": "LVU",
        "education": "Cand.polyt. i maskinteknik",
        "institution": "AAU",
        "activity": "company_contact",
        "activity_note": "",
        "person_identifier": "",
        "person_name": "",
        "person_email": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(match: Match, **overrides) -> dict:
    data = {
        "cvr": match.company.cvr,
        "match_type": match.match_type_id,
        "start_date": match.start_date.isoformat(),
        "education_level": match.education_level_id,
        "education": match.education,
        "institution": match.institution,
        "activity": match.activity,
        "activity_note": match.activity_note,
        "person_name": match.person_name,
        "person_email": match.person_email,
        "version": match.version,
    }
    data.update(overrides)
    return data


def listed_pks(response) -> list[int]:
    return [m.pk for m in response.context["matches"]]


# --- Permission matrix ---------------------------------------------------------------------------

ALL_URLS = [
    ("get", "match_list", False),
    ("get", "match_list_export", False),
    ("get", "match_create", False),
    ("get", "company_lookup", False),
    ("get", "match_detail", True),
    ("get", "match_edit", True),
    ("post", "match_verify", True),
    ("post", "match_reject", True),
]


def url_for(name: str, needs_pk: bool, match: Match) -> str:
    return reverse(name, args=[match.pk]) if needs_pk else reverse(name)


@pytest.mark.parametrize(("method", "name", "needs_pk"), ALL_URLS)
def test_anonymous_is_sent_to_login(method, name, needs_pk, aalborg_match):
    url = url_for(name, needs_pk, aalborg_match)

    response = getattr(Client(), method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert Match.objects.get(pk=aalborg_match.pk).status == Match.Status.REGISTERED


@pytest.mark.parametrize(("method", "name", "needs_pk"), ALL_URLS)
def test_steering_group_gets_403_everywhere(method, name, needs_pk, steering, aalborg_match):
    url = url_for(name, needs_pk, aalborg_match)

    response = getattr(client_for(steering), method)(url, {"version": 1, "reason": "x"} if method == "post" else {})

    assert response.status_code == 403
    assert Match.objects.get(pk=aalborg_match.pk).status == Match.Status.REGISTERED


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "match_detail"), ("get", "match_edit"), ("post", "match_verify"), ("post", "match_reject")],
)
def test_other_municipality_gets_404_for_a_match_it_had_no_part_in(method, name, hjoerring_lead, aalborg_match):
    client = client_for(hjoerring_lead)

    response = getattr(client, method)(
        reverse(name, args=[aalborg_match.pk]), {"version": 1, "reason": "x"} if method == "post" else {}
    )

    assert response.status_code == 404
    assert Match.objects.get(pk=aalborg_match.pk).status == Match.Status.REGISTERED


def test_other_municipality_does_not_see_the_match_in_list_or_export(hjoerring_staff, aalborg_match):
    own = make_match(organisation="jobcenter-hjoerring")
    client = client_for(hjoerring_staff)

    listed = client.get(reverse("match_list"))
    exported = client.get(reverse("match_list_export"))

    assert listed.status_code == 200
    assert listed_pks(listed) == [own.pk]
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == [str(own.pk)]


def test_contributor_sees_the_match_but_cannot_edit_it(hjoerring_staff):
    match = make_match(organisation="jobcenter-aalborg", contributors=(org("jobcenter-hjoerring"),))
    client = client_for(hjoerring_staff)

    detail = client.get(reverse("match_detail", args=[match.pk]))
    listed = client.get(reverse("match_list"))
    edit = client.get(reverse("match_edit", args=[match.pk]))

    assert detail.status_code == 200
    assert listed_pks(listed) == [match.pk]
    assert edit.status_code == 403
    assert reverse("match_edit", args=[match.pk]) not in detail.content.decode()


def test_own_organisation_staff_sees_and_may_edit(aalborg_staff, aalborg_match):
    client = client_for(aalborg_staff)

    listed = client.get(reverse("match_list"))
    detail = client.get(reverse("match_detail", args=[aalborg_match.pk]))
    edit = client.get(reverse("match_edit", args=[aalborg_match.pk]))
    create = client.get(reverse("match_create"))

    assert (listed.status_code, detail.status_code, edit.status_code, create.status_code) == (200, 200, 200, 200)
    assert listed_pks(listed) == [aalborg_match.pk]
    assert reverse("match_edit", args=[aalborg_match.pk]) in detail.content.decode()
    assert reverse("match_verify", args=[aalborg_match.pk]) not in detail.content.decode()


def test_units_of_the_same_municipality_share_matches(aalborg_lead):
    cmu_match = make_match(organisation="central-matchningsenhed")

    response = client_for(aalborg_lead).get(reverse("match_detail", args=[cmu_match.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["match_verify", "match_reject"])
def test_partner_staff_cannot_verify_or_reject(name, aalborg_staff, aalborg_match):
    response = client_for(aalborg_staff).post(
        reverse(name, args=[aalborg_match.pk]), {"version": aalborg_match.version, "reason": "Forkert"}
    )

    assert response.status_code == 403
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.status, m.verified_by_id, m.version) == (Match.Status.REGISTERED, None, aalborg_match.version)


def test_partner_lead_verifies_own_partners_match(aalborg_lead, aalborg_match):
    client = client_for(aalborg_lead)

    response = client.post(reverse("match_verify", args=[aalborg_match.pk]), {"version": aalborg_match.version})

    assert response.status_code == 302
    assert response["Location"] == reverse("match_detail", args=[aalborg_match.pk])
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.status, m.verified_by_id, m.version) == (Match.Status.VERIFIED, aalborg_lead.pk, 2)
    page = client.get(response["Location"])
    assert "Matchet er verificeret." in page.content.decode()


def test_partner_lead_rejects_with_reason(aalborg_lead, aalborg_match):
    response = client_for(aalborg_lead).post(
        reverse("match_reject", args=[aalborg_match.pk]),
        {"version": aalborg_match.version, "reason": "Personen startede ikke"},
    )

    assert response.status_code == 302
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.status, m.rejection_reason) == (Match.Status.REJECTED, "Personen startede ikke")


def test_reject_without_reason_changes_nothing(aalborg_lead, aalborg_match):
    client = client_for(aalborg_lead)

    response = client.post(
        reverse("match_reject", args=[aalborg_match.pk]),
        {"version": aalborg_match.version, "reason": "  "},
        follow=True,
    )

    assert "Angiv en begrundelse for afvisningen." in response.content.decode()
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.status, m.rejection_reason, m.version) == (Match.Status.REGISTERED, "", 1)


def test_verify_with_stale_version_is_refused(aalborg_lead, aalborg_match):
    Match.objects.filter(pk=aalborg_match.pk).update(version=2)

    response = client_for(aalborg_lead).post(
        reverse("match_verify", args=[aalborg_match.pk]), {"version": 1}, follow=True
    )

    assert "Matchet er blevet ændret af en anden" in response.content.decode()
    assert Match.objects.get(pk=aalborg_match.pk).status == Match.Status.REGISTERED


def test_coordinator_sees_edits_and_verifies_everything(coordinator, aalborg_match):
    other = make_match(organisation="aau", municipality="851")
    client = client_for(coordinator)

    listed = client.get(reverse("match_list"))
    detail = client.get(reverse("match_detail", args=[other.pk]))
    edit = client.get(reverse("match_edit", args=[aalborg_match.pk]))
    verify = client.post(reverse("match_verify", args=[other.pk]), {"version": other.version})

    assert sorted(listed_pks(listed)) == sorted([aalborg_match.pk, other.pk])
    assert (detail.status_code, edit.status_code, verify.status_code) == (200, 200, 302)
    assert Match.objects.get(pk=other.pk).status == Match.Status.VERIFIED


def test_unknown_match_is_404(coordinator):
    response = client_for(coordinator).get(reverse("match_detail", args=[999999]))

    assert response.status_code == 404


# --- Register --------------------------------------------------------------------------------------


def test_create_registers_match_and_creates_company_inline(aalborg_staff):
    cvr = next_cvr()
    data = form_data(
        cvr=f"DK {cvr[:4]} {cvr[4:]}", start_date="15-03-2022", contributors=[org("central-matchningsenhed").pk]
    )

    response = client_for(aalborg_staff).post(reverse("match_create"), data)

    match = Match.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("match_detail", args=[match.pk])
    company = Company.objects.get(cvr=cvr)
    assert (company.name, company.municipality_id, company.industry_id, company.size_class_id) == (
        "Syntetisk Maskinfabrik A/S",
        "860",
        "C",
        "small",
    )
    assert (
        match.company_id,
        match.municipality_id,
        match.start_date,
        match.match_type_id,
        match.education_level_id,
    ) == (company.pk, "860", dt.date(2022, 3, 15), "ordinary_job", "LVU")
    assert (
        match.registering_org.slug,
        match.partner.slug,
        match.target_part,
        match.outside_aalborg,
        match.project_year,
        match.half_year,
    ) == ("jobcenter-aalborg", "kommune-aalborg", "municipal", True, 2021, "2022-H1")
    assert (match.created_by_id, match.status, match.person_key, match.person_name) == (
        aalborg_staff.pk,
        Match.Status.REGISTERED,
        "",
        "",
    )
    assert sorted(match.contributions.values_list("organisation__slug", "role")) == [
        ("central-matchningsenhed", "contributed"),
        ("jobcenter-aalborg", "registered"),
    ]


def test_create_with_known_company_needs_no_company_fields(aalborg_staff):
    company = CompanyFactory(municipality_id="787")

    response = client_for(aalborg_staff).post(
        reverse("match_create"),
        form_data(
            cvr=company.cvr, company_name="", company_municipality="", company_industry="", company_size_class=""
        ),
    )

    assert response.status_code == 302
    match = Match.objects.get()
    assert (match.company_id, match.municipality_id) == (company.pk, "787")
    assert Company.objects.count() == 1


def test_create_shows_success_message_on_detail_page(aalborg_staff):
    response = client_for(aalborg_staff).post(reverse("match_create"), form_data(), follow=True)

    assert response.status_code == 200
    assert "Matchet er registreret." in response.content.decode()
    assert response.context["match"].education == "Cand.polyt. i maskinteknik"


def test_create_with_invalid_cvr_shows_danish_error_and_saves_nothing(aalborg_staff):
    response = client_for(aalborg_staff).post(reverse("match_create"), form_data(cvr=INVALID_CVR))

    assert response.status_code == 200
    html = response.content.decode()
    assert "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)." in html
    assert 'href="#id_cvr"' in html  # the error summary links to the field
    assert (Match.objects.count(), Company.objects.count()) == (0, 0)


def test_create_with_unknown_cvr_and_no_company_fields_asks_for_them(aalborg_staff):
    response = client_for(aalborg_staff).post(
        reverse("match_create"), form_data(company_name="", company_municipality="")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["company_name"] == ["Virksomheden findes ikke i registret. Angiv dens navn."]
    assert response.context["form"].errors["company_municipality"] == [
        "Virksomheden findes ikke i registret. Angiv arbejdsstedets kommune."
    ]
    assert (Match.objects.count(), Company.objects.count()) == (0, 0)


def test_person_name_without_consent_is_refused_and_nothing_saved(aalborg_staff):
    response = client_for(aalborg_staff).post(
        reverse("match_create"), form_data(person_name="Anna Jensen", person_email="anna@example.dk")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["person_consent"]
    assert errors == [
        "Navn og e-mail må kun registreres, når personen har givet samtykke. Sæt kryds ved samtykke "
        "eller fjern navn og e-mail."
    ]
    assert (Match.objects.count(), Company.objects.count()) == (0, 0)


def test_person_name_with_consent_is_stored_and_shown(aalborg_staff):
    client = client_for(aalborg_staff)

    response = client.post(
        reverse("match_create"),
        form_data(person_name="Anna Jensen", person_email="anna@example.dk", person_consent="on"),
    )

    match = Match.objects.get()
    assert response.status_code == 302
    assert (match.person_name, match.person_email, match.person_consent_at is not None) == (
        "Anna Jensen",
        "anna@example.dk",
        True,
    )
    assert listed_pks(client.get(reverse("match_list"))) == [match.pk]
    assert "Anna Jensen" in client.get(reverse("match_list")).content.decode()


def test_service_error_becomes_a_form_error(aalborg_staff):
    response = client_for(aalborg_staff).post(reverse("match_create"), form_data(start_date="01-01-2019"))

    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [
        "Startdatoen 01-01-2019 ligger uden for alle programperioder."
    ]
    assert (Match.objects.count(), Company.objects.count()) == (0, 0)  # the company is rolled back too


def test_duplicate_by_another_partner_merges_and_adds_contributor(aalborg_staff, aau_staff):
    data = form_data(person_identifier="Anna.Jensen@example.dk")
    first = client_for(aalborg_staff).post(reverse("match_create"), data)
    assert first.status_code == 302
    existing = Match.objects.get()

    response = client_for(aau_staff).post(
        reverse("match_create"),
        form_data(cvr=data["cvr"], start_date="20-03-2022", person_identifier=" anna.jensen@example.dk "),
        follow=True,
    )

    assert Match.objects.count() == 1
    assert response.redirect_chain == [(reverse("match_detail", args=[existing.pk]), 302)]
    assert (
        "Matchet fandtes allerede (registreret af Jobcenter Aalborg); din organisation er tilføjet som bidragyder."
    ) in response.content.decode()
    assert sorted(MatchContribution.objects.filter(match=existing).values_list("organisation__slug", "role")) == [
        ("aau", "duplicate"),
        ("jobcenter-aalborg", "registered"),
    ]


def test_coordinator_may_register_for_another_organisation(coordinator):
    response = client_for(coordinator).post(reverse("match_create"), form_data(registering_org=org("ucn").pk))

    assert response.status_code == 302
    assert Match.objects.get().registering_org.slug == "ucn"


def test_partner_staff_cannot_pick_another_registering_organisation(aalborg_staff):
    response = client_for(aalborg_staff).post(reverse("match_create"), form_data(registering_org=org("ucn").pk))

    assert response.status_code == 302
    assert Match.objects.get().registering_org.slug == "jobcenter-aalborg"


def test_create_form_is_accessible(aalborg_staff):
    html = client_for(aalborg_staff).get(reverse("match_create")).content.decode()

    assert '<legend class="form-label">Matchtype</legend>' in html
    assert '<legend class="form-label">Uddannelsesniveau</legend>' in html
    assert 'aria-describedby="id_cvr_helptext company-lookup-status"' in html
    assert f'hx-get="{reverse("company_lookup")}"' in html
    assert 'name="company_name"' in html  # works without JavaScript
    assert "<script>" not in html  # CSP: no inline scripts


# --- Edit ------------------------------------------------------------------------------------------


def test_edit_saves_changes_and_bumps_version(aalborg_staff, aalborg_match):
    response = client_for(aalborg_staff).post(
        reverse("match_edit", args=[aalborg_match.pk]),
        edit_data(aalborg_match, education="Cand.merc.", start_date="01-04-2021"),
    )

    assert response.status_code == 302
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.education, m.start_date, m.version, m.half_year) == ("Cand.merc.", dt.date(2021, 4, 1), 2, "2021-H1")


def test_concurrent_edit_shows_conflict_and_keeps_the_other_edit(aalborg_staff, aalborg_match):
    first, second = client_for(aalborg_staff), client_for(UserFactory(organisation="jobcenter-aalborg"))
    assert first.get(reverse("match_edit", args=[aalborg_match.pk])).context["form"]["version"].value() == 1
    stale = edit_data(aalborg_match, education="Anden uddannelse")

    saved = first.post(reverse("match_edit", args=[aalborg_match.pk]), edit_data(aalborg_match, education="Cand.it."))
    refused = second.post(reverse("match_edit", args=[aalborg_match.pk]), stale)

    assert saved.status_code == 302
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Matchet er blevet ændret af en anden, siden du åbnede det. Genindlæs og prøv igen." in html
    assert 'value="Anden uddannelse"' in html  # the user's input is kept
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.education, m.version) == ("Cand.it.", 2)


def test_edit_with_invalid_cvr_changes_nothing(aalborg_staff, aalborg_match):
    response = client_for(aalborg_staff).post(
        reverse("match_edit", args=[aalborg_match.pk]), edit_data(aalborg_match, cvr=INVALID_CVR, education="Ny")
    )

    assert response.status_code == 200
    assert "cvr" in response.context["form"].errors
    m = Match.objects.get(pk=aalborg_match.pk)
    assert (m.education, m.version, m.company_id) == ("Datamatiker", 1, aalborg_match.company_id)


# --- Detail ----------------------------------------------------------------------------------------


def test_detail_shows_contributors_duplicate_warning_and_history(aalborg_lead):
    first = make_match(organisation="jobcenter-aalborg", contributors=(org("aau"),))
    second = make_match(organisation="jobcenter-aalborg", company=first.company)
    assert second.possible_duplicate_of_id == first.pk

    response = client_for(aalborg_lead).get(reverse("match_detail", args=[second.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Muligvis en dublet" in html
    assert f'href="{reverse("match_detail", args=[first.pk])}"' in html
    assert f'action="{reverse("match_verify", args=[second.pk])}"' in html
    first_html = client_for(aalborg_lead).get(reverse("match_detail", args=[first.pk])).content.decode()
    assert "Aalborg Universitet</td><td>Bidrog" in first_html
    assert "Jobcenter Aalborg</td><td>Registrerede matchet" in first_html
    assert 'id="object-history-heading"' in html


# --- List ------------------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """Matches that differ in one dimension each from `base`."""
    base = make_match(
        organisation="jobcenter-aalborg",
        municipality="787",
        match_type="ordinary_job",
        level="KVU",
        start_date=dt.date(2021, 3, 1),
    )
    return {
        "base": base,
        "municipality": make_match(organisation="jobcenter-aalborg", municipality="860"),
        "partner": make_match(organisation="aau"),
        "match_type": make_match(organisation="jobcenter-aalborg", match_type="student_job"),
        "level": make_match(organisation="jobcenter-aalborg", level="LVU"),
        "year": make_match(organisation="jobcenter-aalborg", start_date=dt.date(2022, 9, 1)),
        "half": make_match(organisation="jobcenter-aalborg", start_date=dt.date(2020, 9, 1)),
        "status": make_match(organisation="jobcenter-aalborg", status=Match.Status.VERIFIED),
        "activity": make_match(organisation="jobcenter-aalborg", activity="bourse"),
        "company": make_match(
            organisation="jobcenter-aalborg",
            company=CompanyFactory(name="Hirtshals Havnesmedje ApS", municipality_id="860"),
        ),
        "aalborg": make_match(organisation="jobcenter-hjoerring", municipality="851"),
        "rejected": make_match(organisation="jobcenter-aalborg", status=Match.Status.REJECTED),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"municipality": "860"}, ["municipality", "company"]),
        ({"partner": "aau"}, ["partner"]),
        ({"match_type": "student_job"}, ["match_type"]),
        ({"level": "LVU"}, ["level"]),
        ({"project_year": "2022"}, ["year"]),
        ({"half_year": "2020-H2"}, ["half"]),
        ({"status": "verified"}, ["status"]),
        ({"activity": "bourse"}, ["activity"]),
        ({"q": "havnesmedje"}, ["company"]),
        ({"municipality": "860", "q": "havne"}, ["company"]),
        # Further names the dashboard links use.
        ({"target_part": "partner"}, ["partner"]),
        ({"outside_aalborg": "false"}, ["aalborg"]),
        ({"status": "rejected"}, ["rejected"]),
        ({"status": "counted", "municipality": "851"}, ["aalborg"]),
        ({"programme": "vvv-2-0", "level": "LVU"}, ["level"]),
    ],
)
def test_list_filters_use_the_dashboard_parameter_names(params, expected, spread, coordinator):
    if "partner" in params:
        params = {**params, "partner": org(params["partner"]).pk}

    response = client_for(coordinator).get(reverse("match_list"), params)

    assert response.status_code == 200
    assert sorted(listed_pks(response)) == sorted(spread[k].pk for k in expected)


def test_list_filter_by_cvr(spread, coordinator):
    cvr = spread["company"].company.cvr

    response = client_for(coordinator).get(reverse("match_list"), {"q": cvr})

    assert listed_pks(response) == [spread["company"].pk]


def test_list_ignores_an_invalid_filter_and_says_so(spread, coordinator):
    response = client_for(coordinator).get(reverse("match_list"), {"project_year": "abc", "level": "LVU"})

    assert listed_pks(response) == [spread["level"].pk]
    assert "Nogle filtre kunne ikke bruges og er ignoreret" in response.content.decode()


def test_list_is_newest_first_and_paginated(aalborg_staff):
    matches = [make_match(organisation="jobcenter-aalborg") for _ in range(52)]
    client = client_for(aalborg_staff)

    page1 = client.get(reverse("match_list"))
    page2 = client.get(reverse("match_list"), {"page": 2})

    assert listed_pks(page1) == [m.pk for m in reversed(matches)][:50]
    assert listed_pks(page2) == [matches[1].pk, matches[0].pk]
    assert "?page=2" in page1.content.decode()


def test_list_query_count_does_not_grow_with_rows(coordinator):
    client = client_for(coordinator)
    for _ in range(2):
        make_match(organisation="jobcenter-aalborg")
    client.get(reverse("match_list"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("match_list"))
    for _ in range(20):
        make_match(organisation="aau", contributors=(org("ucn"),))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("match_list"))

    assert len(listed_pks(response)) == 22
    assert len(many.captured_queries) == len(few.captured_queries)
    # 11 today: session, user, OTP device, programmes, header organisation, count, four filter choice
    # lists, the page itself. The bound leaves room for a site-wide context processor, not for N+1.
    assert len(many.captured_queries) <= 13


def test_export_is_filtered_danish_excel_csv(spread, coordinator):
    response = client_for(coordinator).get(reverse("match_list_export"), {"level": "LVU"})

    body = b"".join(response.streaming_content).decode("utf-8")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeffId;Startdato;CVR-nummer;Virksomhed;")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    m = spread["level"]
    assert rows[1][:4] == [str(m.pk), m.start_date.strftime("%d-%m-%Y"), m.company.cvr, m.company.name]
    assert len(rows) == 2


def test_export_neutralises_spreadsheet_formulas(coordinator):
    make_match(organisation="aau", company=CompanyFactory(name='=HYPERLINK("x")'))

    body = b"".join(client_for(coordinator).get(reverse("match_list_export")).streaming_content).decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][3] == '\'=HYPERLINK("x")'


# --- Company lookup (htmx) ---------------------------------------------------------------------------


def test_lookup_known_company_shows_name_and_municipality(aalborg_staff):
    company = CompanyFactory(name="Syntetisk Fiskeeksport A/S", municipality_id="813")

    response = client_for(aalborg_staff).get(reverse("company_lookup"), {"cvr": company.cvr})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Syntetisk Fiskeeksport A/S" in html
    assert "Frederikshavn" in html
    assert 'name="company_name"' not in html


def test_lookup_unknown_company_offers_fields_and_keeps_typed_values(aalborg_staff):
    cvr = next_cvr()

    response = client_for(aalborg_staff).get(reverse("company_lookup"), {"cvr": cvr, "company_name": "Ny ApS"})

    html = response.content.decode()
    assert f"Virksomheden med CVR-nummer {cvr} findes ikke i registret." in html
    assert 'name="company_name" value="Ny ApS"' in html
    assert 'name="company_municipality"' in html
    assert 'name="company_industry"' in html
    assert 'name="company_size_class"' in html


def test_lookup_invalid_cvr_gives_danish_error(aalborg_staff):
    response = client_for(aalborg_staff).get(reverse("company_lookup"), {"cvr": INVALID_CVR})

    assert "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)." in response.content.decode()


def test_lookup_by_name_suggests_companies(aalborg_staff):
    company = CompanyFactory(name="Skagen Røgeri ApS")

    response = client_for(aalborg_staff).get(reverse("company_lookup"), {"cvr": "røgeri"})

    html = response.content.decode()
    assert "CVR-nummeret skal bestå af 8 cifre." in html
    assert f'data-cvr-suggestion="{company.cvr}"' in html


def test_list_status_counted_leaves_out_only_rejected(spread, coordinator):
    response = client_for(coordinator).get(reverse("match_list"), {"status": "counted"})

    assert sorted(listed_pks(response)) == sorted(m.pk for k, m in spread.items() if k != "rejected")
