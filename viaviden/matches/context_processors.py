"""Template context for every page."""

from __future__ import annotations

from django.db import connection
from django.utils.functional import SimpleLazyObject

from .models import Match, Programme


def _has_synthetic_matches() -> bool:
    return Match.objects.filter(is_synthetic=True).exists()


def _synthetic_current_programme():
    return Programme.objects.filter(is_current=True, is_synthetic=True).first() or ""


def synthetic_flag(request):
    """`SYNTHETIC_DATA`: whether the registry holds synthetic demo matches (base.html shows a notice);
    `SYNTHETIC_PROGRAMME`: the current programme period when it is the demo's made-up one (else empty).

    Lazy, so the queries run only on pages that render the notice, and at most once per request."""
    return {
        "SYNTHETIC_DATA": SimpleLazyObject(_has_synthetic_matches),
        "SYNTHETIC_PROGRAMME": SimpleLazyObject(_synthetic_current_programme),
    }


def synthetic_version_columns() -> list[str]:
    """What the demo-data notice of base.html shows, as SQL scalar expressions: part of the version of every page
    cached by core.pagecache (settings.PAGE_CACHE_SITE_VERSION), read in the page's one version query (issue 16):
    whether synthetic matches exist, and the current programme when it is the demo's."""
    match, programme = (connection.ops.quote_name(m._meta.db_table) for m in (Match, Programme))
    column = {name: connection.ops.quote_name(Programme._meta.get_field(name).column)
              for name in ("id", "name", "start_date", "end_date", "is_current", "is_synthetic")}
    synthetic = connection.ops.quote_name(Match._meta.get_field("is_synthetic").column)
    # Table and column names come from the models, never from input. At most one programme is current
    # (constraint one_current_programme), so each subquery gives one value or NULL.
    current = f"FROM {programme} WHERE {column['is_current']} AND {column['is_synthetic']}"
    return [f"EXISTS (SELECT 1 FROM {match} WHERE {synthetic})",  # noqa: S608
            *(f"(SELECT {column[name]} {current})" for name in ("id", "name", "start_date", "end_date"))]
