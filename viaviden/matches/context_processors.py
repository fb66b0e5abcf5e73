"""Template context for every page."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def _has_synthetic_matches() -> bool:
    from .models import Match

    return Match.objects.filter(is_synthetic=True).exists()


def synthetic_flag(request):
    """`SYNTHETIC_DATA`: whether the registry holds synthetic demo matches (base.html shows a notice).

    Lazy, so the query runs only on pages that render the notice, and at most once per request."""
    flag = SimpleLazyObject(_has_synthetic_matches)
    return {"SYNTHETIC_DATA": flag}
