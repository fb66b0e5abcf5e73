"""Every e-mail the platform sends goes through here: queued after the transaction commits, delivered by
the task queue's worker (django-q2), and tried again with growing pauses when the mail server fails.

The caller composes subject and body in the receiver's language (Danish, or English where the receiver
chose English) and passes the language along; the message always has a plain-text part, and an HTML
alternative when one is given. Links in bodies are built from settings.SITE_URL (`site_link`), never from
the Host header of the request that caused the mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation

logger = logging.getLogger("viaviden.mail")

DELIVER = "viaviden.core.mail.deliver"


def site_link(path: str = "/") -> str:
    """An absolute link for an e-mail or a feed: the configured site URL plus the path."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def site_base_url() -> str:
    """The configured site URL with a trailing slash: what services take as `base_url`."""
    return settings.SITE_URL.rstrip("/") + "/"


def site_url(path: str) -> str:
    """The absolute URL of `path` (a reversed URL, starting with '/') on the configured site."""
    return settings.SITE_URL.rstrip("/") + path


_suppressed: ContextVar[bool] = ContextVar("viaviden_mail_suppressed", default=False)


@contextmanager
def mail_suppressed() -> Iterator[None]:
    """Nothing sent inside queues a message (the synthetic demo data mails no one). Decided when the message
    is composed: the queue's worker delivers later, with the configured backend."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def send_email(*, to: Iterable[str] | str, subject: str, body: str, html_body: str | None = None,
               language: str | None = None, reply_to: Iterable[str] = (), separately: bool = False) -> None:
    """Queue the message for delivery once the current transaction commits (immediately outside one).
    `separately`: each receiver gets a message of their own (receivers who must not see each other)."""
    recipients = [to] if isinstance(to, str) else [a for a in to if a]
    if not recipients or _suppressed.get():
        return
    payload = {
        "subject": " ".join(str(subject).split()),  # no header injection through a newline in a name
        "body": str(body),
        "html_body": str(html_body) if html_body else None,
        "language": language or translation.get_language() or settings.LANGUAGE_CODE,
        "reply_to": list(reply_to),
    }

    def enqueue() -> None:
        from django_q.tasks import async_task

        for group in ([[a] for a in recipients] if separately else [recipients]):
            async_task(DELIVER, {**payload, "to": group}, 1, task_name=f"e-mail {payload['subject'][:60]}",
                       group="e-mail")

    transaction.on_commit(enqueue)


def build_message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"], body=payload["body"], from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(payload["to"]), reply_to=payload.get("reply_to") or None,
        headers={"Content-Language": payload.get("language") or settings.LANGUAGE_CODE,
                 "Auto-Submitted": "auto-generated"},
    )
    if payload.get("html_body"):
        message.attach_alternative(payload["html_body"], "text/html")
    return message


def retry_delay(attempt: int) -> int:
    """Seconds before attempt `attempt + 1`: the base pause, doubled each time, at most six hours."""
    return min(settings.EMAIL_RETRY_SECONDS * 2 ** (attempt - 1), 6 * 3600)


def deliver(payload: dict, attempt: int = 1) -> str:
    """The queue's task: send one message. On failure, schedule the next attempt (a one-off schedule in
    the database, so it survives a restart of the worker) and fail this task, so the status page shows it."""
    try:
        build_message(payload).send(fail_silently=False)
    except Exception as exc:
        if attempt < settings.EMAIL_MAX_ATTEMPTS:
            from django_q.models import Schedule

            delay = retry_delay(attempt)
            Schedule.objects.create(
                func=DELIVER, args=repr((payload, attempt + 1)), schedule_type=Schedule.ONCE, repeats=1,
                next_run=timezone.now() + timezone.timedelta(seconds=delay),
                name=f"e-mail retry {attempt + 1} {timezone.now():%Y%m%d%H%M%S%f}",
            )
            logger.warning("e-mail attempt %d failed (%s); next attempt in %d s", attempt, type(exc).__name__, delay)
        else:
            logger.error("e-mail given up after %d attempts (%s)", attempt, type(exc).__name__)
        raise
    return f"sent (attempt {attempt})"
