"""Case services: the workflow draft → review → published → archived, consent of the persons shown,
permissions, optimistic locking, validation (nothing saved on errors), and embed sites."""

from __future__ import annotations

import pytest

from viaviden.cases.models import Case, CaseImage, CasePerson, EmbedSite, Tag
from viaviden.cases.search import indexed_facets, indexed_terms
from viaviden.cases.services import (
    case_archive,
    case_create,
    case_person_add,
    case_person_record_consent,
    case_person_remove,
    case_person_withdraw_consent,
    case_publish,
    case_reopen,
    case_submit,
    case_update,
    case_withdraw,
    embed_site_add,
    embed_site_remove,
    normalise_origin,
)
from viaviden.cases.tests.factories import case_data, coordinator, make_case, staff
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db


def _indexed(case: Case) -> bool:
    return bool(indexed_terms(case.pk)) and bool(indexed_facets(case.pk))


def test_a_ucn_case_goes_through_review_to_publication_and_into_the_index():
    author, reviewer = staff("ucn"), coordinator()
    case = case_create(user=author, data=case_data())
    case_person_add(user=author, case=case, name="Syntetisk Dimittend", role="Markedsføringsøkonom",
                    consent_method="written")

    assert (case.status, case.owner_organisation.slug, _indexed(case)) == ("draft", "ucn", False)
    case = case_submit(user=author, case=case, version=case.version)
    assert (case.status, case.submitted_at is not None, _indexed(case)) == ("review", True, False)
    case = case_publish(user=reviewer, case=case, version=case.version, persons_confirmed=True)

    case.refresh_from_db()
    assert (case.status, case.published_by, case.published_at is not None) == ("published", reviewer, True)
    assert _indexed(case)
    assert [o.slug for o in case.partners.all()] == ["ucn"]
    assert [lv.code for lv in case.education_levels.all()] == ["KVU"]  # from the programme


def test_a_case_without_recorded_consent_for_a_shown_person_cannot_be_published():
    case = make_case(persons=[("Syntetisk Med Samtykke", True), ("Syntetisk Uden Samtykke", False)])
    case = case_submit(user=staff("ucn"), case=case, version=case.version)

    with pytest.raises(ValidationFailed) as exc:
        case_publish(user=coordinator(), case=case, version=case.version, persons_confirmed=True)

    assert exc.value.code == "consent_missing"
    assert exc.value.details["persons"] == [
        "Der mangler registreret samtykke fra: Syntetisk Uden Samtykke. En case kan kun offentliggøres, når alle "
        "personer, der vises, har givet samtykke."
    ]
    case.refresh_from_db()
    assert (case.status, case.published_at, case.version) == ("review", None, 2)
    assert not _indexed(case)


def test_a_withdrawn_consent_also_blocks_publication():
    case = make_case(persons=[("Syntetisk Person", True)])
    person = case.persons.get()
    case_person_withdraw_consent(user=staff("ucn"), person=person)
    case = case_submit(user=staff("ucn"), case=Case.objects.get(pk=case.pk), version=None)

    with pytest.raises(ValidationFailed) as exc:
        case_publish(user=coordinator(), case=case, version=None, persons_confirmed=True)

    assert exc.value.code == "consent_missing"
    assert Case.objects.get(pk=case.pk).status == "review"


def test_publishing_needs_the_reviewers_confirmation_that_every_person_is_registered():
    case = make_case()
    case = case_submit(user=staff("ucn"), case=case, version=case.version)

    with pytest.raises(ValidationFailed) as exc:
        case_publish(user=coordinator(), case=case, version=case.version, persons_confirmed=False)

    assert list(exc.value.details) == ["persons_confirmed"]
    assert Case.objects.get(pk=case.pk).status == "review"


def test_recording_consent_afterwards_makes_the_case_publishable():
    case = make_case(persons=[("Syntetisk Person", False)])
    person = case.persons.get()
    author = staff("ucn")

    case_person_record_consent(user=author, person=person, consent_method="email", consent_note="Mail af 3-3-2021")
    case = case_submit(user=author, case=Case.objects.get(pk=case.pk), version=None)
    case = case_publish(user=coordinator(), case=case, version=case.version, persons_confirmed=True)

    person.refresh_from_db()
    assert (case.status, person.consent_method, person.recorded_by, person.consent_note) == (
        "published", "email", author, "Mail af 3-3-2021")


def test_withdrawing_consent_takes_a_published_case_off_the_site_at_once():
    case = make_case(publish=True, persons=[("Syntetisk Person", True)])
    assert _indexed(case)

    case_person_withdraw_consent(user=staff("ucn"), person=case.persons.get())

    case.refresh_from_db()
    assert case.status == "draft"
    assert case.review_note == "Taget af siden, fordi Syntetisk Person har tilbagekaldt sit samtykke."
    assert not _indexed(case)
    assert case.persons.get().consent_withdrawn_at is not None


