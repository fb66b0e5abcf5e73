"""The services overview (oversigtsskema): the public "who can help with what" page, the coordinators'
maintenance pages (permission matrix, create, edit, deactivate, stale edits) and the reference loader
keeping the coordinators' edits."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from viaviden.core.errors import Conflict
from viaviden.organisations.models import Organisation, Service, User
from viaviden.organisations.service_services import service_fingerprint, service_update
from viaviden.organisations.tests.factories import UserFactory, login_verified
from viaviden.reference.loader import load_reference_data
from viaviden.reference.models import MatchType

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def coordinator():
    return UserFactory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def aau_service():
    return Service.objects.get(slug="aau-kontaktpunkt")


def edit_data(service: Service, **overrides) -> dict:
    data = {
        "organisation": service.organisation_id,
        "name": service.name,
        "description": service.description,
        "contact": service.contact,
        "contact_email": service.contact_email,
        "contact_phone": service.contact_phone,
        "match_types": [mt.pk for mt in service.match_types.all()],
        "serves_all_municipalities": "on" if service.serves_all_municipalities else "",
        "active": "on" if service.active else "",
        "fingerprint": service_fingerprint(service),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in (None, "")}


# --- Public page -------------------------------------------------------------------------------------


def test_public_page_lists_active_services_with_contacts_and_links_to_the_form(client, aau_service):
    aau_service.contact_email = "erhverv@aau.example.dk"
    aau_service.contact_phone = "99 40 99 40"
    aau_service.save()
    aau_service.match_types.set(["student_project", "student_internship"])
    Service.objects.filter(slug="magistrenes-brobygning").update(active=False)

    response = client.get(reverse("services_public"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Hvem kan hjælpe med hvad?" in body
    assert f"<h2 id=\"org-{aau_service.organisation_id}\">Aalborg Universitet</h2>" in body
    assert "AAU&#x27;s faste kontaktpunkt for virksomheder" in body
    assert '<a href="mailto:erhverv@aau.example.dk">erhverv@aau.example.dk</a>' in body
    assert '<a href="tel:99409940">99 40 99 40</a>' in body
    assert "Studieprojektsamarbejde, Studiepraktik" in body
    assert "Central Matchningsenhed" in body and "Rekrutteringsservice" in body
    assert "Brobygningsarrangementer" not in body
    assert f'href="{reverse("need_public_form")}"' in body


def test_public_page_query_count(client, django_assert_max_num_queries):
    # services, their match types, and the base template's synthetic-data flag
    with django_assert_max_num_queries(3):
        response = client.get(reverse("services_public"))

    assert len(response.context["services"]) == Service.objects.filter(active=True).count()


# --- Permission matrix for the maintenance pages -----------------------------------------------------

STAFF_URLS = [
    ("service_list", False),
    ("service_create", False),
    ("service_edit", True),
]


def url_for(name: str, needs_pk: bool, service: Service) -> str:
    return reverse(name, args=[service.pk]) if needs_pk else reverse(name)


@pytest.mark.parametrize(("name", "needs_pk"), STAFF_URLS)
def test_anonymous_is_sent_to_login(client, aau_service, name, needs_pk):
    response = client.get(url_for(name, needs_pk, aau_service))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("name", "needs_pk"), STAFF_URLS)
@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (User.Role.STEERING_GROUP, "kkr-nordjylland"),
        (User.Role.PARTNER_STAFF, "aau"),  # the service's own organisation
        (User.Role.PARTNER_LEAD, "aau"),
        (User.Role.PARTNER_STAFF, "jobcenter-aalborg"),  # another organisation
    ],
)
def test_everyone_but_coordinators_gets_403(aau_service, name, needs_pk, role, organisation):
    user = UserFactory(role=role, organisation=organisation)
    c = client_for(user)

    get = c.get(url_for(name, needs_pk, aau_service))
    post = c.post(url_for(name, needs_pk, aau_service), edit_data(aau_service, name="Overtaget"))

    assert (get.status_code, post.status_code) == (403, 403)
    assert Service.objects.get(pk=aau_service.pk).name == "AAU's faste kontaktpunkt for virksomheder"
    assert not Service.objects.filter(name="Overtaget").exists()


@pytest.mark.parametrize(("name", "needs_pk"), STAFF_URLS)
def test_coordinator_reaches_every_page(coordinator, aau_service, name, needs_pk):
    response = client_for(coordinator).get(url_for(name, needs_pk, aau_service))

    assert response.status_code == 200


def test_unknown_service_is_404(coordinator):
    response = client_for(coordinator).get(reverse("service_edit", args=[999999]))

    assert response.status_code == 404


def test_coordinator_list_shows_inactive_services_and_counts_queries(coordinator, django_assert_max_num_queries):
    Service.objects.filter(slug="magistrenes-brobygning").update(active=False)
    c = client_for(coordinator)

    with django_assert_max_num_queries(8):
        response = c.get(reverse("service_list"))

    body = response.content.decode()
    assert "Brobygningsarrangementer" in body and "Inaktiv" in body
    assert len(response.context["services"]) == Service.objects.count()


# --- Create, edit, deactivate ------------------------------------------------------------------------


def test_coordinator_creates_a_service(coordinator):
    data = {
        "organisation": Organisation.objects.get(slug="dansk-industri").pk,
        "name": "DI's rekrutteringsrådgivning",
        "description": "Rådgivning om rekruttering af højtuddannede for DI's medlemmer.",
        "contact": "DI Nordjylland",
        "contact_email": "nord@di.example.dk",
        "contact_phone": "33 77 33 77",
        "match_types": ["ordinary_job", "wage_subsidy"],
        "serves_all_municipalities": "on",
        "active": "on",
    }

    response = client_for(coordinator).post(reverse("service_create"), data)

    assert response.status_code == 302 and response["Location"] == reverse("service_list")
    service = Service.objects.get(name="DI's rekrutteringsrådgivning")
    assert service.slug == "dis-rekrutteringsradgivning"
    assert service.organisation.slug == "dansk-industri"
    assert (service.contact_email, service.contact_phone, service.active) == ("nord@di.example.dk", "33 77 33 77", True)
    assert sorted(service.match_types.values_list("code", flat=True)) == ["ordinary_job", "wage_subsidy"]


def test_create_with_bad_input_shows_danish_errors_and_saves_nothing(coordinator):
    before = Service.objects.count()

    response = client_for(coordinator).post(reverse("service_create"), {"name": "", "contact_email": "nej@"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Vælg organisationen, der leverer ydelsen." in body
    assert "Skriv ydelsens navn." in body
    assert "Skriv en gyldig e-mailadresse." in body
    assert Service.objects.count() == before


def test_coordinator_edits_and_deactivates_a_service(coordinator, aau_service, client):
    c = client_for(coordinator)

    response = c.post(reverse("service_edit", args=[aau_service.pk]), edit_data(
        aau_service, contact="Jens Kontakt", contact_email="jens@aau.example.dk", match_types=["student_job"],
        active=None,
    ))

    assert response.status_code == 302
    service = Service.objects.get(pk=aau_service.pk)
    assert (service.contact, service.contact_email, service.active) == ("Jens Kontakt", "jens@aau.example.dk", False)
    assert list(service.match_types.values_list("code", flat=True)) == ["student_job"]
    assert "AAU&#x27;s faste kontaktpunkt" not in client.get(reverse("services_public")).content.decode()


def test_stale_edit_is_refused_and_changes_nothing(coordinator, aau_service):
    stale = edit_data(aau_service, description="Min version")
    service_update(service=aau_service, fingerprint=service_fingerprint(aau_service),
                   organisation=aau_service.organisation, name=aau_service.name, description="Den andens version",
                   contact=aau_service.contact)

    response = client_for(coordinator).post(reverse("service_edit", args=[aau_service.pk]), stale)

    assert response.status_code == 200
    assert "Ydelsen er ændret af en anden" in response.content.decode()
    assert Service.objects.get(pk=aau_service.pk).description == "Den andens version"


def test_service_update_with_stale_fingerprint_raises_conflict(aau_service):
    with pytest.raises(Conflict):
        service_update(service=aau_service, fingerprint="0" * 16, organisation=aau_service.organisation,
                       name="X", description="Y")

    assert Service.objects.get(pk=aau_service.pk).name == "AAU's faste kontaktpunkt for virksomheder"


# --- Reference data does not overwrite the coordinators' edits ---------------------------------------


def test_reloading_reference_data_keeps_a_coordinators_edit(aau_service):
    service_update(service=aau_service, fingerprint=service_fingerprint(aau_service),
                   organisation=aau_service.organisation, name="AAU Erhverv", description="Ny beskrivelse",
                   contact="Jens Kontakt", match_types=list(MatchType.objects.filter(code="student_job")),
                   active=False)

    stats = load_reference_data()

    service = Service.objects.get(pk=aau_service.pk)
    assert (service.name, service.description, service.contact, service.active) == (
        "AAU Erhverv", "Ny beskrivelse", "Jens Kontakt", False)
    assert not any(key.startswith("service.") for key in stats)


def test_reloading_reference_data_recreates_a_missing_service():
    Service.objects.filter(slug="magistrenes-brobygning").delete()

    stats = load_reference_data()

    assert stats["service.created"] == 1
    assert Service.objects.get(slug="magistrenes-brobygning").name == "Brobygningsarrangementer"
