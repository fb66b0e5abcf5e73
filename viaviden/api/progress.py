"""/api/targets, /api/progress and /api/activity-targets: aggregates, open to every authenticated user (the
steering group too); editing an activity target is for coordinators. The figures come from
`viaviden.reports.figures`, the same functions as the dashboard, the targets page and the exports."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound
from viaviden.matches.models import ActivityTarget
from viaviden.matches.progress import by_contributing_organisation
from viaviden.matches.selectors import programme_or_current, targets_summary
from viaviden.matches.targets_services import activity_target_update
from viaviden.reports.figures import activity_target_figures, programme_figures

from .auth import current_user
from .schemas import ActivityProgressOut, ActivityTargetIn, ErrorOut, ProgressOut, TargetsOut
from .schemas_contributions import ContributionsOut

router = Router(tags=["targets and progress"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/targets", response={200: TargetsOut, 404: ErrorOut}, summary="Targets of a programme")
def targets(request: HttpRequest, programme: str | None = None):
    """The targets of the current programme (or `?programme=<slug>`), with the basis of the municipal
    split and its source."""
    return targets_summary(programme_or_current(programme))


@router.get("/progress", response={200: ProgressOut, 404: ErrorOut}, summary="Progress towards the targets")
def progress(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Target vs actual vs required pace, by municipality, partner, match type, education level,
    half-year and project year, the outside-Aalborg share, the projection to the period end, and the
    activity targets with their measures. `as_of` (YYYY-MM-DD, default today) is the cut-off: matches,
    events, grants and survey answers dated after it do not count."""
    selected = programme_or_current(programme)
    day = as_of or timezone.localdate()
    figures = programme_figures(selected, as_of=day)
    figures["today"] = figures["as_of"]
    figures["activities"] = activity_target_figures(selected, as_of=day)
    return figures


@router.get("/activity-targets", response={200: list[ActivityProgressOut], 404: ErrorOut},
            summary="Activity targets with their figures")
def activity_targets(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Every activity target of the programme with its measure, source and figure as of `as_of`."""
    return activity_target_figures(programme_or_current(programme), as_of=as_of or timezone.localdate())


@router.patch("/activity-targets/{code}", response={200: ActivityProgressOut, **ERRORS},
              summary="Edit an activity target (coordinators)")
def activity_target_edit(request: HttpRequest, code: str, payload: ActivityTargetIn, programme: str | None = None):
    """Change the value, upper value, per-project-year evaluation, its years or the title. Only the
    coordination group; every change is audited. Fields left out keep their value."""
    user = current_user(request)
    selected = programme_or_current(programme)
    at = ActivityTarget.objects.filter(programme=selected, code=code).select_related("programme").first()
    if at is None:
        raise NotFound(_("Aktivitetsmålet %(code)s findes ikke.") % {"code": code}, code="activity_target_not_found")
    data = payload.dict(exclude_unset=True)
    with acting_as(user):
        activity_target_update(
            user=user, activity_target=at, value=data.get("value", at.value),
            value_max=data["value_max"] if "value_max" in data else at.value_max,
            per_project_year=data.get("per_project_year", at.per_project_year),
            years=data["years"] if "years" in data else list(at.years),
            title_da=data.get("title_da"), title_en=data.get("title_en"),
        )
    return next(r for r in activity_target_figures(selected, as_of=timezone.localdate()) if r["code"] == code)


@router.get(
    "/progress/contributions",
    response={200: ContributionsOut, 404: ErrorOut},
    summary="Matches by contributing organisation",
)
def contributions(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Per organisation: matches it registered, matches of others it contributed to (helping or registering
    a duplicate), both together and their share of all non-rejected matches started by `as_of` (default:
    today, or the programme's end)."""
    selected = programme_or_current(programme)
    table = by_contributing_organisation(selected, as_of=as_of or min(timezone.localdate(), selected.end_date))
    for row in table["rows"]:
        row.pop("organisation")
    return table
