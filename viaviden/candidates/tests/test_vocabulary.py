"""The matching vocabulary (issue 15) in the database: loaded from data/reference/education/vocabulary.json,
edited by coordinators (permission matrix, validation with nothing saved, stale edits, kept by the loader),
and used by the matching index built from the database."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from viaviden.candidates.guide_services import vocabulary_entry_save, vocabulary_fingerprint
from viaviden.candidates.matching_index import load_guide_data
from viaviden.candidates.models import VocabularyEntry
from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.matching import JobProfile, MatchingIndex
from viaviden.organisations.models import User
from viaviden.reference.loader import load_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(user_factory):
    return user_factory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def power_bi():
    return VocabularyEntry.objects.get(key="power bi")


def test_the_loader_brings_the_vocabulary_file(power_bi):
    assert VocabularyEntry.objects.count() > 100
    assert power_bi.areas["data-og-analyse"] == 1.0
    assert VocabularyEntry.objects.get(key="bogholder").programmes["finansoekonom-ucn"] == 1.0


def test_the_index_built_from_the_database_uses_the_vocabulary():
    guide = load_guide_data().guide
    index = MatchingIndex.build([], guide)

    best = index.rank_programmes(JobProfile(id="q", text="Power BI"), k=1)[0]

    assert any(r.startswith("Ordliste: 'power bi' → ") for r in best.reasons)


def test_a_changed_entry_changes_the_guide_signature(coordinator, power_bi):
    before = load_guide_data().signature
    vocabulary_entry_save(user=coordinator, entry=power_bi, fingerprint=vocabulary_fingerprint(power_bi),
                          kind="tool", terms=["Power BI"], area_lines=["Data og analyse: 0,5"], programme_lines=[])

    assert load_guide_data().signature != before


# --- Permission matrix -------------------------------------------------------------------------------


def urls(entry):
    return [reverse("guide_vocabulary"), reverse("guide_vocabulary_new"),
            reverse("guide_vocabulary_edit", args=[entry.pk])]


def test_anonymous_is_sent_to_login(client, power_bi):
    for url in [*urls(power_bi), reverse("guide_vocabulary_delete", args=[power_bi.pk])]:
        response = client.get(url) if "slet" not in url else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert VocabularyEntry.objects.filter(pk=power_bi.pk).exists()


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (User.Role.STEERING_GROUP, "kkr-nordjylland"),
        (User.Role.PARTNER_STAFF, "ucn"),
        (User.Role.PARTNER_LEAD, "aau"),
        (User.Role.PARTNER_STAFF, "jobcenter-aalborg"),
    ],
)
def test_everyone_but_coordinators_gets_403(user_factory, staff_client, power_bi, role, organisation):
    c = staff_client(user_factory(role=role, organisation=organisation))
    before = vocabulary_fingerprint(power_bi)

    gets = [c.get(url).status_code for url in urls(power_bi)]
    post = c.post(reverse("guide_vocabulary_edit", args=[power_bi.pk]),
                  {"kind": "tool", "terms_da": "Power BI", "areas": "Salg og kunderelationer: 1"})
    delete = c.post(reverse("guide_vocabulary_delete", args=[power_bi.pk]))

    assert gets == [403, 403, 403]
    assert (post.status_code, delete.status_code) == (403, 403)
    assert vocabulary_fingerprint(VocabularyEntry.objects.get(pk=power_bi.pk)) == before


def test_coordinator_sees_the_list_and_searches_it(staff_client, coordinator):
    response = staff_client(coordinator).get(reverse("guide_vocabulary"), {"q": "power"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Power BI" in body
    assert "Data og analyse (1)" in body
    assert "bogholder" not in body


def test_unknown_entry_is_404(staff_client, coordinator):
    assert staff_client(coordinator).get(reverse("guide_vocabulary_edit", args=[999999])).status_code == 404


# --- Editing -----------------------------------------------------------------------------------------


def test_coordinator_adds_an_entry_and_it_survives_reloading(staff_client, coordinator):
    response = staff_client(coordinator).post(reverse("guide_vocabulary_new"), {
        "kind": "tool", "terms_da": "Zebra-scanner\nhåndscanner\n",
        "areas": "Logistik og indkøb: 0,8\nit-drift: 0.4", "programmes": "Logistikøkonom",
    })

    assert response.status_code == 302
    load_reference_data()
    saved = VocabularyEntry.objects.get(key="zebra-scanner")
    assert saved.terms_da == ["Zebra-scanner", "håndscanner"]
    assert saved.areas == {"logistik-og-indkoeb": 0.8, "it-drift": 0.4}
    assert saved.programmes == {"logistikoekonom-ucn": 1.0}
    assert saved.edited_in_ui is True
    assert LogEntry.objects.get_for_object(saved).first().actor == coordinator


def test_an_edited_file_entry_is_kept_by_the_loader(coordinator, power_bi):
    vocabulary_entry_save(user=coordinator, entry=power_bi, fingerprint=None, kind="tool",
                          terms=["Power BI", "Fabric"], area_lines=["Data og analyse: 0,9"], programme_lines=[])
    load_reference_data()

    saved = VocabularyEntry.objects.get(pk=power_bi.pk)
    assert saved.terms_da == ["Power BI", "Fabric"]
    assert saved.areas == {"data-og-analyse": 0.9}


def test_bad_input_gets_danish_errors_and_nothing_is_saved(staff_client, coordinator, power_bi):
    before = vocabulary_fingerprint(power_bi)
    response = staff_client(coordinator).post(reverse("guide_vocabulary_edit", args=[power_bi.pk]), {
        "kind": "tool", "terms_da": "Power BI", "areas": "Blomsterbinding: 1\nData og analyse: 7",
        "fingerprint": before,
    })

    body = response.content.decode()
    assert response.status_code == 200
    assert "«Blomsterbinding» findes ikke i kompetenceguiden" in body
    assert "vægten skal være et tal over 0 og højst 1" in body
    assert vocabulary_fingerprint(VocabularyEntry.objects.get(pk=power_bi.pk)) == before


def test_an_entry_must_point_somewhere_and_keys_are_unique(coordinator):
    count = VocabularyEntry.objects.count()
    with pytest.raises(ValidationFailed) as nowhere:
        vocabulary_entry_save(user=coordinator, entry=None, fingerprint=None, kind="term", terms=["ny"],
                              area_lines=[], programme_lines=[])
    with pytest.raises(ValidationFailed) as clash:
        vocabulary_entry_save(user=coordinator, entry=None, fingerprint=None, kind="term", terms=["power bi"],
                              area_lines=["Data og analyse"], programme_lines=[])

    assert "areas" in nowhere.value.details
    assert "terms_da" in clash.value.details
    assert VocabularyEntry.objects.count() == count


def test_a_stale_edit_is_refused(staff_client, coordinator, power_bi):
    stale = vocabulary_fingerprint(power_bi)
    vocabulary_entry_save(user=coordinator, entry=power_bi, fingerprint=stale, kind="tool", terms=["Power BI"],
                          area_lines=["Data og analyse: 0,7"], programme_lines=[])

    response = staff_client(coordinator).post(reverse("guide_vocabulary_edit", args=[power_bi.pk]), {
        "kind": "tool", "terms_da": "Power BI", "areas": "Salg og kunderelationer: 1", "fingerprint": stale})

    assert response.status_code == 200
    assert "ændret af en anden" in response.content.decode()
    assert VocabularyEntry.objects.get(pk=power_bi.pk).areas == {"data-og-analyse": 0.7}


def test_service_refuses_non_coordinators(user_factory, power_bi):
    with pytest.raises(Forbidden):
        vocabulary_entry_save(user=user_factory(role=User.Role.PARTNER_STAFF, organisation="ucn"), entry=power_bi,
                              fingerprint=None, kind="tool", terms=["x"], area_lines=["Data og analyse"],
                              programme_lines=[])


def test_coordinator_deletes_an_entry(staff_client, coordinator, power_bi):
    response = staff_client(coordinator).post(reverse("guide_vocabulary_delete", args=[power_bi.pk]))

    assert response.status_code == 302
    assert not VocabularyEntry.objects.filter(pk=power_bi.pk).exists()
