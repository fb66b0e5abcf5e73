"""The shortlist services: add a suggested candidate, set the status, contact the candidate (only with the
COMPANY_CONTACT consent; the e-mail is sent after commit) and register a match from an entry."""

from __future__ import annotations

import pytest
from django.core import mail

from viaviden.candidates.models import Shortlist
from viaviden.candidates.services import consent_withdraw
from viaviden.candidates.shortlist_services import (
    shortlist_add,
    shortlist_contact,
    shortlist_set_status,
    shortlist_to_match,
)
from viaviden.companies.models import Need
from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .matching_support import fresh_matching_index, register_student, support_need  # noqa: F401

pytestmark = pytest.mark.django_db

REASONS = ["Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker"]


@pytest.fixture
def owner():
    """Staff of the need's owner organisation (Jobcenter Thisted)."""
    return UserFactory(
        organisation="jobcenter-thisted",
        role=User.Role.PARTNER_STAFF,
        email="konsulent@thisted.dk",
        first_name="Karen",
        last_name="Konsulent",
    )


@pytest.fixture
def need():
    return support_need(organisation="jobcenter-thisted")


def test_owner_adds_a_suggested_candidate_with_the_reasons(owner, need):
    student = register_student()

    entry = shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS, note=" Ring i morgen ")

    assert (entry.need, entry.candidate, entry.status) == (need, student, Shortlist.Status.SHORTLISTED)
    assert entry.reasons == REASONS
    assert entry.organisation == owner.organisation
    assert entry.added_by == owner
    assert entry.note == "Ring i morgen"


def test_other_organisation_may_not_use_the_shortlist(need):
    other = UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)

    with pytest.raises(Forbidden) as exc:
        shortlist_add(user=other, need=need, candidate=register_student(), reasons=REASONS)

    assert exc.value.code == "not_need_owner"
    assert not Shortlist.objects.exists()


def test_coordinator_may_use_the_shortlist(need):
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)

    entry = shortlist_add(user=coordinator, need=need, candidate=register_student(), reasons=REASONS)

    assert entry.organisation.slug == "koordinationsgruppen"


def test_a_candidate_without_matching_consent_cannot_be_shortlisted(owner, need):
    student = register_student(consents=["sharing"])

    with pytest.raises(NotFound) as exc:
        shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)

    assert exc.value.code == "no_matching_consent"
    assert not Shortlist.objects.exists()


def test_a_candidate_is_on_a_needs_shortlist_once(owner, need):
    student = register_student()
    shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)

    with pytest.raises(Conflict) as exc:
        shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)

    assert exc.value.code == "already_shortlisted"
    assert Shortlist.objects.count() == 1


def test_a_closed_need_has_no_shortlist_changes(owner, need):
    Need.objects.filter(pk=need.pk).update(
        status=Need.Status.CLOSED, answer="no_match", answer_note="Nej", answered_at=need.created_at
    )
    need.refresh_from_db()

    with pytest.raises(ValidationFailed) as exc:
        shortlist_add(user=owner, need=need, candidate=register_student(), reasons=REASONS)

    assert exc.value.code == "need_not_open"
    assert not Shortlist.objects.exists()


def test_status_is_set_by_the_owner(owner, need):
    entry = shortlist_add(user=owner, need=need, candidate=register_student(), reasons=REASONS)

    shortlist_set_status(user=owner, entry=entry, status="interested", note="Vil gerne til samtale")

    entry.refresh_from_db()
    assert (entry.status, entry.note) == ("interested", "Vil gerne til samtale")


def test_unknown_status_is_refused(owner, need):
    entry = shortlist_add(user=owner, need=need, candidate=register_student(), reasons=REASONS)

    with pytest.raises(ValidationFailed):
        shortlist_set_status(user=owner, entry=entry, status="hired")

    entry.refresh_from_db()
    assert entry.status == "shortlisted"


def test_contact_sends_the_candidate_an_email_about_the_need_after_commit(
    owner, need, django_capture_on_commit_callbacks
):
    # given a shortlisted candidate who agreed to be contacted about companies' needs
    student = register_student(consents=["matching", "company_contact"], email="maja@example.org")
    entry = shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)
    mail.outbox.clear()

    # when the consultant contacts them
    with django_capture_on_commit_callbacks(execute=True):
        entry = shortlist_contact(user=owner, entry=entry, message="Har du lyst til at høre mere?")

    # then the candidate gets one e-mail with the need, the message and the consultant's organisation and address
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["maja@example.org"]
    assert sent.subject == "En virksomhed i Nordjylland søger en som dig: IT-support"
    assert need.company.name in sent.body
    assert "IT-support: hjælpe medarbejderne" in sent.body
    assert "Arbejdssted: Thisted" in sent.body
    assert "Har du lyst til at høre mere?" in sent.body
    assert "Jobcenter Thisted" in sent.body
    assert "konsulent@thisted.dk" in sent.body
    assert "Karen Konsulent" in sent.body
    # and the entry is marked as contacted
    entry.refresh_from_db()
    assert entry.status == "contacted"
    assert entry.contacted_at is not None


def test_contact_is_refused_without_company_contact_consent_and_no_mail_is_sent(
    owner, need, django_capture_on_commit_callbacks
):
    student = register_student(consents=["matching"])
    entry = shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Forbidden) as exc:
        shortlist_contact(user=owner, entry=entry, message="Hej")

    assert exc.value.code == "no_contact_consent"
    assert exc.value.message.startswith("Kandidaten har ikke givet samtykke til at blive kontaktet")
    assert mail.outbox == []
    entry.refresh_from_db()
    assert (entry.status, entry.contacted_at) == ("shortlisted", None)


def test_contact_is_refused_after_the_consent_is_withdrawn(owner, need, django_capture_on_commit_callbacks):
    student = register_student(consents=["matching", "company_contact"])
    entry = shortlist_add(user=owner, need=need, candidate=student, reasons=REASONS)
    consent_withdraw(candidate=student, purpose="company_contact")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Forbidden):
        shortlist_contact(user=owner, entry=entry, message="Hej")

    assert mail.outbox == []


def test_contact_needs_a_message(owner, need, django_capture_on_commit_callbacks):
    entry = shortlist_add(
        user=owner, need=need, candidate=register_student(consents=["matching", "company_contact"]), reasons=REASONS
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        shortlist_contact(user=owner, entry=entry, message="   ")

    assert exc.value.details == {"message": ["Skriv en besked til kandidaten."]}
    assert mail.outbox == []


def test_other_organisation_may_not_contact(owner, need, django_capture_on_commit_callbacks):
    entry = shortlist_add(
        user=owner, need=need, candidate=register_student(consents=["matching", "company_contact"]), reasons=REASONS
    )
    other = UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF, email="aau@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Forbidden):
        shortlist_contact(user=other, entry=entry, message="Hej")

    assert mail.outbox == []


def test_to_match_points_to_the_prefilled_match_form(owner, need):
    entry = shortlist_add(user=owner, need=need, candidate=register_student(), reasons=REASONS)

    url = shortlist_to_match(user=owner, entry=entry)

    assert url == f"/match/ny/?need={need.pk}&candidate={entry.candidate_id}"
