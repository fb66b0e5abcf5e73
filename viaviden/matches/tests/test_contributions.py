"""Matches by contributing organisation: the table, the list filter (web, CSV, API) and their agreement."""

import datetime as dt

import pytest
from django.urls import reverse

from viaviden.api.tests.conftest import client_for
from viaviden.matches.models import Match
from viaviden.matches.progress import by_contributing_organisation
from viaviden.matches.selectors import filter_matches
from viaviden.organisations.models import Organisation, User

from .factories import make_match

D = dt.date
AS_OF = D(2021, 12, 31)


def _org(slug):
    return Organisation.objects.get(slug=slug)


@pytest.fixture
def matches(db):
    cme = _org("central-matchningsenhed")
    m = {
        "m1": make_match(organisation="jobcenter-hjoerring", contributors=(cme,)),
        "m2": make_match(organisation="jobcenter-hjoerring"),
        "m3": make_match(organisation="central-matchningsenhed", start_date=D(2021, 4, 1)),
        "m4": make_match(organisation="aau", match_type="student_job", contributors=(cme, _org("ucn"))),
        "m5": make_match(organisation="jobcenter-thisted", person_identifier="p1@example.dk"),
        "m6": make_match(organisation="jobcenter-hjoerring", contributors=(cme,), status="rejected"),
        "m7": make_match(organisation="central-matchningsenhed", start_date=D(2022, 1, 10)),
    }
    # The unit registers m5 again: merged as a duplicate, the unit becomes a contributor.
    dup = make_match(organisation="central-matchningsenhed", company=m["m5"].company,
                     person_identifier="p1@example.dk")
    assert dup.pk == m["m5"].pk
    return m


def test_table_counts_registered_and_contributed_per_organisation(matches, programme):
    table = by_contributing_organisation(programme, as_of=AS_OF)
    assert table["total"] == 5
    rows = {r["slug"]: (r["registered"], r["contributed"], r["contributed_as_duplicate"], r["involved"], r["share"])
            for r in table["rows"]}
    assert rows == {
        "central-matchningsenhed": (1, 3, 1, 4, 80.0),
        "jobcenter-hjoerring": (2, 0, 0, 2, 40.0),
        "aau": (1, 0, 0, 1, 20.0),
        "ucn": (0, 1, 0, 1, 20.0),
        "jobcenter-thisted": (1, 0, 0, 1, 20.0),
    }
    assert table["rows"][0]["slug"] == "central-matchningsenhed"
    later = by_contributing_organisation(programme, as_of=D(2022, 1, 10))
    assert later["total"] == 6 and later["rows"][0]["involved"] == 5


def test_the_filter_finds_exactly_the_matches_the_table_counts(matches, programme):
    counted = {"status": "counted", "start_date_to": AS_OF}

    def ids(**filters):
        return {k for k, v in matches.items() if filter_matches(Match.objects.filter(pk=v.pk), **filters).exists()}

    assert ids(contributor="central-matchningsenhed", **counted) == {"m1", "m3", "m4", "m5"}
    assert ids(contributor="central-matchningsenhed", contributor_role="registered", **counted) == {"m3"}
    assert ids(contributor="central-matchningsenhed", contributor_role="contributed", **counted) == {"m1", "m4", "m5"}
    assert ids(contributor=_org("central-matchningsenhed").pk) == {"m1", "m3", "m4", "m5", "m6", "m7"}
    assert ids(contributor="ucn") == {"m4"}


def test_web_list_csv_and_api_filter_by_contributor(matches, user_factory, staff_client, coordinator):
    client = staff_client(coordinator)
    query = {"contributor": _org("central-matchningsenhed").pk, "contributor_role": "contributed",
             "status": "counted", "start_date_to": "2021-12-31"}
    html = client.get(reverse("match_list"), query).content.decode()
    assert "3 match" in html
    response = client.get(reverse("match_list_export"), query)
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 3
    api_query = {**query, "contributor": "central-matchningsenhed", "status": "registered"}
    body = client_for(coordinator).get("/api/matches", api_query).json()
    assert body["count"] == 3


@pytest.mark.parametrize("role,org", [(User.Role.STEERING_GROUP, "kkr-nordjylland"),
                                      (User.Role.PARTNER_STAFF, "aau"), (User.Role.COORDINATOR, "koordinationsgruppen")])
def test_contributions_page_is_aggregates_for_all_staff_with_links_for_those_who_see_matches(
        matches, staff_client, user_factory, role, org):
    client = staff_client(user_factory(role=role, organisation=org))
    response = client.get(reverse("contributions"), {"as_of": "2021-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "5 match i alt pr. 31-12-2021" in html
    assert ("contributor_role=contributed" in html) is (role != User.Role.STEERING_GROUP)


def test_contributions_page_anonymous_goes_to_login(client):
    response = client.get(reverse("contributions"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_contributions_api(matches, steering):
    response = client_for(steering).get("/api/progress/contributions", {"as_of": "2021-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert body["rows"][0] == {"slug": "central-matchningsenhed", "name": _org("central-matchningsenhed").name,
                               "registered": 1, "contributed": 3, "contributed_as_helper": 2,
                               "contributed_as_duplicate": 1, "involved": 4, "share": 80.0}


@pytest.fixture
def coordinator(db, user_factory):
    return user_factory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def steering(db, user_factory):
    return user_factory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")
