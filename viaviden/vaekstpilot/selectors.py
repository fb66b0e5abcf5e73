"""Reads for Nordjysk Vækstpilot: lists and details with permissions applied, the payment queue, the
company's status page, and the figures for the progress dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from viaviden.core.errors import NotFound
from viaviden.matches.models import Programme
from viaviden.organisations.models import User

from .models import (
    PLACE_STATUSES,
    RUN_STATUSES,
    Application,
    ApplicationEvent,
    FollowUp,
    PaymentList,
    PilotMonth,
    Quota,
    SchemeRule,
)
from .permissions import access_application, visible_applications
from .services import quota_defaults

LIST_RELATED = ("company", "workplace_municipality", "partner_organisation", "education_level")


def applications_for(user: User, *, status: str = "", project_year: int | None = None,
                     q: str = "") -> QuerySet[Application]:
    qs = visible_applications(user, Application.objects.select_related(*LIST_RELATED))
    if status == "open":
        qs = qs.filter(status__in=[Application.Status.INELIGIBLE, Application.Status.EXCEPTION_REQUESTED,
                                   Application.Status.WAITING, Application.Status.GRANTED,
                                   Application.Status.STARTED])
    elif status:
        qs = qs.filter(status=status)
    if project_year is not None:
        qs = qs.filter(project_year=project_year)
    if q:
        qs = qs.filter(Q(company__name__icontains=q) | Q(company__cvr=q.strip()) | Q(growth_task__icontains=q))
    return qs.order_by("-created_at", "-id")


def application_detail(user: User, pk: int) -> Application:
    return access_application(
        user, pk,
        Application.objects.select_related(
            *LIST_RELATED, "scheme_rule__lead_organisation", "programme", "created_by", "decided_by",
            "exception_requested_by", "exception_decided_by", "match", "company__municipality",
        ).prefetch_related(
            Prefetch("months", queryset=PilotMonth.objects.select_related("payment_list", "approved_by")
                     .order_by("month")),
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_date")),
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor").order_by("at", "id")),
        ),
    )


def queue_position(app: Application) -> int | None:
    """1 for the first on the waiting list of the application's project year."""
    if app.status != Application.Status.WAITING or app.sequence is None:
        return None
    return Application.objects.filter(
        programme_id=app.programme_id, project_year=app.project_year, status=Application.Status.WAITING,
        sequence__lt=app.sequence,
    ).count() + 1


def application_by_public_token(token: str) -> Application:
    app = (
        Application.objects.select_related("company", "scheme_rule", "workplace_municipality", "education_level")
        .prefetch_related(
            Prefetch("months", queryset=PilotMonth.objects.order_by("month")),
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_date")),
        )
        .filter(public_token=token or "")
        .first()
    )
    if app is None or not token:
        raise NotFound("not found")
    return app


def public_events(app: Application) -> QuerySet[ApplicationEvent]:
    """The steps the company sees: public events only, without who did them."""
    return app.events.filter(public=True).only("id", "application_id", "at", "kind", "text").order_by("at", "id")


def months_awaiting_approval() -> QuerySet[PilotMonth]:
    return (PilotMonth.objects.filter(status=PilotMonth.Status.REPORTED)
            .select_related("application__company").order_by("month", "id"))


def months_awaiting_list() -> QuerySet[PilotMonth]:
    return (PilotMonth.objects.filter(status=PilotMonth.Status.APPROVED, payment_list__isnull=True)
            .select_related("application__company").order_by("month", "id"))


def payment_lists() -> QuerySet[PaymentList]:
    return PaymentList.objects.select_related("created_by").order_by("-created_at", "-id")


def payment_list_rows(plist: PaymentList) -> QuerySet[PilotMonth]:
    return (plist.months.select_related("application__company", "application__workplace_municipality")
            .order_by("application__company__cvr", "application_id", "month"))


def _rule_on(rules: list[SchemeRule], day: dt.date) -> SchemeRule | None:
    """The rule valid on `day`, else the latest one (from a list read once)."""
    valid = [r for r in rules if r.covers(day)]
    if valid:
        return max(valid, key=lambda r: r.valid_from)
    return max(rules, key=lambda r: r.valid_from) if rules else None


def _year_status_counts(programme: Programme) -> dict[tuple[int, str], tuple[int, int]]:
    """(project year, status) → (applications, money held), in one query."""
    rows = (
        Application.objects.filter(programme=programme).values_list("project_year", "status")
        .annotate(n=Count("id"), amount=Sum("reserved_amount_ore")).order_by()
    )
    return {(year, status): (n, amount or 0) for year, status, n, amount in rows}


