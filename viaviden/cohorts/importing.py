"""Import of cohort participants and their outcomes from CSV/XLSX (one row per participant).

The whole file is validated first (core/tabular.py reads it; the rules are those of services.py); nothing
is written unless every row is valid, or with `skip_invalid` the bad rows are left out (and can be written
to a rejects file). The same file imported twice changes nothing: cohorts are found again by their
external id (or title and dates), participants by their pseudonymous key; a row's outcome corrects the
stored one, an empty outcome leaves it as it is. Format: docs/cohorts.md and docs/import-format.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.audit import acting_as
from viaviden.core.errors import AppError, Conflict, Forbidden
from viaviden.core.tabular import (
    FileUnreadable,
    RowError,
    blank,
    cell_text,
    collector_paused,
    extra_cells_error,
    map_header,
    read_bytes,
    read_table,
    text,
    write_rejects,
)
from viaviden.matches.importing import _parse_date as parse_date
from viaviden.matches.models import Programme
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel

from .models import Cohort, Participant
from .permissions import can_manage_cohorts_for
from .services import cohort_validate, outcome_validate, participant_key

COLUMNS: dict[str, tuple[str, ...]] = {
    "forloeb": ("forloeb", "forløb", "forloeb_titel", "forløb_titel", "titel", "cohort", "title"),
    "forloeb_id": ("forloeb_id", "forløb_id", "forloebs_id", "cohort_id", "external_id", "ekstern_id"),
    "aktivitet": ("aktivitet", "activity", "type"),
    "startdato": ("startdato", "start_dato", "forloeb_start", "start_date"),
    "slutdato": ("slutdato", "slut_dato", "forloeb_slut", "end_date"),
    "person_id": ("person_id", "personid", "deltager_id", "deltager", "participant_id"),
    "niveau": ("niveau", "uddannelsesniveau", "level", "education_level"),
    "udfald": ("udfald", "resultat", "outcome"),
    "udfaldsdato": ("udfaldsdato", "jobstart", "job_start", "startdato_job", "outcome_date", "job_start_date"),
}
REQUIRED_COLUMNS = ("forloeb", "startdato", "slutdato", "person_id")
COLUMN_HELP = {
    "forloeb": gettext_lazy("Forløbets titel, fx Jobsøgning for akademikere, hold 3."),
    "forloeb_id": gettext_lazy("Jeres id for forløbet (valgfrit, højst 64 tegn). Uden id genkendes forløbet på "
                               "titel, start- og slutdato."),
    "aktivitet": gettext_lazy("jobsøgning, opkvalificering eller andet. Tom: jobsøgning."),
    "startdato": gettext_lazy("Forløbets første dag: dd-mm-åååå (også åååå-mm-dd og Excel-datoer)."),
    "slutdato": gettext_lazy("Forløbets sidste dag. Effekten måles 4 måneder efter denne dato."),
    "person_id": gettext_lazy("Jeres eget sagsnummer for deltageren eller personens e-mail. Gemmes kun som en "
                              "pseudonym nøgle; aldrig CPR-nummer."),
    "niveau": gettext_lazy("KVU, MVU eller LVU (valgfrit)."),
    "udfald": gettext_lazy("ordinært job, løntilskud, uddannelse eller ingen. Tom: endnu ikke registreret "
                           "(et tidligere registreret udfald bevares)."),
    "udfaldsdato": gettext_lazy("Første dag i job eller uddannelse; påkrævet ved job og uddannelse."),
}


def _outcome_aliases() -> dict[str, str]:
    aliases = {
        "ordinært job": "ordinary_job", "ordinaert job": "ordinary_job", "ordinært": "ordinary_job",
        "job": "ordinary_job", "løntilskud": "subsidised_job", "lontilskud": "subsidised_job",
        "job med løntilskud": "subsidised_job", "støttet job": "subsidised_job", "uddannelse": "education",
        "ingen": "none", "nej": "none", "hverken job eller uddannelse": "none",
    }
    for lang in ("en", "da"):
        with translation.override(lang):
            for code, label in Participant.Outcome.choices:
                aliases[code] = code
                aliases[str(label).lower()] = code
    return aliases


def _activity_aliases() -> dict[str, str]:
    aliases = {"jobsøgning": "job_search", "jobsoegning": "job_search", "opkvalificering": "upskilling",
               "andet": "other"}
    for lang in ("en", "da"):
        with translation.override(lang):
            for code, label in Cohort.Activity.choices:
                aliases[code] = code
                aliases[str(label).lower()] = code
    return aliases


@dataclass
class CohortImportResult:
    rows_total: int = 0
    cohorts_created: int = 0
    participants_created: int = 0
    outcomes_set: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text_ = _(
            "%(total)d rækker: %(cohorts)d forløb oprettet, %(participants)d deltagere tilføjet, %(outcomes)d "
            "udfald registreret eller rettet, %(unchanged)d uændrede, %(rejected)d afvist."
        ) % {"total": self.rows_total, "cohorts": self.cohorts_created, "participants": self.participants_created,
             "outcomes": self.outcomes_set, "unchanged": self.unchanged, "rejected": self.rejected}
        if not self.committed and self.errors:
            text_ += " " + _("Intet er importeret.")
        return text_


@dataclass
class _Row:
    row: int
    raw: list[Any]
    cohort_key: tuple
    title: str
    external_id: str
    activity: str
    start_date: dt.date
    end_date: dt.date
    programme: Programme
    person_key: str
    level: EducationLevel | None
    outcome: str
    outcome_date: dt.date | None


class _Validator:
    def __init__(self, headers: dict[str, str]):
        self.headers = headers
        self.outcomes = _outcome_aliases()
        self.activities = _activity_aliases()
        self.levels = {lvl.code.lower(): lvl for lvl in EducationLevel.objects.all()}
        self.programmes = list(Programme.objects.order_by("-start_date"))
        self.people: dict[tuple, int] = {}
        self.cohorts: dict[tuple, tuple[int, tuple]] = {}  # cohort key -> (first row, its fields)

    def _date(self, raw: Any) -> dt.date | None:
        return parse_date(raw) if text(raw) else None

    def validate(self, rownum: int, texts: dict[str, str], raws: dict[str, Any],
                 raw: list[Any]) -> tuple[_Row | None, list[RowError]]:
        errors: list[RowError] = []

        def err(column: str, message: str) -> None:
            errors.append(RowError(rownum, self.headers.get(column, column), message))

        title, external_id = texts["forloeb"], texts.get("forloeb_id", "")
        activity = "job_search"
        if value := texts.get("aktivitet"):
            activity = self.activities.get(value.lower(), "")
            if not activity:
                err("aktivitet", _("Ukendt aktivitet '%(v)s'. Angiv jobsøgning, opkvalificering eller andet.")
                    % {"v": value})
        start, end = self._date(raws["startdato"]), self._date(raws["slutdato"])
        for column, day in (("startdato", start), ("slutdato", end)):
            if not texts[column]:
                err(column, _("Skal udfyldes."))
            elif day is None:
                err(column, _("Ugyldig dato '%(v)s'. Skriv datoen som dd-mm-åååå (fx 01-09-2021).")
                    % {"v": texts[column]})
        programme = None
        if start is not None:
            programme = next((p for p in self.programmes if p.contains(start)), None)
            if programme is None:
                err("startdato", _("Startdatoen %(date)s ligger uden for alle programperioder.")
                    % {"date": start.strftime("%d-%m-%Y")})
        if start is not None and end is not None and activity:
            try:
                cohort_validate(title=title, start_date=start, end_date=end, activity=activity,
                                external_id=external_id)
            except AppError as exc:
                column = {"title": "forloeb", "end_date": "slutdato", "start_date": "startdato",
                          "external_id": "forloeb_id", "note": "forloeb"}.get(next(iter(exc.details or {"": 0})),
                                                                             "forloeb")
                err(column, str(exc.message))

        person_key = ""
        try:
            person_key = participant_key(texts["person_id"])
        except AppError as exc:
            err("person_id", str(exc.message))

        level = None
        if value := texts.get("niveau"):
            level = self.levels.get(value.lower())
            if level is None:
                err("niveau", _("Ukendt uddannelsesniveau '%(v)s'. Angiv KVU, MVU eller LVU.") % {"v": value})

        outcome = ""
        if value := texts.get("udfald"):
            outcome = self.outcomes.get(" ".join(value.lower().split()), "")
            if not outcome:
                err("udfald", _("Ukendt udfald '%(v)s'. Angiv ordinært job, løntilskud, uddannelse eller ingen.")
                    % {"v": value})
        outcome_date = None
        if texts.get("udfaldsdato"):
            outcome_date = self._date(raws["udfaldsdato"])
            if outcome_date is None:
                err("udfaldsdato", _("Ugyldig dato '%(v)s'. Skriv datoen som dd-mm-åååå (fx 01-09-2021).")
                    % {"v": texts["udfaldsdato"]})
        if outcome and start is not None and (outcome_date is not None or not texts.get("udfaldsdato")):
            probe = Cohort(start_date=start)
            try:
                outcome_validate(cohort=probe, outcome=outcome, outcome_date=outcome_date)
            except AppError as exc:
                err("udfaldsdato" if "outcome_date" in (exc.details or {}) else "udfald", str(exc.message))
        elif not outcome and outcome_date is not None:
            err("udfald", _("Angiv udfaldet (fx ordinært job), når der er en udfaldsdato."))

        cohort_key = ("id", external_id) if external_id else ("t", " ".join(title.casefold().split()), start, end)
        fields = (" ".join(title.split()), activity, start, end)
        if not errors:
            first = self.cohorts.setdefault(cohort_key, (rownum, fields))
            if first[1] != fields:
                err("forloeb", _("Forløbet står også i række %(row)d med en anden titel, aktivitet eller andre "
                                 "datoer.") % {"row": first[0]})
            seen = self.people.setdefault((cohort_key, person_key), rownum)
            if seen != rownum:
                err("person_id", _("Deltageren står også i række %(row)d for samme forløb.") % {"row": seen})
        if errors:
            return None, errors
        assert start is not None and end is not None and programme is not None
        return _Row(rownum, raw, cohort_key, " ".join(title.split()), external_id, activity, start, end, programme,
                    person_key, level, outcome, outcome_date), []


@collector_paused()
def import_cohorts(*, path_or_file: str | Path | IO[bytes] | Any, filename: str = "", organisation: Organisation,
                   user: User | None = None, skip_invalid: bool = False,
                   rejects_path: str | Path | IO[str] | None = None) -> CohortImportResult:
    """Import cohorts, participants and outcomes of `organisation`; all or nothing unless `skip_invalid`."""
    if user is not None and not can_manage_cohorts_for(user, organisation):
        raise Forbidden(_("Du kan kun importere forløb for din egen organisation."))
    data, default_name = read_bytes(path_or_file)
    result = CohortImportResult()
    try:
        header, row_iter = read_table(data, filename or default_name)
        raw_rows = list(row_iter)
    except FileUnreadable as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    positions, written, header_errors = map_header(header, raw_rows, columns=COLUMNS, required=REQUIRED_COLUMNS)
    if header_errors:
        result.errors = header_errors
        return result
    width = len(header)
    numbered = [(i + 2, r) for i, r in enumerate(raw_rows) if not blank(r)]
    result.rows_total = len(numbered)
    validator = _Validator(written)
    valid: list[_Row] = []
    rejects: list[tuple[list[Any], list[RowError]]] = []
    for rownum, raw in numbered:
        extra = extra_cells_error(rownum, raw, width)
        if extra is not None:
            rejects.append((raw, [extra]))
            result.errors.append(extra)
            continue
        raws = {name: (raw[pos] if pos is not None and pos < len(raw) else None)
                for name, pos in ((n, positions.get(n)) for n in COLUMNS)}
        texts = {name: cell_text(value) for name, value in raws.items()}
        parsed, errs = validator.validate(rownum, texts, raws, raw)
        if errs:
            rejects.append((raw, errs))
            result.errors.extend(errs)
        else:
            valid.append(parsed)
    result.rejected = len(rejects)
    if rejects and not skip_invalid:
        return result
    try:
        with transaction.atomic(), acting_as(user):
            _write(result, valid, organisation=organisation, user=user)
    except IntegrityError:
        raise Conflict(_("Importen blev afbrudt, fordi forløbene blev ændret samtidig. Intet er importeret; "
                         "prøv igen."), code="import_conflict")
    except AppError as exc:  # a row that only the stored data shows to be wrong (e.g. a job before a moved start)
        result.errors.append(RowError(0, "", str(exc.message)))
        return result
    result.committed = True
    if rejects_path is not None:
        write_rejects(rejects_path, header, rejects)
    return result


def _write(result: CohortImportResult, rows: list[_Row], *, organisation: Organisation, user: User | None) -> None:
    by_cohort: dict[tuple, list[_Row]] = defaultdict(list)
    for r in rows:
        by_cohort[r.cohort_key].append(r)
    actor = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    for cohort_rows in by_cohort.values():
        first = cohort_rows[0]
        existing = Cohort.objects.select_for_update().filter(organisation=organisation)
        if first.external_id:
            cohort = existing.filter(external_id=first.external_id).first()
        else:
            cohort = existing.filter(title__iexact=first.title, start_date=first.start_date,
                                     end_date=first.end_date).order_by("id").first()
        if cohort is None:
            cohort = Cohort.objects.create(
                programme=first.programme, organisation=organisation, activity=first.activity, title=first.title,
                start_date=first.start_date, end_date=first.end_date, external_id=first.external_id,
                created_by=actor,
            )
            result.cohorts_created += 1
        elif (cohort.title, cohort.activity, cohort.start_date, cohort.end_date) != (
                first.title, first.activity, first.start_date, first.end_date):
            raise Conflict(_("Række %(row)d: forløbet med id %(id)s har en anden titel, aktivitet eller andre datoer "
                             "på platformen. Ret forløbet på platformen først.")
                           % {"row": first.row, "id": first.external_id})
        people = {p.person_key: p for p in cohort.participants.all()}
        number = max((p.number for p in people.values()), default=0)
        for r in cohort_rows:
            p = people.get(r.person_key)
            if p is None:
                number += 1
                Participant.objects.create(
                    cohort=cohort, number=number, person_key=r.person_key, education_level=r.level,
                    outcome=r.outcome, outcome_date=r.outcome_date,
                    outcome_registered_at=now if r.outcome else None,
                    outcome_registered_by=actor if r.outcome else None,
                )
                result.participants_created += 1
                result.outcomes_set += 1 if r.outcome else 0
                continue
            changed = []
            if r.outcome and (p.outcome, p.outcome_date) != (r.outcome, r.outcome_date):
                p.outcome, p.outcome_date = r.outcome, r.outcome_date
                p.outcome_registered_at, p.outcome_registered_by = now, actor
                changed += ["outcome", "outcome_date", "outcome_registered_at", "outcome_registered_by"]
                result.outcomes_set += 1
            if r.level is not None and p.education_level_id != r.level.pk:
                p.education_level = r.level
                changed.append("education_level")
            if changed:
                p.save(update_fields=[*changed, "updated_at"])
            else:
                result.unchanged += 1
