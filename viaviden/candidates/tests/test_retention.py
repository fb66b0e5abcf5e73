"""Retention (SPEC 3.9): a profile unused for CANDIDATE_RETENTION_DAYS is anonymised, after a warning e-mail
CANDIDATE_RETENTION_WARNING_DAYS before; logging in or updating resets the clock; runs are idempotent."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.candidates import services
from viaviden.candidates.models import Candidate, Consent, Shortlist
from viaviden.candidates.selectors import candidate_list_for_staff, candidates_for_matching
from viaviden.candidates.services import candidate_retention_run, login_token
from viaviden.companies.tests.test_needs_support import make_need
from viaviden.organisations.tests.factories import UserFactory

from .factories import make_candidate

pytestmark = pytest.mark.django_db

LAST_ACTIVE = timezone.make_aware(dt.datetime(2021, 3, 1, 10, 0))


def day(n: int) -> dt.datetime:
    """`n` days after the candidate was last active, at 06:00 (when cron runs the command)."""
    return timezone.make_aware(dt.datetime.combine((LAST_ACTIVE + dt.timedelta(days=n)).date(), dt.time(6, 0)))


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.CANDIDATE_RETENTION_DAYS = 730
    settings.CANDIDATE_RETENTION_WARNING_DAYS = 30


@pytest.fixture
def idle():
    candidate = make_candidate(name="Ida Syntetisk", email="ida@example.dk", organisation="jobcenter-hjoerring",
                               consents=["matching", "sharing"])
    Candidate.objects.filter(pk=candidate.pk).update(last_active_at=LAST_ACTIVE)
    candidate.refresh_from_db()
    return candidate


def run(n: int, **kwargs):
    return candidate_retention_run(now=day(n), base_url="https://vaekstviaviden.example", **kwargs)


def test_warning_then_anonymisation_with_fixed_dates(idle, django_capture_on_commit_callbacks):
    need = make_need(organisation="jobcenter-hjoerring")
    Shortlist.objects.create(need=need, candidate=idle, organisation=need.owner_organisation, note="Ida ringede")

    with django_capture_on_commit_callbacks(execute=True):
        too_early = run(699)
        warned = run(701)
        warned_again = run(701)
        not_yet = run(730)
        anonymised = run(731)
        again = run(800)

    assert (too_early.warned, too_early.anonymised) == ([], [])
    assert (warned.warned, warned.anonymised) == ([idle.pk], [])
    assert (warned_again.warned, warned_again.anonymised) == ([], [])
    assert (not_yet.warned, not_yet.anonymised) == ([], [])
    assert (anonymised.warned, anonymised.anonymised) == ([], [idle.pk])
    assert (again.warned, again.anonymised) == ([], [])

    assert [m.to for m in mail.outbox] == [["ida@example.dk"]]
    warning = mail.outbox[0]
    assert warning.subject == "Din profil hos Vækst Via Viden bliver snart anonymiseret"
    # warned 31-01-2023, so not before 30 days later (later than 01-03-2021 + 730 days = 01-03-2023)
    assert "Vi anonymiserer den 02-03-2023" in warning.body
    assert "https://vaekstviaviden.example/kandidat/" in warning.body

    idle.refresh_from_db()
    assert (idle.name, idle.email, idle.phone, idle.competences, idle.experience) == (
        "Anonymiseret kandidat", f"anonym-{idle.pk}@anonymiseret.invalid", "", "", "")
    assert idle.programme.slug == "datamatiker-ucn"  # the pseudonymous part stays for statistics
    assert idle.home_municipality_id == "851"
    assert not Consent.objects.filter(candidate=idle, withdrawn_at__isnull=True).exists()
    assert Consent.objects.filter(candidate=idle).count() == 2  # withdrawn, kept as evidence
    assert Shortlist.objects.get(candidate=idle).note == ""
    assert list(candidates_for_matching()) == []
    assert list(candidate_list_for_staff(UserFactory(organisation="jobcenter-hjoerring"))) == []
    for entry in LogEntry.objects.filter(object_pk=str(idle.pk)):
        text = f"{entry.object_repr} {json.dumps(entry.changes)} {json.dumps(entry.additional_data)}"
        assert "Ida" not in text and "ida@example.dk" not in text, text
    assert LogEntry.objects.filter(object_pk=str(idle.pk), additional_data__anonymised=True).count() == 1


def test_a_profile_never_warned_is_warned_first_even_when_long_expired(idle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = run(900)
        early = run(929)
        later = run(930)

    assert (first.warned, first.anonymised) == ([idle.pk], [])
    assert early.anonymised == []
    assert later.anonymised == [idle.pk]
    assert "Vi anonymiserer den " + (day(930)).strftime("%d-%m-%Y") in mail.outbox[0].body


def test_logging_in_after_the_warning_keeps_the_profile(idle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(701)
    idle.refresh_from_db()
    assert idle.retention_warning_sent_at == day(701)

    assert Client().post(reverse("candidate_login", args=[login_token(idle)])).status_code == 302

    idle.refresh_from_db()
    assert idle.retention_warning_sent_at is None
    result = candidate_retention_run(now=timezone.now() + dt.timedelta(days=40))
    assert (result.warned, result.anonymised) == ([], [])
    assert Candidate.objects.get(pk=idle.pk).name == "Ida Syntetisk"


def test_updating_the_profile_resets_the_clock(idle):
    services.candidate_update(candidate=idle, version=idle.version, data={"competences": "Nye kompetencer"})

    result = candidate_retention_run(now=timezone.now() + dt.timedelta(days=699))

    assert (result.warned, result.anonymised) == ([], [])


def test_a_dry_run_changes_nothing_and_sends_nothing(idle, django_capture_on_commit_callbacks):
    Candidate.objects.filter(pk=idle.pk).update(retention_warning_sent_at=day(701))

    with django_capture_on_commit_callbacks(execute=True):
        result = run(760, dry_run=True)
        fresh = make_candidate()
        Candidate.objects.filter(pk=fresh.pk).update(last_active_at=LAST_ACTIVE)
        result_two = run(701, dry_run=True)

    assert (result.warned, result.anonymised) == ([], [idle.pk])
    assert result_two.warned == [fresh.pk]
    idle.refresh_from_db()
    assert idle.name == "Ida Syntetisk"
    assert Candidate.objects.get(pk=fresh.pk).retention_warning_sent_at is None
    assert mail.outbox == []


def test_the_command_with_date_and_dry_run(idle, django_capture_on_commit_callbacks):
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("candidate_retention", "--date", day(701).date().isoformat(), "--dry-run", stdout=out)
        call_command("candidate_retention", "--date", day(701).date().isoformat(), stdout=out)
        call_command("candidate_retention", "--date", day(731).date().isoformat(), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"(prøvekørsel) Advarsel sendt: kandidat {idle.pk}",
        f"(prøvekørsel) {day(701):%d-%m-%Y}: 1 advarsler, 0 anonymiseret (slettefrist 730 dage, advarsel 30 dage før).",
        f"Advarsel sendt: kandidat {idle.pk}",
        f"{day(701):%d-%m-%Y}: 1 advarsler, 0 anonymiseret (slettefrist 730 dage, advarsel 30 dage før).",
        f"Anonymiseret: kandidat {idle.pk}",
        f"{day(731):%d-%m-%Y}: 0 advarsler, 1 anonymiseret (slettefrist 730 dage, advarsel 30 dage før).",
    ]
    assert "Ida" not in out.getvalue()
    assert len(mail.outbox) == 1


def test_the_retention_period_comes_from_settings(idle, settings, django_capture_on_commit_callbacks):
    settings.CANDIDATE_RETENTION_DAYS = 100
    settings.CANDIDATE_RETENTION_WARNING_DAYS = 10

    with django_capture_on_commit_callbacks(execute=True):
        assert run(89).warned == []
        assert run(91).warned == [idle.pk]
        assert run(101).anonymised == [idle.pk]


def test_a_bad_date_is_an_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("candidate_retention", "--date", "31-02-2022")
