"""/api/cases: the published cases, read-only and public (no token), for partners' websites — with the same
Danish search and facets as the case list at /cases/. Browsers may call it from the partner websites
registered for embedding (CORS: Access-Control-Allow-Origin is set for those origins only). Only simple GET
requests are answered (no pre-flight needed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema

from viaviden.cases import selectors
from viaviden.cases.richtext import sanitise
from viaviden.cases.search import FACETS, MAX_PAGE_SIZE, PAGE_SIZE, CaseQuery, case_search
from viaviden.cases.views_public import case_video

from .schemas import ErrorOut

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {404: ErrorOut}


def allow_origin(request: HttpRequest, response: HttpResponse) -> None:
    """CORS for the registered partner websites only."""
    origin = request.headers.get("Origin", "")
    response["Vary"] = "Origin"
    if origin and origin in selectors.embed_origins():
        response["Access-Control-Allow-Origin"] = origin


class ImageOut(Schema):
    url: str = Field(..., description="https address, or a path on this site.")
    alt_text: str
    caption: str


class VideoOut(Schema):
    provider: str = Field(..., description="youtube, vimeo or file.")
    embed_url: str = Field(..., description="Privacy-friendly player (youtube-nocookie.com, Vimeo dnt=1).")
    watch_url: str


class Named(Schema):
    code: str
    name: str


class CaseOut(Schema):
    slug: str
    title: str
    summary: str
    kind: str = Field(..., description="article, one_pager, video or social.")
    company_name: str
    municipality: Named | None
    match_type: Named | None
    levels: list[str] = Field(..., description="KVU, MVU and/or LVU.")
    published_at: datetime
    image: ImageOut | None = Field(None, description="The first image.")
    url: str = Field(..., description="The case page.")

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.shown_company_name

    @staticmethod
    def resolve_municipality(obj):
        return {"code": obj.municipality_id, "name": obj.municipality.name} if obj.municipality_id else None

    @staticmethod
    def resolve_match_type(obj):
        return {"code": obj.match_type_id, "name": obj.match_type.label} if obj.match_type_id else None

    @staticmethod
    def resolve_levels(obj) -> list[str]:
        return sorted((lv.code for lv in obj.education_levels.all()), key=lambda c: "KML".find(c[0]))

    @staticmethod
    def resolve_image(obj):
        images = list(obj.images.all())
        return images[0] if images else None

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("case_detail", args=[obj.slug])


class CaseDetailOut(CaseOut):
    body_html: str = Field(..., description="Sanitised HTML.")
    source_url: str
    video: VideoOut | None
    video_transcript: str
    industry: Named | None
    size_class: Named | None
    programmes: list[Named] = Field(..., description="Programmes of the competence guide (code = slug).")
    education_text: str
    task_areas: list[Named] = Field(..., description="Task areas of the competence guide (code = slug).")
    benefits: list[str]
    benefit_text: str
    audiences: list[str]
    tags: list[str]
    partners: list[Named]
    images: list[ImageOut]
    persons: list[dict] = Field(..., description="People shown, with their consent: name and role.")

    @staticmethod
    def resolve_body_html(obj) -> str:
        return sanitise(obj.body)

    @staticmethod
    def resolve_video(obj):
        return case_video(obj)

    @staticmethod
    def resolve_industry(obj):
        return {"code": obj.industry_id, "name": obj.industry.label} if obj.industry_id else None

    @staticmethod
    def resolve_size_class(obj):
        return {"code": obj.size_class_id, "name": obj.size_class.label} if obj.size_class_id else None

    @staticmethod
    def resolve_programmes(obj):
        return [{"code": p.slug, "name": p.name_da} for p in obj.programmes.all()]

    @staticmethod
    def resolve_task_areas(obj):
        return [{"code": a.slug, "name": a.label} for a in obj.task_areas.all()]

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_partners(obj):
        return [{"code": o.slug, "name": o.name} for o in obj.partners.all()]

    @staticmethod
    def resolve_images(obj):
        return list(obj.images.all())

    @staticmethod
    def resolve_persons(obj):
        return [{"name": p.name, "role": p.role} for p in obj.persons.all() if p.has_consent]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    key: str
    label: str
    values: list[FacetValueOut]


class CaseListOut(Schema):
    count: int
    page: int
    pages: int
    items: list[CaseOut]
    facets: list[FacetOut] = Field(..., description="Counts of every category value for the result set.")
    corrections: dict[str, list[str]] = Field(..., description="Query words matched by similar words (typos).")


FACET_HELP = ", ".join(f.key for f in FACETS)


@router.get(
    "", response=CaseListOut, auth=None, url_name="case_api_list", summary="Search published cases",
    description=(
        "Query parameters: `q` (Danish words; inflections, compounds and small typos are found), `page`, "
        f"`page_size` (≤ {MAX_PAGE_SIZE}), and any of the facets {FACET_HELP} — repeat a parameter for several "
        "values, e.g. `?municipality=787&municipality=860&partner=ucn`. Values within a facet are OR-ed, facets "
        "are AND-ed."
    ),
)
def case_api_list(request: HttpRequest, response: HttpResponse):
    query = CaseQuery.from_params(request.GET)
    try:
        page_size = int(request.GET.get("page_size") or PAGE_SIZE)
    except ValueError:
        page_size = PAGE_SIZE
    result = case_search(query, page_size=page_size)
    allow_origin(request, response)
    return {
        "count": result.total,
        "page": result.page.number,
        "pages": result.page.paginator.num_pages,
        "items": result.cases,
        "facets": [{"key": f.key, "label": f.label, "values": [v.__dict__ for v in f.values]} for f in result.facets],
        "corrections": result.corrections,
    }


@router.get("/{slug}", response={200: CaseDetailOut, **ERRORS}, auth=None, url_name="case_api_detail",
            summary="A published case")
def case_api_detail(request: HttpRequest, slug: str, response: HttpResponse):
    case = selectors.public_case(slug)
    allow_origin(request, response)
    return case
