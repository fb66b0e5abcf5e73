"""Production plumbing: settings from the environment, the e-mail queue with retries, the scheduled jobs
and their status page, health endpoints and JSON logs (issue 12)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, Schedule, Success

from config.settings.environment import email_settings, parse_email_url
from viaviden.core import jobs
from viaviden.core.mail import deliver, send_email
from viaviden.core.observability import JsonFormatter
from viaviden.organisations.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "PERSON_KEY_PEPPER": "pepper-0123456789abcdef",
    "SITE_URL": "https://vvv.example.dk",
    "ALLOWED_HOSTS": "vvv.example.dk",
    "DATABASE_URL": "sqlite:////tmp/prod12-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "EMAIL_URL": "smtp://mailer:s%40cret@mail.example.dk:587?tls=1",
}


def _check(env: dict, *args: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's sync API); a deployment never has it.
    clean = {k: v for k, v in os.environ.items()
             if k not in PRODUCTION_ENV and not k.startswith("EMAIL_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _check(PRODUCTION_ENV, "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("name", ["SECRET_KEY", "PERSON_KEY_PEPPER", "SITE_URL", "ALLOWED_HOSTS", "DATABASE_URL",
                                  "REDIS_URL", "EMAIL_URL"])
def test_production_refuses_to_start_without_a_setting(name):
    result = _check({**PRODUCTION_ENV, name: ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_production_refuses_a_whitespace_pepper():
    result = _check({**PRODUCTION_ENV, "PERSON_KEY_PEPPER": "   "})

    assert result.returncode != 0
    assert "PERSON_KEY_PEPPER" in result.stderr


def test_email_url_is_parsed():
    assert parse_email_url("smtp://mailer:s%40cret@mail.example.dk:587?tls=1") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.example.dk",
        "EMAIL_PORT": 587, "EMAIL_HOST_USER": "mailer", "EMAIL_HOST_PASSWORD": "s@cret", "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 20,
    }
    assert parse_email_url("smtps://relay.example.dk")["EMAIL_PORT"] == 465
    assert parse_email_url("smtps://relay.example.dk")["EMAIL_USE_SSL"] is True
    assert email_settings({"EMAIL_HOST": "relay", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "1"})["EMAIL_PORT"] == 2525
    assert email_settings({})["EMAIL_BACKEND"].endswith("console.EmailBackend")


# --- E-mail through the queue -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_send_email_waits_for_commit_and_has_a_plain_text_part():
    from django.db import transaction

    with transaction.atomic():
        send_email(to=["a@example.dk"], subject="Emne\nmed linjeskift", body="Hej\nlinje 2", language="en")
        assert mail.outbox == []

    [message] = mail.outbox
    assert message.to == ["a@example.dk"]
    assert message.subject == "Emne med linjeskift"
    assert message.body == "Hej\nlinje 2"
    assert message.extra_headers["Content-Language"] == "en"
    assert "text/plain" in message.message().as_string()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(to="a@example.dk", subject="x", body="y")
        raise RuntimeError

    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="viaviden.core.tests.failing_backend.FailingBackend", EMAIL_MAX_ATTEMPTS=3,
                   EMAIL_RETRY_SECONDS=60)
def test_a_failed_delivery_is_retried_later_then_given_up():
    payload = {"to": ["a@example.dk"], "subject": "s", "body": "b", "language": "da"}

    before = timezone.now()
    with pytest.raises(ConnectionRefusedError):
        deliver(payload, 1)
    retry = Schedule.objects.get(func="viaviden.core.mail.deliver")
    assert retry.schedule_type == Schedule.ONCE
    assert 59 <= (retry.next_run - before).total_seconds() <= 70
    assert retry.args.endswith(", 2)")
    assert Schedule.objects.count() == 1

    with pytest.raises(ConnectionRefusedError):
        deliver(payload, 2)
    second = Schedule.objects.exclude(pk=retry.pk).get(func="viaviden.core.mail.deliver")
    assert 119 <= (second.next_run - before).total_seconds() <= 130  # the pause doubles

    with pytest.raises(ConnectionRefusedError):
        deliver(payload, 3)  # the last attempt schedules nothing more
    assert Schedule.objects.filter(func="viaviden.core.mail.deliver").count() == 2


# --- Scheduled jobs and their status page -------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_jobs_creates_one_cron_schedule_per_job_and_is_idempotent():
    call_command("schedule_jobs", stdout=open(os.devnull, "w"))
    call_command("schedule_jobs", stdout=open(os.devnull, "w"))

    schedules = Schedule.objects.filter(func=jobs.JOB_FUNC)
    assert sorted(s.name for s in schedules) == sorted(j.name for j in jobs.JOBS)
    assert len(jobs.JOBS) == 6
    assert all(s.schedule_type == Schedule.CRON and s.next_run is not None for s in schedules)


@pytest.mark.django_db
def test_job_runs_through_the_queue_and_the_status_page_shows_it(staff_client):
    from django_q.tasks import async_task

    call_command("schedule_jobs", stdout=open(os.devnull, "w"))
    schedule = Schedule.objects.get(name="purge_unconfirmed_needs")
    task_id = async_task(jobs.JOB_FUNC, "purge_unconfirmed_needs")  # what the scheduler does, run at once
    Schedule.objects.filter(pk=schedule.pk).update(task=task_id)
    assert Success.objects.filter(id=task_id).exists()

    response = staff_client(UserFactory(role="coordinator")).get(reverse("operations_status"))

    assert response.status_code == 200
    rows = {row.job.name: row for row in response.context["jobs"]}
    assert rows["purge_unconfirmed_needs"].last_success is True
    assert rows["purge_unconfirmed_needs"].next_run == schedule.next_run
    assert rows["send_event_surveys"].last_started is None
    body = response.content.decode()
    assert "Gennemført" in body and "Endnu ikke kørt" in body


@pytest.mark.django_db
def test_failed_mail_shows_on_the_status_page(staff_client):
    # The worker records a failed task like this (in tests the queue runs in-process and re-raises instead).
    Failure.objects.create(id="f" * 32, name="e-mail s", func="viaviden.core.mail.deliver", args=(), kwargs={},
                           started=timezone.now(), stopped=timezone.now(), success=False,
                           result="ConnectionRefusedError: mail server down")

    response = staff_client(UserFactory(role="coordinator")).get(reverse("operations_status"))

    assert len(response.context["failures"]) == 1
    assert "ConnectionRefusedError" in response.content.decode()


def test_status_page_sends_anonymous_to_login(client):
    response = client.get(reverse("operations_status"))

    assert response.status_code == 302


@pytest.mark.parametrize(("role", "organisation"), [
    ("partner_staff", "jobcenter-hjoerring"), ("partner_lead", "aau"), ("steering_group", "kkr-nordjylland")])
def test_status_page_is_for_coordinators_only(staff_client, role, organisation):
    response = staff_client(UserFactory(role=role, organisation=organisation)).get(reverse("operations_status"))

    assert response.status_code == 403


# --- Health and logs -------------------------------------------------------------------------------------


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_queue(client):
    response = client.get("/readyz", HTTP_X_REQUEST_ID="proxy-id-12345")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "queue"}
    assert all(c["ok"] for c in checks.values())
    assert response["X-Request-ID"] == "proxy-id-12345"


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_is_down(client):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                               "LOCATION": "redis://127.0.0.1:1/0"}}):
        from django.core.cache import caches

        caches._settings = None
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_json_formatter_writes_a_404_as_one_line_without_traceback():
    try:
        raise LookupError("no such page")
    except LookupError:
        import sys as _sys

        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",),
                                   _sys.exc_info())
    record.status_code = 404
    record.request_id = "abc"

    line = JsonFormatter().format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "Not Found: /x" and data["status"] == 404 and data["request_id"] == "abc"
    assert "exception" not in data


def test_json_formatter_keeps_the_traceback_of_a_server_error():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys as _sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (),
                                   _sys.exc_info())
    record.status_code = 500

    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_client_address_from_a_trusted_proxy(rf):
    from django.http import HttpResponse

    from viaviden.core.observability import RequestIdMiddleware

    seen = {}
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        middleware = RequestIdMiddleware(lambda r: seen.setdefault("ip", r.META["REMOTE_ADDR"]) and HttpResponse())
    middleware(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"))
    assert seen["ip"] == "203.0.113.9"  # the proxy appended the real peer; what the client wrote is ignored

    seen.clear()
    middleware(rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert seen["ip"] == "198.51.100.1"  # not from the proxy: the header is not believed


def test_suppressed_mail_is_never_queued_so_the_worker_cannot_deliver_it_later(db, django_capture_on_commit_callbacks):
    from unittest import mock

    from viaviden.core.mail import mail_suppressed

    with mock.patch("django_q.tasks.async_task") as queue:
        with django_capture_on_commit_callbacks(execute=True):
            with mail_suppressed():
                send_email(to="a@demo.invalid", subject="Demo", body="x")
        assert not queue.called
        with django_capture_on_commit_callbacks(execute=True):
            send_email(to="a@example.org", subject="Rigtig", body="x")
        assert queue.call_count == 1
