"""Writes to cohorts: create, edit, delete a cohort; add and remove participants; register an outcome.

Every write validates first and changes nothing on error; django-auditlog records each row (the web
middleware names the actor; the API, commands and imports wrap the call in `core.audit.acting_as`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.core.validators import CPR_PATTERN
from viaviden.matches.services import person_key_for, programme_for
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel

from .models import Cohort, Participant
from .permissions import can_delete_cohort, can_manage_cohorts_for

MAX_COHORT_DAYS = 2 * 366
MAX_FUTURE_DAYS = 366
MAX_IDENTIFIER = 200


def _fail(field: str, message: str, code: str = "validation_error") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={field: [message]})


def _require_manager(user: User | None, organisation: Organisation) -> None:
    """None is an operator's command on the server; people must belong to the organisation's partner."""
    if user is not None and not can_manage_cohorts_for(user, organisation):
        raise Forbidden(_("Du kan kun registrere forløb for din egen organisation."))


def cohort_validate(*, title: str, start_date: dt.date, end_date: dt.date, activity: str, note: str = "",
                    external_id: str = "") -> None:
    """The rules for a cohort's fields (shared by the form, the API and the import)."""
    if activity not in Cohort.Activity.values:
        raise _fail("activity", _("Ukendt aktivitet. Vælg jobsøgningsforløb, opkvalificeringsforløb eller andet."))
    if not title.strip():
        raise _fail("title", _("Forløbet skal have en titel."))
    if len(title.strip()) > 200:
        raise _fail("title", _("Titlen må højst være 200 tegn."))
    if end_date < start_date:
        raise _fail("end_date", _("Slutdatoen kan ikke ligge før startdatoen."), "cohort_dates")
    if (end_date - start_date).days > MAX_COHORT_DAYS:
        raise _fail("end_date", _("Et forløb kan højst vare to år."), "cohort_dates")
    if start_date > timezone.localdate() + dt.timedelta(days=MAX_FUTURE_DAYS):
        raise _fail("start_date", _("Startdatoen ligger mere end et år ude i fremtiden."), "cohort_dates")
    if len(note.strip()) > 300:
        raise _fail("note", _("Bemærkningen må højst være 300 tegn."))
    if len(external_id.strip()) > 64:
        raise _fail("external_id", _("Det eksterne id må højst være 64 tegn."))
    if CPR_PATTERN.search(title) or CPR_PATTERN.search(note):
        raise _fail("note", _("Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre."), "cpr_refused")


def participant_key(identifier: str) -> str:
    """The pseudonymous key of a participant's identifier; refuses CPR numbers and empty identifiers."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise _fail("identifiers", _("Angiv deltagerens id (jeres eget sagsnummer eller personens e-mail)."))
    if len(identifier) > MAX_IDENTIFIER:
        raise _fail("identifiers", _("Et deltager-id må højst være %(n)d tegn.") % {"n": MAX_IDENTIFIER})
    if CPR_PATTERN.search(identifier):
        raise _fail("identifiers", _("Brug ikke CPR-numre som deltager-id. Platformen gemmer aldrig CPR-numre."),
                    "cpr_refused")
    return person_key_for(identifier)


@transaction.atomic
def cohort_create(*, user: User | None, organisation: Organisation, title: str, start_date: dt.date,
                  end_date: dt.date, activity: str = Cohort.Activity.JOB_SEARCH, note: str = "",
                  external_id: str = "", identifiers: Iterable[str] = (), is_synthetic: bool = False) -> Cohort:
    """Create a cohort of `organisation` (its programme period follows from the start date), with participants."""
    _require_manager(user, organisation)
    cohort_validate(title=title, start_date=start_date, end_date=end_date, activity=activity, note=note,
                    external_id=external_id)
    programme = programme_for(start_date)
    external_id = external_id.strip()
    if external_id and Cohort.objects.filter(organisation=organisation, external_id=external_id).exists():
        raise _fail("external_id", _("%(org)s har allerede et forløb med det eksterne id %(id)s.")
                    % {"org": organisation.name, "id": external_id}, "duplicate_external_id")
    keys = [participant_key(i) for i in identifiers if i.strip()]
    cohort = Cohort.objects.create(
        programme=programme, organisation=organisation, activity=activity, title=title.strip(),
        start_date=start_date, end_date=end_date, note=note.strip(), external_id=external_id,
        created_by=user if user is not None and user.is_authenticated else None, is_synthetic=is_synthetic,
    )
    _add_keys(cohort, keys)
    return cohort


@transaction.atomic
def cohort_update(*, user: User | None, cohort: Cohort, version: int | None, title: str, start_date: dt.date,
                  end_date: dt.date, activity: str, note: str = "") -> Cohort:
    """Correct a cohort's title, activity or dates (the programme period follows the start date)."""
    _require_manager(user, cohort.organisation)
    cohort_validate(title=title, start_date=start_date, end_date=end_date, activity=activity, note=note)
    programme = programme_for(start_date)
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Forløbet er ændret af en anden, siden du åbnede det. Genindlæs siden, og prøv igen."))
    early = locked.participants.filter(outcome_date__lt=start_date).count()
    if early:
        raise _fail("start_date", ngettext("%(n)d deltager har en job- eller uddannelsesstart før den nye startdato.",
                                           "%(n)d deltagere har en job- eller uddannelsesstart før den nye startdato.",
                                           early) % {"n": early}, "cohort_dates")
    cohort.programme, cohort.title, cohort.start_date = programme, title.strip(), start_date
    cohort.end_date, cohort.activity, cohort.note = end_date, activity, note.strip()
    cohort.version = locked.version + 1
    cohort.save(update_fields=["programme", "title", "start_date", "end_date", "activity", "note", "version",
                               "updated_at"])
    return cohort


