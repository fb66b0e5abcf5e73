"""Template context for every page."""

from __future__ import annotations

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


def synthetic_version() -> str:
    """What the demo-data notice of base.html shows, as text: part of the version of every page cached by
    core.pagecache (settings.PAGE_CACHE_SITE_VERSION)."""
    if not _has_synthetic_matches():
        return "-"  # no notice, whatever the programme (base.html reads it only under the notice)
    programme = _synthetic_current_programme()
    shown = (programme.pk, programme.name, programme.start_date, programme.end_date) if programme else ""
    return f"synthetic|{shown}"
