"""Who may see which status report.

- Coordinators and administrators: every kind and subject; they issue reports and reprint them, and
  each number links to the registrations behind it.
- Steering group: every kind and subject, aggregates only (no links, no list of changed registrations).
- Partner staff and leads: their own partner's sheet, and their municipality's sheet when their partner
  is a municipality (its jobcentre, business office and units count as the municipality).
- Everyone else (anonymous, users without an organisation): nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from viaviden.core.errors import Forbidden
from viaviden.organisations.models import Organisation, User

from .content import Kind


def own_subjects(user: User) -> list[tuple[str, str]]:
    """The (kind, subject) sheets a partner user may see: their partner, and its municipality."""
    if user.organisation_id is None:
        return []
    partner = user.organisation.partner
    out = [(Kind.PARTNER, partner.slug)]
    if partner.kind == Organisation.Kind.MUNICIPALITY and partner.municipality_id:
        out.append((Kind.MUNICIPALITY, partner.municipality_id))
    return out


def can_see_report(user: User, kind: str, subject: str | None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.sees_everything or user.aggregates_only:
        return True
    return (kind, subject or "") in own_subjects(user)


def require_report(user: User, kind: str, subject: str | None) -> None:
    if not can_see_report(user, kind, subject):
        raise Forbidden(_("Du har ikke adgang til denne rapport. Partnere ser deres egen partners og kommunes ark."))


def can_issue(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.sees_everything


def sees_links(user: User) -> bool:
    """Coordinators follow each number to the registrations behind it; the steering group sees aggregates."""
    return can_issue(user)


def sees_details(user: User) -> bool:
    """Lists of single registrations (the changes since the last report) are not for aggregates-only users."""
    return user.is_authenticated and not user.aggregates_only