@transaction.atomic
def cohort_delete(*, user: User | None, cohort: Cohort) -> None:
    """Delete a cohort and its participants (the lead or a coordinator; audited row by row)."""
    if user is not None and not can_delete_cohort(user, cohort):
        raise Forbidden(_("Kun organisationens leadpartner eller koordinationsgruppen kan slette et forløb."))
    for participant in cohort.participants.all():
        participant.delete()  # one audit row each, so the log shows what went
    cohort.delete()


def _add_keys(cohort: Cohort, keys: list[str], education_level: EducationLevel | None = None) -> tuple[int, int]:
    """Add participants by key; (added, already there). Keys repeated in the input count once."""
    existing = set(cohort.participants.values_list("person_key", flat=True))
    new: list[str] = []
    for key in keys:
        if key not in existing:
            existing.add(key)
            new.append(key)
    start = (cohort.participants.aggregate(n=Max("number"))["n"] or 0) + 1
    for offset, key in enumerate(new):
        # One create per row (not bulk_create) so django-auditlog records every participant added.
        Participant.objects.create(cohort=cohort, number=start + offset, person_key=key,
                                   education_level=education_level)
    return len(new), len(keys) - len(new)


@dataclass(frozen=True)
class AddResult:
    added: int
    already: int


@transaction.atomic
def participants_add(*, user: User | None, cohort: Cohort, identifiers: Iterable[str],
                     education_level: EducationLevel | None = None) -> AddResult:
    """Add pseudonymous participants (their identifiers are kept only as keys); repeats are ignored."""
    _require_manager(user, cohort.organisation)
    keys = [participant_key(i) for i in identifiers if i.strip()]
    if not keys:
        raise _fail("identifiers", _("Angiv mindst ét deltager-id, ét pr. linje."))
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # one writer numbers the participants
    added, already = _add_keys(cohort, keys, education_level)
    Cohort.objects.filter(pk=cohort.pk).update(updated_at=timezone.now())
    return AddResult(added, already)


def outcome_validate(*, cohort: Cohort, outcome: str, outcome_date: dt.date | None) -> None:
    """The rules for an outcome: a job or education has a start date, not before the course began."""
    if outcome not in Participant.Outcome.values and outcome != "":
        raise _fail("outcome", _("Ukendt udfald. Vælg ordinært job, job med løntilskud, uddannelse eller ingen."))
    if outcome in ("", Participant.Outcome.NONE):
        if outcome_date is not None:
            raise _fail("outcome_date", _("Angiv kun en startdato for et job eller en uddannelse."))
        return
    if outcome_date is None:
        raise _fail("outcome_date", _("Angiv startdatoen for jobbet eller uddannelsen."))
    if outcome_date < cohort.start_date:
        raise _fail("outcome_date", _("Startdatoen kan ikke ligge før forløbets start (%(d)s).")
                    % {"d": cohort.start_date.strftime("%d-%m-%Y")})
    if outcome_date > timezone.localdate() + dt.timedelta(days=MAX_FUTURE_DAYS):
        raise _fail("outcome_date", _("Startdatoen ligger mere end et år ude i fremtiden."))


@transaction.atomic
def participant_set_outcome(*, user: User | None, participant: Participant, outcome: str,
                            outcome_date: dt.date | None) -> Participant:
    """Register (or correct, or clear with outcome "") what the participant went on to."""
    cohort = participant.cohort
    _require_manager(user, cohort.organisation)
    outcome_validate(cohort=cohort, outcome=outcome, outcome_date=outcome_date)
    participant.outcome, participant.outcome_date = outcome, outcome_date
    participant.outcome_registered_at = timezone.now() if outcome else None
    participant.outcome_registered_by = user if outcome and user is not None and user.is_authenticated else None
    participant.save(update_fields=["outcome", "outcome_date", "outcome_registered_at", "outcome_registered_by",
                                    "updated_at"])
    Cohort.objects.filter(pk=cohort.pk).update(updated_at=timezone.now())
    return participant


@transaction.atomic
def participant_remove(*, user: User | None, participant: Participant) -> None:
    """Remove a participant registered by mistake."""
    _require_manager(user, participant.cohort.organisation)
    participant.delete()
