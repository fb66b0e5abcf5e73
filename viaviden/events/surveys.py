"""Follow-up surveys (SPEC 3.4): after an event was held, or a bourse collaboration was confirmed, a short
survey by e-mail link to the companies and the participants: did the collaboration happen, did you gain
knowledge or inspiration (the 90 % target), and a comment. One reminder after REMINDER_DAYS.

Surveys are created by `event_mark_held` (attendees) and by the bourse module after a confirmed
assignment (`survey_create_for_collaboration`); `manage.py send_event_surveys` sends what is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.core.errors import ValidationFailed
from viaviden.core.mail import send_email, site_url

from .models import Event, Registration, Survey
from .selectors import survey_by_token

REMINDER_DAYS = 7
# A survey is not sent (or reminded) for events that ended longer ago than this: the answer would not be
# "right after", as the target asks.
MAX_AGE_DAYS = 60


def surveys_create_for_event(*, event: Event) -> int:
    """One survey per attendee (company contact person or participant); existing ones are kept."""
    attended = event.registrations.filter(status=Registration.Status.REGISTERED, attended_at__isnull=False)
    have = set(event.surveys.values_list("email", flat=True))
    new = [
        Survey(
            event=event,
            registration=reg,
            respondent_kind=(Survey.RespondentKind.COMPANY if reg.kind == Registration.Kind.COMPANY
                             else Survey.RespondentKind.PARTICIPANT),
            company=reg.company,
            name=reg.name,
            email=reg.email,
            is_synthetic=event.is_synthetic,
        )
        for reg in attended
        if reg.email not in have
    ]
    Survey.objects.bulk_create(new)
    return len(new)


def survey_create_for_collaboration(
    *, match, respondent_kind: str, email: str, name: str = "", company=None, bourse_run=None,
    event: Event | None = None,
) -> Survey:
    """A survey about a confirmed collaboration (e.g. a bourse assignment turned into a match). At most one
    per match and respondent kind; calling again returns the existing one."""
    if respondent_kind not in Survey.RespondentKind.values:
        raise ValidationFailed(_("Ukendt type af modtager."), code="invalid_survey")
    existing = Survey.objects.filter(match=match, respondent_kind=respondent_kind).first()
    if existing is not None:
        return existing
    survey = Survey(match=match, respondent_kind=respondent_kind, email=email.strip(), name=name.strip(),
                    company=company, bourse_run=bourse_run, is_synthetic=getattr(match, "is_synthetic", False))
    survey.full_clean(exclude=["event", "registration"])
    survey.save()
    return survey


def survey_answer(
    *, token: str, collaboration_happened: bool | None, gained_knowledge: bool | None, comment: str = ""
) -> Survey:
    """Save the answers (once; a second answer is refused so the figures cannot be inflated by one link)."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey_by_token(token).pk)
        if survey.answered_at is not None:
            raise ValidationFailed(_("Du har allerede svaret. Tak for det."), code="already_answered")
        if gained_knowledge is None:
            msg = _("Svar på, om du fik ny viden eller inspiration.")
            raise ValidationFailed(msg, code="invalid_survey", details={"gained_knowledge": [msg]})
        survey.collaboration_happened = collaboration_happened
        survey.gained_knowledge = gained_knowledge
        survey.comment = (comment or "").strip()[:2000]
        survey.answered_at = timezone.now()
        survey.save(update_fields=["collaboration_happened", "gained_knowledge", "comment", "answered_at"])
    return survey


@dataclass
class SendResult:
    sent: int = 0
    reminded: int = 0
    skipped_old: int = 0


def _subject_and_body(survey: Survey, *, reminder: bool) -> tuple[str, str]:
    with translation.override("da"):
        what = survey.event.title if survey.event_id else _("jeres samarbejde")
        subject = (_("Påmindelse: %(what)s – tre korte spørgsmål") if reminder
                   else _("%(what)s – tre korte spørgsmål")) % {"what": what}
        body = render_to_string("events/email/survey.txt", {
            "survey": survey, "what": what, "reminder": reminder,
            "url": site_url(reverse("survey_answer", args=[survey.token])),
        })
    return subject, body


def _reference_time(survey: Survey) -> dt.datetime:
    if survey.event_id:
        return survey.event.ends_at
    return survey.created_at


def surveys_send_due(*, now: dt.datetime | None = None, reminder_days: int = REMINDER_DAYS,
                     dry_run: bool = False) -> SendResult:
    """Send the surveys not yet sent and one reminder to those unanswered after `reminder_days`."""
    now = now or timezone.now()
    result = SendResult()
    oldest = now - dt.timedelta(days=MAX_AGE_DAYS)
    unsent = Survey.objects.filter(sent_at__isnull=True, answered_at__isnull=True).select_related("event")
    for survey in unsent.iterator():
        if _reference_time(survey) < oldest:
            result.skipped_old += 1
            continue
        if survey.event_id and survey.event.status != Event.Status.HELD:
            continue
        result.sent += 1
        if not dry_run:
            _send(survey, now=now, reminder=False)
    due = Survey.objects.filter(
        sent_at__lte=now - dt.timedelta(days=reminder_days), reminded_at__isnull=True, answered_at__isnull=True
    ).select_related("event")
    for survey in due.iterator():
        result.reminded += 1
        if not dry_run:
            _send(survey, now=now, reminder=True)
    return result


def _send(survey: Survey, *, now: dt.datetime, reminder: bool) -> None:
    subject, body = _subject_and_body(survey, reminder=reminder)
    field = "reminded_at" if reminder else "sent_at"
    with transaction.atomic():
        # Marked first: a crash after sending never sends twice; a failed send is logged by the mail backend.
        updated = Survey.objects.filter(pk=survey.pk, **{f"{field}__isnull": True}).update(**{field: now})
        if updated:
            send_email(to=survey.email, subject=subject, body=body, language="da")
