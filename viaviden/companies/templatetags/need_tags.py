"""Template tags for needs: `{% load need_tags %}{% company_needs company %}` on the company page."""

from django import template
from django.template.loader import render_to_string

from viaviden.organisations.access import can_see_individual_matches

from ..need_selectors import company_needs as select_company_needs

register = template.Library()


@register.simple_tag(takes_context=True)
def company_needs(context, company):
    """The company's needs (open first, with status and answer deadline) and a link to register one."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not can_see_individual_matches(user):
        return ""
    return render_to_string(
        "companies/needs/company_needs.html",
        {"company": company, "needs": list(select_company_needs(company))},
        request=request,
    )
