"""Reads of referrals (henvisninger) and the services overview, with permissions applied.

Referrals are shared with all partner staff (SPEC 3.2), never with the steering group. Who may act on
one: the receiving side (users of the service's organisation, counted as one partner with its units)
accepts, asks or declines; the referring side answers questions and may withdraw."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Service, User

from .models import Need, Referral

OPEN_STATUSES = (Referral.Status.SENT, Referral.Status.QUESTION)


def active_services() -> QuerySet[Service]:
    """The services overview: active services of active organisations, with what each offers."""
    return (
        Service.objects.filter(active=True, organisation__active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def referral_queryset() -> QuerySet[Referral]:
    """Referrals with everything the pages and the API show, in one query."""
    return Referral.objects.select_related(
        "need__company",
        "need__owner_organisation",
        "service__organisation",
        "from_organisation",
        "from_user",
        "responded_by",
        "alternative_service__organisation",
    )


def visible_referrals(user: User, qs: QuerySet[Referral] | None = None) -> QuerySet[Referral]:
    qs = referral_queryset() if qs is None else qs
    if not can_see_individual_matches(user):
        return qs.none()
    return qs


def access_referral(user: User, pk: int, qs: QuerySet[Referral] | None = None) -> Referral:
    """Fetch a referral the user may see, or raise NotFound."""
    referral = visible_referrals(user, qs).filter(pk=pk).first()
    if referral is None:
        raise NotFound(_("Henvisningen findes ikke, eller du har ikke adgang til den."))
    return referral


def _open_first(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.annotate(
        open_rank=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("open_rank", "due", "-created_at", "-id")


def referrals_received(user: User, *, org_ids: list[int] | None = None) -> QuerySet[Referral]:
    """Referrals to a service of the user's partner (open first, earliest deadline first)."""
    ids = partner_org_ids(user) if org_ids is None else org_ids
    return _open_first(visible_referrals(user).filter(service__organisation_id__in=ids))


def referrals_sent(user: User, *, org_ids: list[int] | None = None) -> QuerySet[Referral]:
    """Referrals sent by the user's partner (open first)."""
    ids = partner_org_ids(user) if org_ids is None else org_ids
    return _open_first(visible_referrals(user).filter(from_organisation_id__in=ids))


def referrals_all(user: User) -> QuerySet[Referral]:
    """Every referral (coordinators); nothing for others."""
    if not user.sees_everything:
        return referral_queryset().none()
    return _open_first(visible_referrals(user))


def need_for_referral(user: User, pk: int) -> Need:
    """The need a referral is made for (needs are shared with all partner staff), or NotFound."""
    need = None
    if can_see_individual_matches(user):
        need = Need.objects.select_related("company", "owner_organisation", "owner").filter(pk=pk).first()
    if need is None:
        raise NotFound(_("Behovet findes ikke, eller du har ikke adgang til det."))
    return need


# --- Who may act -----------------------------------------------------------------------------------


def can_refer(user: User, need: Need, *, org_ids: list[int] | None = None) -> bool:
    """Users of the need's owner organisation (as one partner) and coordinators refer a need; the
    referral is sent on behalf of the user's own organisation, so they need one."""
    if not can_see_individual_matches(user) or user.organisation_id is None:
        return False
    if user.sees_everything:
        return True
    ids = partner_org_ids(user) if org_ids is None else org_ids
    return need.owner_organisation_id in ids


def is_receiver(user: User, referral: Referral, *, org_ids: list[int] | None = None) -> bool:
    if not can_see_individual_matches(user) or user.organisation_id is None:
        return False
    ids = partner_org_ids(user) if org_ids is None else org_ids
    return referral.service.organisation_id in ids


def is_sender(user: User, referral: Referral, *, org_ids: list[int] | None = None) -> bool:
    if not can_see_individual_matches(user) or user.organisation_id is None:
        return False
    ids = partner_org_ids(user) if org_ids is None else org_ids
    return referral.from_organisation_id in ids
