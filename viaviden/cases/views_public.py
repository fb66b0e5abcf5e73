"""The public case platform (no login): the searchable case list with facets, the case page with related
cases, the embeddable list for partners' websites and its colour stylesheet, the RSS feed, the sitemap,
and the case sections of the competence-guide pages. Only published cases are ever shown."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from viaviden.candidates.guide_selectors import guide_version_columns
from viaviden.candidates.models import StudyProgramme, TaskArea
from viaviden.core.errors import NotFound
from viaviden.core.pagecache import public_page

from . import selectors
from .models import Case
from .search import CaseQuery, case_search, cases_with, facet_labels, generation_columns, related_cases
from .theme import DEFAULT_COLOR, parse_color, theme_css
from .video import FRAME_SOURCES, Video

EMBED_PAGE_SIZE = 10
EMBED_MAX_PAGE_SIZE = 30
EMBED_PARAMS = ("color", "site", "search", "limit", "lang")


# --- CSP for third-party images and videos -------------------------------------------------------------


def _origin(url: str) -> str | None:
    if url.startswith("/"):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme == "https" and parts.netloc else None


def allow_sources(response: HttpResponse, *, images: list[str] = (), video: Video | None = None) -> HttpResponse:
    """Add the origins of this page's images (img-src) and its video (frame-src / media-src) to the CSP of
    this response only. The site-wide policy stays 'self'."""
    update: dict[str, list[str]] = dict(getattr(response, "_csp_update", None) or {})
    origins = sorted({o for o in (_origin(u) for u in images) if o})
    if origins:
        update["img-src"] = [*update.get("img-src", []), *origins]
    if video is not None:
        if video.provider in FRAME_SOURCES:
            update["frame-src"] = ["'self'", FRAME_SOURCES[video.provider]]
        elif video.file_origin:
            update["media-src"] = ["'self'", video.file_origin]
    if update:
        response._csp_update = update  # type: ignore[attr-defined]
    return response


def _image_urls(cases) -> list[str]:
    return [img.url for c in cases for img in list(c.images.all())[:1]]


def case_video(case: Case) -> Video | None:
    return Video(case.video_provider, case.video_id) if case.video_provider and case.video_id else None


# --- The list and the case page ------------------------------------------------------------------------


def _remove_links(request: HttpRequest, query: CaseQuery, generation) -> list[dict]:
    """One link per selected filter value that removes it (the "chips" above the results)."""
    links = []
    for facet, values in query.filters.items():
        labels = facet_labels(facet, values, generation)
        for value in values:
            params = [(key, v) for key, values_of_key in request.GET.lists() for v in values_of_key
                      if key != "page" and not (key == facet and v == value)]
            links.append({"label": labels[value], "url": f"?{urlencode(params)}" if params else "?"})
    return links


@require_GET
# The case index's stamp (every published, changed or withdrawn case moves it) and the guides' version (the
# programme and task-area facet labels).
@public_page(generation_columns, guide_version_columns)
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases: Danish full-text search and facets with counts for every category."""
    query = CaseQuery.from_params(request.GET)
    result = case_search(query)
    context = {
        "query": query,
        "result": result,
        "page": result.page,
        "cases": result.cases,
        "facets": result.facets,
        "remove_links": _remove_links(request, query, result.generation),
        "feed_url": reverse("case_feed") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return allow_sources(render(request, "cases/case_list.html", context), images=_image_urls(result.cases))


@require_GET
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        case = selectors.public_case(slug)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    related = related_cases(case)
    video = case_video(case)
    images = list(case.images.all())
    context = {
        "case": case,
        "images": images,
        "video": video,
        "persons": [p for p in case.persons.all() if p.has_consent],
        "related": related,
        "canonical_url": request.build_absolute_uri(reverse("case_detail", args=[case.slug])),
        "og_image": _absolute(request, images[0].url) if images else "",
        "og_image_alt": images[0].alt_text if images else "",
    }
    response = render(request, "cases/case_detail.html", context)
    return allow_sources(response, images=[i.url for i in images] + _image_urls(related), video=video)


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url) if url.startswith("/") else url


# --- Embedding ---------------------------------------------------------------------------------------


def _embed_color(request: HttpRequest) -> str:
    color = parse_color(request.GET.get("color"))
    if color:
        return color
    site = selectors.embed_site_for_color(request.GET.get("site", ""))
    return site.color if site else DEFAULT_COLOR


