"""Template helpers of the case pages: `{{ case.body|case_html }}` renders the body sanitised again (so only
sanitised HTML ever reaches a page), `{% case_levels case %}` lists the education levels in order."""

from django import template
from django.utils.safestring import mark_safe

from viaviden.cases.richtext import sanitise

register = template.Library()

LEVEL_ORDER = {"KVU": 0, "MVU": 1, "LVU": 2}


@register.filter
def case_html(value: str) -> str:
    return mark_safe(sanitise(value or ""))  # noqa: S308 - sanitised by nh3 right here


@register.simple_tag
def case_levels(case) -> str:
    codes = sorted((lv.code for lv in case.education_levels.all()), key=lambda c: LEVEL_ORDER.get(c, 9))
    return ", ".join(codes)
