import pytest
from django.core.management import call_command

from viaviden.matches.models import Programme, Target
from viaviden.organisations.models import Organisation
from viaviden.reference.loader import load_reference_data
from viaviden.reference.models import BasisDataset, MatchType, Municipality, PostalCode

pytestmark = pytest.mark.django_db


def test_reference_data_is_loaded_with_official_codes():
    assert Municipality.objects.count() == 11
    assert Municipality.objects.get(code="851").name == "Aalborg"
    assert set(PostalCode.objects.filter(code="9240").values_list("municipality_id", flat=True)) == {"820", "840", "851"}
    assert MatchType.objects.count() == 7
    cme = Organisation.objects.get(slug="central-matchningsenhed")
    assert cme.parent.slug == "jobcenter-aalborg" and cme.partner.slug == "kommune-aalborg"
    assert BasisDataset.objects.get(slug="population-2020").is_proxy


def test_second_load_changes_nothing(capsys):
    assert not load_reference_data()
    call_command("load_reference_data")
    assert "intet ændret" in capsys.readouterr().out


def test_loader_keeps_coordinator_edits():
    programme = Programme.objects.get(is_current=True)
    target = Target.objects.get(programme=programme, municipality_id="787")
    target.value, target.overridden = 120, True
    target.save()
    load_reference_data()
    target.refresh_from_db()
    assert target.value == 120
