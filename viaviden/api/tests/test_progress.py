"""/api/targets and /api/progress: aggregates for everyone, the steering group included."""

import pytest

from viaviden.matches.tests.factories import make_match

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_steering_group_reads_targets(steering, programme):
    response = client_for(steering).get("/api/targets")
    assert response.status_code == 200
    body = response.json()
    assert (body["programme"], body["total"], body["municipal_total"], body["partner_total"]) == (
        programme.slug,
        2000,
        1400,
        600,
    )
    assert body["municipal_sum"] == sum(m["target"] for m in body["municipalities"]) == 1400
    assert {m["code"]: m["target"] for m in body["municipalities"]}["825"] == 0
    assert body["start_date"] == "2020-07-01"


def test_targets_of_unknown_programme_is_404(steering):
    response = client_for(steering).get("/api/targets", {"programme": "vvv-9"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_steering_group_reads_progress(steering, programme):
    make_match(municipality="787")
    make_match(organisation="aau", municipality="851", status="verified")
    make_match(status="rejected")

    response = client_for(steering).get("/api/progress", {"programme": programme.slug})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["programme"] == programme.slug
    assert (body["totals"]["registered"], body["totals"]["verified"], body["totals"]["actual"]) == (1, 1, 2)
    assert body["totals"]["target"] == 2000
    assert body["outside_aalborg"]["count"] == 1
    thisted = next(r for r in body["municipalities"] if r["key"] == "787")
    assert (thisted["actual"], thisted["params"]) == (1, {"municipality": "787", "target_part": "municipal"})
    aau = next(r for r in body["partners"] if r["label"] == "Aalborg Universitet")
    assert aau["actual"] == 1
    bourses = next(a for a in body["activities"] if a["code"] == "aau-bourse-matches")
    assert (bourses["organisation"], bourses["target"], bourses["actual"]) == ("aau", 450, 0)
    assert [r["key"] for r in body["project_years"]] == [2020, 2021, 2022]


def test_progress_params_list_the_matches_behind_the_numbers(coordinator):
    make_match(municipality="787")
    make_match(organisation="jobcenter-aalborg", municipality="787")
    make_match(organisation="aau", municipality="787")
    api = client_for(coordinator)
    body = api.get("/api/progress").json()
    rows = [r for table in ("municipalities", "partners") for r in body[table] if r["registered"]]
    # Thisted (two municipal registrations) and the three registering partners.
    assert sorted((r["label"], r["registered"]) for r in rows) == [
        ("Aalborg Kommune", 1),
        ("Aalborg Universitet", 1),
        ("Hjørring Kommune", 1),
        ("Thisted", 2),
    ]
    for row in rows:
        listed = api.get("/api/matches", {**row["params"], "status": "registered"}).json()["count"]
        assert listed == row["registered"], row["params"]
