"""The case search: Danish stemming, compounds and typos; facets with counts for the result set; only
published cases; the index follows publication; related cases and the guides' sections."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from viaviden.cases.models import CaseIndex
from viaviden.cases.search import (
    CaseQuery,
    analyzer,
    case_search,
    case_terms,
    cases_with,
    icontains_search,
    reindex_all,
    related_cases,
)
from viaviden.cases.services import case_archive
from viaviden.cases.tests.factories import coordinator, make_case

pytestmark = pytest.mark.django_db


def _found(q: str = "", **filters) -> list[str]:
    query = CaseQuery(q=q, filters={k: tuple(v) for k, v in filters.items()})
    return [c.title for c in case_search(query).cases]


@pytest.fixture
def cases():
    """Three published cases and a draft."""
    return {
        "smedje": make_case(publish=True),
        "energi": make_case(
            publish=True, organisation="aau", title="Energiingeniør halverer bageriets elregning",
            summary="En kandidat i energiteknik kortlagde forbruget og fandt besparelser.",
            body="Bageriet i Hjørring brugte for meget strøm. Nu kører ovnene om natten.",
            municipality="860", industry="C", match_type="ordinary_job_vaekstpilot", programmes=["energiteknik-aau"],
            task_areas=["energi-og-klima"], tags=["grøn omstilling"], benefits=["sustainability"],
            company_name="Syntetisk Bageri ApS",
        ),
        "data": make_case(
            publish=True, organisation="jobcenter-thisted", title="Datamatiker bygger webshop til tømrerfirma",
            summary="Studiejobbet blev til fast job.", body="Tømreren i Thisted sælger nu tagvinduer på nettet.",
            municipality="787", industry="F", match_type="student_job", programmes=["datamatiker-ucn"],
            task_areas=["softwareudvikling"], tags=[], benefits=["digitalisation"], company_name="Syntetisk Tømrer",
        ),
        "draft": make_case(title="Markedsføringsøkonom i kladde", summary="Ikke offentliggjort endnu."),
    }


def test_another_inflection_finds_the_case(cases):
    # Acceptance: 'markedsføringsøkonomer' finds a case about a 'markedsføringsøkonom'.
    assert _found("markedsføringsøkonomer") == ["Markedsføringsøkonom giver smedjen nye kunder"]


@pytest.mark.parametrize("q", ["markedsføring", "økonom", "økonomer"])
def test_a_compound_is_found_by_its_parts(cases, q):
    assert "Markedsføringsøkonom giver smedjen nye kunder" in _found(q)


def test_a_compound_query_finds_its_parts_written_apart(cases):
    # "bageriregning" is not in any case, but "bageri" and "regning" (elregning → el + regning) are.
    assert _found("bageriets") == ["Energiingeniør halverer bageriets elregning"]
    assert _found("energibesparelser") == ["Energiingeniør halverer bageriets elregning"]


def test_typos_are_tolerated_and_reported(cases):
    result = case_search(CaseQuery(q="markedsførnig"))

    assert [c.title for c in result.cases] == ["Markedsføringsøkonom giver smedjen nye kunder"]
    assert result.corrections == {"markedsførnig": ["markedsføring"]}


def test_all_words_must_match(cases):
    assert _found("webshop thisted") == ["Datamatiker bygger webshop til tømrerfirma"]
    assert _found("webshop hjørring") == []


def test_categories_are_searchable_as_words(cases):
    assert _found("Hjørring") == ["Energiingeniør halverer bageriets elregning"]
    assert _found("studiejob") == ["Datamatiker bygger webshop til tømrerfirma"]


def test_drafts_are_never_found(cases):
    assert "Markedsføringsøkonom i kladde" not in _found("kladde")
    assert len(_found()) == 3


def test_title_words_rank_above_body_words(cases):
    make_case(publish=True, title="Tømrer får hjælp til tilbud", summary="Kort.", body="Om en markedsføringsøkonom.",
              programmes=[], task_areas=[], tags=[], company_name="")

    assert _found("markedsføringsøkonom")[0] == "Markedsføringsøkonom giver smedjen nye kunder"


def test_facets_filter_and_values_within_a_facet_are_alternatives(cases):
    assert sorted(_found(municipality=["787"])) == ["Datamatiker bygger webshop til tømrerfirma",
                                                     "Markedsføringsøkonom giver smedjen nye kunder"]
    assert len(_found(municipality=["787", "860"])) == 3
    assert _found(municipality=["787"], partner=["kommune-thisted"]) == ["Datamatiker bygger webshop til tømrerfirma"]
    assert _found("webshop", level=["MVU"]) == []


def test_facet_counts_are_for_the_result_set_and_a_chosen_facet_shows_its_alternatives(cases):
    result = case_search(CaseQuery(filters={"municipality": ("787",)}))
    facets = {f.key: {v.value: (v.count, v.selected) for v in f.values} for f in result.facets}

    assert result.total == 2
    assert facets["municipality"] == {"787": (2, True), "860": (1, False)}
    assert facets["partner"] == {"ucn": (1, False), "kommune-thisted": (1, False)}
    assert facets["level"] == {"KVU": (2, False)}
    assert facets["industry"] == {"C": (1, False), "F": (1, False)}
    assert [f.key for f in result.facets] == ["kind", "audience", "municipality", "industry", "size", "match_type",
                                              "level", "programme", "task_area", "benefit", "partner", "tag"]


def test_facet_labels_are_readable(cases):
    result = case_search(CaseQuery())
    labels = {f.key: {v.value: v.label for v in f.values} for f in result.facets}

    assert labels["municipality"]["860"] == "Hjørring"
    assert labels["programme"]["datamatiker-ucn"] == "Datamatiker (UCN)"
    assert labels["level"]["LVU"] == "LVU – Lang videregående uddannelse"
    assert labels["benefit"]["sustainability"] == "Bæredygtighed og energi"
    assert labels["tag"]["groen-omstilling"] == "grøn omstilling"


def test_the_index_follows_publication(cases):
    case_archive(user=coordinator(), case=cases["smedje"], version=cases["smedje"].version)

    assert _found("markedsføringsøkonom") == []
    assert not CaseIndex.objects.filter(case_id=cases["smedje"].pk).exists()


def test_reindex_all_rebuilds_the_same_index(cases):
    before = {(e.case_id, e.terms, e.weights, e.facets) for e in CaseIndex.objects.all()}

    assert reindex_all(batch_size=2) == 3
    assert {(e.case_id, e.terms, e.weights, e.facets) for e in CaseIndex.objects.all()} == before


def test_compound_parts_are_indexed_with_half_weight():
    terms = case_terms(make_case(title="Markedsføringsøkonom", summary="x", body="", programmes=[], task_areas=[],
                                 tags=[], company_name="", benefits=[], municipality=None, industry=None,
                                 match_type=None, size_class=None))

    assert (terms["markedsføringsøkonom"], terms["økonom"]) == (10, 5)
    assert analyzer().terms_of_word("markedsføringsøkonomer") == ("markedsføringsøkonom", "markedsføring", "økonom")


def test_pages(cases):
    first = case_search(CaseQuery(page=1), page_size=2)
    second = case_search(CaseQuery(page=2), page_size=2)
    beyond = case_search(CaseQuery(page=9), page_size=2)

    assert (first.total, len(first.cases), len(second.cases), beyond.page.number) == (3, 2, 1, 2)
    assert {c.pk for c in first.cases} | {c.pk for c in second.cases} == {
        cases["smedje"].pk, cases["energi"].pk, cases["data"].pk}


def test_query_from_request_parameters_ignores_unknown_and_maps_units_to_partners():
    query = CaseQuery.from_params(QueryDict(
        "q=+eksport+&municipality=787&municipality=787&partner=erhvervskontor-thisted&color=%23fff&page=x&foo=1"))

    assert query.q == "eksport"
    assert dict(query.filters) == {"municipality": ("787",), "partner": ("kommune-thisted",)}
    assert query.page == 1


def test_related_cases_share_categories(cases):
    other = make_case(publish=True, title="Endnu en markedsføringscase", programmes=["markedsfoeringsoekonom-ucn"],
                      municipality="851")

    assert related_cases(cases["smedje"]) == [other, cases["data"], cases["energi"]]


def test_cases_with_a_programme_or_task_area(cases):
    found, total = cases_with("programme", "energiteknik-aau")

    assert (found, total) == ([cases["energi"]], 1)
    assert cases_with("task_area", "juridisk") == ([], 0)


def test_the_icontains_baseline_finds_the_exact_word_only(cases):
    ids, total = icontains_search(CaseQuery(q="webshop", filters={"municipality": ("787",)}))

    assert (ids, total) == ([cases["data"].pk], 1)
    assert icontains_search(CaseQuery(q="markedsføringsøkonomer"))[1] == 0


def test_search_query_count(cases, django_assert_max_num_queries):
    query = CaseQuery(q="markedsføring", filters={"municipality": ("787",), "level": ("KVU",)})
    case_search(query)  # labels and vocabulary are loaded once per process

    # generation, count, ranking, cases, their levels and images, facet counts (one + one per chosen facet)
    with django_assert_max_num_queries(9):
        result = case_search(query)

    assert result.total == 1


def test_migrate_fills_an_empty_index_for_published_cases():
    """After the upgrade that replaced the per-term tables, `migrate` refills the index (post_migrate)."""
    from django.apps import apps

    from viaviden.cases.apps import index_after_migrate

    case = make_case(publish=True)
    CaseIndex.objects.all().delete()
    index_after_migrate(apps.get_app_config("cases"))
    assert CaseIndex.objects.filter(case=case).exists()
    assert case_search(CaseQuery(q=case.title.split()[0])).total >= 1
