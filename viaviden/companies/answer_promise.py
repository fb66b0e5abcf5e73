"""The answer promise (SPEC 3.2, seed 5.2.1.2): every company request gets an answer before a deadline
counted in Danish working days. The deadline rule is data (AnswerRule, with validity dates).

Company requests are needs with `requested_at` set (self-service requests and needs wishing a student
collaboration) and referrals to a service. A need is answered when `answered_at` is set (match,
alternative, or no match with a reason); a referral when the service accepted it or declined it with
an alternative. Open requests are reminded before their deadline, overdue ones go to the coordinators
in a daily digest, and the answer-times report measures each organisation."""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.core.workdays import add_working_days, working_days_between
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import User
from viaviden.reference.models import MatchType

from .models import AnswerRule, Need, NeedEvent, Referral

logger = logging.getLogger(__name__)

DEFAULT_WORKING_DAYS = 10
DEFAULT_REMIND_DAYS_BEFORE = 2
MAX_WORKING_DAYS = 60

OPEN_NEED_STATUSES = (Need.Status.NEW, Need.Status.IN_PROGRESS)
OPEN_REFERRAL_STATUSES = (Referral.Status.SENT, Referral.Status.QUESTION)
ANSWERED_REFERRAL_STATUSES = (Referral.Status.ACCEPTED, Referral.Status.DECLINED)


def answer_rule_on(day: dt.date) -> AnswerRule:
    """The rule in force on `day` (the newest with valid_from <= day), or the default (not saved)."""
    rule = AnswerRule.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if rule is None:
        rule = AnswerRule(valid_from=dt.date(2020, 1, 1), working_days=DEFAULT_WORKING_DAYS,
                          remind_days_before=DEFAULT_REMIND_DAYS_BEFORE)
    return rule


def answer_due_for(received: dt.datetime | dt.date | None = None) -> dt.date:
    """The answer deadline for a request received at `received` (default: now)."""
    if received is None:
        received = timezone.now()
    day = timezone.localdate(received) if isinstance(received, dt.datetime) else received
    return add_working_days(day, answer_rule_on(day).working_days)


def is_company_request(*, source: str, match_type_codes: list[str] | set[str]) -> bool:
    """Whether a need is a company request under the answer promise: anything the company sent itself,
    and any need wishing a student collaboration."""
    if source == Need.Source.SELF_SERVICE:
        return True
    if not match_type_codes:
        return False
    return MatchType.objects.filter(code__in=match_type_codes, group="student_collaboration").exists()


