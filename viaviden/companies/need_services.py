"""Writes to needs (afdækning): register, edit, take on, assign, close with an answer, reopen, and the
hook the match registry calls when a match is registered from a need.

The answer promise (SPEC 3.2): a company request — a need wishing a student collaboration, or anything
the company sent itself — gets an answer deadline, and a need is only closed with an answer recorded
(a match, an alternative offer, or no match with a reason). Every step writes a NeedEvent; public
events are what the company reads on its status page, so their texts never contain person names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .answer_promise import answer_due_for, is_company_request
from .models import Company, Need, NeedEvent
from .need_selectors import can_act_on_need
from .timeline import need_log_event


class AnsweringMatch(Protocol):
    """What answering a need reads from the match (a matches.Match: matches imports companies, not the
    other way round)."""

    registering_org: Organisation
    match_type: MatchType
    start_date: dt.date


# The facts of a need that need_update may change (owner and status have their own services).
NEED_FIELDS = (
    "title",
    "tasks",
    "recognised",
    "match_types",
    "education_levels",
    "level_unknown",
    "education_wish",
    "time_frame",
    "earliest_start",
    "place_municipality",
    "place",
)
TITLE_FROM_TASKS_LENGTH = 80

ANSWER_REQUIRED = gettext_lazy(
    "Et behov kan kun lukkes med et svar til virksomheden: et match, et alternativt tilbud eller intet match "
    "med en begrundelse."
)


def _date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _require_partner_staff(user: User) -> None:
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har ikke adgang til virksomhedernes behov."), code="aggregates_only")


def _require_can_act(user: User, need: Need) -> None:
    _require_partner_staff(user)
    if not can_act_on_need(user, need):
        raise Forbidden(
            _("Kun den ansvarlige organisation og koordinationsgruppen kan ændre behovet."), code="not_need_owner"
        )


def _same_partner(a: Organisation, b: Organisation) -> bool:
    """A municipality's jobcentre, business office and units count as one organisation."""
    return a.partner.pk == b.partner.pk


def _lock(need: Need, version: int | None) -> Need:
    """The need, locked for the rest of the transaction; a stale `version` is a Conflict."""
    current = (
        Need.objects.select_for_update(of=("self",)).select_related("company", "owner_organisation").get(pk=need.pk)
    )
    if version is not None and current.version != version:
        raise Conflict(
            _("Behovet er blevet ændret af en anden, siden du åbnede det. Genindlæs siden, og prøv igen."),
            code="conflict",
        )
    return current


def _full_clean(need: Need, *, exclude: Iterable[str] = ()) -> None:
    try:
        need.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        details = exc.message_dict
        first = next(iter(details.values()))[0]
        raise ValidationFailed(first, code="validation_error", details=details) from exc


def _save(need: Need, fields: Iterable[str]) -> None:
    need.version += 1
    need.save(update_fields=[*fields, "version", "updated_at"])


def _check_facts(values: dict[str, Any]) -> None:
    """The rules a form cannot express alone; all messages at once."""
    errors: dict[str, list[str]] = {}
    if not (values.get("tasks") or "").strip():
        errors["tasks"] = [_("Beskriv de opgaver, virksomheden vil have løst.")]
    if values.get("level_unknown") and list(values.get("education_levels") or []):
        errors["education_levels"] = [
            _("Vælg enten et eller flere uddannelsesniveauer eller «ved ikke» – ikke begge dele.")
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="validation_error", details=errors)


def _title_from(tasks: str) -> str:
    first_line = tasks.strip().splitlines()[0].strip() if tasks.strip() else ""
    if len(first_line) <= TITLE_FROM_TASKS_LENGTH:
        return first_line
    return first_line[: TITLE_FROM_TASKS_LENGTH - 1].rstrip() + "…"


def _request_deadline(need: Need, match_type_codes: list[str]) -> list[str]:
    """Start the answer promise when the need is (or has become) a company request; the changed fields."""
    if need.requested_at is not None:
        return []
    if not is_company_request(source=need.source, match_type_codes=match_type_codes):
        return []
    now = timezone.now()
    need.requested_at, need.answer_due = now, answer_due_for(now)
    return ["requested_at", "answer_due"]


