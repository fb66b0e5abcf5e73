"""Test data for the case platform, made through the real services (so the search index is always right).

    make_case()                                       # a UCN draft about a markedsføringsøkonom in Thisted
    make_case(publish=True)                           # … submitted by UCN and published by a coordinator
    make_case(persons=[("Syntetisk Person", True)])   # a person shown, with (True) or without consent
"""

from __future__ import annotations

from viaviden.candidates.models import StudyProgramme, TaskArea
from viaviden.cases.models import Case
from viaviden.cases.services import (
    CaseData,
    ImageData,
    case_create,
    case_person_add,
    case_publish,
    case_submit,
)
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import Industry, MatchType, Municipality, SizeClass


def staff(organisation: str = "ucn", role: str = User.Role.PARTNER_STAFF) -> User:
    return UserFactory(organisation=organisation, role=role)


def coordinator() -> User:
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


def case_data(**overrides) -> CaseData:
    """A complete, publishable case; lists and references may be given as codes or slugs."""
    values = {
        "title": "Markedsføringsøkonom giver smedjen nye kunder",
        "summary": "En nyuddannet markedsføringsøkonom fra UCN fik Thy Smedie på de sociale medier.",
        "body": ("Thy Smedie havde aldrig ansat en akademiker.\n\n"
                 "Med en studiepraktikant kom der styr på markedsføringen."),
        "kind": Case.Kind.ARTICLE,
        "municipality": "787",
        "industry": "C",
        "size_class": "small",
        "match_type": "student_internship",
        "programmes": ["markedsfoeringsoekonom-ucn"],
        "task_areas": ["markedsfoering", "sociale-medier"],
        "benefits": [Case.Benefit.GROWTH],
        "audiences": [Case.Audience.COMPANIES, Case.Audience.STUDENTS],
        "tags": ["sociale medier"],
        "company_name": "Syntetisk Thy Smedie ApS",
    }
    values.update(overrides)
    refs = {"municipality": Municipality, "industry": Industry, "size_class": SizeClass, "match_type": MatchType}
    for name, model in refs.items():
        if isinstance(values.get(name), str):
            values[name] = model.objects.get(pk=values[name])
    values["programmes"] = [p if isinstance(p, StudyProgramme) else StudyProgramme.objects.get(slug=p)
                            for p in values.get("programmes", [])]
    values["task_areas"] = [a if isinstance(a, TaskArea) else TaskArea.objects.get(slug=a)
                            for a in values.get("task_areas", [])]
    values["partners"] = [o if isinstance(o, Organisation) else Organisation.objects.get(slug=o)
                          for o in values.get("partners", [])]
    values["images"] = [i if isinstance(i, ImageData) else ImageData(*i) for i in values.get("images", [])]
    return CaseData(**values)


def make_case(*, organisation: str = "ucn", publish: bool = False, persons=(), author: User | None = None,
              reviewer: User | None = None, **overrides) -> Case:
    author = author or staff(organisation)
    case = case_create(user=author, data=case_data(**overrides))
    for name, consent in persons:
        case_person_add(user=author, case=case, name=name, role="Dimittend",
                        consent_method="written" if consent else "")
    if publish:
        case = case_submit(user=author, case=case, version=case.version)
        case = case_publish(user=reviewer or coordinator(), case=case, version=case.version, persons_confirmed=True)
    return Case.objects.get(pk=case.pk)