def quotas_overview(programme: Programme, *, rules: list[SchemeRule] | None = None,
                    counts: dict[tuple[int, str], tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """Each project year of the programme: funded places and money, used, waiting (rows need not exist yet).
    Three queries whatever the number of years."""
    rules = list(SchemeRule.objects.all()) if rules is None else rules
    counts = _year_status_counts(programme) if counts is None else counts
    existing = {q.project_year: q for q in Quota.objects.filter(programme=programme)}
    out = []
    for year in programme.project_years():
        quota = existing.get(year)
        if quota is None:
            rule = _rule_on(rules, dt.date(year, programme.year_start_month, 1))
            if rule is None:
                continue
            quota = Quota(programme=programme, project_year=year, **quota_defaults(rule))
        places = sum(counts.get((year, s), (0, 0))[0] for s in PLACE_STATUSES)
        money = sum(counts.get((year, s), (0, 0))[1] for s in PLACE_STATUSES)
        out.append({"quota": quota, "year": year, "label": str(quota), "places_used": places,
                    "money_used_ore": money, "waiting": counts.get((year, Application.Status.WAITING), (0, 0))[0],
                    "places_free": max(0, quota.funded_pilots - places)})
    return out


def _follow_up_shares(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Retention from `pilot_figures` (the one definition), in the dashboard fragment's terms."""
    return {kind: {"answered": figures[kind]["asked"], "ordinary": figures[kind]["retained"],
                   "due": figures[kind]["unanswered"], "open": figures[kind]["open"],
                   "pct": figures[kind]["share"]} for kind in FollowUp.Kind.values}


def _end_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of the day after `day`, local time: "on or before `day`" is "before this"."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def waiting_as_of(programme: Programme, as_of: dt.date) -> int:
    """Applications on the waiting list at the end of `as_of`: queued by then, and neither granted nor
    closed (rejected, withdrawn) by then. From the dates every application keeps (queued_at, granted_at,
    closed_at), so a past date shows the list as it was. One query."""
    cutoff = _end_of(as_of)
    return Application.objects.filter(
        Q(granted_at__isnull=True) | Q(granted_at__gte=cutoff),
        Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff),
        programme=programme, queued_at__lt=cutoff,
    ).count()


def subsidy_as_of(programme: Programme, as_of: dt.date) -> dict[str, int]:
    """Subsidy approved (months approved on or before `as_of`, still approved or on a payment list) and paid
    (months on a payment list made on or before `as_of`), in øre. One query."""
    cutoff = _end_of(as_of)
    kept = [PilotMonth.Status.APPROVED, PilotMonth.Status.LISTED]
    money = PilotMonth.objects.filter(application__programme=programme).aggregate(
        approved=Sum("subsidy_ore", filter=Q(status__in=kept, approved_at__lt=cutoff)),
        paid=Sum("subsidy_ore", filter=Q(status=PilotMonth.Status.LISTED, payment_list__created_at__lt=cutoff)),
    )
    return {"approved_ore": money["approved"] or 0, "paid_ore": money["paid"] or 0}


def scheme_rules() -> list[SchemeRule]:
    """Every rule of the scheme (a handful), read once and passed to the figures that need them."""
    return list(SchemeRule.objects.all())


def vaekstpilot_figures(programme: Programme, *, as_of: dt.date | None = None,
                        rules: list[SchemeRule] | None = None,
                        pilots: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dashboard's Vækstpilot figures as of a date (default today): granted and started (`pilot_figures`),
    waiting (`waiting_as_of`), subsidy approved and paid against the funded budget (`subsidy_as_of`), and the
    share in ordinary employment at follow-up against the target (88 %). The funded places and budget are
    the scheme's configuration; `pending` (ineligible or awaiting an exception) and `reserved_ore` are the
    state now (no history is kept of them). Seven queries; `rules` (`scheme_rules()`) and `pilots`
    (`pilot_figures(programme, as_of=as_of)`, the same day) when the caller has read them already."""
    as_of = as_of or timezone.localdate()
    rules = scheme_rules() if rules is None else rules
    rule = _rule_on(rules, as_of)
    counts = _year_status_counts(programme)

    def total(statuses) -> tuple[int, int]:
        hits = [v for (_year, status), v in counts.items() if status in statuses]
        return sum(n for n, _a in hits), sum(a for _n, a in hits)

    money = subsidy_as_of(programme, as_of)
    years = quotas_overview(programme, rules=rules, counts=counts)
    funded_amount = sum(y["quota"].funded_amount_ore for y in years)
    n_years = len(programme.project_years())
    pilots = pilot_figures(programme, as_of=as_of, rules=rules) if pilots is None else pilots
    follow_ups = _follow_up_shares(pilots)
    return {
        "rule": rule,
        "as_of": as_of,
        "granted": sum(pilots["granted"].values()),
        "started": sum(pilots["started"].values()),
        "waiting": waiting_as_of(programme, as_of),
        "pending": total((Application.Status.INELIGIBLE, Application.Status.EXCEPTION_REQUESTED))[0],
        "funded_pilots": sum(y["quota"].funded_pilots for y in years),
        "target_min": rule.pilots_per_year * n_years if rule else None,
        "target_max": (rule.pilots_per_year_max or rule.pilots_per_year) * n_years if rule else None,
        "funded_amount_ore": funded_amount,
        "reserved_ore": total(PLACE_STATUSES)[1],
        **money,
        "spent_pct": round(100 * money["approved_ore"] / funded_amount, 1) if funded_amount else None,
        "end": follow_ups[FollowUp.Kind.END],
        "later": follow_ups[FollowUp.Kind.LATER],
        "target_pct": rule.continuing_target_percent if rule else None,
    }


def rules_all() -> QuerySet[SchemeRule]:
    return SchemeRule.objects.select_related("lead_organisation").prefetch_related(
        "education_levels", "municipalities").order_by("-valid_from")


def pilot_figures(programme: Programme, *, as_of: dt.date,
                  rules: list[SchemeRule] | None = None) -> dict[str, Any]:
    """THE Vækstpilot figures as of a date (the activity targets, the status report, the Vækstpilot overview
    and /api/vaekstpilot/retention read them from here):

    - `granted` / `started`: {project year: pilots} — granted: a place held, granted on or before `as_of`;
      started: running or ended, start date on or before `as_of`;
    - `end` / `later`: retention at the end of the pilot and at the later follow-up (the rule's
      `follow_up_months`, 3 months after), the same pattern as the cohorts' effect:
      `open`: the follow-up is not yet due (its date is after `as_of`), so it is shown apart;
      `asked`: due, and answered on or before `as_of` (an "unknown" answer counts as asked, not retained);
      `unanswered`: due but not answered by `as_of` (to be chased; not in the share);
      `retained`: asked and in ordinary employment (same or another company);
      `share`: retained / asked in per cent, one decimal (None when nobody was asked).
    A follow-up exists for every pilot that started (terminated pilots are followed up from their last day).
    Three queries (two with `rules`, the scheme's rules read already by `scheme_rules()`)."""
    end_of_day = dt.datetime.combine(as_of, dt.time.max, tzinfo=timezone.get_current_timezone())
    rows = Application.objects.filter(programme=programme, status__in=PLACE_STATUSES).values_list(
        "project_year", "status", "granted_at", "start_date").order_by()
    granted: dict[int, int] = {}
    started: dict[int, int] = {}
    for year, status, granted_at, start_date in rows:
        if granted_at is None or granted_at <= end_of_day:
            granted[year] = granted.get(year, 0) + 1
        if status in RUN_STATUSES and start_date <= as_of:
            started[year] = started.get(year, 0) + 1
    ordinary = [FollowUp.Outcome.SAME_COMPANY, FollowUp.Outcome.OTHER_COMPANY]
    # Answered "on or before as_of" in local time: before midnight at the start of the next day.
    cutoff = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
    aggregates: dict[str, Any] = {}
    for kind in FollowUp.Kind.values:
        due = Q(kind=kind, due_date__lte=as_of)
        answered = due & ~Q(outcome="") & Q(answered_at__lt=cutoff)
        aggregates[f"{kind}_open"] = Count("id", filter=Q(kind=kind, due_date__gt=as_of))
        aggregates[f"{kind}_due"] = Count("id", filter=due)
        aggregates[f"{kind}_asked"] = Count("id", filter=answered)
        aggregates[f"{kind}_retained"] = Count("id", filter=answered & Q(outcome__in=ordinary))
    counts = FollowUp.objects.filter(application__programme=programme).aggregate(**aggregates)
    rule = _rule_on(scheme_rules() if rules is None else rules, as_of)
    out: dict[str, Any] = {"programme": programme.slug, "as_of": as_of.isoformat(),
                           "granted": granted, "started": started,
                           "target_pct": rule.continuing_target_percent if rule else None,
                           "later_months": rule.follow_up_months if rule else None}
    for kind in FollowUp.Kind.values:
        asked, retained = counts[f"{kind}_asked"], counts[f"{kind}_retained"]
        out[kind] = {"retained": retained, "asked": asked, "open": counts[f"{kind}_open"],
                     "unanswered": counts[f"{kind}_due"] - asked,
                     "share": round(100 * retained / asked, 1) if asked else None}
    return out
