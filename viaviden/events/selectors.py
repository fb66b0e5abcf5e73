"""Reads for events: who may see and manage which event, the public and internal calendars, the sign-up
lists, the follow-up results and the figures for the dashboard.

- The public calendar: published, public events (and held/cancelled ones, marked so), for everyone.
- Partner staff see every non-draft event in the internal calendar, and drafts of their own partner.
- An event is managed (edited, published, cancelled, checked in, marked held; its sign-ups with names and
  e-mail addresses are seen) by staff of its organisers (lead or co-organiser, a partner with all its
  units) and by coordinators.
- The steering group and users without an organisation: 403 on every internal page (views check
  `can_see_individual_matches`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.matches.models import Programme
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Organisation, User

from .models import Audience, Event, EventType, Registration, Survey

KNOWLEDGE_TARGET_PCT = 90  # SPEC 3.1: 90 % of companies report increased knowledge right after


def _organiser_filter(org_ids: list[int]) -> Q:
    return Q(organiser_id__in=org_ids) | Q(co_organisers__in=org_ids)


def _with_related(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("organiser", "municipality").prefetch_related(
        Prefetch("co_organisers", queryset=Organisation.objects.order_by("name"))
    )


def _with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.annotate(
        n_registered=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED),
                           distinct=True),
        n_waitlisted=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED),
                           distinct=True),
    )


# --- Permissions ------------------------------------------------------------------------------------


def can_manage_event(user: User, event: Event) -> bool:
    """Staff of the event's organisers (lead or co-organiser) and coordinators."""
    if not can_see_individual_matches(user):
        return False
    if user.sees_everything:
        return True
    orgs = set(partner_org_ids(user))
    if event.organiser_id in orgs:
        return True
    return any(o.pk in orgs for o in event.co_organisers.all())


def events_for(user: User) -> QuerySet[Event]:
    """The events a staff user sees in the internal calendar (drafts only of their own organisations)."""
    qs = Event.objects.all()
    if not can_see_individual_matches(user):
        return qs.none()
    if user.sees_everything:
        return qs
    orgs = partner_org_ids(user)
    own = Event.objects.filter(_organiser_filter(orgs)).values("pk")
    return qs.filter(~Q(status=Event.Status.DRAFT) | Q(pk__in=own))


def events_managed_by(user: User) -> QuerySet[Event]:
    if not can_see_individual_matches(user):
        return Event.objects.none()
    if user.sees_everything:
        return Event.objects.all()
    orgs = partner_org_ids(user)
    return Event.objects.filter(pk__in=Event.objects.filter(_organiser_filter(orgs)).values("pk"))


def access_event(user: User, pk: int) -> Event:
    """An event the user may see (internal calendar), or NotFound."""
    event = _with_counts(_with_related(events_for(user))).filter(pk=pk).first()
    if event is None:
        raise NotFound(_("Arrangementet findes ikke, eller du har ikke adgang til det."))
    return event


def access_event_managed(user: User, pk: int) -> Event:
    """An event the user may manage, or NotFound (the same answer whether it does not exist or is not theirs)."""
    event = _with_counts(_with_related(events_managed_by(user))).filter(pk=pk).first()
    if event is None:
        raise NotFound(_("Arrangementet findes ikke, eller du har ikke adgang til at administrere det."))
    return event


# --- Calendars --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarFilter:
    type: str = ""
    municipality: str = ""  # municipality code
    audience: str = ""
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    organiser: int | None = None
    status: str = ""
    q: str = ""


def event_filter(qs: QuerySet[Event], f: CalendarFilter) -> QuerySet[Event]:
    if f.type:
        qs = qs.filter(type=f.type)
    if f.municipality:
        qs = qs.filter(municipality_id=f.municipality)
    if f.audience and f.audience in Event.AUDIENCE_FIELDS:
        qs = qs.filter(**{Event.AUDIENCE_FIELDS[Audience(f.audience)]: True})
    if f.from_date:
        qs = qs.filter(ends_at__date__gte=f.from_date)
    if f.to_date:
        qs = qs.filter(starts_at__date__lte=f.to_date)
    if f.organiser:
        qs = qs.filter(Q(organiser_id=f.organiser) | Q(pk__in=Event.co_organisers.through.objects.filter(
            organisation_id=f.organiser).values("event_id")))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(place__icontains=f.q))
    return qs


def public_events() -> QuerySet[Event]:
    """Events on the public calendar: public and published, held or cancelled (never drafts)."""
    return Event.objects.filter(public=True).exclude(status=Event.Status.DRAFT)


def public_calendar(f: CalendarFilter) -> QuerySet[Event]:
    if f.from_date is None and not f.status:
        f = CalendarFilter(**{**f.__dict__, "from_date": timezone.localdate()})
    return _with_counts(_with_related(event_filter(public_events(), f))).order_by("starts_at", "id")


