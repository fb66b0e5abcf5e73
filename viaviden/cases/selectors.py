"""Reads for the case platform: the public case page, the staff lists, the coordinators' coverage report
and the sites allowed to embed. Search and facets are in viaviden.cases.search."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as CaseWhen
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.candidates.models import StudyProgramme
from viaviden.core.errors import NotFound
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, Industry, MatchType, Municipality

from . import permissions as perms
from .models import Case, CaseImage, CasePerson, EmbedSite

# --- Public ----------------------------------------------------------------------------------------------


def _detail_queryset() -> QuerySet[Case]:
    return Case.objects.select_related(
        "municipality", "industry", "size_class", "match_type", "company", "owner_organisation"
    ).prefetch_related(
        "education_levels", "task_areas", "tags", "partners",
        Prefetch("programmes", queryset=_programmes()),
        Prefetch("images", queryset=CaseImage.objects.order_by("order", "id")),
        Prefetch("persons", queryset=CasePerson.objects.select_related("recorded_by").order_by("id")),
    )


def _programmes():
    return StudyProgramme.objects.select_related("level").order_by("name_da")


def public_case(slug: str) -> Case:
    """A published case with everything its page shows, or NotFound."""
    case = _detail_queryset().filter(slug=slug, status=Case.Status.PUBLISHED).first()
    if case is None:
        raise NotFound(_("Casen findes ikke, eller den er ikke offentliggjort."))
    return case


def public_cases_for_feed(*, limit: int = 30) -> list[Case]:
    return list(
        Case.objects.filter(status=Case.Status.PUBLISHED).select_related("municipality")
        .prefetch_related(Prefetch("images", queryset=CaseImage.objects.order_by("order", "id")))
        .order_by("-published_at", "-id")[:limit]
    )


def sitemap_cases() -> QuerySet:
    return Case.objects.filter(status=Case.Status.PUBLISHED).order_by("-published_at").values_list(
        "slug", "updated_at"
    )


# --- Staff --------------------------------------------------------------------------------------------


def staff_cases(user: User, *, status: str = "", mine: bool = False) -> QuerySet[Case]:
    """Cases a staff user may open: their organisation's (every status) and every published case;
    reviewers see all. Newest change first."""
    qs = Case.objects.select_related("owner_organisation", "municipality").prefetch_related("persons")
    if not perms.is_case_staff(user):
        return qs.none()
    own = Q(owner_organisation_id__in=partner_org_ids(user))
    if not perms.is_reviewer(user):
        qs = qs.filter(own | Q(status=Case.Status.PUBLISHED))
    if mine:
        qs = qs.filter(own)
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-id")


def access_case(user: User, pk: int) -> Case:
    """A case with everything its staff page shows, if the user may open it; otherwise NotFound (the same
    answer whether it does not exist or is someone else's draft)."""
    case = _detail_queryset().filter(pk=pk).first()
    if case is None or not perms.can_view_case(user, case):
        raise NotFound(_("Casen findes ikke, eller du har ikke adgang til den."))
    return case


def access_person(user: User, pk: int) -> CasePerson:
    person = CasePerson.objects.select_related("case", "case__owner_organisation").filter(pk=pk).first()
    if person is None or not perms.can_view_case(user, person.case):
        raise NotFound(_("Personen findes ikke, eller du har ikke adgang til casen."))
    return person


def review_queue_count() -> int:
    return Case.objects.filter(status=Case.Status.REVIEW).count()


# --- Coverage (coordinators) ---------------------------------------------------------------------------


COVERAGE_DIMENSIONS = (
    ("partner", gettext_lazy("Partnere")),
    ("municipality", gettext_lazy("Kommuner")),
    ("industry", gettext_lazy("Brancher")),
    ("match_type", gettext_lazy("Samarbejdsformer")),
    ("level", gettext_lazy("Uddannelsesniveauer")),
)


@dataclass
class CoverageRow:
    key: str
    label: str
    published: int = 0
    in_progress: int = 0

    @property
    def missing(self) -> bool:
        return self.published == 0


@dataclass
class CoverageTable:
    dimension: str
    label: str
    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def missing(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.missing]

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rows if not r.missing)


