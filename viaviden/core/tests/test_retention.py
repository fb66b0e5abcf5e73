"""Retention of Vækstpilot applicants, event registrations, self-service requesters and consented match
persons: warned, then anonymised after the period (data, RetentionPolicy), counts kept (issue 12)."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from viaviden.companies.models import Need
from viaviden.core.models import RetentionNotice, RetentionPolicy, RetentionRun
from viaviden.core.retention import DEFAULTS, retention_run
from viaviden.events.models import Registration
from viaviden.events.tests.event_factories import make_event
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import Organisation
from viaviden.vaekstpilot.models import Application
from viaviden.vaekstpilot.tests.factories import make_application

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 6, 0))


def _registration(ends_days_ago: int) -> Registration:
    event = make_event(starts_at=NOW - dt.timedelta(days=ends_days_ago, hours=2))
    return Registration.objects.create(event=event, name="Hanne Testesen", email="hanne@example.dk", phone="12345678",
                                       consent_at=NOW - dt.timedelta(days=ends_days_ago + 10))


def test_the_periods_are_data_seeded_by_the_migration():
    assert set(RetentionPolicy.objects.values_list("key", flat=True)) == set(DEFAULTS)
    assert RetentionPolicy.objects.get(key="event_registration").days == 365


def test_event_registration_is_warned_then_anonymised_and_counts_kept(django_capture_on_commit_callbacks):
    old, recent = _registration(ends_days_ago=400), _registration(ends_days_ago=100)

    with django_capture_on_commit_callbacks(execute=True):
        first = retention_run("event_registration", now=NOW)

    assert first.warned == [old.pk] and first.anonymised == []
    [warning] = mail.outbox
    assert warning.to == ["hanne@example.dk"]
    assert "anonymiserer vi dem" in warning.body
    # a second run the same day changes nothing and sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run("event_registration", now=NOW).warned == []
    assert len(mail.outbox) == 1

    later = retention_run("event_registration", now=NOW + dt.timedelta(days=31))

    assert later.anonymised == [old.pk]
    old.refresh_from_db()
    assert (old.name, old.phone) == ("Anonymiseret", "")
    assert old.email.endswith("@anonymiseret.invalid")
    assert Registration.objects.filter(pk=old.pk).exists()  # kept: attendance figures do not change
    recent.refresh_from_db()
    assert recent.name == "Hanne Testesen"
    assert list(RetentionRun.objects.filter(key="event_registration").order_by("ran_at")
                .values_list("warned", "anonymised")) == [(1, 0), (0, 0), (0, 1)]
    assert RetentionNotice.objects.get(key="event_registration", object_id=old.pk).anonymised_at is not None


def test_a_shorter_period_set_as_data_takes_effect():
    registration = _registration(ends_days_ago=100)
    RetentionPolicy.objects.filter(key="event_registration").update(days=90, warning_days=5)

    assert retention_run("event_registration", now=NOW).warned == [registration.pk]
    assert retention_run("event_registration", now=NOW + dt.timedelta(days=5)).anonymised == [registration.pk]


def test_dry_run_changes_nothing():
    registration = _registration(ends_days_ago=400)

    outcome = retention_run("event_registration", now=NOW, dry_run=True)

    assert outcome.warned == [registration.pk]
    assert mail.outbox == [] and not RetentionNotice.objects.exists() and not RetentionRun.objects.exists()


def test_vaekstpilot_applicant_contact_is_anonymised_after_the_application_ended():
    app = make_application()
    Application.objects.filter(pk=app.pk).update(status=Application.Status.COMPLETED,
                                                 closed_at=NOW - dt.timedelta(days=6 * 365))
    running = make_application()

    retention_run("vaekstpilot_applicant", now=NOW)
    outcome = retention_run("vaekstpilot_applicant", now=NOW + dt.timedelta(days=30))

    assert outcome.anonymised == [app.pk]
    app.refresh_from_db()
    assert app.contact_name == "Anonymiseret" and app.contact_phone == "" and app.person_name == ""
    assert app.contact_email == f"anonym-{app.pk}@anonymiseret.invalid"
    running.refresh_from_db()
    assert running.contact_email != "" and not running.contact_email.endswith("anonymiseret.invalid")


def test_selfservice_requester_is_removed_from_a_closed_request():
    need = Need.objects.create(
        company=CompanyFactory(), title="Lager", tasks="Automatisering", source=Need.Source.SELF_SERVICE,
        status=Need.Status.CLOSED, closed_at=NOW - dt.timedelta(days=800), answer=Need.Answer.NO_MATCH,
        answered_at=NOW - dt.timedelta(days=800), answer_note="Ingen kandidater",
        owner_organisation=Organisation.objects.get(slug="erhvervskontor-thisted"),
        submitter_name="Hanne", submitter_email="hanne@example.dk", submitter_phone="12")

    retention_run("selfservice_requester", now=NOW)
    retention_run("selfservice_requester", now=NOW + dt.timedelta(days=30))

    need.refresh_from_db()
    assert (need.submitter_name, need.submitter_email, need.submitter_phone) == ("Anonymiseret", "", "")
    assert need.title == "Lager"


def test_consented_match_person_keeps_the_match_pseudonymous():
    match = make_match(person_name="Ole Olsen", person_email="ole@example.dk", person_consent=True)
    Match.objects.filter(pk=match.pk).update(person_consent_at=NOW - dt.timedelta(days=4 * 365))
    key = Match.objects.get(pk=match.pk).person_key

    retention_run("match_person", now=NOW)
    retention_run("match_person", now=NOW + dt.timedelta(days=30))

    match.refresh_from_db()
    assert (match.person_name, match.person_email) == ("", "")
    assert match.person_key == key and match.education_level_id == "KVU"


def test_command_prints_counts_only():
    _registration(ends_days_ago=400)
    out = io.StringIO()

    call_command("personal_data_retention", "--date", "2026-06-01", stdout=out)

    text = out.getvalue()
    assert "event_registration: 1 advarsler, 0 anonymiseret" in text
    assert "hanne" not in text.lower()
