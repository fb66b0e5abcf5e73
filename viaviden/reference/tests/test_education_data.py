"""The competence-guide data files (data/reference/education/) are complete and consistent. No database."""

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "data" / "reference"
EDUCATION_DIR = REFERENCE_DIR / "education"
LEVELS = {"KVU", "MVU", "LVU"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MUNICIPALITY_CODES = {"773", "787", "810", "813", "820", "825", "840", "846", "849", "851", "860"}
PROGRAMME_FIELDS = {
    "slug": str,
    "name_da": str,
    "institution": str,
    "level": str,
    "degree_da": str,
    "area_da": str,
    "cities": list,
    "ects": int,
    "competences_da": list,
    "typical_tasks_da": list,
    "task_areas": list,
    "source_url": str,
    "source_year": int,
}
REQUIRED_TASK_AREAS = {
    "markedsfoering",
    "forretningsudvikling",
    "sociale-medier",
    "kommunikation",
    "salg",
    "it-drift",
    "softwareudvikling",
    "data-og-analyse",
    "produktion-og-ingenioerarbejde",
    "oekonomi-og-regnskab",
    "hr-og-ledelse",
    "logistik-og-indkoeb",
    "energi-og-klima",
    "byggeri",
    "design-og-innovation",
    "eksport-og-internationalisering",
}
UCN_BUSINESS = {
    "markedsfoeringsoekonom-ucn",
    "finansoekonom-ucn",
    "serviceoekonom-ucn",
    "logistikoekonom-ucn",
    "handelsoekonom-ucn",
    "pba-international-handel-og-markedsfoering-ucn",
    "pba-innovation-og-entrepreneurship-ucn",
    "pba-finans-ucn",
    "financial-controller-ucn",
    "leisure-management-ucn",
}
UCN_TECHNOLOGY = {
    "datamatiker-ucn",
    "it-teknolog-ucn",
    "multimediedesigner-ucn",
    "automationsteknolog-ucn",
    "produktionsteknolog-ucn",
    "energiteknolog-ucn",
    "installatoer-el-ucn",
    "installatoer-vvs-ucn",
    "byggetekniker-ucn",
    "bygningskonstruktoer-ucn",
    "pba-softwareudvikling-ucn",
    "pba-webudvikling-ucn",
    "pba-it-sikkerhed-ucn",
    "pba-digital-konceptudvikling-ucn",
    "pba-produktudvikling-og-teknisk-integration-ucn",
}
AAU_LARGE_MASTERS = {
    "cand-merc-international-marketing-aau",
    "cand-merc-international-business-aau",
    "cand-merc-finance-aau",
    "cand-merc-oekonomistyring-aau",
    "oekonomi-cand-oecon-aau",
    "jura-cand-jur-aau",
    "politik-og-administration-aau",
    "sociologi-aau",
    "psykologi-aau",
    "kommunikation-aau",
    "informationsvidenskab-aau",
    "it-laering-og-organisatorisk-omstilling-aau",
    "datalogi-aau",
    "software-aau",
    "data-science-aau",
    "medialogi-aau",
    "industriel-design-aau",
    "teknoantropologi-aau",
    "operations-and-supply-chain-management-aau",
    "design-of-mechanical-systems-aau",
    "energiteknik-aau",
    "byggeri-og-anlaeg-aau",
}


def _load(name):
    return json.loads((EDUCATION_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def programmes():
    return _load("study_programmes.json")["programmes"]


@pytest.fixture(scope="module")
def by_slug(programmes):
    return {p["slug"]: p for p in programmes}


@pytest.fixture(scope="module")
def task_areas():
    return _load("task_areas.json")["task_areas"]


@pytest.fixture(scope="module")
def travel():
    with (EDUCATION_DIR / "travel_times.csv").open(encoding="utf-8") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return [(r["from_code"], r["to_code"], int(r["minutes"])) for r in csv.DictReader(lines)]


def _weight(programme, area):
    return next((t["weight"] for t in programme["task_areas"] if t["area"] == area), 0.0)


@pytest.mark.parametrize("name", ["study_programmes.json", "task_areas.json"])
def test_json_files_carry_source_year_and_version(name):
    data = _load(name)

    assert isinstance(data["source"], str) and data["source"]
    assert data["year"] == 2024
    assert data["version"] == 1


def test_at_least_60_programmes_with_unique_slugs(programmes):
    slugs = [p["slug"] for p in programmes]

    assert len(programmes) >= 60
    assert len(slugs) == len(set(slugs))
    assert all(SLUG.match(s) for s in slugs)


def test_every_programme_has_the_required_fields(programmes):
    for p in programmes:
        for field, kind in PROGRAMME_FIELDS.items():
            assert isinstance(p.get(field), kind) and p[field], (p["slug"], field)
        assert p["level"] in LEVELS, p["slug"]
        assert p["institution"] in {"AAU", "UCN", "MARTEC"}, p["slug"]
        assert 4 <= len(p["typical_tasks_da"]) <= 8, p["slug"]
        assert 4 <= len(p["competences_da"]) <= 8, p["slug"]
        assert all(isinstance(t, str) and t.strip() == t and t for t in p["competences_da"] + p["typical_tasks_da"])
        assert p["source_url"].startswith("https://"), p["slug"]
        assert 90 <= p["ects"] <= 300, p["slug"]


def test_levels_follow_the_danish_classification(programmes):
    for p in programmes:
        degree = p["degree_da"]
        if degree.startswith("erhvervsakademi"):
            assert p["level"] == "KVU", p["slug"]
        elif degree.startswith("kandidat"):
            assert p["level"] == "LVU", p["slug"]
        else:  # professionsbachelor, bachelor, diplomingeniør
            assert p["level"] == "MVU", p["slug"]


def test_every_level_is_represented_at_each_main_institution(programmes):
    levels = defaultdict(set)
    for p in programmes:
        levels[p["institution"]].add(p["level"])

    assert levels["UCN"] == {"KVU", "MVU"}
    assert levels["AAU"] == {"MVU", "LVU"}
    assert levels["MARTEC"] == {"MVU"}


def test_task_areas_are_complete_and_have_keywords(task_areas):
    slugs = [a["slug"] for a in task_areas]

    assert len(slugs) == len(set(slugs))
    assert REQUIRED_TASK_AREAS <= set(slugs)
    for area in task_areas:
        assert SLUG.match(area["slug"]) and area["name_da"] and area["description_da"], area["slug"]
        keywords = area["keywords_da"]
        assert 8 <= len(keywords) <= 20, area["slug"]
        assert len(keywords) == len(set(keywords)), area["slug"]
        assert all(k == k.strip().lower() and k for k in keywords), area["slug"]


def test_every_referenced_task_area_exists_with_a_valid_weight(programmes, task_areas):
    known = {a["slug"] for a in task_areas}
    for p in programmes:
        areas = [t["area"] for t in p["task_areas"]]
        assert len(areas) == len(set(areas)), p["slug"]
        for t in p["task_areas"]:
            assert t["area"] in known, (p["slug"], t["area"])
            assert 0.3 <= t["weight"] <= 1.0, (p["slug"], t["area"])


def test_each_task_area_fits_at_least_two_programmes_on_two_levels(programmes, task_areas):
    fitting = defaultdict(list)
    for p in programmes:
        for t in p["task_areas"]:
            fitting[t["area"]].append(p["level"])

    for area in task_areas:
        levels = fitting[area["slug"]]
        assert len(levels) >= 2, area["slug"]
        assert len(set(levels)) >= 2, area["slug"]


def test_all_ucn_business_and_technology_programmes_are_present(by_slug):
    assert UCN_BUSINESS <= set(by_slug)
    assert UCN_TECHNOLOGY <= set(by_slug)
    assert {by_slug[s]["area_da"] for s in UCN_BUSINESS} == {"UCN Business"}
    assert {by_slug[s]["area_da"] for s in UCN_TECHNOLOGY} == {"UCN Teknologi"}


def test_the_large_aau_masters_are_present(by_slug):
    assert AAU_LARGE_MASTERS <= set(by_slug)
    assert {(by_slug[s]["institution"], by_slug[s]["level"]) for s in AAU_LARGE_MASTERS} == {("AAU", "LVU")}


def test_maskinmester_from_martec_is_present(by_slug):
    assert by_slug["maskinmester-martec"]["institution"] == "MARTEC"
    assert by_slug["maskinmester-martec"]["level"] == "MVU"


def test_it_operations_fits_datamatiker_and_it_technologist_at_least_as_well_as_computer_science(by_slug):
    datalogi = by_slug["datalogi-aau"]

    assert _weight(by_slug["datamatiker-ucn"], "it-drift") >= _weight(datalogi, "it-drift")
    assert _weight(by_slug["it-teknolog-ucn"], "it-drift") >= _weight(datalogi, "it-drift")
    assert _weight(datalogi, "it-drift") <= 0.4
    assert _weight(datalogi, "softwareudvikling") >= 0.9
    assert _weight(datalogi, "data-og-analyse") >= 0.8


def test_travel_matrix_is_complete_symmetric_and_zero_on_the_diagonal(travel):
    minutes = {(a, b): m for a, b, m in travel}

    assert len(travel) == len(minutes) == 121
    assert {a for a, _ in minutes} == {b for _, b in minutes} == MUNICIPALITY_CODES
    for a in MUNICIPALITY_CODES:
        assert minutes[a, a] == 0
        for b in MUNICIPALITY_CODES - {a}:
            assert minutes[a, b] == minutes[b, a] > 0, (a, b)


def test_travel_times_match_the_known_landmarks(travel):
    minutes = {(a, b): m for a, b, m in travel}

    assert 80 <= minutes["851", "787"] <= 95  # Aalborg–Thisted
    assert 35 <= minutes["851", "860"] <= 45  # Aalborg–Hjørring
    assert 50 <= minutes["851", "813"] <= 60  # Aalborg–Frederikshavn
    assert 35 <= minutes["851", "846"] <= 45  # Aalborg–Hobro
    assert 20 <= minutes["787", "773"] <= 30  # Thisted–Nykøbing Mors
    # Læsø: the ferry from Frederikshavn (about 90 minutes) is included in every trip.
    assert all(minutes["825", b] >= minutes["813", b] + 90 for b in MUNICIPALITY_CODES - {"825"})


def test_travel_matrix_codes_are_the_municipality_codes():
    with (REFERENCE_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        assert {r["code"] for r in csv.DictReader(f)} == MUNICIPALITY_CODES