# --- Open requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One open company request: a need waiting for its answer, or a referral waiting for the service.
    `organisation` is who must answer (the need's owner, the service's organisation)."""

    kind: str  # "need" | "referral"
    need: Need
    referral: Referral | None
    organisation: Any
    received: dt.date
    due: dt.date
    today: dt.date

    @property
    def obj(self) -> Need | Referral:
        return self.referral if self.referral is not None else self.need

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def kind_label(self) -> str:
        return _("Henvisning") if self.kind == "referral" else _("Behov")

    @property
    def age(self) -> int:
        """Working days since the request was received."""
        return working_days_between(self.received, self.today)

    @property
    def overdue_days(self) -> int:
        """Working days past the deadline (0 when not overdue)."""
        return working_days_between(self.due, self.today)

    @property
    def is_overdue(self) -> bool:
        return self.due < self.today

    @property
    def reminder_sent_at(self) -> dt.datetime | None:
        return self.obj.reminder_sent_at

    @property
    def responsible(self) -> str:
        """Who must answer: the organisation, and for a need its responsible staff member if any."""
        name = str(self.organisation)
        if self.referral is None and self.need.owner is not None:
            owner = self.need.owner
            name = f"{name} ({owner.get_full_name() or owner.username})"
        return name


def _open_needs():
    return Need.objects.filter(
        status__in=OPEN_NEED_STATUSES, requested_at__isnull=False, answered_at__isnull=True
    ).select_related("company", "owner_organisation", "owner")


def _open_referrals():
    # A referral of a need that was answered and closed meanwhile no longer waits for anyone.
    return Referral.objects.filter(status__in=OPEN_REFERRAL_STATUSES, need__status__in=OPEN_NEED_STATUSES).select_related(
        "need__company", "need__owner_organisation", "service__organisation", "from_organisation", "from_user"
    )


def _need_due(need: Need) -> dt.date:
    return need.answer_due or answer_due_for(need.requested_at)


def _need_request(need: Need, today: dt.date) -> Request:
    return Request(kind="need", need=need, referral=None, organisation=need.owner_organisation,
                   received=timezone.localdate(need.requested_at), due=_need_due(need), today=today)


def _referral_request(referral: Referral, today: dt.date) -> Request:
    return Request(kind="referral", need=referral.need, referral=referral, organisation=referral.service.organisation,
                   received=timezone.localdate(referral.created_at), due=referral.due, today=today)


def _requests(*, today: dt.date, due_before: dt.date | None = None, due_from: dt.date | None = None,
              org_ids: Iterable[int] | None = None) -> list[Request]:
    """Open requests with due_from <= due < due_before (either bound optional), earliest deadline first."""
    needs = _open_needs()
    referrals = _open_referrals()
    if org_ids is not None:
        ids = list(org_ids)
        needs = needs.filter(owner_organisation_id__in=ids)
        referrals = referrals.filter(service__organisation_id__in=ids)
    if due_before is not None:
        # A need saved without a stored deadline is judged by the deadline computed from requested_at.
        needs = needs.exclude(answer_due__gte=due_before)
        referrals = referrals.filter(due__lt=due_before)
    if due_from is not None:
        needs = needs.exclude(answer_due__lt=due_from)
        referrals = referrals.filter(due__gte=due_from)
    items = [_need_request(n, today) for n in needs] + [_referral_request(r, today) for r in referrals]
    items = [
        r for r in items
        if (due_before is None or r.due < due_before) and (due_from is None or r.due >= due_from)
    ]
    return sorted(items, key=lambda r: (r.due, r.received, r.kind, r.pk))


def open_requests(today: dt.date | None = None, *, org_ids: Iterable[int] | None = None) -> list[Request]:
    """Every open company request (optionally of some organisations), earliest deadline first."""
    return _requests(today=today or timezone.localdate(), org_ids=org_ids)


def overdue_requests(today: dt.date | None = None, *, org_ids: Iterable[int] | None = None) -> list[Request]:
    """Open requests whose deadline has passed: the deadline day itself still counts as in time."""
    today = today or timezone.localdate()
    return _requests(today=today, due_before=today, org_ids=org_ids)


def reminder_window_end(today: dt.date) -> dt.date:
    """The first deadline that is NOT due soon: deadlines within the rule's `remind_days_before` working
    days of `today` are due soon."""
    return add_working_days(today, answer_rule_on(today).remind_days_before + 1)


def due_soon(today: dt.date | None = None, *, org_ids: Iterable[int] | None = None) -> list[Request]:
    """Open requests due today or within the reminder window (counted in working days)."""
    today = today or timezone.localdate()
    return _requests(today=today, due_from=today, due_before=reminder_window_end(today), org_ids=org_ids)


# --- E-mail -----------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """A link for an e-mail: the path prefixed with settings.SITE_URL when it is set."""
    base = getattr(settings, "SITE_URL", "") or ""
    return f"{base.rstrip('/')}{path}"


def url_or_empty(name: str, *args: Any) -> str:
    try:
        return absolute_url(reverse(name, args=args))
    except NoReverseMatch:
        return ""


def notify(*, template: str, subject: Any, recipients: Iterable[str], context: dict[str, Any]) -> list[str]:
    """Send a plain-text e-mail (companies/email/<template>.txt, in Danish) once the transaction commits.
    Returns the recipients (sorted, without duplicates); nothing is sent to nobody."""
    to = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not to:
        return []
    with translation.override("da"):
        body = render_to_string(f"companies/email/{template}.txt", context)
        full_subject = f"[{_('Vækst Via Viden')}] {subject}"

    # Queued after commit and retried by the task queue: a failing mail server never undoes a saved step.
    send_email(to=to, subject=full_subject, body=body, language="da")
    return to


def organisation_emails(organisation_id: int, *, exclude: Iterable[str] = ()) -> list[str]:
    """E-mail addresses of the organisation's active users."""
    skip = {e.lower() for e in exclude if e}
    emails = User.objects.filter(organisation_id=organisation_id, is_active=True).exclude(email="")
    return [e for e in emails.values_list("email", flat=True) if e.lower() not in skip]


def coordinator_emails() -> list[str]:
    return list(
        User.objects.filter(role=User.Role.COORDINATOR, is_active=True).exclude(email="").values_list("email", flat=True)
    )


# --- Reminders ----------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    today: dt.date
    reminders: list[tuple[Request, list[str]]] = field(default_factory=list)
    overdue: list[Request] = field(default_factory=list)
    digest_recipients: list[str] = field(default_factory=list)
    dry_run: bool = False