@xframe_options_exempt
@require_GET
def case_embed(request: HttpRequest) -> HttpResponse:
    """The case list for an iframe on a partner's website: the filters in the address (e.g.
    ?municipality=787&partner=ucn) are fixed, the visitor may search within them. Framing is allowed for the
    registered partner websites only (CSP frame-ancestors)."""
    language = "en" if request.GET.get("lang") == "en" else None
    with translation.override(language or translation.get_language()):
        query = CaseQuery.from_params(request.GET)
        try:
            size = max(1, min(int(request.GET.get("limit") or EMBED_PAGE_SIZE), EMBED_MAX_PAGE_SIZE))
        except ValueError:
            size = EMBED_PAGE_SIZE
        result = case_search(query, page_size=size, facets=())
        fixed = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("q", "page")]
        color = _embed_color(request)
        context = {
            "result": result,
            "page": result.page,
            "cases": result.cases,
            "query": query,
            "fixed_params": fixed,
            "show_search": request.GET.get("search") != "0",
            "theme_url": reverse("case_embed_theme") + "?" + urlencode({"color": color}),
            "full_list_url": request.build_absolute_uri(reverse("case_list")) + (
                "?" + urlencode([(k, v) for k, v in fixed if k not in EMBED_PARAMS]) if fixed else ""),
            "embed_language": language or translation.get_language(),
            "absolute_base": request.build_absolute_uri("/")[:-1],
        }
        response = render(request, "cases/embed.html", context)
    response._csp_replace = {"frame-ancestors": ["'self'", *selectors.embed_origins()]}  # type: ignore[attr-defined]
    return allow_sources(response, images=_image_urls(result.cases))


@require_GET
@cache_control(public=True, max_age=86400)
def case_embed_theme(request: HttpRequest) -> HttpResponse:
    """The partner's colour as CSS custom properties (a same-origin stylesheet: the CSP allows no inline CSS)."""
    return HttpResponse(theme_css(request.GET.get("color") or DEFAULT_COLOR), content_type="text/css; charset=utf-8")


# --- The competence guides' case sections (loaded by htmx; the guide pages keep their own queries) ------

GUIDE_FACETS = ("programme", "task_area")


@require_GET
def case_guide_section(request: HttpRequest, facet: str, value: str) -> HttpResponse:
    if facet not in GUIDE_FACETS:
        raise Http404
    cases, total = cases_with(facet, value, limit=3)
    context = {"cases": cases, "total": total, "list_url": reverse("case_list") + "?" + urlencode({facet: value})}
    return allow_sources(render(request, "cases/_guide_cases_list.html", context), images=_image_urls(cases))


# --- RSS and sitemap ---------------------------------------------------------------------------------


class CaseFeed(Feed):
    """The newest published cases (RSS 2.0); the list page's filters apply, e.g. ?municipality=787."""

    def get_object(self, request, *args, **kwargs):
        return CaseQuery.from_params(request.GET)

    def title(self, obj):
        return _("Cases fra Vækst Via Viden")

    def description(self, obj):
        return _("Nordjyske virksomheder og højtuddannede, der har fundet hinanden.")

    def link(self, obj):
        return reverse("case_list")

    def items(self, obj):
        if obj is None or not obj.filters and not obj.q:
            return selectors.public_cases_for_feed()
        return case_search(CaseQuery(q=obj.q, filters=obj.filters), page_size=30, facets=()).cases

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return reverse("case_detail", args=[item.slug])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


case_feed = CaseFeed()


@require_GET
def case_sitemap(request: HttpRequest) -> HttpResponse:
    """The public pages of the case platform and the competence guides, for search engines."""
    base = request.build_absolute_uri("/")[:-1]
    entries = [(base + reverse("case_list"), None), (base + reverse("guide_index"), None)]
    entries += [(base + reverse("case_detail", args=[slug]), updated) for slug, updated in selectors.sitemap_cases()]
    entries += [(base + reverse("guide_programme", args=[slug]), updated)
                for slug, updated in StudyProgramme.objects.filter(active=True).values_list("slug", "updated_at")]
    entries += [(base + reverse("guide_task_area", args=[slug]), updated)
                for slug, updated in TaskArea.objects.values_list("slug", "updated_at")]
    return render(request, "cases/sitemap.xml", {"entries": entries}, content_type="application/xml; charset=utf-8")

