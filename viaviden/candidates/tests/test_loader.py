import pytest

from viaviden.candidates.models import ProgrammeTaskArea, StudyProgramme, TaskArea
from viaviden.reference.loader import load_reference_data
from viaviden.reference.models import TravelTime

pytestmark = pytest.mark.django_db


def test_reference_data_holds_the_competence_guides_and_travel_times():
    assert StudyProgramme.objects.count() >= 60
    assert TaskArea.objects.filter(slug="it-drift").exists()
    datamatiker = StudyProgramme.objects.get(name_da="Datamatiker")
    assert datamatiker.level_id == "KVU"
    assert ProgrammeTaskArea.objects.get(programme=datamatiker, task_area__slug="it-drift").weight >= 0.8
    assert TravelTime.objects.get(origin_id="851", destination_id="787").minutes == 85
    assert TravelTime.objects.count() == 121


def test_reloading_changes_nothing_and_keeps_a_guide_edited_in_the_ui():
    programme = StudyProgramme.objects.get(name_da="Datamatiker")
    StudyProgramme.objects.filter(pk=programme.pk).update(name_da="Datamatiker (redigeret)", edited_in_ui=True)

    stats = load_reference_data()

    assert not any(key.startswith(("studyprogramme", "taskarea", "programmetaskarea", "traveltime")) for key in stats)
    assert StudyProgramme.objects.get(pk=programme.pk).name_da == "Datamatiker (redigeret)"
