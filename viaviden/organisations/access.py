"""Who may reach staff pages: an active user, logged in with password AND a verified second factor.

    from viaviden.organisations.access import staff_required, coordinator_required

    @staff_required
    def my_view(request): ...

    class MyView(StaffRequiredMixin, View): ...

Anonymous users go to the login page; a logged-in user without a confirmed authenticator app goes to
the enrolment page (`account_security`); a user whose session is not OTP-verified logs in again.
`coordinator_required` additionally answers 403 unless the user sees everything (coordinator,
administrator, superuser).

The organisation-level rules at the end (`partner_org_ids`, `can_see_individual_matches`,
`can_register_for`) say whose records a user works with; each domain app applies them to its records.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .models import Organisation, User
from .services import totp_device_confirmed


def is_staff_verified(user) -> bool:
    """Authenticated, active and verified with a second factor in this session."""
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_verified", None) and user.is_verified())


def staff_denial(request: HttpRequest) -> HttpResponse | None:
    """The redirect that keeps a request out of staff pages, or None when it may pass."""
    user = request.user
    if is_staff_verified(user):
        return None
    path = request.get_full_path()
    if not user.is_authenticated or not user.is_active or totp_device_confirmed(user) is not None:
        return redirect_to_login(path)
    return HttpResponseRedirect(f"{reverse('account_security')}?{urlencode({'next': path})}")


def staff_required(view_func):
    """Decorator for staff views (see module docstring)."""

    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        denial = staff_denial(request)
        if denial is not None:
            return denial
        return view_func(request, *args, **kwargs)

    return wrapper


def coordinator_required(view_func):
    """Staff views for coordinators and administrators only; everyone else gets 403."""

    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        denial = staff_denial(request)
        if denial is not None:
            return denial
        if not request.user.sees_everything:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


class StaffRequiredMixin:
    """Class-based view counterpart of `staff_required` (put it first in the bases)."""

    def dispatch(self, request, *args, **kwargs):
        denial = staff_denial(request)
        if denial is not None:
            return denial
        return super().dispatch(request, *args, **kwargs)


class CoordinatorRequiredMixin:
    """Class-based view counterpart of `coordinator_required`."""

    def dispatch(self, request, *args, **kwargs):
        denial = staff_denial(request)
        if denial is not None:
            return denial
        if not request.user.sees_everything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# Which partner's records a user works with: organisation-level rules that every domain app applies to
# its own records (matches, needs, contacts, referrals, cases, events, applications).


def partner_org_ids(user: User) -> list[int]:
    """The organisations whose registrations the user works with: their partner and its units."""
    if user.organisation_id is None:
        return []
    return organisation_tree_ids(user.organisation)


def organisation_tree_ids(organisation: Organisation) -> list[int]:
    """The partner of `organisation` and all units below it (what `partner_org_ids` gives its users)."""
    partner = organisation.partner
    ids = {partner.pk}
    frontier = [partner.pk]
    while frontier:
        children = list(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return sorted(ids)


def can_see_individual_matches(user: User) -> bool:
    """Whether the user works with individual records (persons, matches): not the steering group."""
    return user.is_authenticated and not user.aggregates_only and (
        user.sees_everything or user.organisation_id is not None
    )


def can_register_for(user: User, organisation: Organisation) -> bool:
    """Whether the user may register on behalf of `organisation` (their partner or one of its units)."""
    return works_for(user, organisation.pk)


def works_for(user: User, organisation_id: int | None) -> bool:
    """Whether the user acts for this organisation: coordinators for every one, partner staff for their partner
    and its units, the steering group for none (who may register for it, or edit what it registered)."""
    if user.sees_everything:
        return True
    if user.aggregates_only or user.organisation_id is None:
        return False
    return organisation_id in partner_org_ids(user)
