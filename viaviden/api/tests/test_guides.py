"""/api/guides: the public, read-only competence guides."""

from __future__ import annotations

import pytest
from django.test import Client

from viaviden.candidates.models import StudyProgramme

pytestmark = pytest.mark.django_db


def test_programme_list_is_public_and_paginated():
    response = Client().get("/api/guides/programmes", {"page_size": 100})

    data = response.json()
    assert response.status_code == 200
    assert data["count"] == StudyProgramme.objects.filter(active=True).count()
    first = data["items"][0]
    assert set(first) == {
        "slug", "name", "institution", "institution_name", "level", "degree", "area", "cities", "ects",
        "competences", "typical_tasks", "task_areas", "source_url", "source_year", "url",
    }


def test_programme_list_filters():
    response = Client().get("/api/guides/programmes",
                            {"institution": "UCN", "level": "KVU", "task_area": "it-drift", "q": "netværk"})

    data = response.json()
    assert response.status_code == 200
    assert [p["slug"] for p in data["items"]] == ["datamatiker-ucn", "it-teknolog-ucn"]
    assert {(p["institution"], p["level"]) for p in data["items"]} == {("UCN", "KVU")}


def test_programme_list_query_count(django_assert_max_num_queries):
    # count is taken from the list; programmes with levels, their task areas
    with django_assert_max_num_queries(2):
        response = Client().get("/api/guides/programmes", {"page_size": 100})

    assert response.status_code == 200


def test_programme_detail_with_task_areas_strongest_first():
    response = Client().get("/api/guides/programmes/datamatiker-ucn")

    data = response.json()
    assert response.status_code == 200
    assert (data["name"], data["institution"], data["level"], data["ects"]) == ("Datamatiker", "UCN", "KVU", 150)
    assert data["institution_name"] == "University College Nordjylland (UCN)"
    assert data["url"] == "/kompetenceguide/uddannelser/datamatiker-ucn/"
    assert data["competences"][0].startswith("kan programmere")
    assert data["task_areas"][:2] == [
        {"task_area": {"slug": "softwareudvikling", "name": "Softwareudvikling og programmering"}, "weight": 1.0,
         "fit": "strong", "fit_text": "passer rigtig godt"},
        {"task_area": {"slug": "it-drift", "name": "IT-drift og support"}, "weight": 0.8, "fit": "strong",
         "fit_text": "passer rigtig godt"},
    ]


def test_unknown_or_inactive_programme_is_a_json_404():
    StudyProgramme.objects.filter(slug="datamatiker-ucn").update(active=False)

    inactive = Client().get("/api/guides/programmes/datamatiker-ucn")
    unknown = Client().get("/api/guides/programmes/findes-ikke")

    assert inactive.status_code == unknown.status_code == 404
    assert unknown.json() == {"code": "programme_not_found", "message": "Uddannelsen findes ikke i kompetenceguiden.",
                              "details": None}


def test_task_area_list_and_search():
    everything = Client().get("/api/guides/task-areas", {"page_size": 100}).json()
    found = Client().get("/api/guides/task-areas", {"q": "servere"}).json()

    assert everything["count"] == 23
    assert found["count"] == 1
    item = found["items"][0]
    assert (item["slug"], item["name"], item["url"]) == ("it-drift", "IT-drift og support",
                                                          "/kompetenceguide/opgaver/it-drift/")
    assert "servere" in item["keywords"]
    assert item["programme_count"] == 12


def test_task_area_list_query_count(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = Client().get("/api/guides/task-areas")

    assert response.status_code == 200


def test_task_area_detail_has_all_three_levels_strongest_first(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = Client().get("/api/guides/task-areas/it-drift")

    data = response.json()
    assert response.status_code == 200
    assert [lv["level"] for lv in data["levels"]] == ["KVU", "MVU", "LVU"]
    kvu = data["levels"][0]
    assert kvu["level_name"] == "Kort videregående uddannelse"
    assert kvu["explanation"].startswith("En erhvervsakademiuddannelse")
    assert [(p["slug"], p["weight"], p["fit"]) for p in kvu["programmes"][:2]] == [
        ("it-teknolog-ucn", 1.0, "strong"), ("datamatiker-ucn", 0.8, "strong"),
    ]
    lvu = {p["slug"]: p for p in data["levels"][2]["programmes"]}
    assert (lvu["datalogi-aau"]["fit"], lvu["datalogi-aau"]["fit_text"]) == ("partial", "passer delvist")


def test_unknown_task_area_is_a_json_404():
    response = Client().get("/api/guides/task-areas/findes-ikke")

    assert response.status_code == 404
    assert response.json()["code"] == "task_area_not_found"


def test_the_guides_are_in_the_openapi_schema_without_authentication():
    schema = Client().get("/api/openapi.json").json()

    operation = schema["paths"]["/api/guides/programmes"]["get"]
    assert operation.get("security") in (None, [])
    assert "/api/guides/task-areas/{slug}" in schema["paths"]
