"""GET /api/matches serialises its page from .values() rows (issue 16): the JSON must be byte for byte what
validating MatchOut from the model instances gives, for every role and filter, and the documented response
must stay PagedMatchOut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from viaviden.api.api import api
from viaviden.api.matches import _json_datetime, _matches
from viaviden.api.schemas import MatchOut
from viaviden.matches.models import Match
from viaviden.matches.selectors import filter_matches
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import Organisation, User

from .conftest import client_for

pytestmark = pytest.mark.django_db


def schema_json(user, page: int = 1, page_size: int = 100, **filters) -> bytes:
    """What the list answered before: MatchOut validated from model instances, rendered by ninja."""
    matches = filter_matches(_matches(user), **filters)
    items = list(matches[(page - 1) * page_size: page * page_size])
    data = {"items": [MatchOut.model_validate(m).model_dump() for m in items], "count": matches.count()}
    return api.renderer.render(RequestFactory().get("/api/matches"), data, response_status=200)


@pytest.fixture
def varied_matches(db):
    hj = Organisation.objects.get(slug="jobcenter-hjoerring")
    cme = Organisation.objects.get(slug="central-matchningsenhed")
    ek = Organisation.objects.get(slug="erhvervskontor-hjoerring")
    made = [
        make_match(),  # nothing optional
        make_match(person_name="Syntetisk Person", person_email="syntetisk@example.dk", person_consent=True,
                   contributors=(cme, ek), start_date=dt.date(2021, 5, 3)),
        make_match(person_identifier="medarbejder-17", organisation="jobcenter-aalborg", municipality="851",
                   contributors=(hj,), level="LVU", institution="", education=""),
        make_match(organisation="aau", status=Match.Status.VERIFIED, match_type="student_job",
                   start_date=dt.date(2022, 9, 1), activity_note="Via netværksmøde, æøå \"citat\""),
        make_match(organisation="jobcenter-thisted", status=Match.Status.REJECTED, person_name="Kun Navn",
                   person_consent=True, is_synthetic=True),
        make_match(organisation="jobcenter-aalborg", start_date=dt.date(2021, 3, 1), contributors=(hj, cme)),
    ]
    Match.objects.filter(pk=made[5].pk).update(possible_duplicate_of=made[0])
    # Datetimes on a whole second, and with microseconds but no milliseconds: the renderer writes them
    # differently, and the list writes them itself (_json_datetime).
    Match.objects.filter(pk=made[1].pk).update(created_at=dt.datetime(2021, 5, 3, 8, 0, tzinfo=dt.UTC),
                                               person_consent_at=dt.datetime(2021, 5, 3, 8, 0, 0, 500, tzinfo=dt.UTC))
    Match.objects.filter(pk=made[3].pk).update(verified_at=dt.datetime(2022, 9, 2, 23, 59, 59, 999999, tzinfo=dt.UTC))
    return made


@pytest.mark.parametrize("role", ["coordinator", "hjoerring", "hjoerring_lead", "aalborg"])
@pytest.mark.parametrize("query", [
    {}, {"page_size": 2}, {"page": 2, "page_size": 4}, {"status": "verified"}, {"contributor": "jobcenter-hjoerring"},
    {"contributor": "central-matchningsenhed", "contributor_role": "contributed"}, {"level": "lvu"}, {"page": 9},
])
def test_list_json_is_byte_for_byte_the_schema_output(request, varied_matches, role, query):
    user = request.getfixturevalue(role)
    response = client_for(user).get("/api/matches", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    filters = {k: v for k, v in query.items() if k not in ("page", "page_size")}
    expected = schema_json(user, query.get("page", 1), query.get("page_size", 100), **filters)
    assert response.content == expected
    body = response.json()
    if role == "coordinator" and not query:
        assert body["count"] == len(varied_matches) and len(body["items"]) == len(varied_matches)
        with_person = next(i for i in body["items"] if i["person_email"])
        assert with_person["person_consent_at"] and len(with_person["contributions"]) == 3
        assert any(i["pseudonymous_key"] for i in body["items"])
        assert any(i["possible_duplicate_of"] for i in body["items"])


def test_partner_sees_only_its_matches_and_the_steering_group_none(varied_matches, hjoerring, steering):
    ids = {m["id"] for m in client_for(hjoerring).get("/api/matches").json()["items"]}
    visible = set(filter_matches(_matches(hjoerring)).values_list("id", flat=True))
    assert ids == visible and 0 < len(ids) < len(varied_matches)
    assert client_for(steering).get("/api/matches").status_code == 403


def test_documented_response_is_still_the_paged_match_schema():
    schema = api.get_openapi_schema()
    get = schema["paths"]["/api/matches"]["get"]
    assert get["responses"][200]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PagedMatchOut"}
    assert {p["name"] for p in get["parameters"]} >= {"page", "page_size", "status", "contributor"}
    paged = schema["components"]["schemas"]["PagedMatchOut"]["properties"]
    assert paged["items"]["items"] == {"$ref": "#/components/schemas/MatchOut"}


@pytest.mark.parametrize("value", [
    dt.datetime(2021, 5, 3, 8, 0, tzinfo=dt.UTC), dt.datetime(2021, 5, 3, 8, 0, 0, 500, tzinfo=dt.UTC),
    dt.datetime(2021, 5, 3, 8, 0, 0, 123456, tzinfo=dt.UTC), dt.datetime(2021, 5, 3, 8, 0, 0, 999999, tzinfo=dt.UTC),
    dt.datetime(2021, 5, 3, 8, 0, 0, 120000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.datetime(2021, 5, 3, 8, 0), None,
])
def test_datetimes_are_written_as_the_renderer_writes_them(value):
    assert _json_datetime(value) == (None if value is None else DjangoJSONEncoder().default(value))


def count_queries(user, query) -> tuple[int, int, dict]:
    """(queries asking only for a count, all queries, the answer), the token already used this minute."""
    client = client_for(user)
    client.get("/api/matches", query)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/matches", query)
    assert response.status_code == 200
    alone = sum(q["sql"].upper().startswith("SELECT COUNT(") for q in ctx.captured_queries)
    return alone, len(ctx.captured_queries), response.json()


@pytest.mark.parametrize(("query", "rows"), [
    ({}, 6), ({"page_size": 6}, 6), ({"page_size": 7}, 6), ({"page_size": 2}, 2),
    ({"page": 2, "page_size": 4}, 2), ({"page": 3, "page_size": 3}, 0), ({"page": 9}, 0),
    ({"status": "verified"}, 1), ({"contributor": "jobcenter-hjoerring", "page_size": 1}, 1),
])
@pytest.mark.parametrize("role", ["coordinator", "hjoerring"])
def test_the_count_comes_with_the_page_rows(request, varied_matches, role, query, rows):
    """The list's count is asked in the query of the page's rows (issue 16): token, rows, contributions (and the
    partner's organisations, for partner staff). Only a page past the end, with no row to carry it, asks for it
    on its own (token, rows, count)."""
    user = request.getfixturevalue(role)
    user = User.objects.select_related("organisation").get(pk=user.pk)
    with CaptureQueriesContext(connection) as scoping:
        _matches(user)  # the user's organisations are looked up here, the matches not yet
    alone, total, body = count_queries(user, query)
    filters = {k: v for k, v in query.items() if k not in ("page", "page_size")}
    expected = filter_matches(_matches(user), **filters).count()
    assert body["count"] == expected
    assert len(body["items"]) == min(rows, max(expected - (query.get("page", 1) - 1) * query.get("page_size", 100), 0))
    empty = not body["items"]
    assert alone == int(empty and query.get("page", 1) > 1)
    assert total == len(scoping.captured_queries) + 3 - int(empty and query.get("page", 1) == 1)


@pytest.mark.parametrize("query", [
    {"project_year": 320467052811}, {"project_year": 320467052811, "page": 6917, "page_size": 98},
    {"project_year": -99999999999, "status": "verified"},
])
def test_a_filter_past_the_columns_range_is_an_empty_page(varied_matches, coordinator, query):
    """A year past the range of its column: PostgreSQL's compiler gives up on the query (EmptyResultSet), which
    the ORM turns into "no rows" and the list's own SQL must too (found by the fuzz test on PostgreSQL)."""
    response = client_for(coordinator).get("/api/matches", query)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