def internal_calendar(user: User, f: CalendarFilter) -> QuerySet[Event]:
    """Without a date or status filter: from 30 days back, so recent events can still be marked held."""
    if f.from_date is None and not f.status:
        f = CalendarFilter(**{**f.__dict__, "from_date": timezone.localdate() - dt.timedelta(days=30)})
    return _with_counts(_with_related(event_filter(events_for(user), f))).order_by("starts_at", "id")


def public_event(pk: int) -> Event:
    event = _with_counts(_with_related(public_events())).filter(pk=pk).first()
    if event is None:
        raise NotFound(_("Arrangementet findes ikke."))
    return event


# --- Sign-ups ---------------------------------------------------------------------------------------


def event_registrations(event: Event) -> QuerySet[Registration]:
    """The sign-ups of an event (the caller has checked `can_manage_event`), waiting list in order."""
    return event.registrations.select_related("company", "candidate").order_by("status", "created_at", "id")


def checkin_list(event: Event, *, q: str = "") -> QuerySet[Registration]:
    qs = event.registrations.filter(status=Registration.Status.REGISTERED)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organisation_name__icontains=q) | Q(email__icontains=q))
    return qs.order_by("name", "id")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when the registration is not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED
    ).filter(Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, id__lt=registration.pk))
    return ahead.count() + 1


def registration_by_token(token: str) -> Registration:
    reg = Registration.objects.select_related("event__municipality", "event__organiser").filter(token=token or "").first()
    if reg is None or not token:
        raise NotFound(_("Linket er ugyldigt."), code="registration_link_invalid")
    return reg


def survey_by_token(token: str) -> Survey:
    survey = Survey.objects.select_related("event", "company").filter(token=token or "").first()
    if survey is None or not token:
        raise NotFound(_("Linket er ugyldigt."), code="survey_link_invalid")
    return survey


# --- Results ----------------------------------------------------------------------------------------


def _share(yes: int, answered: int) -> int | None:
    return round(100 * yes / answered) if answered else None


def survey_results(surveys: QuerySet[Survey], *, until: dt.datetime | None = None) -> dict[str, Any]:
    """Counts and shares of the answers, overall and for companies (the 90 % knowledge target). `until`:
    only surveys sent and answers given up to that moment (the state as of a cut-off)."""
    sent, answered = Q(sent_at__isnull=False), Q(answered_at__isnull=False)
    if until is not None:
        surveys = surveys.filter(created_at__lte=until)
        sent, answered = Q(sent_at__lte=until), Q(answered_at__lte=until)
    rows = surveys.values("respondent_kind").annotate(
        sent=Count("pk", filter=sent),
        answered=Count("pk", filter=answered),
        knowledge_yes=Count("pk", filter=answered & Q(gained_knowledge=True)),
        knowledge_answered=Count("pk", filter=answered & Q(gained_knowledge__isnull=False)),
        collab_yes=Count("pk", filter=answered & Q(collaboration_happened=True)),
        collab_answered=Count("pk", filter=answered & Q(collaboration_happened__isnull=False)),
        total=Count("pk"),
    ).order_by()
    out: dict[str, Any] = {}
    totals: Counter = Counter()
    for r in rows:
        kind = r.pop("respondent_kind")
        out[kind] = {**r, "knowledge_pct": _share(r["knowledge_yes"], r["knowledge_answered"]),
                     "collab_pct": _share(r["collab_yes"], r["collab_answered"])}
        totals.update(r)
    empty = {"sent": 0, "answered": 0, "knowledge_yes": 0, "knowledge_answered": 0, "collab_yes": 0,
             "collab_answered": 0, "total": 0, "knowledge_pct": None, "collab_pct": None}
    for kind in Survey.RespondentKind.values:
        out.setdefault(kind, dict(empty))
    out["all"] = {**empty, **totals, "knowledge_pct": _share(totals["knowledge_yes"], totals["knowledge_answered"]),
                  "collab_pct": _share(totals["collab_yes"], totals["collab_answered"])}
    out["target_pct"] = KNOWLEDGE_TARGET_PCT
    company_pct = out[Survey.RespondentKind.COMPANY]["knowledge_pct"]
    out["target_met"] = company_pct is not None and company_pct >= KNOWLEDGE_TARGET_PCT
    return out


def event_results(event: Event) -> dict[str, Any]:
    """Per event: sign-ups, attendance and the follow-up answers."""
    counts = dict(event.registrations.values_list("status").annotate(n=Count("pk")).order_by())
    attended = event.registrations.filter(attended_at__isnull=False).count()
    return {
        "registered": counts.get(Registration.Status.REGISTERED, 0),
        "waitlisted": counts.get(Registration.Status.WAITLISTED, 0),
        "cancelled": counts.get(Registration.Status.CANCELLED, 0),
        "attended": attended,
        "surveys": survey_results(event.surveys.all()),
        "comments": list(
            event.surveys.filter(answered_at__isnull=False).exclude(comment="")
            .order_by("-answered_at").values_list("respondent_kind", "comment")[:50]
        ),
    }