@transaction.atomic
def need_create(
    *,
    user: User | None,
    company: Company,
    tasks: str,
    title: str = "",
    recognised: bool = True,
    match_types: Iterable[MatchType] = (),
    education_levels: Iterable[EducationLevel] = (),
    level_unknown: bool = False,
    education_wish: str = "",
    time_frame: str = "",
    earliest_start: dt.date | None = None,
    place_municipality: Municipality | None = None,
    place: str = "",
    owner_organisation: Organisation | None = None,
    owner: User | None = None,
    source: str = Need.Source.STAFF,
) -> Need:
    """Register a company's need. Empty `match_types` means open to any match type; empty
    `education_levels` (or `level_unknown`) means every level. A student-collaboration wish (or a
    self-service request) starts the answer promise: `requested_at` and `answer_due` are set."""
    match_types, education_levels = list(match_types), list(education_levels)
    if user is not None:
        _require_partner_staff(user)
    if owner_organisation is None and user is not None:
        owner_organisation = user.organisation
    if owner_organisation is None:
        raise ValidationFailed(
            _("Angiv hvilken organisation der er ansvarlig for behovet."),
            code="owner_required",
            details={"owner_organisation": [_("Feltet skal udfyldes.")]},
        )
    if user is not None and not user.sees_everything and owner_organisation.pk not in partner_org_ids(user):
        raise Forbidden(_("Du kan kun registrere behov for din egen organisation."), code="not_own_organisation")
    _check_facts({"tasks": tasks, "level_unknown": level_unknown, "education_levels": education_levels})
    if owner is None and user is not None and user.organisation is not None:
        if _same_partner(user.organisation, owner_organisation):
            owner = user
    _check_owner(owner, owner_organisation)
    while company.merged_into_id is not None:  # a merged record's CVR number still finds the survivor
        company = company.merged_into  # type: ignore[assignment]

    need = Need(
        company=company,
        title=title.strip() or _title_from(tasks),
        tasks=tasks.strip(),
        recognised=recognised,
        level_unknown=level_unknown,
        education_wish=education_wish.strip(),
        time_frame=time_frame.strip(),
        earliest_start=earliest_start,
        place_municipality=place_municipality,
        place=place.strip(),
        status=Need.Status.NEW,
        owner_organisation=owner_organisation,
        owner=owner,
        created_by=user,
        source=source,
    )
    _request_deadline(need, [mt.code for mt in match_types])
    _full_clean(need)
    need.save()
    need.match_types.set(match_types)
    need.education_levels.set([] if level_unknown else education_levels)
    with translation.override("da"):  # stored history is Danish, whatever the request's language
        if need.answer_due:
            text = _("Behovet er registreret. Virksomheden får svar senest %(date)s.") % {
                "date": _date(need.answer_due)
            }
        else:
            text = _("Behovet er registreret.")
    need_log_event(need=need, kind=NeedEvent.Kind.CREATED, user=user, organisation=owner_organisation, text=text)
    return need


def _check_owner(owner: User | None, owner_organisation: Organisation) -> None:
    if owner is None:
        return
    if not owner.is_active or owner.organisation is None or owner.aggregates_only:
        raise ValidationFailed(
            _("Den valgte medarbejder kan ikke være ansvarlig for behov."),
            code="invalid_owner",
            details={"owner": [_("Vælg en aktiv medarbejder hos en partner.")]},
        )
    if not _same_partner(owner.organisation, owner_organisation):
        raise ValidationFailed(
            _("Den ansvarlige medarbejder skal høre til den ansvarlige organisation."),
            code="invalid_owner",
            details={"owner": [_("Den ansvarlige medarbejder skal høre til den ansvarlige organisation.")]},
        )


