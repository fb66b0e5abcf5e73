"""Helpers for the needs tests (no tests here): needs are made through the service, so the answer
promise and the first history step are always right.

    make_need()                                   # Jobcenter Thisted, student internship, company in Thisted
    make_need(match_types=("ordinary_job",))      # a job-only need: no answer deadline
"""

from __future__ import annotations

from viaviden.companies.models import Company, Need
from viaviden.companies.need_services import need_create
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def make_need(
    *,
    organisation: str | Organisation = "jobcenter-thisted",
    company: Company | None = None,
    match_types: tuple[str, ...] = ("student_internship",),
    levels: tuple[str, ...] = (),
    user: User | None = None,
    **fields,
) -> Need:
    owner_org = organisation if isinstance(organisation, Organisation) else org(organisation)
    return need_create(
        user=user,
        company=company or CompanyFactory(),
        owner_organisation=owner_org,
        tasks=fields.pop("tasks", "Markedsføring på sociale medier"),
        title=fields.pop("title", "Studiepraktikant til markedsføring"),
        match_types=list(MatchType.objects.filter(code__in=match_types)),
        education_levels=list(EducationLevel.objects.filter(code__in=levels)),
        **fields,
    )
