"""Reads of the contact log and hand-overs, with the privacy rule applied where the rows are loaded.

Company data is shared between partners, so every partner's staff sees every contact entry of a
company. The note of an entry that mentions a person is personal data: only users whose partner
organisations (`partner_org_ids`: a municipality's jobcentre, business office and units count as one
data controller) contain the entry's organisation may read it — not coordinators of other
organisations either. The querysets below carry `note_hidden` and load such notes blanked, so no
template or API schema can show them by mistake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django.utils import timezone

from viaviden.organisations.access import can_see_individual_matches, organisation_tree_ids, partner_org_ids
from viaviden.organisations.models import Organisation, User

from .models import Company, ContactEntry, Handover, Need

UPCOMING_DAYS = 14
TIMELINE_LIMIT = 100


# --- Privacy: blank what the reader may not see, as the rows are loaded ------------------------------


class _PrivateNoteIterable(ModelIterable):
    """Loads contact entries and blanks the note of those annotated `note_hidden`."""

    def __iter__(self):
        for entry in super().__iter__():
            if getattr(entry, "note_hidden", False):
                entry.note = ""
            yield entry


class _PrivateMessageIterable(ModelIterable):
    """Loads hand-overs and blanks message and response of those annotated `message_hidden`."""

    def __iter__(self):
        for handover in super().__iter__():
            if getattr(handover, "message_hidden", False):
                handover.message = ""
                handover.response_note = ""
            yield handover


def _private(qs: QuerySet, iterable: type[ModelIterable]) -> QuerySet:
    qs._iterable_class = iterable  # kept by filter(), order_by(), slicing and pagination (QuerySet._clone)
    return qs


def _hidden_unless(org_field: str, orgs: list[int], extra: Q | None = None) -> Case:
    condition = ~Q(**{f"{org_field}__in": orgs}) if orgs else Q(pk__isnull=False)
    if extra is not None:
        condition = extra & condition
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def visible_contacts(user: User, *, orgs: list[int] | None = None) -> QuerySet[ContactEntry]:
    """All contact entries the user may list (every company's, for partner staff; none for the steering
    group), with everything a timeline row shows, and `note_hidden` applied. `orgs`: the user's
    `partner_org_ids`, when the caller has them already."""
    if not can_see_individual_matches(user):
        return ContactEntry.objects.none()
    orgs = partner_org_ids(user) if orgs is None else orgs
    qs = (
        ContactEntry.objects.select_related(
            "company", "organisation", "author", "next_step_owner", "next_step_owner__organisation", "need"
        )
        .annotate(note_hidden=_hidden_unless("organisation_id", orgs, Q(mentions_person=True)))
        .order_by("-contact_date", "-id")
    )
    return _private(qs, _PrivateNoteIterable)


def access_contact(user: User, pk: int) -> ContactEntry | None:
    """One contact entry as the user may see it, or None."""
    return visible_contacts(user).filter(pk=pk).first()


def can_edit_contact(user: User, entry: ContactEntry) -> bool:
    """The author's organisation (its partner organisations) edits an entry; nobody else, so no one
    outside it ever handles a note they may not read."""
    return can_see_individual_matches(user) and entry.organisation_id in partner_org_ids(user)


def can_complete_next_step(user: User, entry: ContactEntry) -> bool:
    if not entry.next_step or not can_see_individual_matches(user):
        return False
    return entry.next_step_owner_id == user.pk or entry.organisation_id in partner_org_ids(user)


def filter_contacts(
    qs: QuerySet[ContactEntry],
    *,
    user: User,
    company_cvr: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    mine: bool | None = None,
) -> QuerySet[ContactEntry]:
    """The API list filters. `mine`: entries you logged or whose next step is yours."""
    if company_cvr:
        qs = qs.filter(company__cvr=company_cvr)
    if date_from:
        qs = qs.filter(contact_date__gte=date_from)
    if date_to:
        qs = qs.filter(contact_date__lte=date_to)
    if mine:
        qs = qs.filter(Q(author=user) | Q(next_step_owner=user))
    return qs


def contact_timeline(
    user: User, company: Company, *, limit: int = TIMELINE_LIMIT, orgs: list[int] | None = None
) -> list[ContactEntry]:
    """The company's contact entries from all partners, newest first, as the user may see them."""
    return list(visible_contacts(user, orgs=orgs).filter(company=company)[:limit])


# --- Next steps (opfølgning) -----------------------------------------------------------------------


@dataclass
class NextSteps:
    overdue: list[ContactEntry] = field(default_factory=list)
    today: list[ContactEntry] = field(default_factory=list)
    upcoming: list[ContactEntry] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


