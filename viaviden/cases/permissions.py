"""Who may do what with cases. One place, used by views, services and the API.

- Everyone (no login): published cases only.
- Partner staff (not the steering group, not users without an organisation): write drafts for their own
  organisation (a municipality's jobcentre, business office and units count as one), submit them for
  review, withdraw them from review, and keep the record of consent of the persons shown.
- Coordinators (the coordination group and administrators) are the reviewers: they publish, send back,
  archive and reopen, and may edit any case that is not archived.
"""

from __future__ import annotations

from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import User

from .models import Case


def is_case_staff(user: User) -> bool:
    return can_see_individual_matches(user)


def is_reviewer(user: User) -> bool:
    return bool(user.is_authenticated and user.sees_everything)


def owns_case(user: User, case: Case) -> bool:
    if not is_case_staff(user) or user.organisation_id is None:
        return False
    return case.owner_organisation_id in partner_org_ids(user)


def can_view_case(user: User, case: Case) -> bool:
    """Staff pages of a case: its owners, reviewers, and every partner once it is published."""
    if not is_case_staff(user):
        return False
    return is_reviewer(user) or owns_case(user, case) or case.status == Case.Status.PUBLISHED


def can_edit_case(user: User, case: Case) -> bool:
    if is_reviewer(user):
        return case.status != Case.Status.ARCHIVED
    return owns_case(user, case) and case.status == Case.Status.DRAFT


def can_submit_case(user: User, case: Case) -> bool:
    return case.status == Case.Status.DRAFT and (is_reviewer(user) or owns_case(user, case))


def can_withdraw_case(user: User, case: Case) -> bool:
    """Take a case back from review to draft (owners), or send it back with a note (reviewers)."""
    return case.status == Case.Status.REVIEW and (is_reviewer(user) or owns_case(user, case))


def can_publish_case(user: User, case: Case) -> bool:
    return case.status == Case.Status.REVIEW and is_reviewer(user)


def can_archive_case(user: User, case: Case) -> bool:
    return case.status != Case.Status.ARCHIVED and is_reviewer(user)


def can_reopen_case(user: User, case: Case) -> bool:
    return case.status == Case.Status.ARCHIVED and is_reviewer(user)


def can_manage_persons(user: User, case: Case) -> bool:
    """Add persons and record or withdraw their consent."""
    return case.status != Case.Status.ARCHIVED and (is_reviewer(user) or owns_case(user, case))


def can_manage_embed_sites(user: User, organisation) -> bool:
    if is_reviewer(user):
        return True
    return (is_case_staff(user) and user.role == User.Role.PARTNER_LEAD
            and organisation.pk in partner_org_ids(user))
