"""/api/targets and /api/progress: aggregates, open to every authenticated user (the steering group too)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from viaviden.matches.selectors import programme_or_current, targets_summary

from .schemas import ErrorOut, ProgressOut, TargetsOut
from .schemas_contributions import ContributionsOut

router = Router(tags=["targets and progress"])


@router.get("/targets", response={200: TargetsOut, 404: ErrorOut}, summary="Targets of a programme")
def targets(request: HttpRequest, programme: str | None = None):
    """The targets of the current programme (or `?programme=<slug>`), with the basis of the municipal
    split and its source."""
    return targets_summary(programme_or_current(programme))


@router.get("/progress", response={200: ProgressOut, 404: ErrorOut}, summary="Progress towards the targets")
def progress(request: HttpRequest, programme: str | None = None):
    """Target vs actual vs required pace, by municipality, partner, match type, education level,
    half-year and project year, the outside-Aalborg share, and the activity targets."""
    from viaviden.matches.progress import activity_progress, progress_overview

    selected = programme_or_current(programme)
    overview: dict[str, Any] = dict(progress_overview(selected))
    overview["programme"] = selected.slug
    overview["activities"] = [
        {
            **{k: v for k, v in row.items() if k not in ("target", "organisation", "partner")},
            "organisation": row["organisation"].slug if row.get("organisation") else None,
            "partner": row["partner"].slug if row.get("partner") else None,
        }
        for row in activity_progress(selected)
    ]
    return overview


@router.get(
    "/progress/contributions",
    response={200: ContributionsOut, 404: ErrorOut},
    summary="Matches by contributing organisation",
)
def contributions(request: HttpRequest, programme: str | None = None, as_of: dt.date | None = None):
    """Per organisation: matches it registered, matches of others it contributed to (helping or registering
    a duplicate), both together and their share of all non-rejected matches started by `as_of` (default:
    today, or the programme's end)."""
    from viaviden.matches.progress import by_contributing_organisation

    selected = programme_or_current(programme)
    table = by_contributing_organisation(selected, as_of=as_of or min(timezone.localdate(), selected.end_date))
    for row in table["rows"]:
        row.pop("organisation")
    return table
