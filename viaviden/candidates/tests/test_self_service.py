"""Candidate self-service: e-mail link login (no password, single use, 30 minutes, never revealing whether
an address has a profile, rate-limited), registration with consents, the profile, consent withdrawal,
changing the e-mail address, and who may reach the candidate pages."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from viaviden.candidates import services
from viaviden.candidates.models import Candidate, Consent
from viaviden.candidates.selectors import candidates_for_matching
from viaviden.candidates.selfservice_auth import SESSION_KEY
from viaviden.candidates.services import login_token, register_token
from viaviden.organisations.tests.factories import UserFactory

from .factories import candidate_client, make_candidate

pytestmark = pytest.mark.django_db

START = "/kandidat/"


def link_in(message) -> str:
    """The path of the one link in an e-mail."""
    urls = re.findall(r"https?://\S+", message.body)
    assert len(urls) == 1, message.body
    return "/" + urls[0].split("://", 1)[1].split("/", 1)[1]


def profile_data(**overrides) -> dict:
    data = {
        "kind": "student",
        "name": "Syntetisk Studerende",
        "phone": "+45 20 30 40 50",
        "programme": "",
        "education_text": "",
        "institution": "",
        "level": "",
        "expected_graduation": "2023-06-30",
        "competences": "Markedsføring på sociale medier",
        "experience": "Studiejob i en syntetisk butik",
        "match_types": ["student_job", "student_internship"],
        "available_from": "2022-09-01",
        "home_municipality": "787",
        "max_travel_minutes": "45",
    }
    data.update(overrides)
    return data


def programme_pk(slug: str = "markedsfoeringsoekonom-ucn") -> str:
    from viaviden.candidates.models import StudyProgramme

    return str(StudyProgramme.objects.get(slug=slug).pk)


# --- Registration: e-mail -> link -> profile -> consents ---------------------------------------------


def test_self_registration_from_e_mail_to_profile_with_chosen_consents(django_capture_on_commit_callbacks):
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"email": "Ny.Studerende@Example.dk "})

    assert response.status_code == 302 and response["Location"] == reverse("candidate_link_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ny.studerende@example.dk"]
    assert mail.outbox[0].subject == "Opret din profil hos Vækst Via Viden"
    register_url = link_in(mail.outbox[0])
    assert register_url.startswith("/kandidat/opret/")

    form = client.get(register_url)
    assert form.status_code == 200
    assert "ny.studerende@example.dk" in form.content.decode()
    for name in ("consent_matching", "consent_sharing", "consent_company_contact"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form.content.decode()).group(0)
        assert "checked" not in tag  # each purpose separately, unticked by default

    response = client.post(register_url, profile_data(programme=programme_pk(), consent_matching="on"))

    assert response.status_code == 302 and response["Location"] == reverse("candidate_profile")
    candidate = Candidate.objects.get(email="ny.studerende@example.dk")
    assert (candidate.name, candidate.created_via, candidate.level_id) == ("Syntetisk Studerende", "self", "KVU")
    assert candidate.programme.slug == "markedsfoeringsoekonom-ucn"
    assert sorted(candidate.match_types.values_list("code", flat=True)) == ["student_internship", "student_job"]
    assert list(candidate.consents.values_list("purpose", "method", "withdrawn_at")) == [
        ("matching", "selvbetjening", None)
    ]
    assert client.session[SESSION_KEY] == candidate.pk
    assert list(candidates_for_matching()) == [candidate]
    page = client.get(reverse("candidate_profile"))
    assert page.status_code == 200 and "Syntetisk Studerende" in page.content.decode()


def test_registration_needs_an_education_and_saves_nothing_without_it():
    client = Client()
    url = reverse("candidate_register", args=[register_token("uden@example.dk")])

    response = client.post(url, profile_data(education_text="", programme=""))

    assert response.status_code == 200
    assert "Vælg din uddannelse på listen" in response.content.decode()
    assert not Candidate.objects.exists()
    assert SESSION_KEY not in client.session


def test_registration_with_a_free_text_education_needs_its_level():
    client = Client()
    url = reverse("candidate_register", args=[register_token("fritekst@example.dk")])

    missing = client.post(url, profile_data(education_text="Cand.mag. i musikvidenskab"))
    created = client.post(url, profile_data(education_text="Cand.mag. i musikvidenskab", level="LVU",
                                            institution="AAU"))

    assert missing.status_code == 200 and "Vælg uddannelsens niveau." in missing.content.decode()
    assert created.status_code == 302
    candidate = Candidate.objects.get(email="fritekst@example.dk")
    assert (candidate.programme, candidate.education_text, candidate.level_id) == (None, "Cand.mag. i musikvidenskab",
                                                                                   "LVU")
    assert not candidate.consents.exists()
    assert not candidates_for_matching().filter(pk=candidate.pk).exists()


def test_a_register_link_for_an_address_that_got_a_profile_meanwhile_creates_no_second_one():
    existing = make_candidate(email="findes@example.dk")
    client = Client()

    response = client.post(reverse("candidate_register", args=[register_token("findes@example.dk")]),
                           profile_data(programme=programme_pk()))

    assert response.status_code == 200
    assert "Der findes allerede en profil" in response.content.decode()
    assert list(Candidate.objects.all()) == [existing]


def test_a_forged_register_link_is_refused():
    response = Client().get(reverse("candidate_register", args=["forfalsket:link"]))

    assert response.status_code == 404
    assert "Linket virker ikke" in response.content.decode()


# --- Login links -------------------------------------------------------------------------------------


def test_known_and_unknown_addresses_get_the_same_answer(django_capture_on_commit_callbacks):
    make_candidate(email="kendt@example.dk")

    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(START, {"email": "kendt@example.dk"})
        unknown = Client().post(START, {"email": "ukendt@example.dk"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["kendt@example.dk"], ["ukendt@example.dk"]]
    assert link_in(mail.outbox[0]).startswith("/kandidat/log-ind/")
    assert link_in(mail.outbox[1]).startswith("/kandidat/opret/")
    assert not Candidate.objects.filter(email="ukendt@example.dk").exists()


def test_login_link_logs_in_on_post_once_and_moves_last_active(django_capture_on_commit_callbacks):
    candidate = make_candidate(email="kendt@example.dk")
    before = candidate.last_active_at
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(START, {"email": "kendt@example.dk"})
    url = link_in(mail.outbox[0])
    client = Client()

    shown = client.get(url)  # a mail scanner following the link uses nothing up
    assert shown.status_code == 200 and SESSION_KEY not in client.session
    response = client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse("candidate_profile")
    assert client.session[SESSION_KEY] == candidate.pk
    candidate.refresh_from_db()
    assert candidate.last_active_at > before
    again = Client().post(url)
    assert again.status_code == 404
    assert "Linket virker ikke" in again.content.decode()


def test_login_link_expires_after_30_minutes():
    candidate = make_candidate()
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 31 * 60):
        old = login_token(candidate)
    fresh_enough = None
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 29 * 60):
        fresh_enough = login_token(candidate)

    client = Client()
    assert client.post(reverse("candidate_login", args=[old])).status_code == 404
    assert SESSION_KEY not in client.session
    assert client.post(reverse("candidate_login", args=[fresh_enough])).status_code == 302
    assert client.session[SESSION_KEY] == candidate.pk


def test_a_tampered_login_link_is_refused():
    candidate = make_candidate()
    other = make_candidate()
    payload, timestamp, signature = login_token(candidate).split(":")
    genuine_for_other = login_token(other).split(":")[0]
    forged = ":".join([genuine_for_other, timestamp, signature])  # another person's payload, this signature
    assert forged != login_token(other)
    client = Client()

    response = client.post(reverse("candidate_login", args=[forged]))

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_link_requests_are_rate_limited_per_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert Client().post(START, {"email": "mange@example.dk"}, REMOTE_ADDR="10.0.0.1").status_code == 302
        refused = Client().post(START, {"email": "mange@example.dk"}, REMOTE_ADDR="10.0.0.2")

    assert refused.status_code == 200
    assert "Der er bedt om mange links" in refused.content.decode()
    assert len(mail.outbox) == 5


def test_link_requests_are_rate_limited_per_ip_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            Client().post(START, {"email": f"person{i}@example.dk"}, REMOTE_ADDR="10.0.0.9")
        refused = Client().post(START, {"email": "endnu-en@example.dk"}, REMOTE_ADDR="10.0.0.9")

    assert "Der er bedt om mange links" in refused.content.decode()
    assert len(mail.outbox) == 5


def test_an_invalid_address_is_an_error_and_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(START, {"email": "ikke-en-adresse"})

    assert response.status_code == 200
    assert "Skriv en gyldig e-mailadresse" in response.content.decode()
    assert mail.outbox == []


def test_the_start_page_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post(START, {"email": "csrf@example.dk"})

    assert response.status_code == 403
    assert mail.outbox == []


def test_logout_ends_the_candidate_session():
    candidate = make_candidate()
    client = candidate_client(candidate)

    response = client.post(reverse("candidate_logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("candidate_profile"))["Location"] == reverse("candidate_start")


# --- Profile and consent -----------------------------------------------------------------------------


def test_profile_update_saves_and_resets_last_active():
    candidate = make_candidate(name="Gammelt Navn")
    before = candidate.last_active_at
    client = candidate_client(candidate)

    response = client.post(reverse("candidate_profile"),
                           profile_data(name="Nyt Navn", programme=programme_pk("datamatiker-ucn"), version="1"))

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.version, candidate.programme.slug) == ("Nyt Navn", 2, "datamatiker-ucn")
    assert candidate.last_active_at > before


def test_a_stale_profile_edit_is_refused_and_changes_nothing():
    candidate = make_candidate(name="Gammelt Navn")
    Candidate.objects.filter(pk=candidate.pk).update(version=2)
    client = candidate_client(candidate)

    response = client.post(reverse("candidate_profile"),
                           profile_data(name="Nyt Navn", programme=programme_pk(), version="1"))

    assert response.status_code == 200
    assert "Profilen er blevet ændret" in response.content.decode()
    candidate.refresh_from_db()
    assert (candidate.name, candidate.version) == ("Gammelt Navn", 2)


def test_withdrawing_matching_consent_removes_the_candidate_from_matching_at_once():
    candidate = make_candidate(consents=["matching", "sharing"])
    assert list(candidates_for_matching()) == [candidate]
    client = candidate_client(candidate)

    response = client.post(reverse("candidate_consents"), {"consent_sharing": "on"})

    assert response.status_code == 302
    assert list(candidates_for_matching()) == []
    matching = candidate.consents.get(purpose="matching")
    assert matching.withdrawn_at is not None
    assert candidate.consents.get(purpose="sharing").withdrawn_at is None
    page = client.get(reverse("candidate_consents")).content.decode()
    assert "Trukket tilbage" in page


def test_giving_consent_again_adds_a_new_record_and_keeps_the_withdrawn_one():
    candidate = make_candidate(consents=["matching"])
    services.consent_withdraw(candidate=candidate, purpose="matching")

    services.consent_give(candidate=candidate, purpose="matching")

    assert candidate.consents.filter(purpose="matching").count() == 2
    assert candidate.consents.filter(purpose="matching", withdrawn_at__isnull=True).count() == 1
    assert list(candidates_for_matching()) == [candidate]


# --- Changing the e-mail address ---------------------------------------------------------------------


def test_changing_the_address_needs_the_link_sent_to_the_new_one(django_capture_on_commit_callbacks):
    candidate = make_candidate(email="gammel@example.dk")
    client = candidate_client(candidate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidate_email_change"), {"email": "ny@example.dk"})

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.email == "gammel@example.dk"
    assert [m.to for m in mail.outbox] == [["ny@example.dk"]]
    confirm = link_in(mail.outbox[0])
    assert client.post(confirm).status_code == 302
    candidate.refresh_from_db()
    assert candidate.email == "ny@example.dk"
    assert Client().post(confirm).status_code == 404  # used


def test_changing_to_an_address_that_has_a_profile_changes_nothing_and_tells_only_that_address(
        django_capture_on_commit_callbacks):
    candidate = make_candidate(email="min@example.dk")
    make_candidate(email="optaget@example.dk")
    client = candidate_client(candidate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidate_email_change"), {"email": "optaget@example.dk"})

    assert response.status_code == 302  # the same answer as for a free address
    assert [m.to for m in mail.outbox] == [["optaget@example.dk"]]
    assert "findes allerede en profil" in mail.outbox[0].body
    assert re.findall(r"https?://\S+", mail.outbox[0].body) == []
    candidate.refresh_from_db()
    assert candidate.email == "min@example.dk"


# --- Who reaches the candidate pages -----------------------------------------------------------------

SELF_URLS = ["candidate_profile", "candidate_consents", "candidate_my_data", "candidate_export_json",
             "candidate_export_pdf", "candidate_erase", "candidate_email_change"]


@pytest.mark.parametrize("name", SELF_URLS)
def test_candidate_pages_send_anonymous_visitors_and_staff_to_the_start_page(name, staff_client):
    staff = staff_client(UserFactory(organisation="jobcenter-aalborg", role="coordinator"))

    for client in (Client(), staff):
        response = client.get(reverse(name))
        assert (response.status_code, response["Location"]) == (302, reverse("candidate_start"))


@pytest.mark.parametrize("name", SELF_URLS)
def test_a_candidate_only_ever_sees_their_own_profile(name):
    a = make_candidate(name="Anna Syntetisk", email="anna@example.dk", phone="+45 11 11 11 11")
    b = make_candidate(name="Bo Syntetisk", email="bo@example.dk", phone="+45 22 22 22 22")

    response = candidate_client(b).get(reverse(name))

    assert response.status_code == 200
    body = response.content
    assert b"Anna" not in body and b"anna@example.dk" not in body and b"11 11 11 11" not in body
    assert Candidate.objects.filter(pk=a.pk).exists()


def test_a_candidate_session_opens_no_staff_page():
    candidate = make_candidate(consents=["matching", "sharing"])
    client = candidate_client(candidate)

    for url in (reverse("candidate_list"), reverse("candidate_detail", args=[candidate.pk]),
                reverse("candidate_create"), "/api/candidates", f"/api/candidates/{candidate.pk}"):
        response = client.get(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login"))


def test_an_anonymised_profile_ends_its_session():
    candidate = make_candidate()
    client = candidate_client(candidate)
    services.candidate_anonymise(candidate=candidate)

    response = client.get(reverse("candidate_profile"))

    assert response["Location"] == reverse("candidate_start")
    assert Consent.objects.filter(candidate=candidate, withdrawn_at__isnull=True).count() == 0
