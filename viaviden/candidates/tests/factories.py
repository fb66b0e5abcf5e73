"""Test data for candidate profiles. Synthetic people only.

    make_candidate()                                            # self-registered, no consents
    make_candidate(consents=["matching", "sharing"])            # active consents for these purposes
    make_candidate(organisation="jobcenter-hjoerring", consents=["matching"])   # created by a partner
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from django.test import Client

from viaviden.candidates.models import Candidate, Consent, StudyProgramme
from viaviden.candidates.selfservice_auth import SESSION_KEY
from viaviden.organisations.models import Organisation
from viaviden.reference.models import MatchType, Municipality

_seq = itertools.count(1)


def make_candidate(
    *,
    name: str | None = None,
    email: str | None = None,
    organisation: Organisation | str | None = None,
    consents: Iterable[str] = (),
    programme: str | None = "datamatiker-ucn",
    municipality: str | None = "851",
    match_types: Iterable[str] = ("student_job",),
    **fields,
) -> Candidate:
    n = next(_seq)
    if isinstance(organisation, str):
        organisation = Organisation.objects.get(slug=organisation)
    prog = StudyProgramme.objects.get(slug=programme) if programme else None
    candidate = Candidate.objects.create(
        name=name or f"Syntetisk Kandidat {n}",
        email=email or f"kandidat{n}@example.dk",
        phone=fields.pop("phone", f"+45 20 00 {n:04d}"[:30]),
        programme=prog,
        level=prog.level if prog else fields.pop("level", None),
        competences=fields.pop("competences", "Python, databaser og netværk"),
        experience=fields.pop("experience", "Studiejob som IT-supporter hos Syntetisk ApS"),
        home_municipality=Municipality.objects.get(code=municipality) if municipality else None,
        organisation=organisation,
        created_via=Candidate.CreatedVia.PARTNER if organisation else Candidate.CreatedVia.SELF,
        is_synthetic=True,
        **fields,
    )
    candidate.match_types.set(MatchType.objects.filter(code__in=list(match_types)))
    for purpose in consents:
        Consent.objects.create(candidate=candidate, purpose=purpose, method="selvbetjening")
    return candidate


def candidate_client(candidate: Candidate) -> Client:
    """A client with a candidate self-service session (as after following a login link)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = candidate.pk
    session.save()
    return client
