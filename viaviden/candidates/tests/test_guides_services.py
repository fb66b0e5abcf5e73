"""Editing the competence guides: programme guide, task area and a programme's task-area weights. Each edit
is for coordinators only, validated, audit-logged, refused when stale, and kept by the reference loader."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from viaviden.candidates.guide_services import (
    fits_fingerprint,
    programme_fingerprint,
    programme_fit_set,
    programme_update,
    split_lines,
    task_area_fingerprint,
    task_area_update,
)
from viaviden.candidates.models import ProgrammeTaskArea, StudyProgramme, TaskArea
from viaviden.core.audit import acting_as
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.models import User
from viaviden.reference.loader import load_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(user_factory):
    return user_factory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def datamatiker():
    return StudyProgramme.objects.get(slug="datamatiker-ucn")


@pytest.fixture
def it_drift():
    return TaskArea.objects.get(slug="it-drift")


def programme_kwargs(p: StudyProgramme, **overrides) -> dict:
    data = {
        "name_da": p.name_da, "institution": p.institution, "level": p.level, "degree_da": p.degree_da,
        "area_da": p.area_da, "cities": list(p.cities), "ects": p.ects, "competences_da": list(p.competences_da),
        "typical_tasks_da": list(p.typical_tasks_da), "source_url": p.source_url, "source_year": p.source_year,
        "active": p.active, "fingerprint": programme_fingerprint(p),
    }
    data.update(overrides)
    return data


def fits_of(p: StudyProgramme) -> dict[str, float]:
    return dict(ProgrammeTaskArea.objects.filter(programme=p).values_list("task_area__slug", "weight"))


# --- programme_update --------------------------------------------------------------------------------


def test_programme_update_saves_cleaned_lists_and_marks_the_guide_edited(coordinator, datamatiker):
    with acting_as(coordinator):
        programme_update(
            user=coordinator, programme=datamatiker,
            **programme_kwargs(
                datamatiker, competences_da=["  kan programmere   i C#  ", "", "kan programmere i c#", "kan teste"],
                typical_tasks_da=["udvikle apps"], cities=["Aalborg", "Hjørring"], ects=150,
            ),
        )

    saved = StudyProgramme.objects.get(pk=datamatiker.pk)
    assert saved.competences_da == ["kan programmere i C#", "kan teste"]
    assert saved.typical_tasks_da == ["udvikle apps"]
    assert saved.cities == ["Aalborg", "Hjørring"]
    assert saved.edited_in_ui is True
    entry = LogEntry.objects.get_for_object(saved).order_by("-pk").first()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == coordinator
    assert "competences_da" in entry.changes_dict and "edited_in_ui" in entry.changes_dict


def test_programme_edit_survives_reloading_the_reference_data(coordinator, datamatiker):
    programme_update(user=coordinator, programme=datamatiker,
                     **programme_kwargs(datamatiker, name_da="Datamatiker (AK)", typical_tasks_da=["drive IT"]))

    load_reference_data()

    saved = StudyProgramme.objects.get(pk=datamatiker.pk)
    assert (saved.name_da, saved.typical_tasks_da) == ("Datamatiker (AK)", ["drive IT"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"competences_da": ["", "   "]}, "competences_da"),
        ({"typical_tasks_da": []}, "typical_tasks_da"),
        ({"competences_da": ["x" * 301]}, "competences_da"),
        ({"competences_da": [f"kompetence {i}" for i in range(31)]}, "competences_da"),
        ({"name_da": "   "}, "name_da"),
        ({"level": "XVU"}, "level"),
        ({"ects": 0}, "ects"),
        ({"source_year": 1850}, "source_year"),
        ({"source_url": "ikke et link"}, "source_url"),
    ],
)
def test_programme_update_rejects_bad_input_and_saves_nothing(coordinator, datamatiker, overrides, field):
    before = programme_fingerprint(datamatiker)
    log_count = LogEntry.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        programme_update(user=coordinator, programme=datamatiker, **programme_kwargs(datamatiker, **overrides))

    assert field in exc.value.details
    saved = StudyProgramme.objects.get(pk=datamatiker.pk)
    assert programme_fingerprint(saved) == before
    assert saved.edited_in_ui is False
    assert LogEntry.objects.count() == log_count


def test_programme_update_requires_both_competences_and_tasks_with_danish_messages(coordinator, datamatiker):
    with pytest.raises(ValidationFailed) as exc:
        programme_update(user=coordinator, programme=datamatiker,
                         **programme_kwargs(datamatiker, competences_da=[], typical_tasks_da=[]))

    assert exc.value.code == "invalid_programme"
    assert exc.value.details == {
        "competences_da": ["Skriv mindst én kompetence (én pr. linje)."],
        "typical_tasks_da": ["Skriv mindst én typisk opgave (én pr. linje)."],
    }


def test_programme_update_based_on_stale_values_is_a_conflict(coordinator, datamatiker):
    read = programme_kwargs(datamatiker)
    programme_update(user=coordinator, programme=datamatiker, **programme_kwargs(datamatiker, name_da="Først"))

    with pytest.raises(Conflict) as exc:
        programme_update(user=coordinator, programme=datamatiker, **{**read, "name_da": "Sidst"})

    assert exc.value.code == "programme_conflict"
    assert StudyProgramme.objects.get(pk=datamatiker.pk).name_da == "Først"


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (User.Role.PARTNER_STAFF, "ucn"),
        (User.Role.PARTNER_LEAD, "jobcenter-aalborg"),
        (User.Role.STEERING_GROUP, "kkr-nordjylland"),
    ],
)
def test_only_coordinators_may_edit_the_guides(user_factory, datamatiker, it_drift, role, organisation):
    user = user_factory(role=role, organisation=organisation)

    with pytest.raises(Forbidden):
        programme_update(user=user, programme=datamatiker, **programme_kwargs(datamatiker, name_da="Overtaget"))
    with pytest.raises(Forbidden):
        task_area_update(user=user, task_area=it_drift, fingerprint=None, name_da="Overtaget",
                         description_da="x", keywords_da=["x"])
    with pytest.raises(Forbidden):
        programme_fit_set(user=user, programme=datamatiker, fingerprint=None, weights={"it-drift": 0.1})

    assert StudyProgramme.objects.get(pk=datamatiker.pk).name_da == "Datamatiker"
    assert TaskArea.objects.get(pk=it_drift.pk).name_da == "IT-drift og support"
    assert fits_of(datamatiker)["it-drift"] == 0.8


# --- task_area_update --------------------------------------------------------------------------------


def test_task_area_update_lowercases_keywords_and_survives_reloading(coordinator, it_drift):
    with acting_as(coordinator):
        task_area_update(
            user=coordinator, task_area=it_drift, fingerprint=task_area_fingerprint(it_drift),
            name_da="IT-drift", description_da="  Drift af netværk og servere.  ",
            keywords_da=["Netværk", "netværk", " Servere ", "Microsoft 365"],
        )
    load_reference_data()

    saved = TaskArea.objects.get(pk=it_drift.pk)
    assert saved.name_da == "IT-drift"
    assert saved.description_da == "Drift af netværk og servere."
    assert saved.keywords_da == ["netværk", "servere", "microsoft 365"]
    assert saved.edited_in_ui is True
    assert LogEntry.objects.get_for_object(saved).order_by("-pk").first().actor == coordinator


def test_task_area_update_needs_a_description_and_a_keyword(coordinator, it_drift):
    with pytest.raises(ValidationFailed) as exc:
        task_area_update(user=coordinator, task_area=it_drift, fingerprint=task_area_fingerprint(it_drift),
                         name_da="IT-drift", description_da=" ", keywords_da=["", " "])

    assert set(exc.value.details) == {"description_da", "keywords_da"}
    assert TaskArea.objects.get(pk=it_drift.pk).edited_in_ui is False


def test_task_area_update_based_on_stale_values_is_a_conflict(coordinator, it_drift):
    fingerprint = task_area_fingerprint(it_drift)
    TaskArea.objects.filter(pk=it_drift.pk).update(description_da="Ændret af en anden.")

    with pytest.raises(Conflict):
        task_area_update(user=coordinator, task_area=it_drift, fingerprint=fingerprint, name_da="Nyt navn",
                         description_da="Ny", keywords_da=["ny"])

    assert TaskArea.objects.get(pk=it_drift.pk).name_da == "IT-drift og support"


# --- programme_fit_set -------------------------------------------------------------------------------


def test_programme_fit_set_adds_changes_and_removes_fits_with_audit(coordinator, datamatiker):
    before = fits_of(datamatiker)
    assert before["it-drift"] == 0.8
    weights = dict.fromkeys(before) | {"it-drift": 0.95, "salg": 0.456}

    with acting_as(coordinator):
        programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=fits_fingerprint(datamatiker),
                          weights=weights)

    assert fits_of(datamatiker) == {"it-drift": 0.95, "salg": 0.46}
    assert StudyProgramme.objects.get(pk=datamatiker.pk).edited_in_ui is True
    fit_entries = LogEntry.objects.filter(content_type__model="programmetaskarea", actor=coordinator)
    assert fit_entries.filter(action=LogEntry.Action.CREATE).count() == 1
    assert fit_entries.filter(action=LogEntry.Action.UPDATE).count() == 1
    assert fit_entries.filter(action=LogEntry.Action.DELETE).count() == len(before) - 1


def test_programme_fits_survive_reloading_the_reference_data(coordinator, datamatiker):
    programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=None, weights={"it-drift": 0.3})

    load_reference_data()

    assert fits_of(datamatiker) == {"it-drift": 0.3}


@pytest.mark.parametrize("weight", [0, 0.004, -0.5, 1.01, 2, float("nan"), float("inf"), "mange"])
def test_programme_fit_set_rejects_weights_outside_0_to_1_and_saves_nothing(coordinator, datamatiker, weight):
    before = fits_of(datamatiker)

    with pytest.raises(ValidationFailed) as exc:
        programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=None,
                          weights={"it-drift": weight, "salg": 0.5})

    assert exc.value.details == {"weights.it-drift": ["Vægten skal være større end 0 og højst 1, fx 0,8."]}
    assert fits_of(datamatiker) == before
    assert StudyProgramme.objects.get(pk=datamatiker.pk).edited_in_ui is False


def test_programme_fit_set_rejects_unknown_task_areas_and_an_empty_set(coordinator, datamatiker):
    before = fits_of(datamatiker)

    with pytest.raises(ValidationFailed) as unknown:
        programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=None, weights={"rumfart": 0.5})
    with pytest.raises(ValidationFailed) as empty:
        programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=None,
                          weights={"it-drift": None})

    assert unknown.value.details == {"weights.rumfart": ["Ukendt opgaveområde: rumfart."]}
    assert empty.value.details == {"weights": ["Vælg mindst ét opgaveområde, som uddannelsen passer til."]}
    assert fits_of(datamatiker) == before


def test_programme_fit_set_based_on_stale_fits_is_a_conflict(coordinator, datamatiker):
    fingerprint = fits_fingerprint(datamatiker)
    ProgrammeTaskArea.objects.filter(programme=datamatiker, task_area__slug="it-drift").update(weight=0.7)

    with pytest.raises(Conflict) as exc:
        programme_fit_set(user=coordinator, programme=datamatiker, fingerprint=fingerprint,
                          weights={"it-drift": 1.0})

    assert exc.value.code == "programme_fit_conflict"
    assert fits_of(datamatiker)["it-drift"] == 0.7


def test_split_lines_trims_and_drops_empty_lines():
    assert split_lines("  første \r\n\n anden\n   \n") == ["første", "anden"]
    assert split_lines("") == []
