"""Reads for the competence guides (kompetenceguiden, SPEC 3.3): the programme catalogue grouped by
institution and level, what a graduate of a programme can do, and which programmes — on all three levels —
fit a task area a company asks about. Public: nothing here is personal data.

Text search is done in Python on the fetched rows: the catalogue is small (about a hundred programmes and a
few dozen task areas; a few thousand in a national rollout is still cheap), and it gives the same, correct
answer on both databases — SQLite's LIKE only folds ASCII letters (Æ/æ) and stores JSON lists with æøå
escaped, so `icontains` would miss "netværk" there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import NotFound
from viaviden.reference.models import EducationLevel

from .models import ProgrammeTaskArea, StudyProgramme, TaskArea, VocabularyEntry

LEVEL_CODES = ("KVU", "MVU", "LVU")

# The levels in plain Danish, for companies that do not know the abbreviations.
LEVEL_EXPLANATIONS = {
    "KVU": gettext_lazy(
        "En erhvervsakademiuddannelse på 2–2½ år med praktik i en virksomhed. "
        "Praktisk og anvendelsesorienteret – kan hurtigt gå i gang med konkrete opgaver i driften."
    ),
    "MVU": gettext_lazy(
        "En professionsbachelor, universitetsbachelor, diplomingeniør eller "
        "maskinmester på 3–4½ år. Kombinerer teori og praksis og kan selv planlægge, udvikle og forbedre "
        "opgaver."
    ),
    "LVU": gettext_lazy(
        "En kandidat fra universitetet, i alt cirka 5 år. Kan analysere "
        "komplekse problemer, bruge forskningsbaseret viden og drive større udviklingsprojekter."
    ),
}

# Proper names of the institutions behind the short codes in the data.
INSTITUTION_NAMES = {
    "AAU": "Aalborg Universitet (AAU)",
    "UCN": "University College Nordjylland (UCN)",
    "MARTEC": "MARTEC – Maritime and Polytechnic University College",
}

# Weight bands, as the data's README describes them: 0.7–1.0 core or main strength, 0.4–0.6 a real but
# secondary competence, below that some competence.
FIT_BANDS = (
    (0.7, "strong", gettext_lazy("passer rigtig godt")),
    (0.4, "good", gettext_lazy("passer godt")),
    (0.0, "partial", gettext_lazy("passer delvist")),
)


def fit_key(weight: float) -> str:
    """A stable key for a weight band: strong / good / partial."""
    return next(key for floor, key, _label in FIT_BANDS if weight >= floor)


def fit_label(weight: float) -> str:
    """The fit in words, e.g. 'passer rigtig godt'."""
    return str(next(label for floor, _key, label in FIT_BANDS if weight >= floor))


def institution_name(code: str) -> str:
    return INSTITUTION_NAMES.get(code, code)


def level_explanation(code: str) -> str:
    text = LEVEL_EXPLANATIONS.get(code)
    return str(text) if text is not None else ""


# --- Text search -------------------------------------------------------------------------------------


def _words(q: str) -> list[str]:
    return [w for w in q.casefold().split() if w]


def _matches(words: list[str], texts: Iterable[str]) -> bool:
    """Every word of the query occurs somewhere in the texts (case-insensitive, æøå included)."""
    haystack = "\n".join(t for t in texts if t).casefold()
    return all(w in haystack for w in words)


def _programme_texts(p: StudyProgramme) -> list[str]:
    return [p.name_da, p.degree_da, p.area_da, p.institution, *p.competences_da, *p.typical_tasks_da]


def _task_area_texts(a: TaskArea) -> list[str]:
    return [a.name_da, a.description_da, *a.keywords_da]


# --- Programmes --------------------------------------------------------------------------------------


def programmes_base(*, include_inactive: bool = False) -> QuerySet[StudyProgramme]:
    """Programmes with their level, in catalogue order (institution, level, name)."""
    qs = StudyProgramme.objects.select_related("level")
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("institution", "level__order", "name_da", "pk")


def _fits_prefetch() -> Prefetch:
    fits = ProgrammeTaskArea.objects.select_related("task_area").order_by("-weight", "task_area__name_da")
    return Prefetch("area_fits", queryset=fits, to_attr="fits")


def _label_fits(fits: Iterable[ProgrammeTaskArea]) -> None:
    for fit in fits:
        fit.label = fit_label(fit.weight)
        fit.key = fit_key(fit.weight)


def programme_search(
    *, q: str = "", institution: str = "", level: str = "", task_area: str = "", include_inactive: bool = False,
    with_fits: bool = False,
) -> list[StudyProgramme]:
    """Programmes filtered by institution, level and task area (one that carries it), and by the words of
    `q` in their name, degree, area, competences and typical tasks. `with_fits` adds each programme's task
    areas as `fits` (strongest first, one query for all)."""
    qs = programmes_base(include_inactive=include_inactive)
    if with_fits:
        qs = qs.prefetch_related(_fits_prefetch())
    if institution:
        qs = qs.filter(institution=institution)
    if level:
        qs = qs.filter(level_id=level)
    if task_area:
        qs = qs.filter(area_fits__task_area__slug=task_area)
    words = _words(q)
    found = [p for p in qs if _matches(words, _programme_texts(p))]
    if with_fits:
        for p in found:
            _label_fits(p.fits)
    return found


@dataclass
class LevelGroup:
    level: EducationLevel
    items: list = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return level_explanation(self.level.code)


@dataclass
class InstitutionGroup:
    code: str
    name: str
    levels: list[LevelGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.levels)


def programmes_grouped(programmes: Iterable[StudyProgramme]) -> list[InstitutionGroup]:
    """Programmes (in catalogue order) grouped by institution, then level; empty levels are left out."""
    groups: dict[str, InstitutionGroup] = {}
    for p in programmes:
        group = groups.setdefault(p.institution, InstitutionGroup(p.institution, institution_name(p.institution)))
        if not group.levels or group.levels[-1].level.pk != p.level_id:
            group.levels.append(LevelGroup(p.level))
        group.levels[-1].items.append(p)
    return list(groups.values())


def institution_choices() -> list[tuple[str, str]]:
    """(code, name) of the institutions with active programmes, for the filter."""
    active = StudyProgramme.objects.filter(active=True).order_by("institution")
    codes = active.values_list("institution", flat=True).distinct()
    return sorted(((c, institution_name(c)) for c in codes), key=lambda pair: pair[1])


def education_levels() -> list[EducationLevel]:
    return list(EducationLevel.objects.filter(code__in=LEVEL_CODES).order_by("order"))


def programme_detail(slug: str, *, include_inactive: bool = False) -> StudyProgramme:
    """A programme with its task areas (`fits`, strongest first), or NotFound."""
    programme = (
        programmes_base(include_inactive=include_inactive).prefetch_related(_fits_prefetch()).filter(slug=slug).first()
    )
    if programme is None:
        raise NotFound(_("Uddannelsen findes ikke i kompetenceguiden."), code="programme_not_found")
    _label_fits(programme.fits)
    return programme


# --- Task areas --------------------------------------------------------------------------------------


def task_areas_base() -> QuerySet[TaskArea]:
    """Task areas by name, each with `programme_count` (active programmes that fit it)."""
    return TaskArea.objects.annotate(
        programme_count=Count("programme_fits", filter=Q(programme_fits__programme__active=True))
    ).order_by("name_da", "pk")


def filter_task_areas(areas: Iterable[TaskArea], *, q: str = "") -> list[TaskArea]:
    """The task areas whose name, description or keywords hold every word of `q`."""
    words = _words(q)
    return [a for a in areas if _matches(words, _task_area_texts(a))]


def task_area_search(*, q: str = "") -> list[TaskArea]:
    return filter_task_areas(task_areas_base(), q=q)


def task_area_by_slug(slug: str) -> TaskArea:
    area = TaskArea.objects.filter(slug=slug).first()
    if area is None:
        raise NotFound(_("Opgaveområdet findes ikke i kompetenceguiden."), code="task_area_not_found")
    return area


@dataclass
class TaskAreaGuide:
    area: TaskArea
    levels: list[LevelGroup]  # always KVU, MVU and LVU, each with its fits (strongest first)

    @property
    def programme_count(self) -> int:
        return sum(len(g.items) for g in self.levels)


def task_area_detail(slug: str) -> TaskAreaGuide:
    """Who can solve tasks in an area: the active programmes that fit it, on each of the three levels
    (all three shown, also when a level has none), strongest fit first; or NotFound."""
    area = task_area_by_slug(slug)
    fits = (
        ProgrammeTaskArea.objects.filter(task_area=area, programme__active=True)
        .select_related("programme", "programme__level")
        .order_by("-weight", "programme__name_da", "programme__institution")
    )
    levels = {lv.code: LevelGroup(lv) for lv in education_levels()}
    fits = list(fits)
    _label_fits(fits)
    for fit in fits:
        group = levels.get(fit.programme.level_id)
        if group is not None:
            group.items.append(fit)
    return TaskAreaGuide(area=area, levels=list(levels.values()))


def task_areas_all() -> list[TaskArea]:
    """Every task area (for the coordinators' fit table)."""
    return list(TaskArea.objects.order_by("name_da", "pk"))


def vocabulary_entries(*, q: str = "") -> list[VocabularyEntry]:
    """The vocabulary, by key; with `q`, the entries with a term containing every word of it."""
    entries = list(VocabularyEntry.objects.order_by("kind", "key"))
    words = _words(q)
    if words:
        entries = [e for e in entries if _matches(words, e.terms_da)]
    return entries


def task_area_names() -> dict[str, str]:
    """Task-area slug → name in the active language."""
    return {a.slug: a.label for a in TaskArea.objects.only("slug", "name_da", "name_en")}


def programme_names() -> dict[str, str]:
    return dict(StudyProgramme.objects.values_list("slug", "name_da"))


def guide_version_columns() -> list[str]:
    """SQL scalar expressions whose values change whenever the competence guides do (programmes, task areas,
    their fits, the vocabulary): counts, last changes and id/weight sums of the four small tables. The public
    guide pages (and the case list's facet labels) are cached under them (core.pagecache), read in the page's
    one version query."""

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    # Table names come from the models, never from input.
    parts = [f"(SELECT {f} FROM {table(m)})" for m in (StudyProgramme, TaskArea, VocabularyEntry)  # noqa: S608
             for f in ("COUNT(*)", "MAX(updated_at)")]
    parts += [f"(SELECT {f} FROM {table(ProgrammeTaskArea)})" for f in ("COUNT(*)", "SUM(id)", "SUM(weight)")]  # noqa: S608
    return parts
