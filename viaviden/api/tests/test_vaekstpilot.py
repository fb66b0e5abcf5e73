"""/api/vaekstpilot: applications, decisions, months and payments, follow-ups, rules, budget and figures —
the same rules as the web pages (permissions, versions, Danish errors, nothing saved on bad input)."""

import datetime as dt

import pytest

from viaviden.matches.tests.factories import next_cvr
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.loader import DATA_DIR
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.loader import load_vaekstpilot_config
from viaviden.vaekstpilot.models import Application, PaymentList, PilotMonth
from viaviden.vaekstpilot.tests.factories import lead_user, make_application, partner_user, set_quota

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _config(db):
    load_vaekstpilot_config(DATA_DIR)


@pytest.fixture
def thisted(db):
    return partner_user(username="thisted-api")


@pytest.fixture
def lead(db):
    return lead_user(username="lead-api")


@pytest.fixture
def app(thisted):
    return make_application(user=thisted)


def body(**overrides) -> dict:
    data = {
        "company": {"cvr": next_cvr(), "name": "Syntetisk API ApS"}, "postal_code": "7700",
        "growth_task": "Ny webshop", "contact_name": "Syntetisk Kontakt", "contact_email": "kontakt@api.example",
        "education": "Datamatiker", "education_level": "kvu", "graduation_date": "2021-01-20",
        "unemployment_start": "2021-02-01", "monthly_wage_ore": 3_200_000, "start_date": "2021-03-01",
    }
    data.update(overrides)
    return data


ENDPOINTS = [
    ("get", "/api/vaekstpilot/applications", None),
    ("get", "/api/vaekstpilot/applications/{id}", None),
    ("post", "/api/vaekstpilot/applications", "create"),
    ("post", "/api/vaekstpilot/applications/{id}/withdraw", {"version": 1}),
    ("post", "/api/vaekstpilot/applications/{id}/reject", {"version": 1, "reason": "x"}),
    ("post", "/api/vaekstpilot/applications/{id}/exception", {"version": 1, "justification": "x"}),
    ("post", "/api/vaekstpilot/applications/{id}/exception/decision", {"version": 1, "approve": True}),
    ("post", "/api/vaekstpilot/applications/{id}/start", {"version": 1}),
    ("post", "/api/vaekstpilot/applications/{id}/terminate", {"version": 1, "last_day": "2021-04-01", "reason": "x"}),
    ("post", "/api/vaekstpilot/applications/{id}/months/1/report", {"wage_ore": 1, "employment_confirmed": True}),
    ("post", "/api/vaekstpilot/months/1/approve", None),
    ("post", "/api/vaekstpilot/applications/{id}/follow-ups/1", {"outcome": "same_company"}),
    ("get", "/api/vaekstpilot/payment-lists", None),
    ("post", "/api/vaekstpilot/payment-lists", None),
    ("get", "/api/vaekstpilot/payment-lists/1", None),
]


@pytest.mark.parametrize(("method", "path", "data"), ENDPOINTS)
def test_anonymous_401_and_steering_group_403(method, path, data, app, steering):
    path = path.format(id=app.pk)
    data = body() if data == "create" else data

    assert getattr(ApiClient(), method)(path, data).status_code == 401
    response = getattr(client_for(steering), method)(path, data)
    assert (response.status_code, response.json()["code"]) == (403, "aggregates_only")
    app.refresh_from_db()
    assert (app.version, app.status, Application.objects.count()) == (2, Application.Status.GRANTED, 1)


def test_another_organisation_neither_sees_nor_changes(app, aalborg):
    api = client_for(aalborg)

    assert api.get("/api/vaekstpilot/applications").json()["count"] == 0
    assert api.get(f"/api/vaekstpilot/applications/{app.pk}").status_code == 404
    assert api.post(f"/api/vaekstpilot/applications/{app.pk}/withdraw", {"version": app.version}).status_code == 404
    assert api.get("/api/vaekstpilot/payment-lists").status_code == 403
    assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED


def test_list_and_detail_for_the_responsible_partner(app, thisted, django_assert_max_num_queries):
    for _ in range(5):
        make_application(user=thisted)
    api = client_for(thisted)

    with django_assert_max_num_queries(10):
        listed = api.get("/api/vaekstpilot/applications", {"status": "granted"})
    detail = api.get(f"/api/vaekstpilot/applications/{app.pk}").json()

    assert listed.json()["count"] == 6
    assert (detail["reference"], detail["status"], detail["sequence"], detail["granted_amount_ore"]) == (
        app.reference, "granted", 1, 5_000_000)
    assert (detail["partner_organisation"], detail["education_level"], len(detail["months"])) == (
        "erhvervskontor-thisted", "MVU", 4)


def test_create_checks_the_rules_and_queues(thisted):
    set_quota(funded_pilots=1)
    api = client_for(thisted)

    first = api.post("/api/vaekstpilot/applications", body())
    second = api.post("/api/vaekstpilot/applications", body())
    ineligible = api.post("/api/vaekstpilot/applications", body(unemployment_start="2020-08-01"))

    assert (first.status_code, first.json()["status"], first.json()["source"]) == (201, "granted", "api")
    assert (second.json()["status"], second.json()["queue_position"]) == ("waiting", 1)
    assert ineligible.json()["status"] == "ineligible"
    assert [f["code"] for f in ineligible.json()["failed_rules"]] == ["wage_subsidy_entitled"]


def test_bad_input_is_422_in_danish_and_saves_nothing(thisted):
    api = client_for(thisted)

    unknown = api.post("/api/vaekstpilot/applications", body(education_level="phd"))
    invalid = api.post("/api/vaekstpilot/applications", body(growth_task="", start_date="2025-01-01"))
    missing = api.post("/api/vaekstpilot/applications", {"postal_code": "7700"})

    assert (unknown.status_code, unknown.json()["details"]) == (422, {"education_level": ["Ukendt værdi: PHD."]})
    assert invalid.json()["details"]["growth_task"] == ["Beskriv den vækstopgave, vækstpiloten skal løse."]
    assert invalid.json()["details"]["start_date"][0].startswith("Nordjysk Vækstpilot gælder ikke på startdatoen")
    assert missing.status_code == 422 and missing.json()["details"]["company"] == ["Feltet skal udfyldes."]
    assert Application.objects.count() == 0


def test_a_stale_version_is_409_and_changes_nothing(app, thisted):
    response = client_for(thisted).post(f"/api/vaekstpilot/applications/{app.pk}/withdraw",
                                        {"version": app.version - 1})

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED


def test_the_whole_life_through_the_api(app, thisted, lead):
    staff_api, lead_api = client_for(thisted), client_for(lead)

    started = staff_api.post(f"/api/vaekstpilot/applications/{app.pk}/start", {"version": app.version}).json()
    assert (started["status"], started["match"] is not None) == ("started", True)
    for month in started["months"]:
        reported = staff_api.post(f"/api/vaekstpilot/applications/{app.pk}/months/{month['id']}/report",
                                  {"wage_ore": 3_000_000, "employment_confirmed": True})
        assert (reported.status_code, reported.json()["subsidy_ore"]) == (200, 1_250_000)
        assert staff_api.post(f"/api/vaekstpilot/months/{month['id']}/approve").status_code == 403
        assert lead_api.post(f"/api/vaekstpilot/months/{month['id']}/approve").json()["status"] == "approved"
    plist = lead_api.post("/api/vaekstpilot/payment-lists")
    end = next(f for f in started["follow_ups"] if f["kind"] == "end")
    answered = staff_api.post(f"/api/vaekstpilot/applications/{app.pk}/follow-ups/{end['id']}",
                              {"outcome": "same_company"})
    figures = client_for(UserFactory(role=User.Role.STEERING_GROUP)).get("/api/vaekstpilot/figures").json()

    assert (plist.status_code, plist.json()["total_ore"], len(plist.json()["rows"])) == (201, 5_000_000, 4)
    assert lead_api.get(f"/api/vaekstpilot/payment-lists/{plist.json()['id']}").json()["months_count"] == 4
    assert answered.json()["outcome"] == "same_company"
    assert Application.objects.get(pk=app.pk).status == Application.Status.COMPLETED
    assert (figures["granted"], figures["started"], figures["end"]["pct"], figures["paid_ore"]) == (
        1, 1, 100.0, 5_000_000)