@transaction.atomic
def need_update(*, user: User, need: Need, version: int, **fields: Any) -> Need:
    """Edit the facts of an open need (see NEED_FIELDS). `version` is the version the editor read; if
    someone saved in between, nothing is changed and Conflict is raised."""
    _require_can_act(user, need)
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Felter kan ikke ændres: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="invalid_fields"
        )
    need = _lock(need, version)
    if not need.is_open:
        raise ValidationFailed(_("Behovet er lukket. Genåbn det for at ændre det."), code="need_not_open")
    current_types = list(need.match_types.all())
    current_levels = list(need.education_levels.all())
    new_types = list(fields.pop("match_types", current_types))
    new_levels = list(fields.pop("education_levels", current_levels))
    level_unknown = fields.get("level_unknown", need.level_unknown)
    _check_facts(
        {"tasks": fields.get("tasks", need.tasks), "level_unknown": level_unknown, "education_levels": new_levels}
    )
    if level_unknown:
        new_levels = []
    changed: list[str] = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "title" and not value:
            value = _title_from(fields.get("tasks", need.tasks))
        if getattr(need, name) != value:
            setattr(need, name, value)
            changed.append(name)
    types_changed = {mt.pk for mt in new_types} != {mt.pk for mt in current_types}
    levels_changed = {lv.pk for lv in new_levels} != {lv.pk for lv in current_levels}
    if not (changed or types_changed or levels_changed):
        return need
    deadline_fields = _request_deadline(need, [mt.code for mt in new_types])
    _full_clean(need)
    _save(need, [*changed, *deadline_fields])
    if types_changed:
        need.match_types.set(new_types)
        changed.append("match_types")
    if levels_changed:
        need.education_levels.set(new_levels)
        changed.append("education_levels")
    with translation.override("da"):
        labels = ", ".join(str(Need._meta.get_field(name).verbose_name) for name in changed)
        need_log_event(need=need, kind=NeedEvent.Kind.UPDATED, user=user, public=False,
                       text=_("Ændret: %(fields)s") % {"fields": labels})
        if deadline_fields:
            need_log_event(
                need=need, kind=NeedEvent.Kind.UPDATED, user=user,
                text=_("Virksomheden får svar senest %(date)s.") % {"date": _date(need.answer_due)},
            )
    return need


@transaction.atomic
def need_set_status(*, user: User, need: Need, status: str, version: int) -> Need:
    """Take a new need on (new → in progress). Matched and closed are reached by answering."""
    _require_can_act(user, need)
    need = _lock(need, version)
    if status != Need.Status.IN_PROGRESS or need.status != Need.Status.NEW:
        raise ValidationFailed(
            _("Kun et nyt behov kan sættes i gang. Et behov lukkes ved at besvare det."), code="invalid_status"
        )
    need.status = Need.Status.IN_PROGRESS
    _save(need, ["status"])
    with translation.override("da"):
        need_log_event(need=need, kind=NeedEvent.Kind.STATUS, user=user, text=_("Behovet er under behandling."))
    return need


@transaction.atomic
def need_assign(
    *, user: User, need: Need, version: int, owner_organisation: Organisation | None = None, owner: User | None = None
) -> Need:
    """Change the responsible organisation and/or staff member (None for `owner`: nobody in particular)."""
    _require_can_act(user, need)
    need = _lock(need, version)
    organisation = owner_organisation or need.owner_organisation
    if not organisation.active or not organisation.is_project_partner:
        raise ValidationFailed(
            _("Vælg en aktiv projektpartner som ansvarlig organisation."),
            code="invalid_owner_organisation",
            details={"owner_organisation": [_("Vælg en aktiv projektpartner.")]},
        )
    _check_owner(owner, organisation)
    if organisation.pk == need.owner_organisation_id and (owner.pk if owner else None) == need.owner_id:
        return need
    need.owner_organisation, need.owner = organisation, owner
    _save(need, ["owner_organisation", "owner"])
    who = organisation.name
    if owner is not None:
        who = f"{who} · {owner.get_full_name() or owner.username}"
    # Not public: it names a person, and the company's contact does not change by it.
    with translation.override("da"):
        need_log_event(need=need, kind=NeedEvent.Kind.ASSIGNED, user=user, public=False,
                       text=_("Ansvarlig: %(who)s") % {"who": who})
    return need


