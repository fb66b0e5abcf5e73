"""Who sees and changes which cohort. One place, used by the views, the API, the import and the services.

- Coordinators and administrators: every cohort.
- Partner staff and leads: the cohorts of their partner (a municipality's jobcentre, business office and
  units such as the Central Matching Unit count as one partner, as for matches). Staff create cohorts and
  register participants and outcomes; deleting a whole cohort is for the lead (or a coordinator).
- Steering group: aggregates only (the effect figures), never a cohort's participants.
- Other organisations: nothing of it (a cohort they cannot see is "not found", so existence does not leak).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.matches.permissions import can_register_for, partner_org_ids
from viaviden.organisations.models import Organisation, User

from .models import Cohort


def visible_cohorts(user: User, qs: QuerySet[Cohort] | None = None) -> QuerySet[Cohort]:
    qs = Cohort.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    if user.aggregates_only or user.organisation_id is None:
        return qs.none()
    return qs.filter(organisation_id__in=partner_org_ids(user))


def access_cohort(user: User, pk: int, qs: QuerySet[Cohort] | None = None) -> Cohort:
    """A cohort the user may see, or NotFound (the same answer for someone else's and a missing one)."""
    cohort = visible_cohorts(user, qs).filter(pk=pk).first()
    if cohort is None:
        raise NotFound(_("Forløbet findes ikke, eller du har ikke adgang til det."))
    return cohort


def can_see_cohorts(user: User) -> bool:
    """Individual cohorts (their participants, pseudonymous as they are) are not for the steering group."""
    return user.is_authenticated and not user.aggregates_only and (
        user.sees_everything or user.organisation_id is not None
    )


def can_manage_cohorts_for(user: User, organisation: Organisation) -> bool:
    """Create cohorts, add participants and register outcomes for this organisation."""
    return user.is_authenticated and not user.aggregates_only and can_register_for(user, organisation)


def can_delete_cohort(user: User, cohort: Cohort) -> bool:
    if user.sees_everything:
        return True
    return user.role == User.Role.PARTNER_LEAD and can_manage_cohorts_for(user, cohort.organisation)


def effect_organisations(user: User) -> list[int] | None:
    """The organisations whose effect figures the user may read: None = all (coordinators and the
    steering group, who see aggregates), else the user's partner and its units."""
    if user.sees_everything or user.aggregates_only:
        return None
    if user.organisation_id is None:
        return []
    return partner_org_ids(user)