def test_exceptions_and_rejection_through_the_api(thisted, lead):
    set_quota(funded_pilots=1)
    ineligible = make_application(user=thisted, company_is_private=False)
    granted_other = make_application(user=thisted)
    staff_api, lead_api = client_for(thisted), client_for(lead)

    asked = staff_api.post(f"/api/vaekstpilot/applications/{ineligible.pk}/exception",
                           {"version": ineligible.version, "justification": "Fond, men drives privat"}).json()
    assert staff_api.post(f"/api/vaekstpilot/applications/{ineligible.pk}/exception/decision",
                          {"version": asked["version"], "approve": True}).status_code == 403
    approved = lead_api.post(f"/api/vaekstpilot/applications/{ineligible.pk}/exception/decision",
                             {"version": asked["version"], "approve": True}).json()
    assert approved["status"] == "waiting"
    lead_api.post(f"/api/vaekstpilot/applications/{granted_other.pk}/reject",
                  {"version": granted_other.version, "reason": "Ikke en vækstopgave"})

    assert Application.objects.get(pk=ineligible.pk).status == Application.Status.GRANTED


def test_terminate_through_the_api(app, thisted):
    response = client_for(thisted).post(f"/api/vaekstpilot/applications/{app.pk}/terminate",
                                        {"version": app.version, "last_day": "2021-04-15", "reason": "Sagde op"})

    assert (response.json()["status"], response.json()["terminated_on"]) == ("terminated", "2021-04-15")
    assert PilotMonth.objects.filter(application=app, status="cancelled").count() == 2


def test_budget_reproduces_the_seed_and_is_open_to_the_steering_group(steering):
    response = client_for(steering).get("/api/vaekstpilot/budget")
    custom = client_for(steering).get("/api/vaekstpilot/budget?pilots=10&pilots=20")
    bad = client_for(steering).get("/api/vaekstpilot/budget?pilots=0")

    scenarios = response.json()["scenarios"]
    assert [(s["pilots"], s["total_ore"], s["deb_ore"], s["own_payment_ore"], s["remaining_ore"]) for s in scenarios] == [
        (150, 2_190_000_000, 1_095_000_000, 750_000_000, 345_000_000),
        (225, 3_285_000_000, 1_642_500_000, 1_125_000_000, 517_500_000)]
    assert [s["pilots"] for s in custom.json()["scenarios"]] == [10, 20]
    assert bad.status_code == 422


def test_rules_are_readable_by_every_logged_in_user(steering):
    [rule] = client_for(steering).get("/api/vaekstpilot/rules").json()

    assert (rule["monthly_cap_ore"], rule["months"], rule["education_levels"], rule["lead_organisation"]) == (
        1_250_000, 4, ["KVU", "MVU", "LVU"], "erhvervshus-nordjylland")


def test_payment_lists_need_approved_months(lead):
    response = client_for(lead).post("/api/vaekstpilot/payment-lists")

    assert (response.status_code, response.json()["message"]) == (
        422, "Der er ingen godkendte måneder, der venter på udbetaling.")
    assert PaymentList.objects.count() == 0


def test_report_in_the_future_is_refused(app, thisted):
    month = app.months.order_by("month").first()

    response = client_for(thisted).post(f"/api/vaekstpilot/applications/{app.pk}/months/{month.pk}/report",
                                        {"wage_ore": 3_000_000, "employment_confirmed": False})

    assert response.status_code == 422
    assert "employment_confirmed" in response.json()["details"]
    assert PilotMonth.objects.get(pk=month.pk).status == PilotMonth.Status.PENDING


def test_coordinator_may_apply_for_a_chosen_partner(coordinator):
    response = client_for(coordinator).post("/api/vaekstpilot/applications", body(organisation="jobcenter-hjoerring"))

    assert (response.status_code, response.json()["partner_organisation"]) == (201, "jobcenter-hjoerring")


def test_a_partner_may_not_apply_for_another_partner(thisted):
    response = client_for(thisted).post("/api/vaekstpilot/applications", body(organisation="aau"))

    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_dates_are_checked(thisted):
    response = client_for(thisted).post("/api/vaekstpilot/applications", body(start_date="01-03-2021"))

    assert response.status_code == 422
    assert response.json()["details"]["start_date"] == ["Ugyldig dato. Brug formatet ÅÅÅÅ-MM-DD."]
    assert services.current_rule().valid_from == dt.date(2020, 7, 1)