def event_figures(programme: Programme, *, as_of: dt.date | None = None,
                  held_events: list[dict[str, Any]] | None = None,
                  knowledge: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dashboard's event figures for a programme period as of a date (default today): events held per
    type and per organising partner (held, starting in the period on or before `as_of`, the rows of
    `held_events_measure`), participants who attended, the follow-up answers given by `as_of`
    and the company knowledge share against 90 % (`knowledge_share_measure`, the activity target's figure);
    `upcoming`: published events still to come now. Aggregates only (no people), so every role that sees
    the dashboard may see them. `held_events` and `knowledge`: those two functions' results for the same
    programme and day, when the caller (the dashboard's activity targets) has them already."""
    as_of = as_of or timezone.localdate()
    start = dt.datetime.combine(programme.start_date, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = _day_end(min(as_of, programme.end_date))
    held = Event.objects.filter(status=Event.Status.HELD, starts_at__gte=start, starts_at__lte=end)
    per_event = held_events_measure(programme, as_of=as_of) if held_events is None else held_events
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={r["organiser_id"] for r in per_event})
            .select_related("parent__parent")}
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"events": 0, "participants": 0})
    by_partner: dict[int, dict[str, Any]] = {}
    for r in per_event:
        by_type[r["type"]]["events"] += 1
        by_type[r["type"]]["participants"] += r["attended"]
        partner = orgs[r["organiser_id"]].partner
        row = by_partner.setdefault(partner.pk, {"partner": partner, "events": 0, "participants": 0})
        row["events"] += 1
        row["participants"] += r["attended"]
    labels = dict(EventType.choices)
    surveys = Survey.objects.filter(
        Q(event__in=held) | Q(match__programme=programme)
    )
    knowledge = knowledge_share_measure(programme, as_of=as_of) if knowledge is None else knowledge
    cut_off = _day_end(as_of)
    return {
        "as_of": as_of,
        "events_held": len(per_event),
        "participants": sum(r["attended"] for r in per_event),
        "by_type": [
            {"type": code, "label": labels[code], **by_type[code]} for code in EventType.values if code in by_type
        ],
        "by_partner": sorted(by_partner.values(), key=lambda r: (-r["events"], r["partner"].name)),
        "surveys": survey_results(surveys, until=cut_off),
        "knowledge": {**knowledge, "pct": round(100 * knowledge["yes"] / knowledge["answered"], 1)
                      if knowledge["answered"] else None, "target_pct": KNOWLEDGE_TARGET_PCT},
        # The calendar now (no publishing date is kept, so not as of the cut-off).
        "upcoming": Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gte=timezone.now()).count(),
    }


# --- Measures for activity targets (called by viaviden/reports/measures.py) ----------------------------


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_current_timezone())


def held_events_measure(programme: Programme, *, as_of: dt.date) -> list[dict[str, Any]]:
    """Held events that started in the programme period on or before `as_of`: per event its type, lead
    organiser, project year and the participants who attended. One query; the activity targets' measures
    (events held, participants) filter these rows by event type and organiser."""
    start = dt.datetime.combine(programme.start_date, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = _day_end(min(as_of, programme.end_date))
    held = Event.objects.filter(status=Event.Status.HELD, starts_at__gte=start, starts_at__lte=end)
    rows = held.annotate(attended=Count("registrations", filter=Q(registrations__attended_at__isnull=False))) \
        .values("type", "organiser_id", "starts_at", "attended").order_by()
    return [
        {"type": r["type"], "organiser_id": r["organiser_id"], "attended": r["attended"],
         "project_year": programme.project_year_of(timezone.localtime(r["starts_at"]).date())}
        for r in rows
    ]


def knowledge_share_measure(programme: Programme, *, as_of: dt.date,
                            organisers: Iterable[int] | None = None) -> dict[str, Any]:
    """Companies' follow-up answers: of those that answered the knowledge question by `as_of` (surveys after
    the programme's held events and its matches), how many gained knowledge. One query.

    `organisers` (organisation ids, e.g. a partner with all its units): only the surveys after events these
    organisations led (the lead organiser, as `held_events_measure` counts events) and after matches they
    registered; a partner's or a municipality's share, not the programme's."""
    start = dt.datetime.combine(programme.start_date, dt.time.min, tzinfo=timezone.get_current_timezone())
    held = Event.objects.filter(status=Event.Status.HELD, starts_at__gte=start,
                                starts_at__lte=_day_end(programme.end_date))
    matches = Q(match__programme=programme)
    if organisers is not None:
        organisers = list(organisers)
        held = held.filter(organiser_id__in=organisers)
        matches &= Q(match__registering_org_id__in=organisers)
    counts = Survey.objects.filter(
        Q(event__in=held) | matches,
        respondent_kind=Survey.RespondentKind.COMPANY, answered_at__lte=_day_end(as_of),
        gained_knowledge__isnull=False,
    ).aggregate(answered=Count("pk"), yes=Count("pk", filter=Q(gained_knowledge=True)))
    return {"answered": counts["answered"] or 0, "yes": counts["yes"] or 0}
