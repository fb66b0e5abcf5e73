"""Who may see and change which matches. One place, used by views, the API and services.

- Coordinators and administrators: everything.
- Steering group: aggregates only, never individual matches.
- Partner staff and leads: matches their partner registered or contributed to (a municipality's
  jobcentre, business office and units count as one partner). Leads also verify and reject them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.organisations.access import can_register_for, can_see_individual_matches, partner_org_ids, works_for
from viaviden.organisations.models import User

from .models import Match

# Organisation-level rules, defined in organisations.access (the apps below matches use them too);
# named here as well because every match view reads them next to the rules above.
__all__ = [
    "access_match", "can_edit_match", "can_register_for", "can_see_individual_matches", "can_verify_match",
    "can_view_match", "partner_org_ids", "visible_matches",
]


def visible_matches(user: User, qs: QuerySet[Match] | None = None) -> QuerySet[Match]:
    """The matches (of `qs`) the user may see individually; the rule is `MatchQuerySet.visible_to`."""
    return (Match.objects.all() if qs is None else qs).visible_to(user)


def access_match(user: User, pk: int, qs: QuerySet[Match] | None = None) -> Match:
    """Fetch a match the user may see (from `qs`, to choose the related data), or raise NotFound —
    the same answer whether it does not exist or is someone else's, so existence does not leak."""
    match = visible_matches(user, qs).filter(pk=pk).first()
    if match is None:
        raise NotFound(_("Matchet findes ikke, eller du har ikke adgang til det."))
    return match


def can_view_match(user: User, match: Match) -> bool:
    return visible_matches(user, Match.objects.filter(pk=match.pk)).exists()


def can_edit_match(user: User, match: Match) -> bool:
    return works_for(user, match.registering_org_id)


def can_verify_match(user: User, match: Match) -> bool:
    if user.sees_everything:
        return True
    return user.role == User.Role.PARTNER_LEAD and can_edit_match(user, match)
