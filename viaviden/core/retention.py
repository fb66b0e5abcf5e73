"""Retention of personal data outside the candidates' profiles (SPEC 3.9): Vækstpilot applicants, event
registrations, self-service requesters and consented match persons.

Each kind is a `Target` defined by the app that owns the data (`<app>/retention.py`), found here by its
dotted path so `core` imports no domain app. Its period is data (`RetentionPolicy`, defaults below, seeded
by the migration and changed in the admin). A daily job (`manage.py personal_data_retention`, scheduled by
the task queue) warns the owner of each record whose period ends within `warning_days` and anonymises a
record once its period has ended and the warning is at least `warning_days` old. Records are anonymised,
never deleted, so every count and figure stays; each run's counts are kept (`RetentionRun`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .mail import send_email
from .models import RetentionNotice, RetentionPolicy, RetentionRun

# key → (dotted path of the Target, default days, default warning days, why)
DEFAULTS: dict[str, tuple[str, int, int, str]] = {
    "vaekstpilot_applicant": ("viaviden.vaekstpilot.retention.TARGET", 5 * 365, 30,
                              "Tilskudssager opbevares i 5 år efter afslutning (revision af tilskud)."),
    "event_registration": ("viaviden.events.retention.TARGET", 365, 30,
                           "Tilmeldinger bruges til evaluering og opfølgning i et år efter arrangementet."),
    "selfservice_requester": ("viaviden.companies.retention.TARGET", 2 * 365, 30,
                              "Henvendelser følges op i to år efter lukning."),
    "match_person": ("viaviden.matches.retention.TARGET", 3 * 365, 30,
                     "Navn og e-mail på match holdes i programperioden og tre år efter samtykket."),
}


@dataclass(frozen=True)
class Target:
    """One kind of personal data. `reference` annotates each live record with `retention_from` (the date
    its period counts from) and filters out records already anonymised or without personal data."""

    key: str
    label: str
    live: Callable[[], QuerySet]
    contact: Callable[[object], tuple[str, str]]  # (e-mail address, what the record is, for the warning)
    anonymise: Callable[[object], None]


@dataclass
class RetentionOutcome:
    key: str
    warned: list[int] = field(default_factory=list)
    anonymised: list[int] = field(default_factory=list)


def policy_for(key: str) -> RetentionPolicy:
    path, days, warning, note = DEFAULTS[key]
    policy, _created = RetentionPolicy.objects.get_or_create(
        key=key, defaults={"days": days, "warning_days": warning, "note": note})
    return policy


def target(key: str) -> Target:
    return import_string(DEFAULTS[key][0])


def _warn(t: Target, obj, *, delete_on: dt.date) -> None:
    address, what = t.contact(obj)
    if not address:
        return
    with translation.override("da"):
        subject = _("Vi sletter snart dine oplysninger hos Vækst Via Viden")
        body = render_to_string("core/email/retention_warning.txt", {"what": what, "date": delete_on})
    send_email(to=address, subject=subject, body=body, language="da")


def retention_run(key: str, *, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionOutcome:
    """Warn and anonymise for one kind of data; the counts are stored unless it is a dry run."""
    now = now or timezone.now()
    t, policy = target(key), policy_for(key)
    outcome = RetentionOutcome(key=key)
    notices = {n.object_id: n for n in RetentionNotice.objects.filter(key=key)}
    end = now - dt.timedelta(days=policy.days)
    warn_from = now - dt.timedelta(days=policy.days - policy.warning_days)
    for obj in t.live().filter(retention_from__lt=warn_from).order_by("pk"):
        notice = notices.get(obj.pk)
        if notice is None or notice.warned_at is None:
            outcome.warned.append(obj.pk)
            if dry_run:
                continue
            with transaction.atomic():
                RetentionNotice.objects.update_or_create(key=key, object_id=obj.pk, defaults={"warned_at": now})
                reference = obj.retention_from
                delete_on = max(reference + dt.timedelta(days=policy.days), now + dt.timedelta(days=policy.warning_days))
                _warn(t, obj, delete_on=timezone.localdate(delete_on) if isinstance(delete_on, dt.datetime)
                      else delete_on)
        elif obj.retention_from < end and notice.warned_at <= now - dt.timedelta(days=policy.warning_days):
            outcome.anonymised.append(obj.pk)
            if dry_run:
                continue
            with transaction.atomic():
                t.anonymise(obj)
                RetentionNotice.objects.filter(pk=notice.pk).update(anonymised_at=now)
    if not dry_run:
        RetentionRun.objects.create(key=key, ran_at=now, warned=len(outcome.warned),
                                    anonymised=len(outcome.anonymised))
    return outcome


def retention_run_all(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[RetentionOutcome]:
    return [retention_run(key, now=now, dry_run=dry_run) for key in DEFAULTS]
