"""Who may see and change which matches. One place, used by views, the API and services.

- Coordinators and administrators: everything.
- Steering group: aggregates only, never individual matches.
- Partner staff and leads: matches their partner registered or contributed to (a municipality's
  jobcentre, business office and units count as one partner). Leads also verify and reject them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.organisations.models import Organisation, User

from .models import Match, MatchContribution


def partner_org_ids(user: User) -> list[int]:
    """The organisations whose registrations the user works with: their partner and its units."""
    if user.organisation_id is None:
        return []
    partner = user.organisation.partner
    ids = {partner.pk}
    frontier = [partner.pk]
    while frontier:
        children = list(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return sorted(ids)


def visible_matches(user: User, qs: QuerySet[Match] | None = None) -> QuerySet[Match]:
    qs = Match.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    if user.aggregates_only or user.organisation_id is None:
        return qs.none()
    orgs = partner_org_ids(user)
    contributed = MatchContribution.objects.filter(match=OuterRef("pk"), organisation_id__in=orgs)
    return qs.filter(Q(registering_org_id__in=orgs) | Exists(contributed))


def access_match(user: User, pk: int, qs: QuerySet[Match] | None = None) -> Match:
    """Fetch a match the user may see (from `qs`, to choose the related data), or raise NotFound —
    the same answer whether it does not exist or is someone else's, so existence does not leak."""
    match = visible_matches(user, qs).filter(pk=pk).first()
    if match is None:
        raise NotFound(_("Matchet findes ikke, eller du har ikke adgang til det."))
    return match


def can_view_match(user: User, match: Match) -> bool:
    return visible_matches(user, Match.objects.filter(pk=match.pk)).exists()


def can_register_for(user: User, organisation: Organisation) -> bool:
    if user.sees_everything:
        return True
    if user.aggregates_only or user.organisation_id is None:
        return False
    return organisation.pk in partner_org_ids(user)


def can_edit_match(user: User, match: Match) -> bool:
    if user.sees_everything:
        return True
    if user.aggregates_only or user.organisation_id is None:
        return False
    return match.registering_org_id in partner_org_ids(user)


def can_verify_match(user: User, match: Match) -> bool:
    if user.sees_everything:
        return True
    return user.role == User.Role.PARTNER_LEAD and can_edit_match(user, match)


def can_see_individual_matches(user: User) -> bool:
    return user.is_authenticated and not user.aggregates_only and (
        user.sees_everything or user.organisation_id is not None
    )
