"""/api/guides: the competence guides (kompetenceguiden), read-only and public — no token needed, as the
web pages under /kompetenceguide/ are public. Reads go through candidates.guide_selectors, as the pages do.
Texts (names, competences, tasks, keywords) are Danish."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from viaviden.candidates import guide_selectors as selectors

from .pagination import PageNumberPagination
from .schemas import ErrorOut

router = Router(tags=["competence guides"])

ERRORS: dict[int, Any] = {404: ErrorOut}


class TaskAreaRef(Schema):
    slug: str
    name: str


class ProgrammeFitOut(Schema):
    task_area: TaskAreaRef
    weight: float = Field(..., description="How well the programme fits the task area: 0 < weight ≤ 1.")
    fit: str = Field(..., description="The weight's band: strong (≥ 0.7), good (≥ 0.4) or partial.")
    fit_text: str = Field(..., examples=["passer rigtig godt"])

    @staticmethod
    def resolve_task_area(obj) -> dict:
        return {"slug": obj.task_area.slug, "name": obj.task_area.label}

    @staticmethod
    def resolve_fit(obj) -> str:
        return obj.key

    @staticmethod
    def resolve_fit_text(obj) -> str:
        return str(obj.label)


class ProgrammeOut(Schema):
    slug: str
    name: str = Field(..., examples=["Datamatiker"])
    institution: str = Field(..., examples=["UCN"])
    institution_name: str
    level: str = Field(..., description="Education level code: KVU, MVU or LVU.")
    degree: str
    area: str = Field(..., description="Faculty or area.")
    cities: list[str]
    ects: int | None
    competences: list[str] = Field(..., description="What a graduate can do, in plain Danish.")
    typical_tasks: list[str]
    task_areas: list[ProgrammeFitOut] = Field(..., description="Strongest fit first.")
    source_url: str
    source_year: int | None
    url: str = Field(..., description="The public page of the guide.")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_da

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return selectors.institution_name(obj.institution)

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.level_id

    @staticmethod
    def resolve_degree(obj) -> str:
        return obj.degree_da

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area_da

    @staticmethod
    def resolve_competences(obj) -> list[str]:
        return list(obj.competences_da)

    @staticmethod
    def resolve_typical_tasks(obj) -> list[str]:
        return list(obj.typical_tasks_da)

    @staticmethod
    def resolve_task_areas(obj) -> list:
        return obj.fits

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("guide_programme", args=[obj.slug])


class ProgrammeFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Words in the name, competences or typical tasks.")
    institution: str | None = Field(None, description="Institution code, e.g. UCN.")
    level: str | None = Field(None, description="KVU, MVU or LVU.")
    task_area: str | None = Field(None, description="Slug of a task area the programme fits.")


class TaskAreaOut(Schema):
    slug: str
    name: str = Field(..., examples=["IT-drift og support"])
    description: str
    keywords: list[str]
    programme_count: int
    url: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.label

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.description_da

    @staticmethod
    def resolve_keywords(obj) -> list[str]:
        return list(obj.keywords_da)

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("guide_task_area", args=[obj.slug])


class TaskAreaFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Words in the name, description or keywords.")


class FittingProgrammeOut(Schema):
    slug: str
    name: str
    institution: str
    cities: list[str]
    weight: float
    fit: str
    fit_text: str
    url: str

    @staticmethod
    def resolve_slug(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.programme.name_da

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.programme.institution

    @staticmethod
    def resolve_cities(obj) -> list[str]:
        return list(obj.programme.cities)

    @staticmethod
    def resolve_fit(obj) -> str:
        return obj.key

    @staticmethod
    def resolve_fit_text(obj) -> str:
        return str(obj.label)

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("guide_programme", args=[obj.programme.slug])


class LevelFitsOut(Schema):
    level: str = Field(..., description="KVU, MVU or LVU.")
    level_name: str
    explanation: str
    programmes: list[FittingProgrammeOut] = Field(..., description="Strongest fit first.")

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.level.code

    @staticmethod
    def resolve_level_name(obj) -> str:
        return obj.level.label

    @staticmethod
    def resolve_programmes(obj) -> list:
        return obj.items


class TaskAreaDetailOut(Schema):
    slug: str
    name: str
    description: str
    keywords: list[str]
    levels: list[LevelFitsOut] = Field(..., description="Always KVU, MVU and LVU, also when a level has none.")
    url: str

    @staticmethod
    def resolve_slug(obj) -> str:
        return obj.area.slug

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.area.label

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.area.description_da

    @staticmethod
    def resolve_keywords(obj) -> list[str]:
        return list(obj.area.keywords_da)

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("guide_task_area", args=[obj.area.slug])


@router.get("/programmes", response=list[ProgrammeOut], auth=None, summary="List programmes and their guides")
@paginate(PageNumberPagination)
def programme_list(request: HttpRequest, filters: ProgrammeFilter = Query(...)):  # noqa: B008
    """Active programmes in catalogue order (institution, level, name), filtered."""
    params = {k: v or "" for k, v in filters.dict().items()}
    return selectors.programme_search(**params, with_fits=True)


@router.get("/programmes/{slug}", response={200: ProgrammeOut, **ERRORS}, auth=None,
            summary="What can a graduate of the programme do?")
def programme_detail(request: HttpRequest, slug: str):
    return selectors.programme_detail(slug)


@router.get("/task-areas", response=list[TaskAreaOut], auth=None, summary="List task areas")
@paginate(PageNumberPagination)
def task_area_list(request: HttpRequest, filters: TaskAreaFilter = Query(...)):  # noqa: B008
    return selectors.task_area_search(q=filters.q or "")


@router.get("/task-areas/{slug}", response={200: TaskAreaDetailOut, **ERRORS}, auth=None,
            summary="Who can solve tasks in the area? Programmes by level")
def task_area_detail(request: HttpRequest, slug: str):
    return selectors.task_area_detail(slug)
