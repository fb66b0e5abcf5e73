"""/api/matches: permissions as in the UI, registration with duplicates, editing with optimistic locking,
verify/reject, pagination, filters and query counts."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import translation
from django.utils.translation import gettext

from viaviden.companies.models import Company
from viaviden.matches.models import Match, MatchContribution
from viaviden.matches.tests.factories import CompanyFactory, make_match, next_cvr
from viaviden.organisations.models import Organisation

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _payload(cvr, **overrides):
    payload = {
        "company": {"cvr": cvr},
        "match_type": "ordinary_job",
        "start_date": "2021-03-01",
        "education_level": "LVU",
        "education": "Cand.polyt. i energiteknik",
        "institution": "AAU",
        "activity": "company_contact",
    }
    return {**payload, **overrides}


def _ids(response):
    return [m["id"] for m in response.json()["items"]]


# --- who sees what ---------------------------------------------------------------------------


def test_hjoerring_sees_own_and_contributed_matches_not_aalborgs(hjoerring):
    own = make_match(organisation="jobcenter-hjoerring")
    aalborgs = make_match(organisation="jobcenter-aalborg", municipality="851")
    helped = make_match(
        organisation="jobcenter-aalborg",
        municipality="851",
        contributors=(Organisation.objects.get(slug="erhvervskontor-hjoerring"),),
    )
    api = client_for(hjoerring)

    response = api.get("/api/matches")

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([own.pk, helped.pk])
    assert response.json()["count"] == 2
    assert api.get(f"/api/matches/{helped.pk}").status_code == 200
    detail = api.get(f"/api/matches/{aalborgs.pk}")
    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"


def test_hjoerring_cannot_edit_verify_or_reject_aalborgs_match(hjoerring):
    aalborgs = make_match(organisation="jobcenter-aalborg", municipality="851")
    api = client_for(hjoerring)

    patch = api.patch(f"/api/matches/{aalborgs.pk}", {"version": 1, "education": "Ændret"})
    verify = api.post(f"/api/matches/{aalborgs.pk}/verify", {"version": 1})
    reject = api.post(f"/api/matches/{aalborgs.pk}/reject", {"version": 1, "reason": "Nej"})

    assert (patch.status_code, verify.status_code, reject.status_code) == (404, 404, 404)
    aalborgs.refresh_from_db()
    assert (aalborgs.education, aalborgs.version, aalborgs.status) == ("Datamatiker", 1, "registered")


def test_contributor_sees_but_cannot_edit_a_match_it_helped_with(hjoerring):
    helped = make_match(
        organisation="jobcenter-aalborg",
        municipality="851",
        contributors=(Organisation.objects.get(slug="jobcenter-hjoerring"),),
    )
    response = client_for(hjoerring).patch(f"/api/matches/{helped.pk}", {"version": 1, "education": "X"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    helped.refresh_from_db()
    assert helped.education == "Datamatiker"


def test_steering_group_gets_403_on_individual_matches_and_companies(steering):
    match = make_match()
    api = client_for(steering)
    for path in ("/api/matches", f"/api/matches/{match.pk}", "/api/companies", f"/api/companies/{match.company.cvr}"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "aggregates_only"
    response = api.post("/api/matches", _payload(match.company.cvr))
    assert response.status_code == 403
    assert Match.objects.count() == 1


def test_coordinator_sees_every_match(coordinator):
    a, b = make_match(organisation="jobcenter-aalborg"), make_match(organisation="aau")
    assert sorted(_ids(client_for(coordinator).get("/api/matches"))) == sorted([a.pk, b.pk])


def test_person_data_is_returned_to_those_who_see_the_match(hjoerring):
    match = make_match(person_name="Syntetisk Person", person_email="syntetisk@example.dk", person_consent=True)
    body = client_for(hjoerring).get(f"/api/matches/{match.pk}").json()
    assert (body["person_name"], body["person_email"]) == ("Syntetisk Person", "syntetisk@example.dk")
    assert body["person_consent_at"] is not None


# --- register --------------------------------------------------------------------------------


def test_create_match_with_new_company(hjoerring):
    cvr = next_cvr()
    payload = _payload(
        cvr,
        company={
            "cvr": f"DK {cvr[:4]} {cvr[4:]}",
            "name": "Syntetisk Energi ApS",
            "municipality": "860",
            "industry": "d",
        },
        person_identifier="medarbejder-17",
        contributors=["central-matchningsenhed"],
    )

    response = client_for(hjoerring).post("/api/matches", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["merged"] is False
    m = body["match"]
    assert m["company"] == {"cvr": cvr, "name": "Syntetisk Energi ApS"}
    assert (m["municipality"], m["municipality_name"], m["match_type"], m["education_level"]) == (
        "860",
        "Hjørring",
        "ordinary_job",
        "LVU",
    )
    assert (m["start_date"], m["project_year"], m["half_year"], m["outside_aalborg"]) == (
        "2021-03-01",
        2020,
        "2021-H1",
        True,
    )
    assert (m["registering_org"]["slug"], m["partner"], m["status"], m["version"]) == (
        "jobcenter-hjoerring",
        "kommune-hjoerring",
        "registered",
        1,
    )
    assert m["pseudonymous_key"] is True and m["person_name"] is None
    assert [(c["organisation"], c["role"]) for c in m["contributions"]] == [
        ("jobcenter-hjoerring", "registered"),
        ("central-matchningsenhed", "contributed"),
    ]
    assert response["ETag"] == '"1"'
    company = Company.objects.get(cvr=cvr)
    assert (company.municipality_id, company.industry_id) == ("860", "D")
    match = Match.objects.get(pk=m["id"])
    assert match.created_by == hjoerring
    assert LogEntry.objects.get_for_object(match).get().actor == hjoerring


def test_create_match_for_existing_company_defaults_to_its_municipality(hjoerring):
    company = CompanyFactory(municipality_id="813")
    response = client_for(hjoerring).post("/api/matches", _payload(company.cvr))
    assert response.status_code == 201
    assert response.json()["match"]["municipality"] == "813"


def test_invalid_cvr_is_422_in_danish_and_saves_nothing(hjoerring):
    payload = _payload("12345678", company={"cvr": "12345678", "name": "Ny ApS", "municipality": "860"})

    response = client_for(hjoerring).post("/api/matches", payload)

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_cvr",
        "message": "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke).",
        "details": {"company.cvr": ["CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."]},
    }
    assert not Company.objects.filter(cvr="12345678").exists()
    assert Match.objects.count() == 0


def test_invalid_cvr_message_follows_accept_language(hjoerring):
    response = client_for(hjoerring).post("/api/matches", _payload("12345678"), headers={"Accept-Language": "en"})
    with translation.override("en"):
        expected = gettext("CVR-nummeret %(cvr)s er ikke gyldigt (kontrolcifferet passer ikke).") % {"cvr": "12345678"}
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cvr"
    assert response.json()["message"] == expected
    assert response["Content-Language"] == "en"


def test_unknown_company_without_name_is_422(hjoerring):
    response = client_for(hjoerring).post("/api/matches", _payload(next_cvr()))
    assert response.status_code == 422
    assert response.json()["code"] == "company_unknown"
    assert Company.objects.count() == 0


def test_unknown_codes_are_all_reported_at_once(hjoerring):
    company = CompanyFactory()
    response = client_for(hjoerring).post(
        "/api/matches", _payload(company.cvr, match_type="bogus", education_level="PhD", contributors=["nobody"])
    )
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert body["details"] == {
        "match_type": ["Ukendt værdi: bogus."],
        "education_level": ["Ukendt værdi: PHD."],
        "contributors": ["Ukendt værdi: nobody."],
    }
    assert Match.objects.count() == 0


def test_schema_errors_are_422_with_per_field_danish_details(hjoerring):
    payload = _payload("12345674", start_date="01-03-2021", activity="dance", colour="blue")
    del payload["match_type"]
    response = client_for(hjoerring).post("/api/matches", payload)
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert body["message"] == "Ugyldige data. Se detaljerne for de enkelte felter."
    assert body["details"]["match_type"] == ["Feltet skal udfyldes."]
    assert body["details"]["start_date"] == ["Ugyldig dato. Brug formatet ÅÅÅÅ-MM-DD."]
    assert body["details"]["activity"][0].startswith("Ugyldig værdi. Tilladte værdier:")
    assert body["details"]["colour"] == ["Ukendt felt."]


def test_person_name_without_consent_is_refused(hjoerring):
    company = CompanyFactory()
    response = client_for(hjoerring).post("/api/matches", _payload(company.cvr, person_name="Syntetisk Person"))
    assert response.status_code == 422
    assert response.json()["code"] == "consent_required"
    assert Match.objects.count() == 0


def test_invalid_email_is_422_from_model_validation(hjoerring):
    company = CompanyFactory()
    response = client_for(hjoerring).post(
        "/api/matches", _payload(company.cvr, person_email="ikke-en-adresse", person_consent=True)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]) == ["person_email"]
    assert Match.objects.count() == 0


def test_registering_for_another_organisation_is_403(hjoerring):
    company = CompanyFactory()
    response = client_for(hjoerring).post("/api/matches", _payload(company.cvr, organisation="aau"))
    assert response.status_code == 403
    assert Match.objects.count() == 0


def test_duplicate_from_another_organisation_merges_and_adds_contributor(hjoerring, aalborg):
    company = CompanyFactory()
    first = client_for(hjoerring).post("/api/matches", _payload(company.cvr, person_identifier="p-42"))
    second = client_for(aalborg).post(
        "/api/matches", _payload(company.cvr, person_identifier=" P-42 ", start_date="2021-03-15")
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["merged"] is True
    assert second.json()["match"]["id"] == first.json()["match"]["id"]
    assert Match.objects.count() == 1
    assert set(MatchContribution.objects.values_list("organisation__slug", "role")) == {
        ("jobcenter-hjoerring", "registered"),
        ("jobcenter-aalborg", "duplicate"),
    }
    assert [c["organisation"] for c in second.json()["match"]["contributions"]] == [
        "jobcenter-hjoerring",
        "jobcenter-aalborg",
    ]


# --- edit, verify, reject --------------------------------------------------------------------


def test_patch_changes_the_fields_sent_and_bumps_the_version(hjoerring):
    match = make_match()
    response = client_for(hjoerring).patch(
        f"/api/matches/{match.pk}", {"version": 1, "education": "Datalog", "education_level": "lvu"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["education"], body["education_level"], body["version"]) == ("Datalog", "LVU", 2)
    assert response["ETag"] == '"2"'
    match.refresh_from_db()
    assert (match.education, match.education_level_id, match.institution, match.version) == ("Datalog", "LVU", "UCN", 2)


def test_patch_with_stale_version_is_409_and_changes_nothing(hjoerring):
    match = make_match()
    api = client_for(hjoerring)
    assert api.patch(f"/api/matches/{match.pk}", {"version": 1, "education": "Først"}).status_code == 200

    response = api.patch(f"/api/matches/{match.pk}", {"version": 1, "education": "Sidst"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    match.refresh_from_db()
    assert (match.education, match.version) == ("Først", 2)


def test_patch_accepts_if_match_header(hjoerring):
    match = make_match()
    api = client_for(hjoerring)
    ok = api.patch(f"/api/matches/{match.pk}", {"education": "A"}, headers={"If-Match": '"1"'})
    stale = api.patch(f"/api/matches/{match.pk}", {"education": "B"}, headers={"If-Match": 'W/"1"'})
    assert (ok.status_code, stale.status_code) == (200, 409)
    match.refresh_from_db()
    assert match.education == "A"


def test_patch_without_version_is_422(hjoerring):
    match = make_match()
    response = client_for(hjoerring).patch(f"/api/matches/{match.pk}", {"education": "X"})
    assert response.status_code == 422
    assert response.json()["code"] == "version_required"
    match.refresh_from_db()
    assert (match.education, match.version) == ("Datamatiker", 1)


def test_patch_cannot_empty_a_required_reference(hjoerring):
    match = make_match()
    response = client_for(hjoerring).patch(f"/api/matches/{match.pk}", {"version": 1, "match_type": None})
    assert response.status_code == 422
    assert response.json()["details"] == {"match_type": ["Feltet kan ikke tømmes."]}


def test_patch_with_new_company_moves_the_match(hjoerring):
    match = make_match()
    other = CompanyFactory(municipality_id="851")
    response = client_for(hjoerring).patch(f"/api/matches/{match.pk}", {"version": 1, "company": {"cvr": other.cvr}})
    assert response.status_code == 200
    assert (response.json()["company"]["cvr"], response.json()["municipality"], response.json()["outside_aalborg"]) == (
        other.cvr,
        "851",
        False,
    )


def test_partner_lead_verifies(hjoerring_lead):
    match = make_match(organisation="jobcenter-hjoerring")
    response = client_for(hjoerring_lead).post(f"/api/matches/{match.pk}/verify", {"version": 1})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("verified", 2)
    match.refresh_from_db()
    assert (match.status, match.verified_by) == ("verified", hjoerring_lead)
    assert match.verified_at is not None


def test_verify_without_body_uses_current_version(hjoerring_lead):
    match = make_match(organisation="jobcenter-hjoerring")
    response = client_for(hjoerring_lead).post(f"/api/matches/{match.pk}/verify")
    assert response.status_code == 200
    assert response.json()["status"] == "verified"


def test_staff_cannot_verify(hjoerring):
    match = make_match(organisation="jobcenter-hjoerring")
    response = client_for(hjoerring).post(f"/api/matches/{match.pk}/verify", {"version": 1})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    match.refresh_from_db()
    assert match.status == "registered"


def test_lead_rejects_with_reason(hjoerring_lead):
    match = make_match(organisation="jobcenter-hjoerring")
    api = client_for(hjoerring_lead)
    empty = api.post(f"/api/matches/{match.pk}/reject", {"version": 1, "reason": "  "})
    assert (empty.status_code, empty.json()["code"]) == (422, "reason_required")
    response = api.post(f"/api/matches/{match.pk}/reject", {"version": 1, "reason": "Personen startede ikke"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == ("rejected", "Personen startede ikke")


# --- lists -----------------------------------------------------------------------------------


def test_pagination(coordinator):
    matches = [make_match(start_date=dt.date(2021, 1, day)) for day in range(1, 6)]
    api = client_for(coordinator)
    newest_first = [m.pk for m in reversed(matches)]

    page1 = api.get("/api/matches", {"page_size": 2})
    page3 = api.get("/api/matches", {"page_size": 2, "page": 3})

    assert (page1.json()["count"], _ids(page1)) == (5, newest_first[:2])
    assert (page3.json()["count"], _ids(page3)) == (5, newest_first[4:])
    assert api.get("/api/matches", {"page": 0}).status_code == 422


def test_filters(coordinator):
    thisted = make_match(municipality="787", match_type="student_job", level="MVU", start_date=dt.date(2020, 9, 1))
    aalborg = make_match(
        organisation="aau",
        municipality="851",
        level="LVU",
        start_date=dt.date(2022, 2, 1),
        status="verified",
        activity="bourse",
    )
    rejected = make_match(
        organisation="jobcenter-aalborg", municipality="860", start_date=dt.date(2021, 8, 1), status="rejected"
    )
    api = client_for(coordinator)

    def ids(**params):
        response = api.get("/api/matches", params)
        assert response.status_code == 200, response.content
        return sorted(_ids(response))

    assert ids(municipality="851") == [aalborg.pk]
    assert ids(partner="kommune-aalborg") == [rejected.pk]
    assert ids(partner=str(aalborg.partner_id)) == [aalborg.pk]
    assert ids(match_type="student_job") == [thisted.pk]
    assert ids(level="lvu") == [aalborg.pk]
    assert ids(project_year=2021) == [aalborg.pk, rejected.pk]
    assert ids(half_year="2020-H2") == [thisted.pk]
    assert ids(status="rejected") == [rejected.pk]
    assert ids(activity="bourse") == [aalborg.pk]
    assert ids(start_date_from="2021-01-01", start_date_to="2021-12-31") == [rejected.pk]
    assert ids(company_cvr=thisted.company.cvr) == [thisted.pk]
    assert ids(outside_aalborg="false") == [aalborg.pk]
    assert ids(municipality="787", level="LVU") == []
    bad = api.get("/api/matches", {"status": "maybe", "project_year": "soon"})
    assert bad.status_code == 422
    assert set(bad.json()["details"]) == {"status", "project_year"}


def test_list_query_count_does_not_grow_with_matches(hjoerring, django_assert_max_num_queries):
    cme = Organisation.objects.get(slug="central-matchningsenhed")
    for day in range(1, 21):
        make_match(start_date=dt.date(2021, 1, day), contributors=(cme,), person_name="Syntetisk", person_consent=True)
    api = client_for(hjoerring)
    api.get("/api/organisations")  # records the token's last use outside the measured request

    with django_assert_max_num_queries(7):
        response = api.get("/api/matches", {"page_size": 20})

    assert len(response.json()["items"]) == 20
    assert all(len(m["contributions"]) == 2 for m in response.json()["items"])
