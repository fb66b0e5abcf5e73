"""Template tags for the contact log (owned by the contact-log work; this is the interface)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_timeline(context, company):
    """The company's contact timeline as the current user may see it, with the quick-log form."""
    return ""
