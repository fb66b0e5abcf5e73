"""Issue 13: every input the fuzzer found answering 500 is now a 4xx with the structured error, and the
published schema tells the truth (distinct enums, declared error statuses, strict dates)."""

import json

import pytest
from django.test import Client, override_settings

from viaviden.companies.models import Company, Referral
from viaviden.companies.tests.test_referrals_support import make_need
from viaviden.events.models import Event
from viaviden.events.tests.bourse_factories import make_bourse
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

HUGE_PAGE = "300404181820278308864"


@pytest.fixture
def ucn(db):
    return UserFactory(username="ucn-hard", organisation="ucn", role=User.Role.PARTNER_STAFF)


def _error(response, status, code):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"code", "message", "details"}
    assert data["code"] == code
    return data


@pytest.mark.parametrize("path", ["/api/organisations", "/api/matches", "/api/vaekstpilot/payment-lists",
                                  "/api/bourses/{event}/participants"])
def test_page_numbers_past_the_integer_range_are_422(coordinator, path):
    event = make_bourse(organiser="aau")
    response = client_for(coordinator).get(path.format(event=event.pk), {"page": HUGE_PAGE})
    data = _error(response, 422, "validation_error")
    assert list(data["details"]) == ["page"]


@pytest.mark.parametrize("path,param", [("/api/events/figures", "programme"), ("/api/bourses/{event}/cases", "status")])
def test_a_nul_byte_in_a_query_parameter_is_400(coordinator, path, param):
    event = make_bourse(organiser="aau")
    response = client_for(coordinator).get(path.format(event=event.pk), {param: "a\x00b"})
    data = _error(response, 400, "invalid_characters")
    assert list(data["details"]) == [param]
    assert "kontroltegn" in data["message"]


def test_a_nul_byte_in_a_json_body_field_is_400_and_nothing_is_saved(coordinator):
    before = Company.objects.count()
    response = client_for(coordinator).post(
        "/api/vaekstpilot/applications", {"education_level": "LVU\x00", "cvr": "12345674"}
    )
    data = _error(response, 400, "invalid_characters")
    assert list(data["details"]) == ["education_level"]
    assert Company.objects.count() == before


def test_control_character_errors_speak_english_on_request(coordinator):
    response = client_for(coordinator).get("/api/events/figures", {"programme": "\x07"},
                                           headers={"Accept-Language": "en"})
    assert "control characters" in response.json()["message"]


def test_a_nul_byte_in_a_form_field_is_a_400_page(staff_client, coordinator):
    client = staff_client(coordinator)
    response = client.post("/companies/", {"q": "x\x00"})
    assert response.status_code == 400
    assert "kontroltegn" in response.content.decode()


def test_an_empty_organiser_is_a_422_for_the_field(ucn):
    body = {
        "title": "Praktikbørs", "type": "internship_bourse", "organiser": "", "co_organisers": [],
        "municipality": "851", "place": "UCN", "starts_at": "2031-02-10T10:00:00+01:00",
        "ends_at": "2031-02-10T14:00:00+01:00", "audiences": ["students"], "capacity": 2,
    }
    response = client_for(ucn).post("/api/events", body)
    data = _error(response, 422, "validation_error")
    assert "organiser" in data["details"]
    assert Event.objects.count() == 0


def test_an_empty_service_is_a_422_for_the_field():
    need = make_need(owner="jobcenter-hjoerring")
    sender = UserFactory(username="hj-ref", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    response = client_for(sender).post("/api/referrals", {"need": need.pk, "service": ""})
    data = _error(response, 422, "validation_error")
    assert "service" in data["details"]
    assert Referral.objects.count() == 0


def test_multipart_without_boundary_is_400(coordinator):
    event = make_bourse(organiser="aau")
    client = client_for(coordinator)
    response = client.client.generic(
        "POST", f"/api/bourses/{event.pk}/preferences/import", b"--x\r\n\r\n", content_type="multipart/form-data",
        headers=client.headers,
    )
    _error(response, 400, "malformed_body")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_upload_limit_is_413(coordinator):
    response = client_for(coordinator).post("/api/companies", {"cvr": "12345674", "name": "x" * 5000})
    _error(response, 413, "too_large")


def test_company_get_or_create_answers_a_lost_race_with_the_existing_company(monkeypatch):
    from viaviden.companies import services
    from viaviden.reference.models import Municipality

    municipality = Municipality.objects.get(code="851")
    winner = Company.objects.create(cvr="12345674", name="Først A/S", municipality=municipality)
    real_filter = Company.objects.filter
    calls = {"n": 0}

    def filter_missing_once(*args, **kwargs):
        # The concurrent request inserted the row between our look-up and our insert.
        calls["n"] += 1
        return Company.objects.none() if calls["n"] == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(Company.objects, "filter", filter_missing_once)
    company, created = services.company_get_or_create(cvr="12345674", name="Sidst A/S", municipality=municipality)
    assert (company.pk, created) == (winner.pk, False)
    assert Company.objects.count() == 1


# --- The published schema ------------------------------------------------------------------------------


def _schema():
    return json.loads(Client().get("/api/openapi.json").content)


def test_each_status_field_publishes_its_own_values():
    from viaviden.companies.models import Handover, Need
    from viaviden.matches.models import Match

    schema = _schema()["components"]["schemas"]
    assert "Status" not in schema
    assert schema["NeedOut"]["properties"]["status"]["enum"] == [str(v) for v in Need.Status.values]
    assert schema["ReferralOut"]["properties"]["status"]["enum"] == [str(v) for v in Referral.Status.values]
    assert schema["HandoverOut"]["properties"]["status"]["enum"] == [str(v) for v in Handover.Status.values]
    match_status = schema["MatchFilter"]["properties"]["status"]["anyOf"][0]
    assert match_status["enum"] == [str(v) for v in Match.Status.values]


def test_no_two_schemas_define_a_component_differently():
    """ninja merges every schema's definitions by name; a second enum called like the first would
    silently replace it. Every component must read the same from each model that uses it."""
    from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema
    from pydantic import BaseModel

    from viaviden.api.api import api

    seen: dict[str, dict] = {}
    clashes = []
    for model in _models_in(api):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for mode in ("validation", "serialization"):
            defs = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema,
                                           mode=mode).get("$defs", {})
            for name, definition in defs.items():
                if "enum" in definition and seen.setdefault(name, definition) != definition:
                    clashes.append(name)
    assert clashes == []


def _models_in(api):
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                yield from (m for m in operation.models)
                for response_model in operation.response_models.values():
                    if response_model is not None:
                        yield response_model


def test_every_operation_declares_its_error_statuses():
    schema = _schema()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            needed = {"400", "404", "422"} | ({"401", "403"} if operation.get("security") else set())
            if method in ("post", "put", "patch", "delete"):
                needed |= {"409", "413"}
            missing += [f"{method} {path} {status}" for status in needed - declared]
            for status in needed:
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}
    assert missing == []


@pytest.mark.parametrize("value", ["0", "20240101", "1700000000", "2024-13-01"])
def test_dates_are_iso_only(coordinator, value):
    response = client_for(coordinator).get("/api/referrals/answer-times", {"date_to": value})
    data = _error(response, 422, "validation_error")
    assert data["details"] == {"date_to": ["Ugyldig dato. Brug formatet ÅÅÅÅ-MM-DD."]}


def test_an_iso_date_is_still_accepted(coordinator):
    response = client_for(coordinator).get("/api/referrals/answer-times", {"date_to": "2031-01-31"})
    assert response.status_code == 200
    assert response.json()["date_to"] == "2031-01-31"
