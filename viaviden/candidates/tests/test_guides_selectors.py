"""Reading the competence guides: search, filters, grouping, and the fit of programmes on all three levels."""

from __future__ import annotations

import pytest

from viaviden.candidates import guide_selectors as selectors
from viaviden.candidates.models import ProgrammeTaskArea, StudyProgramme
from viaviden.core.errors import NotFound

pytestmark = pytest.mark.django_db


def slugs(items) -> list[str]:
    return [p.slug for p in items]


def test_search_finds_danish_words_in_competences_case_insensitively():
    # "NETVÆRK" is stored with æ in a JSON list: SQLite's LIKE would miss it, the Python search does not.
    found = selectors.programme_search(q="NETVÆRK")

    assert {"it-teknolog-ucn", "datamatiker-ucn"} <= set(slugs(found))
    assert all("netværk" in " ".join(p.competences_da + p.typical_tasks_da).lower() for p in found)


def test_search_needs_every_word_and_matches_names():
    assert slugs(selectors.programme_search(q="datamatiker")) == ["datamatiker-ucn"]
    assert selectors.programme_search(q="datamatiker sygepleje") == []


def test_filters_by_institution_level_and_task_area():
    found = selectors.programme_search(institution="UCN", level="KVU", task_area="it-drift")

    assert found
    assert {(p.institution, p.level_id) for p in found} == {("UCN", "KVU")}
    assert all(
        ProgrammeTaskArea.objects.filter(programme=p, task_area__slug="it-drift").exists() for p in found
    )
    assert "datamatiker-ucn" in slugs(found) and "it-teknolog-ucn" in slugs(found)


def test_inactive_programmes_are_left_out_unless_asked_for():
    StudyProgramme.objects.filter(slug="datamatiker-ucn").update(active=False)

    assert selectors.programme_search(q="datamatiker") == []
    assert slugs(selectors.programme_search(q="datamatiker", include_inactive=True)) == ["datamatiker-ucn"]
    with pytest.raises(NotFound):
        selectors.programme_detail("datamatiker-ucn")


def test_grouping_by_institution_then_level_in_level_order():
    groups = selectors.programmes_grouped(selectors.programme_search())

    assert [g.code for g in groups] == ["AAU", "MARTEC", "UCN"]
    ucn = groups[2]
    assert ucn.name == "University College Nordjylland (UCN)"
    assert [lg.level.code for lg in ucn.levels] == ["KVU", "MVU"]
    assert [lg.level.code for lg in groups[0].levels] == ["MVU", "LVU"]
    assert sum(g.count for g in groups) == StudyProgramme.objects.filter(active=True).count()


def test_institution_choices_are_distinct_and_named():
    assert selectors.institution_choices() == [
        ("AAU", "Aalborg Universitet (AAU)"),
        ("MARTEC", "MARTEC – Maritime and Polytechnic University College"),
        ("UCN", "University College Nordjylland (UCN)"),
    ]


def test_programme_detail_lists_task_areas_strongest_first_with_fit_in_words():
    programme = selectors.programme_detail("datamatiker-ucn")

    assert [(f.task_area.slug, f.weight, str(f.label)) for f in programme.fits] == [
        ("softwareudvikling", 1.0, "passer rigtig godt"),
        ("it-drift", 0.8, "passer rigtig godt"),
        ("data-og-analyse", 0.6, "passer godt"),
        ("cybersikkerhed", 0.4, "passer godt"),
    ]


def test_task_area_detail_shows_all_three_levels_ordered_by_weight():
    guide = selectors.task_area_detail("it-drift")

    assert [g.level.code for g in guide.levels] == ["KVU", "MVU", "LVU"]
    kvu = [(f.programme.slug, f.weight) for f in guide.levels[0].items]
    assert kvu[:2] == [("it-teknolog-ucn", 1.0), ("datamatiker-ucn", 0.8)]
    lvu = {f.programme.slug: f for f in guide.levels[2].items}
    assert lvu["datalogi-aau"].weight == 0.3
    assert str(lvu["datalogi-aau"].label) == "passer delvist"
    for group in guide.levels:
        weights = [f.weight for f in group.items]
        assert weights == sorted(weights, reverse=True)


def test_task_area_detail_keeps_an_empty_level():
    area = "it-drift"
    ProgrammeTaskArea.objects.filter(task_area__slug=area, programme__level_id="MVU").delete()

    guide = selectors.task_area_detail(area)

    assert [(g.level.code, bool(g.items)) for g in guide.levels] == [("KVU", True), ("MVU", False), ("LVU", True)]


def test_unknown_slugs_are_not_found():
    with pytest.raises(NotFound):
        selectors.programme_detail("findes-ikke")
    with pytest.raises(NotFound):
        selectors.task_area_detail("findes-ikke")


def test_task_area_search_looks_in_keywords():
    assert [a.slug for a in selectors.task_area_search(q="Servere")] == ["it-drift"]


@pytest.mark.parametrize(
    ("weight", "key", "label"),
    [(1.0, "strong", "passer rigtig godt"), (0.7, "strong", "passer rigtig godt"), (0.69, "good", "passer godt"),
     (0.4, "good", "passer godt"), (0.39, "partial", "passer delvist"), (0.05, "partial", "passer delvist")],
)
def test_fit_bands(weight, key, label):
    assert (selectors.fit_key(weight), selectors.fit_label(weight)) == (key, label)
