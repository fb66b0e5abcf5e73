"""The public case pages: list with search and facets, case page (Open Graph, CSP for its images and video,
related cases, links to the guides), the embeddable view (framing allowed for registered sites only, the
partner's colour), RSS, sitemap and the competence guides' case sections. Only published cases show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from viaviden.cases.models import EmbedSite
from viaviden.cases.tests.factories import make_case
from viaviden.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return make_case(publish=True, persons=[("Syntetisk Dimittend", True)],
                     images=[("https://billeder.ucn.dk/smedje.jpg", "Dimittenden og smeden ved essen", "Foto: UCN")],
                     video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def _csp(response) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_list_finds_a_case_by_another_inflection_and_shows_facets_with_counts(client, published):
    make_case(title="Kladde om markedsføringsøkonomer")  # a draft: never public

    response = client.get(reverse("case_list"), {"q": "markedsføringsøkonomer", "municipality": "787"})

    body = response.content.decode()
    assert response.status_code == 200
    assert [c.pk for c in response.context["cases"]] == [published.pk]
    assert '<h2 id="results-heading" class="mt-0">1 case</h2>' in body
    assert f'href="{reverse("case_detail", args=[published.slug])}"' in body
    assert "Kladde om" not in body
    assert ('<input class="form-checkbox" type="checkbox" id="f-municipality-1" name="municipality" value="787" '
            'checked>') in body
    assert 'Thisted <span class="case-count">(1<span class="sr-only"> cases</span>)</span>' in body
    assert '<a class="case-chip" href="?q=markedsf%C3%B8rings%C3%B8konomer">Thisted' in body
    assert 'type="application/rss+xml"' in body


def test_list_allows_the_images_it_shows_in_its_csp_only(client, published):
    csp = _csp(client.get(reverse("case_list")))

    assert csp["img-src"] == ["'self'", "data:", "https://billeder.ucn.dk"]
    assert csp["script-src"] == ["'self'"]
    assert "frame-src" not in csp


def test_list_without_results_says_so(client, published):
    response = client.get(reverse("case_list"), {"q": "flyvemaskine"})

    assert response.context["result"].total == 0
    assert "Ingen cases passer til søgningen." in response.content.decode()


def test_list_query_count(client, published, django_assert_max_num_queries):
    client.get(reverse("case_list"), {"q": "smedje", "municipality": "787"})
    # search (see test_search) + the synthetic-data flag + partner slugs + the page-cache version (one query)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("case_list"), {"q": "smedje", "municipality": "787", "partner": "ucn"})

    assert response.status_code == 200


def test_case_page_has_open_graph_tags_and_links_to_the_guides(client, published):
    response = client.get(reverse("case_detail", args=[published.slug]))

    body = response.content.decode()
    url = f"http://testserver{reverse('case_detail', args=[published.slug])}"
    assert response.status_code == 200
    assert '<h1 id="case-title">Markedsføringsøkonom giver smedjen nye kunder</h1>' in body
    assert '<meta property="og:title" content="Markedsføringsøkonom giver smedjen nye kunder">' in body
    assert f'<meta property="og:url" content="{url}">' in body
    assert f'<link rel="canonical" href="{url}">' in body
    assert '<meta property="og:image" content="https://billeder.ucn.dk/smedje.jpg">' in body
    assert '<meta property="og:image:alt" content="Dimittenden og smeden ved essen">' in body
    assert '<img src="https://billeder.ucn.dk/smedje.jpg" alt="Dimittenden og smeden ved essen">' in body
    guide = reverse("guide_programme", args=["markedsfoeringsoekonom-ucn"])
    assert f'<a href="{guide}">Markedsføringsøkonom</a>' in body
    assert f'<a href="{reverse("guide_task_area", args=["markedsfoering"])}">Markedsføring</a>' in body
    assert "<dt>Medvirkende</dt><dd>Syntetisk Dimittend, Dimittend</dd>" in body


def test_case_page_loads_no_video_before_the_visitor_asks(client, published):
    response = client.get(reverse("case_detail", args=[published.slug]))

    body = response.content.decode()
    assert "<iframe" not in body
    assert 'data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"' in body
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener">Se videoen på YouTube</a>' in body
    assert _csp(response)["frame-src"] == ["'self'", "https://www.youtube-nocookie.com"]


def test_case_page_renders_the_body_sanitised_even_if_stored_unsanitised(client, published):
    type(published).objects.filter(pk=published.pk).update(body='<p>Hej</p><script>alert(1)</script><img src=x>')

    body = client.get(reverse("case_detail", args=[published.slug])).content.decode()

    assert '<div class="case-body"><p>Hej</p></div>' in body
    assert "alert(1)" not in body


def test_case_page_shows_related_cases(client, published):
    other = make_case(publish=True, title="Anden case fra Thisted")

    response = client.get(reverse("case_detail", args=[published.slug]))

    assert response.context["related"] == [other]


@pytest.mark.parametrize("publish", [False])
def test_unpublished_and_unknown_cases_are_404(client, publish):
    draft = make_case(publish=publish)

    assert client.get(reverse("case_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("case_detail", args=["findes-ikke"])).status_code == 404


def test_case_page_query_count(client, published, django_assert_max_num_queries):
    client.get(reverse("case_detail", args=[published.slug]))
    # case, levels, task areas, tags, partners, programmes, images, persons, related (facets, ranking, cases,
    # levels, images), synthetic-data flag
    with django_assert_max_num_queries(15):
        assert client.get(reverse("case_detail", args=[published.slug])).status_code == 200


def test_embed_may_be_framed_by_registered_websites_only(client, published):
    EmbedSite.objects.create(organisation=Organisation.objects.get(slug="ucn"), origin="https://www.ucn.dk")

    response = client.get(reverse("case_embed"), {"partner": "ucn", "municipality": "787"})

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert _csp(response)["frame-ancestors"] == ["'self'", "https://www.ucn.dk"]
    assert [c.pk for c in response.context["cases"]] == [published.pk]
    body = response.content.decode()
    assert '<input type="hidden" name="partner" value="ucn">' in body
    assert f'href="http://testserver{reverse("case_detail", args=[published.slug])}" target="_blank"' in body


def test_other_pages_may_not_be_framed(client, published):
    response = client.get(reverse("case_list"))

    assert response["X-Frame-Options"] == "DENY"
    assert _csp(response)["frame-ancestors"] == ["'none'"]


def test_embed_filters_are_fixed_and_the_visitor_searches_within_them(client, published):
    make_case(publish=True, organisation="aau", title="AAU-case om markedsføring", municipality="851")

    response = client.get(reverse("case_embed"), {"partner": "ucn", "q": "markedsføring", "search": "0"})

    assert [c.title for c in response.context["cases"]] == ["Markedsføringsøkonom giver smedjen nye kunder"]
    assert 'role="search"' not in response.content.decode()


def test_embed_uses_the_partners_colour_via_a_stylesheet(client, published):
    site = EmbedSite.objects.create(organisation=Organisation.objects.get(slug="ucn"), origin="https://www.ucn.dk",
                                    color="#e30613")

    by_site = client.get(reverse("case_embed"), {"site": site.pk}).content.decode()
    by_param = client.get(reverse("case_embed"), {"site": site.pk, "color": "#FFCC00"}).content.decode()
    css = client.get(reverse("case_embed_theme"), {"color": "#ffcc00"})

    assert f'<link rel="stylesheet" href="{reverse("case_embed_theme")}?color=%23e30613">' in by_site
    assert f'<link rel="stylesheet" href="{reverse("case_embed_theme")}?color=%23ffcc00">' in by_param
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css.content.decode() == (":root {\n  --case-accent: #ffcc00;\n  --case-on-accent: #000000;\n"
                                    "  --case-link: #8c7000;\n}\n")
    assert "style=" not in by_site


def test_embed_in_english(client, published):
    response = client.get(reverse("case_embed"), {"lang": "en"})

    assert '<html lang="en">' in response.content.decode()


def test_rss_feed_lists_published_cases(client, published):
    make_case(title="Kladde")

    response = client.get(reverse("case_feed"))

    body = response.content.decode()
    assert response["Content-Type"].startswith("application/rss+xml")
    assert "<title>Markedsføringsøkonom giver smedjen nye kunder</title>" in body
    assert f"<link>http://testserver{reverse('case_detail', args=[published.slug])}</link>" in body
    assert "Kladde" not in body


def test_rss_feed_follows_the_filters(client, published):
    body = client.get(reverse("case_feed"), {"municipality": "860"}).content.decode()

    assert "Markedsføringsøkonom giver" not in body


def test_sitemap_lists_cases_and_guides(client, published):
    make_case(title="Kladde")

    response = client.get(reverse("case_sitemap"))

    body = response.content.decode()
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert f"<loc>http://testserver{reverse('case_detail', args=[published.slug])}</loc>" in body
    assert f"<loc>http://testserver{reverse('guide_programme', args=['datamatiker-ucn'])}</loc>" in body
    assert f"<loc>http://testserver{reverse('guide_task_area', args=['it-drift'])}</loc>" in body
    assert "kladde" not in body


def test_guide_pages_have_a_cases_section_loaded_after_the_page(client, published):
    programme = client.get(reverse("guide_programme", args=["markedsfoeringsoekonom-ucn"])).content.decode()
    area = client.get(reverse("guide_task_area", args=["markedsfoering"])).content.decode()
    section = client.get(reverse("case_guide_section", args=["programme", "markedsfoeringsoekonom-ucn"]))

    assert '<h2 id="guide-cases-heading">Cases med dimittender fra Markedsføringsøkonom</h2>' in programme
    assert f'hx-get="{reverse("case_guide_section", args=["programme", "markedsfoeringsoekonom-ucn"])}"' in programme
    assert f'<a href="{reverse("case_list")}?programme=markedsfoeringsoekonom-ucn">' in programme
    assert '<h2 id="guide-cases-heading">Cases, der løser opgaver inden for markedsføring</h2>' in area
    assert section.context["cases"] == [published]
    assert "Se 1 case" in section.content.decode()
    assert "<img" not in section.content.decode()  # the guide pages allow only their own images


def test_guide_section_for_an_unknown_facet_is_404(client):
    assert client.get(reverse("case_guide_section", args=["municipality", "787"])).status_code == 404
