"""E-mail for real: a self-service request's confirmation travels through the queue and Django's SMTP
backend to a local SMTP server (aiosmtpd), in the receiver's language, with a plain-text part and links
built from SITE_URL, whatever Host the request came with (issue 12)."""

import email
import email.policy
import re
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from viaviden.companies import selfservice
from viaviden.matches.tests.factories import next_cvr

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content,
                                                                          policy=email.policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_HOST_USER="",
                               EMAIL_HOST_PASSWORD="", SITE_URL="https://vaekstviaviden.example.dk"):
            yield inbox
    finally:
        controller.stop()


def _submit(client, **extra):
    data = {
        "cvr": next_cvr(), "company_name": "Syntetisk Smedje ApS", "postal_code": "7700",
        "tasks": "Vi vil gerne automatisere vores lager", "match_types": ["student_job"],
        "education_levels": ["KVU"], "submitter_name": "Hanne Testesen", "submitter_email": "hanne@example.dk",
        "consent": "on", "website": "", "form_token": selfservice.form_token_issue(at=time.time() - 10),
    }
    return client.post(reverse("need_public_form"), data, HTTP_HOST="evil.example.com", **extra)


def _wait(inbox, count=1):
    deadline = time.time() + 10
    while len(inbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages


@override_settings(ALLOWED_HOSTS=["evil.example.com", "testserver"])
def test_confirmation_arrives_at_the_smtp_server_in_danish_with_site_links(client, smtp_server,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client)

    assert response.status_code == 302
    [(recipients, message)] = _wait(smtp_server)
    assert recipients == ["hanne@example.dk"]
    assert message["Subject"] == "Bekræft din henvendelse til Vækst Via Viden"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Content-Language"] == "da"
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None and plain.get_content_type() == "text/plain"
    links = re.findall(r"https?://\S+", plain.get_content())
    assert links and all(link.startswith("https://vaekstviaviden.example.dk/") for link in links)
    assert "evil.example.com" not in plain.get_content()


@override_settings(ALLOWED_HOSTS=["evil.example.com", "testserver"])
def test_a_receiver_who_chose_english_gets_english(client, smtp_server, django_capture_on_commit_callbacks):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    with django_capture_on_commit_callbacks(execute=True):
        _submit(client)

    [(_to, message)] = _wait(smtp_server)
    assert message["Subject"] == "Confirm your enquiry to Vækst Via Viden"
    assert message["Content-Language"] == "en"