@transaction.atomic
def need_close(*, user: User, need: Need, answer: str, answer_note: str = "", version: int) -> Need:
    """Close an open need with the answer the company gets: "alternative" (describe the offer),
    "no_match" (with the reason — the company reads it), or "match" when a match registered from the
    need exists. Without an answer nothing is saved."""
    _require_can_act(user, need)
    answer, note = (answer or "").strip(), (answer_note or "").strip()
    if not answer:
        msg = str(ANSWER_REQUIRED)
        raise ValidationFailed(msg, code="answer_required", details={"answer": [msg]})
    if answer not in Need.Answer.values:
        raise ValidationFailed(
            _("Ukendt svar: %(a)s") % {"a": answer}, code="invalid_answer", details={"answer": [_("Ugyldig værdi.")]}
        )
    need = _lock(need, version)
    if not need.is_open:
        raise ValidationFailed(_("Behovet er allerede besvaret og lukket."), code="need_not_open")
    if answer == Need.Answer.MATCH and not need.matches.counting().exists():
        msg = _("Svaret «match» gives ved at registrere matchet fra behovet («Registrér match fra behovet»).")
        raise ValidationFailed(msg, code="match_required", details={"answer": [msg]})
    if answer == Need.Answer.ALTERNATIVE and not note:
        msg = _("Beskriv det alternative tilbud, virksomheden har fået.")
        raise ValidationFailed(msg, code="alternative_required", details={"answer_note": [msg]})
    if answer == Need.Answer.NO_MATCH and not note:
        msg = _("Angiv begrundelsen for, at der ikke blev et match. Virksomheden kan se den.")
        raise ValidationFailed(msg, code="reason_required", details={"answer_note": [msg]})
    now = timezone.now()
    need.status = Need.Status.MATCHED if answer == Need.Answer.MATCH else Need.Status.CLOSED
    need.answer, need.answer_note, need.answered_at, need.closed_at = answer, note, now, now
    _full_clean(need)
    _save(need, ["status", "answer", "answer_note", "answered_at", "closed_at"])
    with translation.override("da"):
        need_log_event(need=need, kind=NeedEvent.Kind.ANSWERED, user=user, text=answer_text(answer, note))
    return need


def answer_text(answer: str, note: str = "") -> str:
    """The public line of the answer, as the company reads it (in the active language; the services
    store it in Danish)."""
    label = {
        Need.Answer.MATCH: _("match"),
        Need.Answer.ALTERNATIVE: _("alternativt tilbud"),
        Need.Answer.NO_MATCH: _("intet match"),
    }[Need.Answer(answer)]
    if note:
        return _("Besvaret: %(answer)s – %(note)s") % {"answer": label, "note": note}
    return _("Besvaret: %(answer)s") % {"answer": label}


@transaction.atomic
def need_reopen(*, user: User, need: Need, version: int, reason: str) -> Need:
    """Reopen a matched or closed need (in progress again, the answer is cleared; a company request
    gets a new deadline). The earlier answer stays in the timeline."""
    _require_can_act(user, need)
    reason = (reason or "").strip()
    if not reason:
        msg = _("Angiv hvorfor behovet genåbnes.")
        raise ValidationFailed(msg, code="reason_required", details={"reason": [msg]})
    need = _lock(need, version)
    if need.is_open or need.status == Need.Status.UNCONFIRMED:
        raise ValidationFailed(_("Behovet er ikke lukket."), code="need_open")
    need.status = Need.Status.IN_PROGRESS
    need.answer, need.answer_note, need.answered_at, need.closed_at = "", "", None, None
    fields = ["status", "answer", "answer_note", "answered_at", "closed_at"]
    if need.requested_at is not None:
        need.answer_due, need.reminder_sent_at = answer_due_for(timezone.now()), None
        fields += ["answer_due", "reminder_sent_at"]
    _save(need, fields)
    with translation.override("da"):
        need_log_event(need=need, kind=NeedEvent.Kind.STATUS, user=user, public=False,
                       text=_("Genåbnet: %(reason)s") % {"reason": reason})
        if need.requested_at is not None:
            text = _("Behovet er genåbnet og behandles igen. Virksomheden får svar senest %(date)s.") % {
                "date": _date(need.answer_due)
            }
        else:
            text = _("Behovet er genåbnet og behandles igen.")
        need_log_event(need=need, kind=NeedEvent.Kind.STATUS, user=user, text=text)
    return need


@transaction.atomic
def need_answer_with_match(*, need: Need, match: AnsweringMatch, user: User | None) -> Need:
    """Called by the match registry when a match is registered from `need` (or merged into an existing
    one): an open need is answered with the match and becomes MATCHED. A closed need is left as it is.
    Runs inside the registration's transaction. Referrals are left alone."""
    need = _lock(need, None)
    if not need.is_open:
        return need
    now = timezone.now()
    need.status, need.answer, need.answered_at, need.closed_at = Need.Status.MATCHED, Need.Answer.MATCH, now, now
    _save(need, ["status", "answer", "answered_at", "closed_at"])
    with translation.override("da"):
        need_log_event(
            need=need,
            kind=NeedEvent.Kind.MATCHED,
            user=user,
            organisation=match.registering_org,
            text=_("Der er registreret et match (%(type)s, start %(date)s).")
            % {"type": match.match_type.label, "date": _date(match.start_date)},
        )
    return need
