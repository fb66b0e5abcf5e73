"""Template tags of the progress dashboard.

    {% load dashboard_tags %}
    {% dashboard_num row.actual row.links.actual %}   a count, linked to the matches behind it when there is a link
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def dashboard_num(n, url=""):
    """The count with thousands separators (humanize's `intcomma`, in the page's language), as a link to the
    match list when `url` is given (the steering group gets no links). A tag rather than an included
    template: the dashboard shows some 200 of them, and an include costs a context and a template lookup
    each. The output is the former include's, its closing line break included."""
    if url:
        return format_html('<a href="{}">{}</a>\n', url, intcomma(n))
    return format_html("{}\n", intcomma(n))
