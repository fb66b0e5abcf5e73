"""Helpers for the matching tests: candidates made through the candidate services, needs through the need
services, and a fresh matching index per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest

from viaviden.candidates.matching_index import matching_index_reset
from viaviden.candidates.models import Candidate, StudyProgramme
from viaviden.candidates.services import candidate_create_by_partner, candidate_register_self, register_token
from viaviden.companies.models import Need
from viaviden.companies.tests.test_needs_support import make_need
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import User
from viaviden.reference.models import MatchType, Municipality

AALBORG, THISTED, HJOERRING = "851", "787", "860"
SUPPORT_NEED = (
    "Vi mangler en til den daglige IT-support: hjælpe medarbejderne med pc'er, printere og netværk og holde "
    "styr på opdateringer"
)
SUPPORT_TEXT = "Erfaring med IT-support og netværk fra studiejob"
MARKETING_TEXT = "Markedsføring på sociale medier, kampagner og indhold til Instagram og Facebook"

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_matching_index():
    """Every test starts without an index in this process (and leaves none behind)."""
    matching_index_reset()
    yield
    matching_index_reset()


def register_student(
    *,
    programme: str | None = "datamatiker-ucn",
    home: str = AALBORG,
    max_travel: int | None = 90,
    competences: str = SUPPORT_TEXT,
    consents: Iterable[str] = ("matching",),
    match_types: Iterable[str] = (),
    name: str | None = None,
    **data,
) -> Candidate:
    """A student who registered themself (self-service) with the given consents."""
    n = next(_seq)
    email = data.pop("email", f"studerende{n}@example.org")
    fields = {
        "name": name or f"Studerende {n}",
        "programme": StudyProgramme.objects.get(slug=programme) if programme else None,
        "home_municipality": Municipality.objects.get(code=home),
        "max_travel_minutes": max_travel,
        "competences": competences,
        "match_types": list(MatchType.objects.filter(code__in=match_types)),
        **data,
    }
    if programme is None:
        fields.setdefault("education_text", "Cand.merc.")
        fields.setdefault("level", "LVU")
    if isinstance(fields.get("level"), str):
        from viaviden.reference.models import EducationLevel

        fields["level"] = EducationLevel.objects.get(code=fields["level"])
    return candidate_register_self(token=register_token(email), data=fields, consents=list(consents))


def partner_candidate(user: User, *, consents: Iterable[str] = ("matching",), **data) -> Candidate:
    """A candidate a partner created with the person's consent (belongs to the user's organisation)."""
    n = next(_seq)
    fields = {
        "email": f"partnerkandidat{n}@example.org",
        "name": f"Partnerkandidat {n}",
        "programme": StudyProgramme.objects.get(slug=data.pop("programme", "datamatiker-ucn")),
        "home_municipality": Municipality.objects.get(code=data.pop("home", AALBORG)),
        "max_travel_minutes": data.pop("max_travel", 90),
        "competences": data.pop("competences", SUPPORT_TEXT),
        **data,
    }
    return candidate_create_by_partner(user=user, data=fields, consents=list(consents), consent_method="skriftligt")


def support_need(*, place: str = THISTED, organisation: str = "jobcenter-thisted", **fields) -> Need:
    """An operational IT-support need of a company in `place`, any level, any match type."""
    company = CompanyFactory(municipality=Municipality.objects.get(code=place))
    fields.setdefault("match_types", ())
    return make_need(organisation=organisation, company=company, tasks=SUPPORT_NEED, title="IT-support", **fields)
