"""/api/cases: published cases, public and read-only, with the case list's search and facets, and CORS
for the partner websites registered for embedding (and no others)."""

from __future__ import annotations

import pytest
from django.test import Client

from viaviden.cases.models import EmbedSite
from viaviden.cases.tests.factories import make_case
from viaviden.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return make_case(publish=True, persons=[("Syntetisk Dimittend", True)],
                     images=[("https://www.ucn.dk/smedje.jpg", "Smeden ved essen", "")],
                     video_url="https://vimeo.com/76979871")


def test_list_is_public_and_finds_another_inflection(published):
    make_case(title="Kladde om markedsføringsøkonomer")

    response = Client().get("/api/cases", {"q": "markedsføringsøkonomer", "municipality": "787"})

    data = response.json()
    assert response.status_code == 200
    assert (data["count"], data["page"], data["pages"], data["corrections"]) == (1, 1, 1, {})
    item = data["items"][0]
    assert item == {
        "slug": published.slug, "title": "Markedsføringsøkonom giver smedjen nye kunder",
        "summary": published.summary, "kind": "article", "company_name": "Syntetisk Thy Smedie ApS",
        "municipality": {"code": "787", "name": "Thisted"},
        "match_type": {"code": "student_internship", "name": "Studiepraktik"}, "levels": ["KVU"],
        "published_at": item["published_at"],
        "image": {"url": "https://www.ucn.dk/smedje.jpg", "alt_text": "Smeden ved essen", "caption": ""},
        "url": f"/cases/{published.slug}/",
    }
    municipality = next(f for f in data["facets"] if f["key"] == "municipality")
    assert municipality == {"key": "municipality", "label": "Kommune",
                            "values": [{"value": "787", "label": "Thisted", "count": 1, "selected": True}]}


def test_detail_is_public_with_the_persons_shown(published):
    data = Client().get(f"/api/cases/{published.slug}").json()

    assert data["body_html"] == ("<p>Thy Smedie havde aldrig ansat en akademiker.</p><p>Med en studiepraktikant kom "
                                 "der styr på markedsføringen.</p>")
    assert data["video"] == {"provider": "vimeo", "embed_url": "https://player.vimeo.com/video/76979871?dnt=1",
                             "watch_url": "https://vimeo.com/76979871"}
    assert data["persons"] == [{"name": "Syntetisk Dimittend", "role": "Dimittend"}]
    assert data["programmes"] == [{"code": "markedsfoeringsoekonom-ucn", "name": "Markedsføringsøkonom"}]
    assert data["partners"] == [{"code": "ucn", "name": "University College Nordjylland"}]


def test_drafts_are_not_found():
    draft = make_case()

    response = Client().get(f"/api/cases/{draft.slug}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_cors_only_for_registered_websites(published):
    EmbedSite.objects.create(organisation=Organisation.objects.get(slug="ucn"), origin="https://www.ucn.dk")
    EmbedSite.objects.create(organisation=Organisation.objects.get(slug="aau"), origin="https://www.aau.dk",
                             active=False)

    allowed = Client().get("/api/cases", headers={"Origin": "https://www.ucn.dk"})
    inactive = Client().get("/api/cases", headers={"Origin": "https://www.aau.dk"})
    unknown = Client().get(f"/api/cases/{published.slug}", headers={"Origin": "https://evil.example"})

    assert allowed["Access-Control-Allow-Origin"] == "https://www.ucn.dk"
    assert "Origin" in allowed["Vary"]
    assert "Access-Control-Allow-Origin" not in inactive
    assert "Access-Control-Allow-Origin" not in unknown


def test_page_size_is_capped_and_unknown_filters_ignored(published):
    response = Client().get("/api/cases", {"page_size": 5000, "farve": "rød", "page": "x"})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_list_query_count(published, django_assert_max_num_queries):
    Client().get("/api/cases", {"q": "smedje"})
    # search, its facets, and the embed origins for CORS
    with django_assert_max_num_queries(10):
        assert Client().get("/api/cases", {"q": "smedje"}).status_code == 200
