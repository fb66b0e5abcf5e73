"""Template tags for the contact log: `{% load contact_tags %}{% contact_timeline company %}` renders the
company's contact timeline and hand-overs for the current user, with a quick-log form."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from viaviden.organisations.access import can_see_individual_matches, partner_org_ids

from .. import contact_selectors as selectors
from ..views_contacts import ContactForm

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_timeline(context, company):
    """The company's contact timeline as the current user may see it, with the quick-log form.

    Person-related notes of other organisations arrive blanked from the selector (`note_hidden`)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_see_individual_matches(user) or user.organisation_id is None:
        return ""
    orgs = partner_org_ids(user)
    entries = selectors.contact_timeline(user, company, orgs=orgs)
    form = ContactForm(user=user, company=company, owner_tree_ids=orgs, auto_id="quicklog-%s")
    return render_to_string(
        "companies/contacts/_timeline.html",
        {
            "company": company,
            "entries": entries,
            "limited": len(entries) >= selectors.TIMELINE_LIMIT,
            "handovers": selectors.company_handovers(user, company, orgs=orgs),
            "my_orgs": orgs,
            "quick_form": form,
            "can_hand_over": user.organisation_id is not None,
            "next": request.get_full_path(),
        },
        request=request,
    )
