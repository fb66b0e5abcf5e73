"""Matches by contributing organisation (/fremdrift/bidrag/): registered-by vs contributed-to per
organisation, as of a date, so the Central Matching Unit's share can be reported. Aggregates: every
staff user (the steering group too); the numbers link to the filtered match list for those who may see it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from viaviden.matches.permissions import can_see_individual_matches
from viaviden.matches.progress import by_contributing_organisation
from viaviden.matches.views.programme import selected_programme
from viaviden.organisations.access import staff_required


def as_of_from(request: HttpRequest, default: dt.date | None = None) -> dt.date:
    """?as_of=YYYY-MM-DD, else `default` (today)."""
    try:
        day = parse_date(request.GET.get("as_of") or "")
    except ValueError:
        day = None
    return day or default or timezone.localdate()


@staff_required
def contributions_page(request: HttpRequest) -> HttpResponse:
    programme, programmes = selected_programme(request)
    as_of = as_of_from(request, min(timezone.localdate(), programme.end_date))
    table = by_contributing_organisation(programme, as_of=as_of)
    linked = can_see_individual_matches(request.user)
    if linked:
        base = reverse("match_list")
        common = {"programme": programme.slug, "status": "counted", "start_date_to": as_of.isoformat()}
        for row in table["rows"]:
            row["links"] = {
                role or "involved": f"{base}?{urlencode({**common, 'contributor': row['organisation'].pk, 'contributor_role': role})}"
                for role in ("", "registered", "contributed")
            }
    return render(request, "matches/contributions.html", {
        "programme": programme, "programmes": programmes, "as_of": as_of, "table": table, "linked": linked,
    })
