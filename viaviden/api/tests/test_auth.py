"""Authentication, the public schema and docs, and the JSON error shape of auth failures."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from viaviden.api.auth import token_user
from viaviden.organisations.models import ApiToken, Organisation, User
from viaviden.organisations.tests.factories import UserFactory, login_verified

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_public_json_listing_every_area():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Vækst Via Viden API"
    assert set(schema["paths"]) >= {
        "/api/organisations",
        "/api/organisations/{ref}",
        "/api/companies",
        "/api/companies/{cvr}",
        "/api/matches",
        "/api/matches/{match_id}",
        "/api/matches/{match_id}/verify",
        "/api/matches/{match_id}/reject",
        "/api/targets",
        "/api/progress",
        "/api/companies/{cvr}/units",
        "/api/contacts",
        "/api/contacts/handovers",
        "/api/needs",
        "/api/needs/{need_id}/close",
        "/api/referrals",
        "/api/referrals/{referral_id}/decline",
        "/api/referrals/overdue",
    }
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "VerifiedSessionAuth"}
    assert schema["components"]["securitySchemes"]["BearerTokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_docs_page_loads_swagger_from_own_static_files_without_inline_script():
    response = Client().get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui-init.js" in html
    assert "cdn.jsdelivr.net" not in html
    # The only inline <script> is the JSON settings block, which CSP does not execute.
    assert html.count("<script>") == 0
    assert '"validatorUrl": null' in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_no_token_is_401_json():
    response = Client().get("/api/matches")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    body = response.json()
    assert body["code"] == "unauthorized"
    assert body["message"].startswith("Du er ikke logget ind.")
    assert body["details"] is None


def test_wrong_token_is_401():
    response = ApiClient("not-a-real-token").get("/api/organisations")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_revoked_token_is_401(hjoerring):
    token, raw = ApiToken.issue(user=hjoerring, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    response = ApiClient(raw).get("/api/organisations")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_token_of_deactivated_user_is_401(hjoerring):
    api = client_for(hjoerring)
    hjoerring.is_active = False
    hjoerring.save(update_fields=["is_active"])
    assert api.get("/api/organisations").status_code == 401


def test_post_with_bad_token_is_401_not_a_csrf_error():
    response = ApiClient("nope").post("/api/companies", {"cvr": "12345674"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_last_used_is_recorded_at_most_once_a_minute(hjoerring):
    token, raw = ApiToken.issue(user=hjoerring, name="t")
    api = ApiClient(raw)
    assert api.get("/api/organisations").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=5)
    assert api.get("/api/organisations").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    assert api.get("/api/organisations").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first


def test_session_of_two_factor_verified_user_is_accepted(hjoerring):
    client = login_verified(Client(), hjoerring)
    assert client.get("/api/organisations").status_code == 200


def test_session_without_second_factor_is_401(hjoerring):
    client = Client()
    client.force_login(hjoerring)
    response = client.get("/api/organisations")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_session_post_needs_csrf_token(hjoerring):
    client = login_verified(Client(enforce_csrf_checks=True), hjoerring)
    response = client.post("/api/companies", data={"cvr": "12345674"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_unknown_api_path_is_json_404():
    response = Client().get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("organisation", ["jobcenter-hjoerring", None])
def test_token_user_is_the_user_row_with_its_organisation_in_one_query(organisation):
    """token_user reads the token, its user and the user's organisation in one query compiled once per process
    (issue 16): the user is the same as the ORM's, field for field, and its organisation needs no query more."""
    user = UserFactory(organisation=organisation and Organisation.objects.get(slug=organisation),
                       last_login=dt.datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=dt.UTC))
    token, raw = ApiToken.issue(user=user, name="t")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        found = token_user(raw)
        found_organisation = found.organisation
    assert len(ctx.captured_queries) == 1  # last used a moment ago: no update
    expected = User.objects.select_related("organisation").get(pk=user.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert found._state.db == "default" and not found._state.adding
    if organisation is None:
        assert found_organisation is None
    else:
        org_fields = [f.attname for f in Organisation._meta.concrete_fields]
        assert [getattr(found_organisation, f) for f in org_fields] == [
            getattr(expected.organisation, f) for f in org_fields]
    assert token_user(raw + "x") is None and token_user("  ") is None
