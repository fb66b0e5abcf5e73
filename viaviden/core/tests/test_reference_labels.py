"""Reference data users read (education levels, task areas, match types, size classes, industries) has an English
name from data/reference/, and `label` (and str()) give the name of the active language — also in choice labels,
the case facets and the API."""

import pytest
from django.utils import translation

from viaviden.candidates.models import TaskArea
from viaviden.cases.search import facet_labels
from viaviden.matches.models import MatchType
from viaviden.reference.loader import load_reference_data
from viaviden.reference.models import EducationLevel, Industry, SizeClass

pytestmark = pytest.mark.django_db


def test_every_reference_row_users_read_has_an_english_name_from_the_data_files():
    for model in (EducationLevel, TaskArea, MatchType, SizeClass, Industry):
        rows = list(model.objects.all())
        assert rows, model
        missing = [r.pk for r in rows if not r.name_en.strip() or r.name_en == r.name_da and model is TaskArea]
        assert missing == [], model


def test_label_follows_the_active_language():
    area = TaskArea.objects.get(slug="it-drift")
    level = EducationLevel.objects.get(code="LVU")
    match_type = MatchType.objects.get(code="student_job")

    with translation.override("da"):
        assert (area.label, str(area), level.label, str(match_type)) == (
            "IT-drift og support", "IT-drift og support", "Lang videregående uddannelse", "Studiejob")
    with translation.override("en"):
        assert (area.label, str(area), level.label, str(match_type)) == (
            "IT operations and support", "IT operations and support", "Long-cycle higher education (master's)",
            "Student job")


def test_a_missing_english_name_falls_back_to_danish():
    area = TaskArea(slug="x", name_da="Noget nyt", name_en="")
    with translation.override("en"):
        assert area.label == "Noget nyt"


def test_the_loader_fills_the_english_name_also_of_a_task_area_edited_in_the_ui():
    TaskArea.objects.filter(slug="salg").update(name_da="Salg (redigeret)", name_en="", edited_in_ui=True)

    load_reference_data()

    area = TaskArea.objects.get(slug="salg")
    assert (area.name_da, area.name_en) == ("Salg (redigeret)", "Sales and customer relations")


def test_case_facet_labels_are_in_the_language_of_the_request():
    with translation.override("da"):
        assert facet_labels("task_area", ["it-drift"], (1, "t", "e")) == {"it-drift": "IT-drift og support"}
        assert facet_labels("level", ["KVU"], (1, "t", "e")) == {"KVU": "KVU – Kort videregående uddannelse"}
        assert facet_labels("kind", ["article"], (1, "t", "e")) == {"article": "Artikel"}
    with translation.override("en"):  # the same generation: the Danish labels are not served from the cache
        assert facet_labels("task_area", ["it-drift"], (1, "t", "e")) == {"it-drift": "IT operations and support"}
        assert facet_labels("level", ["KVU"], (1, "t", "e")) == {"KVU": "KVU – Short-cycle higher education"}
        assert facet_labels("match_type", ["student_job"], (1, "t", "e")) == {"student_job": "Student job"}
        assert facet_labels("kind", ["article"], (1, "t", "e")) == {"article": "Article"}


def test_task_area_guide_page_and_api_show_the_english_name(client):
    client.cookies["django_language"] = "en"
    page = client.get("/kompetenceguide/", HTTP_ACCEPT_LANGUAGE="en")
    assert "IT operations and support" in page.content.decode()

    api = client.get("/api/guides/task-areas/it-drift", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 200
    assert api.json()["name"] == "IT operations and support"
    assert api.json()["levels"][0]["level_name"] == "Short-cycle higher education"


def test_a_coordinator_edits_the_english_name_of_a_task_area(user_factory):
    from viaviden.candidates.guide_services import task_area_fingerprint, task_area_update

    area = TaskArea.objects.get(slug="salg")
    coordinator = user_factory(role="coordinator")

    task_area_update(user=coordinator, task_area=area, fingerprint=task_area_fingerprint(area), name_da=area.name_da,
                     name_en="  Sales  and customers ", description_da=area.description_da,
                     keywords_da=area.keywords_da)

    area.refresh_from_db()
    assert (area.name_en, area.edited_in_ui) == ("Sales and customers", True)
    with translation.override("en"):
        assert str(area) == "Sales and customers"
