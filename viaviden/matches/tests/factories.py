"""Test data for the match registry. Matches are made through `services.match_register`, so the stored
derived fields (partner, target part, outside-Aalborg flag, project year, half-year) are always right.

    make_match()                                          # Jobcenter Hjørring, ordinary job, Thisted
    make_match(organisation="aau", municipality="851", match_type="student_job", level="LVU")
    make_match(status="verified")  /  make_match(status="rejected")
"""

from __future__ import annotations

import datetime as dt
import itertools

import factory

from viaviden.companies.cvr import check_digit
from viaviden.companies.models import Company
from viaviden.matches.models import Match
from viaviden.matches.services import MatchData, match_register
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

_cvr_seq = itertools.count(1)


def next_cvr() -> str:
    """A fresh valid CVR number (modulus 11) that no test has used yet."""
    while True:
        first7 = f"{3000000 + next(_cvr_seq):07d}"
        digit = check_digit(first7)
        if digit is not None:
            return f"{first7}{digit}"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    cvr = factory.LazyFunction(next_cvr)
    name = factory.Sequence(lambda n: f"Syntetisk Virksomhed {n} ApS")
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="787"))
    is_synthetic = True


def _get(model, value, field="pk"):
    return value if isinstance(value, model) else model.objects.get(**{field: value})


def make_match(
    *,
    organisation: Organisation | str = "jobcenter-hjoerring",
    company: Company | None = None,
    municipality: Municipality | str | None = None,
    match_type: MatchType | str = "ordinary_job",
    level: str = "KVU",
    start_date: dt.date = dt.date(2021, 3, 1),
    status: str = Match.Status.REGISTERED,
    user: User | None = None,
    is_synthetic: bool = False,
    **data_overrides,
) -> Match:
    """Register one match through the service (no duplicate merge unless `person_identifier` repeats).

    `organisation` is an Organisation or a slug; `municipality` (code or object) is the company's workplace
    municipality when no `company` is given (default Thisted, 787); `status` "verified"/"rejected" is set
    the way a lead would after registration. Other keyword arguments go to MatchData."""
    org = _get(Organisation, organisation, "slug")
    if company is None:
        muni = _get(Municipality, municipality or "787")
        company = CompanyFactory(municipality=muni, is_synthetic=is_synthetic)
    data = MatchData(
        company=company,
        match_type=_get(MatchType, match_type),
        start_date=start_date,
        education_level=EducationLevel.objects.get(pk=level),
        municipality=_get(Municipality, municipality) if municipality is not None else None,
        education=data_overrides.pop("education", "Datamatiker"),
        institution=data_overrides.pop("institution", "UCN"),
        **data_overrides,
    )
    match = match_register(user=user, organisation=org, data=data, is_synthetic=is_synthetic).match
    if status != Match.Status.REGISTERED:
        # The lead's decision; set directly so factories need no lead user (the services are tested elsewhere).
        fields = {"status": status}
        if status == Match.Status.REJECTED:
            fields["rejection_reason"] = "Syntetisk afvisning"
        Match.objects.filter(pk=match.pk).update(**fields)
        match.refresh_from_db()
    return match