def coverage_partners() -> QuerySet[Organisation]:
    """The project partners the launch target counts (every one should have at least one case)."""
    return Organisation.objects.filter(
        parent__isnull=True, is_project_partner=True, active=True
    ).exclude(kind__in=[Organisation.Kind.SECRETARIAT, Organisation.Kind.POLITICAL_PARTNER]).order_by("name")


def coverage(*, as_of: dt.date | None = None) -> list[CoverageTable]:
    """Cases per partner, municipality, industry, match type and level: published, and in progress (draft or
    in review). Archived cases do not count. Rows with no published case are what is missing.

    With `as_of`: as at the end of that day: published means published on or before it (`published_at`), in
    progress means created by then and not yet published then. A case archived since is left out (no
    archiving date is kept), as in `partner_coverage`."""
    live = Case.objects.exclude(status=Case.Status.ARCHIVED)
    published = Q(status=Case.Status.PUBLISHED)
    if as_of is not None:
        end = dt.datetime.combine(as_of, dt.time.max, tzinfo=timezone.get_current_timezone())
        live = live.filter(created_at__lte=end)
        published &= Q(published_at__lte=end)
    live = live.annotate(is_published=CaseWhen(When(published, then=Value(True)), default=Value(False),
                                                output_field=BooleanField()))
    paths = {"partner": "partners__slug", "municipality": "municipality_id", "industry": "industry_id",
             "match_type": "match_type_id", "level": "education_levels__code"}
    counts: dict[str, dict[str, list[int]]] = {}
    for dimension, path in paths.items():
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        rows = live.filter(**{f"{path}__isnull": False}).values_list(path, "is_published").annotate(
            n=Count("id", distinct=True)).order_by()
        for key, is_published, n in rows:
            table[str(key)][0 if is_published else 1] += n
        counts[dimension] = table
    universes = {
        "partner": [(o.slug, o.name) for o in coverage_partners()],
        "municipality": list(Municipality.objects.filter(in_region=True).order_by("name").values_list("code", "name")),
        "industry": [(i.code, str(i)) for i in Industry.objects.order_by("code")],
        "match_type": [(mt.code, mt.label) for mt in MatchType.objects.order_by("order")],
        "level": [(lv.code, f"{lv.code} – {lv.label}") for lv in EducationLevel.objects.order_by("order")],
    }
    tables = []
    for dimension, label in COVERAGE_DIMENSIONS:
        table = CoverageTable(dimension, str(label))
        for key, name in universes[dimension]:
            published, in_progress = counts[dimension].get(str(key), [0, 0])
            table.rows.append(CoverageRow(str(key), name, published, in_progress))
        tables.append(table)
    return tables


# --- Embedding -----------------------------------------------------------------------------------------


def embed_origins() -> list[str]:
    """Origins allowed to frame the embed view and to read the case API from the browser."""
    return list(EmbedSite.objects.filter(active=True).order_by("origin").values_list("origin", flat=True))


def embed_sites_for(user: User) -> QuerySet[EmbedSite]:
    qs = EmbedSite.objects.select_related("organisation").order_by("organisation__name", "origin")
    if perms.is_reviewer(user):
        return qs
    return qs.filter(organisation_id__in=partner_org_ids(user))


def embed_site_for_color(key: str) -> EmbedSite | None:
    if not key.isdigit():
        return None
    return EmbedSite.objects.filter(pk=int(key), active=True).first()


def partner_coverage(*, as_of: dt.date, only: str | None = None) -> dict[str, int]:
    """The launch target's figure: project partners (coverage_partners) with at least one case published on
    or before `as_of` and still not archived, out of all of them (`only`: of the partner with that slug).
    Two queries."""
    end = dt.datetime.combine(as_of, dt.time.max, tzinfo=timezone.get_current_timezone())
    partners = list(coverage_partners().values_list("slug", flat=True))
    if only is not None:
        partners = [p for p in partners if p == only]
    # order_by(): without it the DISTINCT also takes the case's default ordering columns, and every case
    # comes back (20,000 rows for the 16 partners: a third of the dashboard's time at 20,000 cases).
    covered = set(
        Case.objects.filter(status=Case.Status.PUBLISHED, published_at__lte=end, partners__slug__in=partners)
        .order_by().values_list("partners__slug", flat=True).distinct()
    )
    return {"covered": len(covered), "partners": len(partners)}