def test_only_reviewers_publish():
    case = make_case()
    author = staff("ucn", role=User.Role.PARTNER_LEAD)
    case = case_submit(user=author, case=case, version=case.version)

    with pytest.raises(Forbidden):
        case_publish(user=author, case=case, version=case.version, persons_confirmed=True)

    assert Case.objects.get(pk=case.pk).status == "review"


def test_a_draft_cannot_be_published_without_review():
    case = make_case()

    with pytest.raises(Forbidden):
        case_publish(user=coordinator(), case=case, version=case.version, persons_confirmed=True)

    assert Case.objects.get(pk=case.pk).status == "draft"


def test_a_reviewer_sends_a_case_back_with_a_note_and_the_author_may_take_it_back_without():
    case = make_case()
    author, reviewer = staff("ucn"), coordinator()
    case = case_submit(user=author, case=case, version=case.version)

    with pytest.raises(ValidationFailed):
        case_withdraw(user=reviewer, case=case, version=case.version, note="  ")
    case = case_withdraw(user=reviewer, case=case, version=case.version, note="Tilføj et billede.")
    assert (case.status, case.review_note) == ("draft", "Tilføj et billede.")

    case = case_submit(user=author, case=case, version=case.version)
    case = case_withdraw(user=author, case=case, version=case.version)
    assert (case.status, case.review_note) == ("draft", "")


def test_archive_takes_the_case_out_of_the_index_and_reopen_makes_it_a_draft():
    case = make_case(publish=True)
    reviewer = coordinator()

    case = case_archive(user=reviewer, case=case, version=case.version)
    assert (case.status, _indexed(case)) == ("archived", False)
    case = case_reopen(user=reviewer, case=case, version=case.version)
    assert (case.status, _indexed(case)) == ("draft", False)


def test_editing_a_published_case_updates_the_index():
    case = make_case(publish=True)

    case_update(user=coordinator(), case=case, data=case_data(title="Energiingeniør sparer bageriet for strøm",
                                                             municipality="860"), version=case.version)

    assert "energiingeniør" in indexed_terms(case.pk)
    assert "smedj" not in indexed_terms(case.pk)
    assert [v for f, v in indexed_facets(case.pk) if f == "municipality"] == ["860"]


def test_owners_edit_drafts_only_and_other_organisations_never():
    case = make_case()
    with pytest.raises(Forbidden):
        case_update(user=staff("aau"), case=case, data=case_data(title="Ændret"), version=case.version)
    case = case_submit(user=staff("ucn"), case=case, version=case.version)
    with pytest.raises(Forbidden):
        case_update(user=staff("ucn"), case=case, data=case_data(title="Ændret"), version=case.version)

    assert Case.objects.get(pk=case.pk).title == "Markedsføringsøkonom giver smedjen nye kunder"


def test_a_municipalitys_units_count_as_one_owner():
    case = make_case(organisation="erhvervskontor-thisted")

    updated = case_update(user=staff("jobcenter-thisted"), case=case, data=case_data(title="Ny titel"),
                          version=case.version)

    assert updated.title == "Ny titel"
    assert [o.slug for o in updated.partners.all()] == ["kommune-thisted"]


def test_stale_version_is_a_conflict_and_changes_nothing():
    case = make_case()
    case_update(user=staff("ucn"), case=case, data=case_data(title="Første"), version=case.version)

    with pytest.raises(Conflict):
        case_update(user=staff("ucn"), case=case, data=case_data(title="Anden"), version=case.version)

    assert Case.objects.get(pk=case.pk).title == "Første"


@pytest.mark.parametrize("role,organisation", [(User.Role.STEERING_GROUP, "kkr-nordjylland")])
def test_the_steering_group_cannot_write_cases(role, organisation):
    with pytest.raises(Forbidden):
        case_create(user=staff(organisation, role=role), data=case_data())

    assert not Case.objects.exists()


def test_staff_write_for_their_own_organisation_only():
    with pytest.raises(Forbidden):
        case_create(user=staff("aau"), data=case_data(), owner_organisation=Organisation.objects.get(slug="ucn"))

    assert not Case.objects.exists()


