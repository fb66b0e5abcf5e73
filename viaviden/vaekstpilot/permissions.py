"""Who may see and do what with Vækstpilot applications. One place, used by views, the API and services.

- The lead partner (the rule's `lead_organisation`, Erhvervshus Nordjylland): all its users see every
  application and administer payments; its partner leads decide (reject, approve exceptions) and, with
  the coordinators, edit the scheme's rules and quotas.
- The responsible partner (`partner_organisation`, the partner that applied on the company's behalf, or
  the business office of the workplace's municipality for a company's own application): its users (the
  municipality's jobcentre, business office and units count as one) see and act on the application.
- Coordinators and administrators: everything.
- Steering group and users without an organisation: the aggregate figures only (budget, dashboard).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import User

from .models import Application, SchemeRule


def lead_org_ids() -> set[int]:
    return set(SchemeRule.objects.values_list("lead_organisation_id", flat=True))


def is_lead_user(user: User) -> bool:
    """A user of the lead partner (any role)."""
    if not user.is_authenticated or user.organisation_id is None or user.aggregates_only:
        return False
    return bool(lead_org_ids() & set(partner_org_ids(user)))


def can_apply(user: User) -> bool:
    return can_see_individual_matches(user)


def can_decide(user: User) -> bool:
    """Reject applications and approve or refuse exceptions: the lead partner's leads and coordinators."""
    if not user.is_authenticated:
        return False
    return user.sees_everything or (user.role == User.Role.PARTNER_LEAD and is_lead_user(user))


def can_administer_payments(user: User) -> bool:
    """Approve months and make payment lists: the lead partner's users and coordinators."""
    if not user.is_authenticated:
        return False
    return user.sees_everything or is_lead_user(user)


def can_edit_scheme(user: User) -> bool:
    return can_decide(user)


def visible_applications(user: User, qs: QuerySet[Application] | None = None) -> QuerySet[Application]:
    qs = Application.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active or not can_see_individual_matches(user):
        return qs.none()
    if user.sees_everything or is_lead_user(user):
        return qs
    return qs.filter(partner_organisation_id__in=partner_org_ids(user))


def access_application(user: User, pk: int, qs: QuerySet[Application] | None = None) -> Application:
    """The application if the user may see it; NotFound otherwise (existence is not revealed)."""
    app = visible_applications(user, qs).filter(pk=pk).first()
    if app is None:
        raise NotFound(_("Ansøgningen findes ikke, eller du har ikke adgang til den."))
    return app


def can_act_on(user: User, app: Application) -> bool:
    """Withdraw, mark started, terminate, report for the company, request an exception, follow up."""
    if not user.is_authenticated or not can_see_individual_matches(user):
        return False
    if user.sees_everything or is_lead_user(user):
        return True
    return app.partner_organisation_id in partner_org_ids(user)
