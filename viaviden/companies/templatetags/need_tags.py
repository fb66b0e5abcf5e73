"""Template tags for needs (owned by the needs work; this is the interface)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def company_needs(context, company):
    """The company's needs (open first) with a link to register a new one."""
    return ""