def _reminder_recipients(request: Request) -> list[str]:
    if request.referral is not None:
        service = request.referral.service
        return [service.contact_email, *organisation_emails(service.organisation_id)]
    owner = request.need.owner
    if owner is not None and owner.is_active and owner.email and owner.organisation_id is not None:
        return [owner.email]
    return organisation_emails(request.need.owner_organisation_id)


def _request_context(request: Request) -> dict[str, Any]:
    need = request.need
    if request.referral is not None:
        link = url_or_empty("referral_detail", request.referral.pk)
    else:
        link = url_or_empty("need_detail", need.pk)
    return {"request": request, "need": need, "referral": request.referral, "company": need.company, "link": link}


@transaction.atomic
def _remind_one(request: Request, now: dt.datetime) -> list[str] | None:
    model = Referral if request.referral is not None else Need
    locked = model.objects.select_for_update().filter(pk=request.pk, reminder_sent_at__isnull=True).first()
    if locked is None:
        return None  # reminded already (another run got there first)
    model.objects.filter(pk=request.pk).update(reminder_sent_at=now)
    recipients = _reminder_recipients(request)
    context = _request_context(request)
    if request.referral is not None:
        text = gettext_lazy("Påmindelse om svarfrist sendt til %(org)s (henvisning)")
        template = "reminder_referral"
        subject = gettext_lazy("Påmindelse: henvisning skal besvares senest %(due)s")
    else:
        text = gettext_lazy("Påmindelse om svarfrist sendt til %(org)s")
        template = "reminder_need"
        subject = gettext_lazy("Påmindelse: henvendelse skal besvares senest %(due)s")
    with translation.override("da"):
        event_text = str(text) % {"org": request.organisation}
        subject_text = str(subject) % {"due": request.due.strftime("%d-%m-%Y")}
    NeedEvent.objects.create(need=request.need, kind=NeedEvent.Kind.REMINDER, organisation=request.organisation,
                             public=False, text=event_text[:500])
    return notify(template=template, subject=subject_text, recipients=recipients, context=context)


def answer_reminders_send(today: dt.date | None = None, *, dry_run: bool = False) -> ReminderResult:
    """Remind the answering side once per request before its deadline (idempotent: reminder_sent_at),
    and send the coordinators a digest of overdue requests. Meant to run once a day."""
    today = today or timezone.localdate()
    result = ReminderResult(today=today, dry_run=dry_run)
    now = timezone.now()
    for request in due_soon(today):
        if request.reminder_sent_at is not None:
            continue
        if dry_run:
            result.reminders.append((request, sorted({e.lower() for e in _reminder_recipients(request) if e})))
            continue
        sent = _remind_one(request, now)
        if sent is not None:
            result.reminders.append((request, sent))
    result.overdue = overdue_requests(today)
    if result.overdue:
        recipients = coordinator_emails()
        if dry_run:
            result.digest_recipients = sorted({e.lower() for e in recipients})
        else:
            with translation.override("da"):
                n = len(result.overdue)
                subject = ngettext("%(n)d henvendelse har overskredet svarfristen",
                                   "%(n)d henvendelser har overskredet svarfristen", n) % {"n": n}
            result.digest_recipients = notify(
                template="reminder_overdue_digest",
                subject=subject,
                recipients=recipients,
                context={
                    "today": today,
                    "requests": [{**_request_context(r), "request": r} for r in result.overdue],
                    "overdue_url": url_or_empty("overdue_list"),
                },
            )
    return result


# --- The rule ------------------------------------------------------------------------------------


