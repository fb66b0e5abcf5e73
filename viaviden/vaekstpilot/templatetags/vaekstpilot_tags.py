"""Template helpers of Nordjysk Vækstpilot: amounts in øre shown as Danish kroner, and the dashboard section.

    {% load vaekstpilot_tags %}
    {{ month.subsidy_ore|dkk }}          → 12.500,00 kr.
    {{ scenario.total_ore|dkk_whole }}   → 21.900.000 kr.
    {% vaekstpilot_dashboard programme %}         the section, loaded after the page (htmx; no queries here)
    {% vaekstpilot_dashboard_inline programme %}  the section rendered in place (reports, PDFs)
"""

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from viaviden.matches.permissions import can_see_individual_matches

from ..calculation import format_decimal_comma, format_dkk
from ..selectors import vaekstpilot_figures

register = template.Library()


def _in_english() -> bool:
    return (get_language() or "da").startswith("en")


def _english_dkk(ore, *, decimals: bool) -> str:
    """DKK 12,500.00 — the amount as an English reader writes it."""
    if ore is None:
        return "–"
    sign = "-" if ore < 0 else ""
    ore = abs(int(ore))
    text = f"{ore // 100:,}.{ore % 100:02d}" if decimals else f"{(ore + 50) // 100:,}"
    return f"{sign}DKK {text}"


@register.filter
def dkk(ore):
    """Kroner in the page's language: 12.500,00 kr. in Danish, DKK 12,500.00 in English."""
    return _english_dkk(ore, decimals=True) if _in_english() else format_dkk(ore)


@register.filter
def dkk_plain(ore):
    """32000,00 — for an input's value (parsed back by DkkField)."""
    return format_decimal_comma(ore)


@register.filter
def dkk_whole(ore):
    return _english_dkk(ore, decimals=False) if _in_english() else format_dkk(ore, decimals=False)


@register.inclusion_tag("vaekstpilot/_dashboard_lazy.html")
def vaekstpilot_dashboard(programme, as_of=None):
    """A placeholder that fetches the section from `vaekstpilot_figures_fragment` when the page has loaded,
    so the progress dashboard's own query budget is untouched; without JavaScript it is a link. `as_of`:
    the dashboard's cut-off, so the section shows the figures as of the same date."""
    params = {"programme": programme.slug}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return {"url": reverse("vaekstpilot_figures_fragment") + "?" + urlencode(params)}


@register.inclusion_tag("vaekstpilot/_dashboard.html", takes_context=True)
def vaekstpilot_dashboard_inline(context, programme):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "figures": vaekstpilot_figures(programme, as_of=context.get("as_of")),
        "programme": programme,
        "linked": user is not None and can_see_individual_matches(user),
    }