def test_an_image_without_alt_text_is_refused_and_nothing_is_saved():
    with pytest.raises(ValidationFailed) as exc:
        case_create(user=staff("ucn"), data=case_data(images=[("https://www.ucn.dk/smedje.jpg", " ")]))

    assert exc.value.details == {
        "image_1_alt": ["Skriv en alternativ tekst, der beskriver billedet for dem, der ikke kan se det."]}
    assert (Case.objects.count(), CaseImage.objects.count(), Tag.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("url", ["http://www.ucn.dk/x.jpg", "javascript:alert(1)", "/media/../x.jpg", "ucn.dk/x.jpg"])
def test_an_image_address_must_be_https_or_a_static_file(url):
    with pytest.raises(ValidationFailed) as exc:
        case_create(user=staff("ucn"), data=case_data(images=[(url, "Smeden ved essen")]))

    assert list(exc.value.details) == ["image_1_url"]


def test_body_is_sanitised_when_saved():
    case = make_case(body='<p onclick="steal()">Hej <script>alert(1)</script><a href="javascript:x()">link</a></p>')

    assert case.body == '<p>Hej <a rel="noopener noreferrer nofollow">link</a></p>'


def test_a_video_case_needs_a_youtube_vimeo_or_file_link():
    with pytest.raises(ValidationFailed) as exc:
        case_create(user=staff("ucn"), data=case_data(kind="video", video_url="https://example.org/watch/1"))

    assert list(exc.value.details) == ["video_url"]
    case = make_case(kind="video", video_url="https://youtu.be/dQw4w9WgXcQ")
    assert (case.video_provider, case.video_id) == ("youtube", "dQw4w9WgXcQ")


def test_tags_are_shared_between_partners():
    first = make_case(tags=["Grøn omstilling", "eksport"])
    second = make_case(organisation="aau", tags=["grøn omstilling "])

    assert Tag.objects.count() == 2
    assert list(first.tags.order_by("slug").values_list("slug", flat=True)) == ["eksport", "groen-omstilling"]
    assert list(second.tags.values_list("slug", flat=True)) == ["groen-omstilling"]


def test_slugs_are_unique_and_danish_letters_are_spelled_out():
    first, second = make_case(), make_case()

    assert (first.slug, second.slug) == ("markedsfoeringsoekonom-giver-smedjen-nye-kunder",
                                         "markedsfoeringsoekonom-giver-smedjen-nye-kunder-2")


def test_a_person_cannot_be_removed_from_a_published_case():
    case = make_case(publish=True, persons=[("Syntetisk Person", True)])

    with pytest.raises(Conflict):
        case_person_remove(user=staff("ucn"), person=case.persons.get())

    assert CasePerson.objects.count() == 1


def test_another_organisation_cannot_touch_the_persons():
    case = make_case(persons=[("Syntetisk Person", False)])

    with pytest.raises(Forbidden):
        case_person_add(user=staff("aau"), case=case, name="Andet Navn")
    with pytest.raises(Forbidden):
        case_person_record_consent(user=staff("aau"), person=case.persons.get(), consent_method="written")

    assert list(CasePerson.objects.values_list("name", "consent_recorded_at")) == [("Syntetisk Person", None)]


@pytest.mark.parametrize("origin,expected", [
    ("https://www.UCN.dk/", "https://www.ucn.dk"),
    ("https://www.ucn.dk:8443", "https://www.ucn.dk:8443"),
    ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("http://www.ucn.dk", None),
    ("https://www.ucn.dk/cases", None),
    ("www.ucn.dk", None),
    ("https://user:pw@ucn.dk", None),
])
def test_normalise_origin(origin, expected):
    assert normalise_origin(origin) == expected


def test_a_partner_lead_adds_and_removes_their_own_website():
    lead = staff("ucn", role=User.Role.PARTNER_LEAD)
    ucn = Organisation.objects.get(slug="ucn")

    site = embed_site_add(user=lead, organisation=ucn, origin="https://www.ucn.dk/", color="#E30613")
    assert (site.origin, site.color) == ("https://www.ucn.dk", "#e30613")
    with pytest.raises(ValidationFailed):
        embed_site_add(user=lead, organisation=ucn, origin="https://www.ucn.dk")
    embed_site_remove(user=lead, site=site)

    assert not EmbedSite.objects.exists()


def test_staff_and_other_partners_cannot_add_websites():
    ucn = Organisation.objects.get(slug="ucn")
    with pytest.raises(Forbidden):
        embed_site_add(user=staff("ucn"), organisation=ucn, origin="https://www.ucn.dk")
    with pytest.raises(Forbidden):
        embed_site_add(user=staff("aau", role=User.Role.PARTNER_LEAD), organisation=ucn, origin="https://www.ucn.dk")

    assert not EmbedSite.objects.exists()


def test_changes_are_audit_logged_with_the_person_name_masked():
    from auditlog.models import LogEntry

    case = make_case(persons=[("Syntetisk Person", True)])
    person = case.persons.get()

    case_entries = LogEntry.objects.get_for_object(case)
    person_entry = LogEntry.objects.get_for_object(person).get()
    assert case_entries.filter(action=LogEntry.Action.CREATE).count() == 1
    assert person_entry.changes_dict["name"][1] == "***"
