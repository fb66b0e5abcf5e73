"""Activity registrations (a partner's reports towards an activity target): who sees and changes them,
correcting and deleting them, and the CSV/XLSX import. New registrations are made by
`targets_services.activity_register`; the value rules are `targets_services.activity_registration_validate`.

Who may change a registration:
- coordinators (and administrators): every registration;
- the partner lead of the target's organisation (its partner, e.g. any unit of the municipality): all
  of their partner's registrations;
- partner staff: the registrations they made themselves, for their own partner's targets;
- the steering group and other organisations: none (they do not see individual registrations).
Every change is a model save or delete that django-auditlog records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.audit import acting_as
from viaviden.core.errors import AppError, Conflict, Forbidden, NotFound
from viaviden.core.tabular import (
    FileUnreadable,
    RowError,
    blank,
    cell_text,
    extra_cells_error,
    intlike,
    map_header,
    read_bytes,
    read_table,
    write_rejects,
)
from viaviden.organisations.models import User

from .importing import _parse_date as parse_date
from .models import ActivityRegistration, ActivityTarget, Programme
from .permissions import partner_org_ids
from .targets_services import activity_registration_validate, can_register_activity

# --------------------------------------------------------------------------------------------- access


def visible_registrations(user: User, qs: QuerySet[ActivityRegistration] | None = None) -> QuerySet[ActivityRegistration]:
    """Coordinators see all; partner staff and leads their partner's targets' registrations; else none."""
    qs = ActivityRegistration.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    if user.aggregates_only or user.organisation_id is None:
        return qs.none()
    return qs.filter(activity_target__organisation_id__in=partner_org_ids(user))


def access_registration(user: User, pk: int) -> ActivityRegistration:
    registration = (
        visible_registrations(user, ActivityRegistration.objects.select_related(
            "activity_target__programme", "activity_target__organisation", "registered_by"))
        .filter(pk=pk).first()
    )
    if registration is None:
        raise NotFound(_("Registreringen findes ikke, eller du har ikke adgang til den."))
    return registration


def can_change_registration(user: User, registration: ActivityRegistration) -> bool:
    if not user.is_authenticated or user.aggregates_only:
        return False
    if user.sees_everything:
        return True
    if not can_register_activity(user, registration.activity_target):
        return False
    return user.role == User.Role.PARTNER_LEAD or registration.registered_by_id == user.pk


def registrations_for(user: User, *, programme: Programme | None = None, target: str = "",
                      organisation: str = "") -> QuerySet[ActivityRegistration]:
    qs = visible_registrations(user, ActivityRegistration.objects.select_related(
        "activity_target__organisation", "activity_target__programme", "registered_by"))
    if programme is not None:
        qs = qs.filter(activity_target__programme=programme)
    if target:
        qs = qs.filter(activity_target__code=target)
    if organisation:
        qs = qs.filter(Q(activity_target__organisation__slug=organisation))
    return qs.order_by("-date", "-id")


# --------------------------------------------------------------------------------------------- writes


@transaction.atomic
def activity_registration_update(*, user: User | None, registration: ActivityRegistration, version: int | None,
                                 date: dt.date, amount: int, note: str = "") -> ActivityRegistration:
    """Correct a registration's date, amount or note (`version` as read; 409 if it changed since)."""
    if user is not None and not can_change_registration(user, registration):
        raise Forbidden(_("Kun organisationens leadpartner, den der registrerede, eller koordinationsgruppen kan "
                          "rette denne registrering."))
    note = activity_registration_validate(activity_target=registration.activity_target, date=date, amount=amount,
                                          note=note)
    locked = ActivityRegistration.objects.select_for_update().get(pk=registration.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Registreringen er ændret af en anden, siden du åbnede den. Genindlæs siden, og prøv igen."))
    registration.date, registration.amount, registration.note = date, amount, note
    registration.version = locked.version + 1
    registration.save(update_fields=["date", "amount", "note", "version", "updated_at"])
    return registration


@transaction.atomic
def activity_registration_delete(*, user: User | None, registration: ActivityRegistration) -> None:
    if user is not None and not can_change_registration(user, registration):
        raise Forbidden(_("Kun organisationens leadpartner, den der registrerede, eller koordinationsgruppen kan "
                          "slette denne registrering."))
    registration.delete()


# --------------------------------------------------------------------------------------------- import

COLUMNS: dict[str, tuple[str, ...]] = {
    "maal": ("maal", "mål", "aktivitetsmaal", "aktivitetsmål", "kode", "activity_target", "target"),
    "dato": ("dato", "date"),
    "antal": ("antal", "amount"),
    "bemaerkning": ("bemaerkning", "bemærkning", "note"),
    "ekstern_id": ("ekstern_id", "eksternt_id", "external_id"),
}
REQUIRED_COLUMNS = ("maal", "dato", "antal")
COLUMN_HELP = {
    "maal": gettext_lazy("Aktivitetsmålets kode, fx aka-talent-attraction-events (se siden Måltal)."),
    "dato": gettext_lazy("dd-mm-åååå (også åååå-mm-dd og Excel-datoer); inden for programperioden, ikke i fremtiden."),
    "antal": gettext_lazy("Helt tal, 0 eller derover; for procentmål højst 100."),
    "bemaerkning": gettext_lazy("Fri tekst, højst 300 tegn, fx arrangementets navn."),
    "ekstern_id": gettext_lazy("Jeres id for registreringen, højst 64 tegn. Uden id genkendes en række på "
                               "mål, dato, antal og bemærkning."),
}


@dataclass
class RegistrationImportResult:
    rows_total: int = 0
    created: int = 0
    already_imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        out = _("%(total)d rækker: %(created)d registreringer oprettet, %(already)d allerede importeret, "
                "%(rejected)d afvist.") % {"total": self.rows_total, "created": self.created,
                                            "already": self.already_imported, "rejected": self.rejected}
        if not self.committed and self.errors:
            out += " " + _("Intet er importeret.")
        return out


@dataclass
class _Row:
    row: int
    target: ActivityTarget
    date: dt.date
    amount: int
    note: str
    key_basis: str
    import_key: str = ""


def import_activity_registrations(*, path_or_file: str | Path | IO[bytes] | Any, filename: str = "",
                                  user: User | None = None, skip_invalid: bool = False,
                                  rejects_path: str | Path | IO[str] | None = None) -> RegistrationImportResult:
    """Import registrations for activity targets; all or nothing unless `skip_invalid`. Each row's target must
    be one the user may register for (`None`: an operator on the server, any target)."""
    data, default_name = read_bytes(path_or_file)
    result = RegistrationImportResult()
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
    programmes = list(Programme.objects.order_by("-start_date"))
    targets = {(t.programme_id, t.code): t
               for t in ActivityTarget.objects.select_related("programme", "organisation__parent")}
    width = len(header)
    numbered = [(i + 2, r) for i, r in enumerate(raw_rows) if not blank(r)]
    result.rows_total = len(numbered)
    valid: list[_Row] = []
    rejects: list[tuple[list[Any], list[RowError]]] = []
    external: dict[str, int] = {}
    for rownum, raw in numbered:
        errors: list[RowError] = []

        def err(column: str, message: str, rownum: int = rownum, errors: list[RowError] = errors) -> None:
            errors.append(RowError(rownum, written.get(column, column), message))

        extra = extra_cells_error(rownum, raw, width)
        if extra is not None:
            errors.append(extra)
        cells = {name: (raw[pos] if pos is not None and pos < len(raw) else None)
                 for name, pos in ((n, positions.get(n)) for n in COLUMNS)}
        texts = {name: cell_text(v) for name, v in cells.items()}
        day = parse_date(cells["dato"]) if texts["dato"] else None
        if not texts["dato"]:
            err("dato", _("Skal udfyldes."))
        elif day is None:
            err("dato", _("Ugyldig dato '%(v)s'. Skriv datoen som dd-mm-åååå (fx 01-09-2021).") % {"v": texts["dato"]})
        amount_text = intlike(cells["antal"])
        amount = int(amount_text) if amount_text.isdigit() else None
        if amount is None:
            err("antal", _("Antal skal være et helt tal, 0 eller derover."))
        target = None
        if not texts["maal"]:
            err("maal", _("Skal udfyldes."))
        elif day is not None:
            programme = next((p for p in programmes if p.contains(day)), None)
            target = targets.get((programme.pk, texts["maal"].lower())) if programme else None
            if target is None:
                err("maal", _("Ukendt aktivitetsmål '%(v)s' i programperioden for %(d)s.")
                    % {"v": texts["maal"], "d": day.strftime("%d-%m-%Y")})
            elif user is not None and not can_register_activity(user, target) and not target.measured_from_matches:
                err("maal", _("Du kan kun registrere aktiviteter for din egen organisations aktivitetsmål."))
        note = texts.get("bemaerkning", "")
        if target is not None and day is not None and amount is not None and not errors:
            try:
                note = activity_registration_validate(activity_target=target, date=day, amount=amount, note=note)
            except AppError as exc:
                column = {"invalid_amount": "antal", "note_too_long": "bemaerkning", "measured_from_matches": "maal"}
                err(column.get(exc.code, "dato"), str(exc.message))
        external_id = texts.get("ekstern_id", "")
        if len(external_id) > 64:
            err("ekstern_id", _("Højst %(n)d tegn.") % {"n": 64})
        elif external_id:
            first = external.setdefault(external_id, rownum)
            if first != rownum:
                err("ekstern_id", _("Ekstern id '%(v)s' står også i række %(row)d.") % {"v": external_id, "row": first})
        if errors:
            rejects.append((raw, errors))
            result.errors.extend(errors)
            continue
        assert target is not None and day is not None and amount is not None
        basis = f"id\x1f{external_id}" if external_id else "\x1f".join(
            [target.code, day.isoformat(), str(amount), " ".join(note.casefold().split())])
        valid.append(_Row(rownum, target, day, amount, note, basis))
    result.rejected = len(rejects)
    if rejects and not skip_invalid:
        return result
    seen: dict[tuple[int, str], int] = defaultdict(int)
    for r in valid:  # identical rows (two events alike on one day) are numbered so each keeps its own key
        n = seen[(r.target.pk, r.key_basis)]
        seen[(r.target.pk, r.key_basis)] += 1
        basis = r.key_basis if n == 0 else f"{r.key_basis}\x1e{n}"
        r.import_key = basis[3:] if basis.startswith("id\x1f") and n == 0 else hashlib.sha256(basis.encode()).hexdigest()
    try:
        with transaction.atomic(), acting_as(user):
            existing = set(ActivityRegistration.objects.exclude(import_key="").filter(
                activity_target__in={r.target.pk for r in valid}).values_list("activity_target_id", "import_key"))
            for r in valid:
                if (r.target.pk, r.import_key) in existing:
                    result.already_imported += 1
                    continue
                ActivityRegistration.objects.create(activity_target=r.target, date=r.date, amount=r.amount,
                                                    note=r.note, registered_by=user, import_key=r.import_key)
                result.created += 1
    except IntegrityError:
        raise Conflict(_("Importen blev afbrudt, fordi registreringerne blev ændret samtidig. Intet er importeret; "
                         "prøv igen."), code="import_conflict")
    result.committed = True
    if rejects_path is not None:
        write_rejects(rejects_path, header, rejects)
    return result