def next_steps(user: User, scope: str = "mine", *, today: dt.date | None = None) -> NextSteps:
    """Open next steps (not done) split into overdue (due before today), due today and upcoming (the
    next 14 days). `scope` "mine": the user owns the step; "organisation": the user's partner
    organisations logged the contact."""
    today = today or timezone.localdate()
    result = NextSteps()
    if not can_see_individual_matches(user):
        return result
    orgs = partner_org_ids(user)
    qs = visible_contacts(user, orgs=orgs).filter(
        next_step_done_at__isnull=True,
        next_step_due__isnull=False,
        next_step_due__lte=today + dt.timedelta(days=UPCOMING_DAYS),
    )
    if scope == "organisation":
        qs = qs.filter(organisation_id__in=orgs)
    else:
        qs = qs.filter(next_step_owner=user)
    for entry in qs.order_by("next_step_due", "id"):
        if entry.next_step_due < today:
            result.overdue.append(entry)
        elif entry.next_step_due == today:
            result.today.append(entry)
        else:
            result.upcoming.append(entry)
    return result


def next_step_owner_choices(organisation: Organisation, *, tree_ids: list[int] | None = None) -> QuerySet[User]:
    """Who may own a next step of an entry logged by `organisation`: active users of its partner."""
    tree_ids = organisation_tree_ids(organisation) if tree_ids is None else tree_ids
    return (
        User.objects.filter(is_active=True, organisation_id__in=tree_ids)
        .select_related("organisation")
        .order_by("first_name", "last_name", "username")
    )


def company_open_needs(company: Company) -> QuerySet[Need]:
    return Need.objects.filter(company=company, status__in=[Need.Status.NEW, Need.Status.IN_PROGRESS]).order_by(
        "-created_at", "-id"
    )


# --- Hand-overs --------------------------------------------------------------------------------------


def _handovers(user: User, orgs: list[int] | None = None) -> QuerySet[Handover]:
    orgs = partner_org_ids(user) if orgs is None else orgs
    hidden = (
        Case(
            When(Q(from_organisation_id__in=orgs) | Q(to_organisation_id__in=orgs), then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        )
        if orgs
        else Value(True, output_field=BooleanField())
    )
    qs = (
        Handover.objects.select_related(
            "company", "need", "from_organisation", "to_organisation", "from_user", "responded_by"
        )
        .annotate(message_hidden=hidden)
        .order_by("-created_at", "-id")
    )
    return _private(qs, _PrivateMessageIterable)


def company_handovers(user: User, company: Company, *, orgs: list[int] | None = None) -> list[Handover]:
    """The company's hand-overs. Who passed the lead to whom is company data, shared; the message and
    the answer (which may mention persons) are read only by the two organisations involved."""
    if not can_see_individual_matches(user):
        return []
    return list(_handovers(user, orgs).filter(company=company))


def user_handovers(user: User, *, orgs: list[int] | None = None) -> QuerySet[Handover]:
    """Hand-overs sent or received by the user's partner organisations."""
    if not can_see_individual_matches(user):
        return Handover.objects.none()
    orgs = partner_org_ids(user) if orgs is None else orgs
    return _handovers(user, orgs).filter(Q(from_organisation_id__in=orgs) | Q(to_organisation_id__in=orgs))


@dataclass
class HandoverLists:
    received_pending: list[Handover]
    received_done: list[Handover]
    sent: list[Handover]


def handover_lists(user: User, *, limit: int = 50) -> HandoverLists:
    """The hand-over page: pending received first (all), then the latest sent and answered received."""
    orgs = partner_org_ids(user)
    qs = user_handovers(user, orgs=orgs)
    received = qs.filter(to_organisation_id__in=orgs)
    return HandoverLists(
        received_pending=list(received.filter(status=Handover.Status.PENDING)),
        received_done=list(received.exclude(status=Handover.Status.PENDING)[:limit]),
        sent=list(qs.filter(from_organisation_id__in=orgs)[:limit]),
    )


def access_handover(user: User, pk: int) -> Handover | None:
    """A hand-over of the user's partner organisations (sent or received), or None."""
    return user_handovers(user).filter(pk=pk).first()


def handover_receiver_choices(user: User) -> QuerySet[Organisation]:
    """Whom a lead can be handed to: active project partners outside the user's own partner."""
    if user.organisation_id is None:
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(active=True, is_project_partner=True)
        .exclude(pk__in=partner_org_ids(user))
        .exclude(kind__in=[Organisation.Kind.SECRETARIAT, Organisation.Kind.POLITICAL_PARTNER])
        .order_by("name")
    )


def pending_handovers_count(user: User) -> int:
    if not can_see_individual_matches(user):
        return 0
    return Handover.objects.filter(
        status=Handover.Status.PENDING, to_organisation_id__in=partner_org_ids(user)
    ).count()