@transaction.atomic
def answer_rule_set(*, user, valid_from: dt.date, working_days: int, remind_days_before: int,
                    note: str = "", today: dt.date | None = None) -> AnswerRule:
    """Coordinators set the deadline rule from a date on (today or later: deadlines already given keep
    their rule). A rule with the same start date is replaced."""
    if not user.sees_everything:
        raise Forbidden(_("Kun koordinationsgruppen kan ændre svarfristen."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if valid_from < today:
        errors["valid_from"] = [_("Svarfristen kan ikke ændres med tilbagevirkende kraft. Vælg i dag eller senere.")]
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        errors["working_days"] = [_("Svarfristen skal være mellem 1 og %(max)d arbejdsdage.") % {"max": MAX_WORKING_DAYS}]
    elif not 0 <= remind_days_before < working_days:
        errors["remind_days_before"] = [_("Påmindelsen skal sendes før fristen: færre arbejdsdage end selve fristen.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="invalid_answer_rule", details=errors)
    rule = AnswerRule.objects.select_for_update().filter(valid_from=valid_from).first() or AnswerRule(
        valid_from=valid_from
    )
    rule.working_days, rule.remind_days_before, rule.note = working_days, remind_days_before, note.strip()
    rule.full_clean(validate_unique=False)
    rule.save()
    return rule


def answer_rules():
    return AnswerRule.objects.order_by("-valid_from")


# --- Answer times -------------------------------------------------------------------------------


def answer_times_scope(user) -> list[int] | None:
    """The organisations whose answer times the user may see: all (None) for coordinators, their partner
    and its units for partner leads; Forbidden for everyone else."""
    if user.sees_everything:
        return None
    if user.role == User.Role.PARTNER_LEAD and user.organisation_id and can_see_individual_matches(user):
        return partner_org_ids(user)
    raise Forbidden(_("Svartiderne kan ses af koordinationsgruppen og partnernes leadpartnere."))


@dataclass
class AnswerTimesRow:
    organisation: Any  # an Organisation, or None for the total row
    received: int = 0
    answered: int = 0
    within_deadline: int = 0
    open: int = 0
    overdue: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def mean_days(self) -> float | None:
        return round(statistics.fmean(self.days), 1) if self.days else None

    @property
    def within_deadline_share(self) -> float | None:
        """Per cent of the answered requests that were answered by their deadline."""
        return round(100 * self.within_deadline / self.answered, 1) if self.answered else None

    @property
    def label(self) -> str:
        return str(self.organisation) if self.organisation is not None else str(gettext_lazy("I alt"))

    def add(self, *, received: dt.date, due: dt.date, answered: dt.date | None, is_open: bool, today: dt.date) -> None:
        self.received += 1
        if answered is not None:
            self.answered += 1
            self.days.append(working_days_between(received, answered))
            if answered <= due:
                self.within_deadline += 1
        elif is_open:
            self.open += 1
            if due < today:
                self.overdue += 1


def answer_times_report(date_from: dt.date, date_to: dt.date, *, org_ids: Iterable[int] | None = None,
                        today: dt.date | None = None) -> list[AnswerTimesRow]:
    """Requests received from date_from to date_to (both included), per organisation that must answer
    (the owner organisation for needs, the service's organisation for referrals): how many, how many
    answered, median and mean working days to the answer, the share answered within the deadline, and
    how many are still open and overdue today. The last row is the total."""
    today = today or timezone.localdate()
    needs = (
        Need.objects.filter(requested_at__isnull=False, requested_at__date__gte=date_from,
                            requested_at__date__lte=date_to)
        .exclude(status=Need.Status.UNCONFIRMED)
        .select_related("owner_organisation")
    )
    referrals = Referral.objects.filter(created_at__date__gte=date_from, created_at__date__lte=date_to).select_related(
        "service__organisation", "need"
    )
    if org_ids is not None:
        ids = list(org_ids)
        needs = needs.filter(owner_organisation_id__in=ids)
        referrals = referrals.filter(service__organisation_id__in=ids)
    rows: dict[int, AnswerTimesRow] = {}
    total = AnswerTimesRow(organisation=None)
    for need in needs:
        org = need.owner_organisation
        kwargs = {
            "received": timezone.localdate(need.requested_at),
            "due": _need_due(need),
            "answered": timezone.localdate(need.answered_at) if need.answered_at else None,
            "is_open": need.status in OPEN_NEED_STATUSES,
            "today": today,
        }
        rows.setdefault(org.pk, AnswerTimesRow(organisation=org)).add(**kwargs)
        total.add(**kwargs)
    for referral in referrals:
        if referral.status == Referral.Status.WITHDRAWN:
            continue
        org = referral.service.organisation
        answered = referral.status in ANSWERED_REFERRAL_STATUSES and referral.responded_at is not None
        kwargs = {
            "received": timezone.localdate(referral.created_at),
            "due": referral.due,
            "answered": timezone.localdate(referral.responded_at) if answered else None,
            "is_open": referral.status in OPEN_REFERRAL_STATUSES and referral.need.status in OPEN_NEED_STATUSES,
            "today": today,
        }
        rows.setdefault(org.pk, AnswerTimesRow(organisation=org)).add(**kwargs)
        total.add(**kwargs)
    return [*sorted(rows.values(), key=lambda r: r.label.lower()), total]
