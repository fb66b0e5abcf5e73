"""Bulk import of matches from CSV/XLSX files (SPEC 3.1 "Bulk registration").

The whole file is validated first, in memory, with every reference lookup cached; nothing is written
unless every row is valid (or `skip_invalid` is given, in which case the bad rows are left out and can
be written to a rejects file). The writes then happen in one transaction with bulk inserts, so 100,000
rows import in seconds and a failure leaves nothing behind. On PostgreSQL, where the role may, the rows'
foreign keys are checked set-wise, one query per key, instead of one lookup per row and key
(`_references_checked_set_wise`).

Idempotency: each row gets an import key (the partner's external id, or a hash of the normalised row),
unique per registering organisation, so the same file imported twice adds nothing. Duplicates of
existing matches (same person, company and type within the programme's window) merge with the same rule
as `services.match_register`: the importing organisation is added as a contributor.

The column format is documented in docs/import-format.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.companies.cvr import normalise_cvr
from viaviden.companies.importing import MunicipalityReferences, parse_cvr
from viaviden.companies.models import Company
from viaviden.core.audit import acting_as
from viaviden.core.errors import AppError, Conflict, Forbidden
from viaviden.core.tabular import IN_CHUNK as IN_CHUNK_DEFAULT
from viaviden.core.tabular import (
    NO,
    YES,
    FileUnreadable,
    RowError,
    collector_paused,
    extra_cells_error,
    map_header,
    write_rejects,
)
from viaviden.core.tabular import blank as _blank
from viaviden.core.tabular import cell_text as _cell_text
from viaviden.core.tabular import chunks as _chunks
from viaviden.core.tabular import intlike as _intlike
from viaviden.core.tabular import read_bytes as _read_bytes
from viaviden.core.tabular import read_table as _read_table
from viaviden.core.tabular import text as _text
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, Industry, Municipality

from .models import Activity, ImportBatch, Match, MatchContribution, MatchType, Programme
from .permissions import can_register_for
from .rules import check_type_rule, link_type_rule, type_rule
from .services import derived_fields, person_keyer

# Canonical column name (Danish) -> accepted header spellings, normalised by `_norm_header`.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cvr": ("cvr", "cvr_nummer", "cvr_nr", "cvrnr", "cvr_number"),
    "virksomhed": ("virksomhed", "virksomhedsnavn", "company_name", "company"),
    "kommune": ("kommune", "kommunekode", "municipality", "municipality_code"),
    "postnr": ("postnr", "postnummer", "post_nr", "postal_code", "postcode", "zip"),
    "branche": ("branche", "db07", "industry"),
    "matchtype": ("matchtype", "match_type"),
    "startdato": ("startdato", "start_dato", "start_date"),
    "niveau": ("niveau", "uddannelsesniveau", "level", "education_level"),
    "uddannelse": ("uddannelse", "education"),
    "institution": ("institution", "uddannelsesinstitution"),
    "aktivitet": ("aktivitet", "activity"),
    "aktivitet_uddybning": ("aktivitet_uddybning", "activity_note"),
    "person_id": ("person_id", "personid", "person_identifier"),
    "navn": ("navn", "person_navn", "name", "person_name"),
    "email": ("email", "e_mail", "mail", "person_email"),
    "samtykke": ("samtykke", "consent"),
    "ekstern_id": ("ekstern_id", "eksternt_id", "external_id"),
    "reference": ("reference", "referencenummer", "vaekstpilot", "vækstpilot", "vaekstpilot_ansoegning",
                  "vækstpilot_ansøgning", "vaekstpilot_reference"),
}
REQUIRED_COLUMNS = ("cvr", "matchtype", "startdato", "niveau")
COLUMN_HELP = {
    "cvr": gettext_lazy("CVR-nummer, 8 cifre."),
    "virksomhed": gettext_lazy("Virksomhedens navn. Skal udfyldes, når virksomheden ikke findes i registret."),
    "kommune": gettext_lazy(
        "Arbejdsstedets kommune: navn eller kommunekode (fx Hjørring eller 860). Tom: virksomhedens kommune."
    ),
    "postnr": gettext_lazy(
        "Arbejdsstedets postnummer, bruges når kommune er tom. Ligger postnummeret i flere "
        "kommuner, skal kommunen angives."
    ),
    "branche": gettext_lazy("DB07-hovedbranche, A–U."),
    "matchtype": gettext_lazy("Dansk navn eller kode, fx Studiejob, Ordinært job med Vækstpilot eller ordinary_job."),
    "startdato": gettext_lazy("dd-mm-åååå; også åååå-mm-dd og Excel-datoer."),
    "niveau": gettext_lazy("KVU, MVU eller LVU."),
    "uddannelse": gettext_lazy("Uddannelsens navn."),
    "institution": gettext_lazy("Uddannelsesinstitution."),
    "aktivitet": gettext_lazy(
        "Den aktivitet, matchet kom fra: dansk betegnelse eller kode, fx Børs. Tom: Virksomhedskontakt."
    ),
    "aktivitet_uddybning": gettext_lazy("Fri tekst om aktiviteten."),
    "person_id": gettext_lazy(
        "Jeres eget id eller personens e-mail. Gemmes kun som en pseudonym nøgle, der finder dubletter."
    ),
    "navn": gettext_lazy("Personens navn; kun med samtykke = ja."),
    "email": gettext_lazy("Personens e-mail; kun med samtykke = ja."),
    "samtykke": gettext_lazy("ja eller nej: har personen givet samtykke til, at navn og e-mail registreres?"),
    "ekstern_id": gettext_lazy(
        "Jeres id for matchet, højst 64 tegn. Gør genimport sikker; må ikke identificere personen."
    ),
    "reference": gettext_lazy(
        "Kun for Ordinært job med Vækstpilot (og da påkrævet): den bevilgede Vækstpilot-ansøgnings "
        "referencenummer, fx VP-00012."
    ),
}
DEFAULT_ACTIVITY = Activity.COMPANY_CONTACT.value
BATCH_SIZE = 2000
IN_CHUNK_POSTGRESQL = 10_000
MAX_LENGTHS = {
    "virksomhed": 200,
    "uddannelse": 200,
    "institution": 200,
    "aktivitet_uddybning": 200,
    "navn": 200,
    "email": 254,
    "ekstern_id": 64,
    "reference": 40,
}

_DMY = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})(?:[ T].*)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")


@dataclass
class ImportResult:
    rows_total: int = 0
    created: int = 0
    merged: int = 0  # duplicates of existing matches: the organisation was added as contributor
    already_imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None
    committed: bool = False  # False when nothing was imported because of errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = _(
            "%(total)d rækker: %(created)d match oprettet, %(merged)d lagt sammen med eksisterende match, "
            "%(already)d allerede importeret, %(rejected)d afvist."
        ) % {
            "total": self.rows_total,
            "created": self.created,
            "merged": self.merged,
            "already": self.already_imported,
            "rejected": self.rejected,
        }
        if not self.committed and self.errors:
            text += " " + _("Intet er importeret.")
        return text


# ------------------------------------------------------------------------------------------ references


def _label_forms(label: str) -> set[str]:
    """A label and its short forms: 'Børs (projekt-…)' also as 'Børs'; 'A / B' also as 'A' and 'B'."""
    label = label.strip().lower()
    forms = {label}
    short = label.split(" (", 1)[0].strip()
    forms.add(short)
    forms.update(part.strip() for part in short.split(" / "))
    return {f for f in forms if f}


class _References(MunicipalityReferences):
    """Every lookup a row needs, loaded once (a few hundred rows in all)."""

    def __init__(self) -> None:
        super().__init__()
        self.industries: dict[str, str] = {}
        for code, name in Industry.objects.values_list("code", "name_da"):
            self.industries[code.lower()] = code
            self.industries[name.lower()] = code
        self.match_types: dict[str, MatchType] = {}
        for mt in MatchType.objects.all():
            for key in (mt.code, mt.name_da, mt.name_en):
                self.match_types[key.lower()] = mt
        self.levels: dict[str, str] = {}
        for code, name_da, name_en in EducationLevel.objects.values_list("code", "name_da", "name_en"):
            for key in (code, name_da, name_en):
                self.levels[key.lower()] = code
        self.activities: dict[str, str] = {}
        for lang in ("en", "da"):  # Danish last, so it wins on a clash
            with translation.override(lang):
                for code, label in Activity.choices:
                    self.activities[code] = code
                    for form in _label_forms(str(label)):
                        self.activities[form] = code
        with translation.override("da"):
            self.activity_names = ", ".join(str(label).split(" (", 1)[0] for _code, label in Activity.choices)
        self.programmes = list(Programme.objects.order_by("-start_date"))

    def programme_for(self, day: dt.date) -> Programme | None:
        return next((p for p in self.programmes if p.start_date <= day <= p.end_date), None)


# ------------------------------------------------------------------------------------------ validation


@dataclass
class _CompanyDraft:
    cvr: str
    name: str
    municipality: Municipality
    industry_id: str | None
    row: int


@dataclass
class _Row:
    row: int
    raw: list[Any]
    cvr: str
    company: Company | None
    draft: _CompanyDraft | None
    municipality: Municipality
    industry_id: str | None
    match_type: MatchType
    start_date: dt.date
    programme: Programme
    level: str
    education: str
    institution: str
    activity: str
    activity_note: str
    person_key: str
    person_name: str
    person_email: str
    consent: bool
    external_id: str
    hash_basis: str
    import_key: str = ""
    type_record: Any = None  # the record a match of this type points to (matches.rules), linked after insert


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = _text(value)
    try:
        if m := _DMY.fullmatch(text):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _YMD.fullmatch(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


class _Validator:
    """Validates one row at a time. Values repeat a lot in a large file (the same company, date or
    municipality on many rows), so each distinct value is parsed once and the outcome cached."""

    def __init__(self, refs: _References, headers: dict[str, str], companies: dict[str, Company]):
        self.refs = refs
        self.headers = headers  # canonical -> the header as written in the file
        self.companies = companies
        self.drafts: dict[str, _CompanyDraft] = {}
        self.external_ids: dict[str, int] = {}
        self.email_validator = EmailValidator()
        self.person_key = person_keyer()
        self.latest_start = timezone.localdate() + dt.timedelta(days=366)
        self._cvr_cache: dict[str, tuple[str, str | None]] = {}
        self._date_cache: dict[str, tuple[dt.date | None, Programme | None, str | None]] = {}
        self._municipality_cache: dict[tuple[str, str], tuple[Municipality | None, str, str | None]] = {}
        self._fold_cache: dict[str, str] = {}
        self.type_records_taken: set[Any] = set()

    def _cvr(self, value: str) -> tuple[str, str | None]:
        """(normalised CVR number, error or None)."""
        cached = self._cvr_cache.get(value)
        if cached is None:
            cached = self._cvr_cache[value] = parse_cvr(value)
        return cached

    def _municipality(self, kommune: str, postnr: str) -> tuple[Municipality | None, str, str | None]:
        """(municipality, the column it came from, error or None) from the kommune or postnr column."""
        key = (kommune, postnr)
        cached = self._municipality_cache.get(key)
        if cached is not None:
            return cached
        municipality, column, error = None, "kommune", None
        if kommune:
            municipality = self.refs.municipality(_intlike(kommune))
            if municipality is None:
                error = _(
                    "Ukendt kommune '%(v)s'. Angiv en nordjysk kommunes navn eller kommunekode (fx Aalborg eller 851)."
                ) % {"v": kommune}
        elif postnr := _intlike(postnr):
            column = "postnr"
            codes = self.refs.postal.get(postnr, [])
            if not codes:
                error = _(
                    "Postnummeret %(v)s ligger ikke i en nordjysk kommune. Angiv kommunen i kolonnen kommune."
                ) % {"v": postnr}
            elif len(codes) > 1:
                names = ", ".join(self.refs.municipalities[c].name for c in codes)
                error = _(
                    "Postnummeret %(v)s ligger i flere kommuner (%(names)s). Angiv kommunen i kolonnen kommune."
                ) % {"v": postnr, "names": names}
            else:
                municipality = self.refs.municipalities[codes[0]]
        cached = self._municipality_cache[key] = (municipality, column, error)
        return cached

    def _date(self, value: Any) -> tuple[dt.date | None, Programme | None, str | None]:
        """(start date, its programme, error or None)."""
        key = value if isinstance(value, str) else None
        if key is not None and key in self._date_cache:
            return self._date_cache[key]
        day, programme, error = _parse_date(value), None, None
        if day is None:
            error = _("Ugyldig dato '%(v)s'. Skriv datoen som dd-mm-åååå (fx 01-09-2021).") % {"v": _text(value)}
        elif day > self.latest_start:
            error = _("Startdatoen ligger mere end et år ude i fremtiden.")
        else:
            programme = self.refs.programme_for(day)
            if programme is None:
                error = _("Startdatoen %(date)s ligger uden for alle programperioder.") % {
                    "date": day.strftime("%d-%m-%Y")
                }
        if key is not None:
            self._date_cache[key] = (day, programme, error)
        return day, programme, error

    def _fold(self, value: str) -> str:
        folded = self._fold_cache.get(value)
        if folded is None:
            folded = self._fold_cache[value] = " ".join(value.casefold().split())
        return folded

    def validate(
        self, rownum: int, texts: dict[str, str], raw_date: Any, raw: list[Any]
    ) -> tuple[_Row | None, list[RowError]]:
        """`texts`: every mapped column as stripped text; `raw_date`: the start date cell as read."""
        errors: list[RowError] = []
        headers = self.headers

        def err(column: str, message: str) -> None:
            errors.append(RowError(rownum, headers.get(column, column), message))

        for column, limit in MAX_LENGTHS.items():
            if len(texts.get(column, "")) > limit:
                err(column, _("Højst %(n)d tegn.") % {"n": limit})

        # The company and the workplace municipality
        cvr, cvr_error = self._cvr(texts["cvr"])
        if cvr_error:
            err("cvr", cvr_error)
        kommune, postnr = texts.get("kommune", ""), texts.get("postnr", "")
        municipality, column, error = self._municipality(kommune, postnr)
        if error:
            err(column, error)
        municipality_given = bool(kommune or postnr)

        industry_id = None
        if branche := texts.get("branche"):
            industry_id = self.refs.industries.get(branche.lower())
            if industry_id is None:
                err("branche", _("Ukendt branche '%(v)s'. Angiv en DB07-hovedbranche (A–U).") % {"v": branche})

        company = draft = None
        if cvr:
            company = self.companies.get(cvr)
            if company is None:
                draft = self.drafts.get(cvr)
                name = texts.get("virksomhed", "")
                if draft is None and name and municipality is not None and len(name) <= 200:
                    draft = self.drafts[cvr] = _CompanyDraft(cvr, name, municipality, industry_id, rownum)
                if draft is None:
                    if not name:
                        err(
                            "virksomhed",
                            _(
                                "Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv "
                                "virksomhedens navn, så den kan oprettes."
                            )
                            % {"cvr": cvr},
                        )
                    if not municipality_given:
                        err(
                            "kommune",
                            _(
                                "Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv "
                                "kommune eller postnummer for arbejdsstedet."
                            )
                            % {"cvr": cvr},
                        )
        if municipality is None and not municipality_given:
            municipality = company.municipality if company else (draft.municipality if draft else None)

        # The match
        match_type = None
        if value := texts["matchtype"]:
            match_type = self.refs.match_types.get(value.lower())
            if match_type is None:
                valid = ", ".join(sorted({mt.code for mt in self.refs.match_types.values()}))
                err(
                    "matchtype",
                    _("Ukendt matchtype '%(v)s'. Angiv koden eller det danske navn: %(valid)s.")
                    % {"v": value, "valid": valid},
                )
        else:
            err("matchtype", _("Skal udfyldes."))

        start_date = programme = None
        if not texts["startdato"]:
            err("startdato", _("Skal udfyldes."))
        else:
            start_date, programme, error = self._date(raw_date)
            if error:
                err("startdato", error)

        level = None
        if value := texts["niveau"]:
            level = self.refs.levels.get(value.lower())
            if level is None:
                err("niveau", _("Ukendt uddannelsesniveau '%(v)s'. Angiv KVU, MVU eller LVU.") % {"v": value})
        else:
            err("niveau", _("Skal udfyldes."))

        activity = DEFAULT_ACTIVITY
        if value := texts.get("aktivitet"):
            activity = self.refs.activities.get(value.lower(), "")
            if not activity:
                err(
                    "aktivitet",
                    _("Ukendt aktivitet '%(v)s'. Angiv en af: %(valid)s.")
                    % {"v": value, "valid": self.refs.activity_names},
                )

        # The person: pseudonymous unless consent is recorded.
        consent = False
        raw_consent = texts.get("samtykke", "").lower()
        if raw_consent in YES:
            consent = True
        elif raw_consent not in NO:
            err("samtykke", _("Ugyldig værdi '%(v)s'. Skriv ja eller nej.") % {"v": texts["samtykke"]})
        person_name, person_email = texts.get("navn", ""), texts.get("email", "")
        if (person_name or person_email) and not consent and raw_consent in NO:
            err(
                "navn" if person_name else "email",
                _("Navn og kontaktoplysninger må kun registreres, når personen har givet samtykke (samtykke = ja)."),
            )
        if person_email:
            try:
                self.email_validator(person_email)
            except ValidationError:
                err("email", _("Ugyldig e-mailadresse."))
        person_key = self.person_key(texts.get("person_id") or person_email)

        external_id = texts.get("ekstern_id", "")
        if external_id:
            first = self.external_ids.setdefault(external_id, rownum)
            if first != rownum:
                err("ekstern_id", _("Ekstern id '%(v)s' står også i række %(row)d.") % {"v": external_id, "row": first})

        type_record = None
        if match_type is not None and cvr and type_rule(match_type.code) is not None:
            try:
                type_record = check_type_rule(match_type.code, reference=texts.get("reference", ""), cvr=cvr,
                                              taken=self.type_records_taken)
            except AppError as exc:
                err("reference", str(exc.message))

        if errors:
            return None, errors
        assert municipality is not None and match_type is not None and start_date is not None
        assert programme is not None and level is not None
        education, institution = texts.get("uddannelse", ""), texts.get("institution", "")
        hash_basis = "\x1f".join(
            [
                cvr,
                _intlike(kommune).lower(),
                _intlike(postnr),
                match_type.code,
                start_date.isoformat(),
                level,
                self._fold(education),
                self._fold(institution),
                activity,
                person_key,
            ]
        )
        return _Row(
            row=rownum,
            raw=raw,
            cvr=cvr,
            company=company,
            draft=draft,
            municipality=municipality,
            industry_id=industry_id,
            match_type=match_type,
            start_date=start_date,
            programme=programme,
            level=level,
            education=education,
            institution=institution,
            activity=activity,
            activity_note=texts.get("aktivitet_uddybning", ""),
            person_key=person_key,
            person_name=person_name if consent else "",
            person_email=person_email if consent else "",
            consent=consent,
            external_id=external_id,
            hash_basis=hash_basis,
            type_record=type_record,
        ), []


def _map_header(header: list[Any], rows: list[list[Any]]) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Column positions by canonical name, the headers as written, and the file's header errors."""
    return map_header(header, rows, columns=COLUMNS, required=REQUIRED_COLUMNS)


def _import_keys(rows: list[_Row]) -> None:
    """External id, else sha256 of the normalised values; identical rows (two students of the same
    programme starting at the same company on the same day) are numbered so each keeps its own key."""
    seen: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.external_id:
            r.import_key = r.external_id
            continue
        n = seen[r.hash_basis]
        seen[r.hash_basis] += 1
        basis = r.hash_basis if n == 0 else f"{r.hash_basis}\x1e{n}"
        r.import_key = hashlib.sha256(basis.encode()).hexdigest()


# ----------------------------------------------------------------------------------------------- import


@collector_paused()
def import_matches(
    *,
    path_or_file: str | Path | IO[bytes] | Any,
    filename: str = "",
    organisation: Organisation,
    user: User | None = None,
    skip_invalid: bool = False,
    rejects_path: str | Path | IO[str] | None = None,
) -> ImportResult:
    """Import matches registered by `organisation` from a CSV or XLSX file; all or nothing unless
    `skip_invalid`, in which case valid rows are imported and bad rows go to `rejects_path`."""
    if user is not None and not can_register_for(user, organisation):
        raise Forbidden(_("Du kan kun importere match for din egen organisation."))
    data, default_name = _read_bytes(path_or_file)
    filename = filename or default_name
    result = ImportResult()
    try:
        header, row_iter = _read_table(data, filename)
        raw_rows = list(row_iter)
    except FileUnreadable as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result

    positions, written, header_errors = _map_header(header, raw_rows)
    if header_errors:
        result.errors = header_errors
        return result
    width = len(header)

    # Pass 1: the CVR numbers, so the companies are fetched in a few queries.
    numbered = [(i + 2, r) for i, r in enumerate(raw_rows) if not _blank(r)]
    result.rows_total = len(numbered)
    cvr_col = positions["cvr"]
    raw_cvrs = {_cell_text(r[cvr_col]) for _, r in numbered if cvr_col < len(r)}
    cvrs = sorted({normalise_cvr(_intlike(v)) for v in raw_cvrs} - {""})
    companies: dict[str, Company] = {}
    for chunk in _chunks(cvrs):
        # A merged record (tombstone) stands for its survivor: matches go to the company that lives on.
        found = Company.objects.filter(cvr__in=chunk).select_related("merged_into").order_by()
        companies.update((c.cvr, c.merged_into or c) for c in found)

    # Pass 2: validate every row.
    validator = _Validator(_References(), written, companies)
    valid: list[_Row] = []
    rejects: list[tuple[list[Any], list[RowError]]] = []
    # Every column as text; the file's columns read per row, the others blank.
    present = [(name, positions[name]) for name in COLUMNS if positions.get(name) is not None]
    present_names = [name for name, _pos in present]
    present_cells = operator.itemgetter(*(pos for _name, pos in present))  # a tuple: 4 columns are required
    past_last = max(pos for _name, pos in present) + 1
    blank_texts = dict.fromkeys(COLUMNS, "")
    date_col = positions["startdato"]
    for rownum, raw in numbered:
        extra = extra_cells_error(rownum, raw, width)
        if extra is not None:
            rejects.append((raw, [extra]))
            result.errors.append(extra)
            continue
        n = len(raw)
        texts = dict(blank_texts)
        if n >= past_last:  # every column present: one C-level pick, strings (the CSV case) stripped directly
            texts.update(zip(present_names, [v.strip() if type(v) is str else _cell_text(v)
                                             for v in present_cells(raw)], strict=True))
        else:  # a short row (trailing empty cells left out)
            texts.update((name, _cell_text(raw[pos]) if pos < n else "") for name, pos in present)
        parsed, errs = validator.validate(rownum, texts, raw[date_col] if date_col < n else None, raw)
        if errs:
            rejects.append((raw, errs))
            result.errors.extend(errs)
        else:
            valid.append(parsed)
    result.rejected = len(rejects)
    if rejects and not skip_invalid:
        return result

    _import_keys(valid)
    try:
        with transaction.atomic():
            _write(
                result,
                valid,
                organisation=organisation,
                user=user,
                filename=filename,
                sha256=hashlib.sha256(data).hexdigest(),
            )
    except IntegrityError:
        raise Conflict(
            _(
                "Importen blev afbrudt, fordi registret blev ændret samtidig (fx den samme fil "
                "importeret to gange på én gang). Intet er importeret; prøv igen."
            ),
            code="import_conflict",
        )
    result.committed = True
    if rejects_path is not None:  # written even when empty, so a script can rely on the file
        write_rejects(rejects_path, header, rejects)
    return result


@contextmanager
def _large_sqlite_cache(cursor: Any) -> Iterator[None]:
    """SQLite's default page cache (2 MB) is too small for the match table's seventeen indexes while
    100,000 rows go in; a larger cache for the duration of the insert saves about a quarter of the time."""
    if connection.vendor != "sqlite":
        yield
        return
    cursor.execute("PRAGMA cache_size")
    previous = cursor.fetchone()[0]
    cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB at most, only as pages are used
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def bulk_insert(model: type[Model], rows: list[dict[str, Any]], *, batch_size: int = BATCH_SIZE) -> None:
    """Insert rows (dicts by attribute name, all with the same keys): COPY on PostgreSQL, executemany else.

    The ORM's bulk_create compiles every row field by field, which alone takes over a minute for
    100,000 matches; this takes seconds. Fields not given get their model default. No signals are sent
    and no primary keys are returned (callers look them up by a unique key afterwards)."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = [f for f in fields if f.attname in rows[0]]
    unknown = set(rows[0]) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"unknown fields for {model.__name__}: {sorted(unknown)}")
    missing = [f for f in fields if f.attname not in rows[0]]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in missing)
    # Dates and datetimes need the backend's adaptation (once per distinct value); other values go to
    # the driver as they are.
    adapt = [(i, f) for i, f in enumerate(given) if isinstance(f, models.DateField)]
    cache: dict[tuple[int, Any], Any] = {}
    getter = operator.itemgetter(*(f.attname for f in given))
    qn = connection.ops.quote_name
    # Only quoted identifiers from the model's own metadata go into the statement; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in given + missing), ", ".join(["%s"] * len(fields))
    )

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = getter(row)
        out = list(out) if len(given) > 1 else [out]
        for i, f in adapt:
            v = out[i]
            if v is not None:
                key = (i, v)
                if key not in cache:
                    cache[key] = f.get_db_prep_save(v, connection)
                out[i] = cache[key]
        return (*out, *defaults)

    with connection.cursor() as cursor, _large_sqlite_cache(cursor):
        if connection.vendor == "postgresql":
            # COPY streams all rows in one command instead of parsing a statement per row.
            columns = ", ".join(qn(f.column) for f in given + missing)
            copy_sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        # SQLite runs the prepared statement per row at C speed: executemany is its fastest path.
        for chunk in _chunks(rows, batch_size):
            cursor.executemany(sql, [values(row) for row in chunk])


def _in_chunk() -> int:
    """Values per `__in` lookup: SQLite limits a statement's parameters; PostgreSQL takes large lists, and
    100,000 import keys in 10 queries cost less than in 200."""
    return IN_CHUNK_POSTGRESQL if connection.vendor == "postgresql" else IN_CHUNK_DEFAULT


def _references_checked_set_wise() -> bool:
    """Whether this import checks its rows' foreign keys set-wise instead of row by row: PostgreSQL, and a
    role that may set `session_replication_role` (a superuser, or on PostgreSQL 15+ one granted
    `SET ON PARAMETER session_replication_role`; docs/operations.md). PostgreSQL checks a foreign key with
    one query per inserted row and key (there is no batched check, not for INSERT … SELECT either): for
    100,000 matches and their contributions about 1,100,000 lookups, over a third of the database's time.
    Else the database checks every row itself, as before."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if connection.pg_version >= 150000:
            cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        else:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return bool(cursor.fetchone()[0])


def _row_triggers(*, enabled: bool) -> None:
    """Switch this transaction's ordinary triggers off or on (PostgreSQL's `session_replication_role`,
    SET LOCAL: a rollback, also to a savepoint, restores it). Off skips the per-row foreign-key checks;
    the match tally triggers stay on (ENABLE ALWAYS, migration 0015_imp16_tally_triggers_always), and
    unique and check constraints are indexes and expressions, not triggers, so they hold as always."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL session_replication_role = {'origin' if enabled else 'replica'}")


def _check_references(model: type[Model], rows: list[dict[str, Any]], *, known: dict[str, set] | None = None) -> None:
    """What the skipped per-row foreign-key checks would have done, one query per key: every value the rows
    hold for a foreign key must exist, and is locked FOR KEY SHARE until the commit (as PostgreSQL's own
    check locks it), so a concurrent delete of a company or organisation waits and then fails as before.
    `known`: values this transaction has just written (the new matches), which need no check. A missing
    value raises IntegrityError, which rolls the whole import back, as the database's check would."""
    if not rows:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for f in model._meta.concrete_fields:
            if not f.is_relation:
                continue
            if f.attname in rows[0]:
                values = {row[f.attname] for row in rows}
            else:
                values = {f.get_default()}
            values -= {None, *(known or {}).get(f.attname, ())}
            if not values:
                continue
            target = f.target_field
            table, column = qn(target.model._meta.db_table), qn(target.column)
            # Only quoted identifiers from the models' metadata go into the statement; the values are one array.
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE",  # noqa: S608
                [sorted(values)],
            )
            missing = values - {v for (v,) in cursor.fetchall()}
            if missing:
                raise IntegrityError(
                    f"{model._meta.db_table}.{f.column}: {len(missing)} value(s) not in "
                    f"{target.model._meta.db_table}, e.g. {sorted(missing)[:3]}"
                )


def _write(
    result: ImportResult, rows: list[_Row], *, organisation: Organisation, user: User | None, filename: str, sha256: str
) -> None:
    # Rows already imported by this organisation (same key) are skipped whole.
    keys = sorted({r.import_key for r in rows})
    # The exclude() lets the database use the partial unique index on (registering_org, import_key).
    imported = Match.objects.filter(registering_org=organisation).exclude(import_key="").order_by()
    existing_keys: set[str] = set()
    if imported[: len(keys)].count() < len(keys):
        # The organisation has imported fewer matches than the file has rows (a first import, or a small
        # registry): reading all its keys in one index scan costs less than looking the file's keys up.
        existing_keys.update(imported.values_list("import_key", flat=True))
        existing_keys.intersection_update(keys)
    else:
        for chunk in _chunks(keys, _in_chunk()):
            existing_keys.update(imported.filter(import_key__in=chunk).values_list("import_key", flat=True))
    todo = [r for r in rows if r.import_key not in existing_keys]
    result.already_imported = len(rows) - len(todo)

    # Existing matches of the file's known companies, for duplicate detection (as in match_register).
    known = {r.company.pk: r.company.cvr for r in todo if r.company is not None}
    by_person: dict[tuple, list[tuple[dt.date, int]]] = defaultdict(list)
    by_profile: dict[tuple, list[tuple[dt.date, int]]] = defaultdict(list)
    existing_ids: list[int] = []
    for chunk in _chunks(sorted(known), _in_chunk()):
        existing = (
            Match.objects.filter(company_id__in=chunk)
            .exclude(status=Match.Status.REJECTED)
            .order_by()
            .values_list(
                "id", "company_id", "match_type_id", "start_date", "person_key", "education_level_id", "education"
            )
        )
        for pk, company_id, mt, start, person_key, level, education in existing:
            existing_ids.append(pk)
            if person_key:
                by_person[(known[company_id], mt, person_key)].append((start, pk))
            by_profile[(known[company_id], mt, level, education.casefold())].append((start, pk))
    for lst in (*by_person.values(), *by_profile.values()):
        lst.sort(key=lambda item: item[1])  # lowest id first, as find_duplicate orders
    contributed: set[int] = set()
    for chunk in _chunks(existing_ids, _in_chunk()):
        contributed.update(
            MatchContribution.objects.filter(organisation=organisation, match_id__in=chunk)
            .order_by()
            .values_list("match_id", flat=True)
        )

    def first_within(candidates: list[tuple[dt.date, Any]] | None, day: dt.date, window: dt.timedelta) -> Any:
        for start, obj in candidates or ():  # mostly none: a plain loop, no generator per row
            if abs(start - day) <= window:
                return obj
        return None

    # Decide each row in file order, as match_register would one registration after another.
    now = timezone.now()
    new_by_person: dict[tuple, list[tuple[dt.date, _Row]]] = defaultdict(list)
    new_by_profile: dict[tuple, list[tuple[dt.date, _Row]]] = defaultdict(list)
    creating: list[tuple[_Row, int | None]] = []  # (row, id of an existing possible duplicate)
    in_file_possible: list[tuple[_Row, _Row]] = []
    merged_into: list[int] = []
    for r in todo:
        window = dt.timedelta(days=r.programme.duplicate_window_days)
        if r.person_key:
            person = (r.cvr, r.match_type.code, r.person_key)
            existing_id = first_within(by_person.get(person), r.start_date, window)
            if existing_id is not None:
                if existing_id in contributed:
                    result.already_imported += 1  # this organisation already has this match
                else:
                    contributed.add(existing_id)
                    merged_into.append(existing_id)
                    result.merged += 1
                continue
            if first_within(new_by_person.get(person), r.start_date, window) is not None:
                result.merged += 1  # the same person twice in the file: one match
                continue
            new_by_person[person].append((r.start_date, r))
        profile = (r.cvr, r.match_type.code, r.level, r.education.casefold())
        possible_id = None
        if not r.person_key:
            # Without a person key we cannot know: flag it for the lead, as match_register does.
            possible_id = first_within(by_profile.get(profile), r.start_date, window)
            if possible_id is None:
                earlier = first_within(new_by_profile.get(profile), r.start_date, window)
                if earlier is not None:
                    in_file_possible.append((r, earlier))
        new_by_profile[profile].append((r.start_date, r))
        creating.append((r, possible_id))
    result.created = len(creating)
    if not (result.created or result.merged):
        return  # nothing changes: no batch is recorded

    with acting_as(user):
        batch = ImportBatch.objects.create(
            organisation=organisation,
            created_by=user,
            filename=filename[:255],
            sha256=sha256,
            rows_total=result.rows_total,
            rows_created=result.created,
            rows_merged=result.merged,
            rows_already_imported=result.already_imported,
            rows_rejected=result.rejected,
        )
    result.batch = batch

    # Companies: create the new ones; fill in a missing industry on known ones (as company_get_or_create).
    drafts = {r.draft.cvr: r.draft for r, _id in creating if r.draft is not None}
    new_companies = [
        Company(cvr=d.cvr, name=d.name, municipality=d.municipality, industry_id=d.industry_id) for d in drafts.values()
    ]
    Company.objects.bulk_create(new_companies, batch_size=BATCH_SIZE)
    company_ids = {c.cvr: c.pk for c in new_companies}
    missing_industry: dict[int, Company] = {}
    for r, _id in creating:
        if r.company is not None:
            company_ids[r.cvr] = r.company.pk
            if r.industry_id and not r.company.industry_id:
                r.company.industry_id, r.company.updated_at = r.industry_id, now
                missing_industry[r.company.pk] = r.company
    if missing_industry:
        Company.objects.bulk_update(list(missing_industry.values()), ["industry", "updated_at"], batch_size=BATCH_SIZE)

    # The values shared by every row of one programme, start date and municipality (the derived fields
    # and the batch's own), built once per such group; each row adds its own values to a copy.
    shared_by_group: dict[tuple, dict[str, Any]] = {}
    shared = {
        "registering_org_id": organisation.pk,
        "created_by_id": user.pk if user else None,
        "import_batch_id": batch.pk,
        "created_at": now,
        "updated_at": now,
    }
    match_rows = []
    for r, possible_id in creating:
        group = (r.programme.pk, r.start_date, r.municipality.code)
        common = shared_by_group.get(group)
        if common is None:
            fields = derived_fields(
                programme=r.programme,
                start_date=r.start_date,
                municipality_code=r.municipality.code,
                registering_org=organisation,
            )
            common = shared_by_group[group] = {
                **shared,
                "programme_id": r.programme.pk,
                "start_date": r.start_date,
                "municipality_id": r.municipality.code,
                **{Match._meta.get_field(k).attname: (v.pk if isinstance(v, Model) else v) for k, v in fields.items()},
            }
        match_rows.append(
            {
                **common,
                "company_id": company_ids[r.cvr],
                "match_type_id": r.match_type.code,
                "person_key": r.person_key,
                "person_name": r.person_name,
                "person_email": r.person_email,
                "person_consent_at": now if r.consent and (r.person_name or r.person_email) else None,
                "institution": r.institution,
                "education": r.education,
                "education_level_id": r.level,
                "activity": r.activity,
                "activity_note": r.activity_note,
                "possible_duplicate_of_id": possible_id,
                "import_key": r.import_key,
            }
        )
    set_wise = _references_checked_set_wise()
    if set_wise:
        _row_triggers(enabled=False)
    bulk_insert(Match, match_rows)
    ids = dict(Match.objects.filter(import_batch=batch).values_list("import_key", "id"))
    contribution_rows = [
        {
            "match_id": ids[r.import_key],
            "organisation_id": organisation.pk,
            "role": MatchContribution.Role.REGISTERED.value,
            "created_at": now,
        }
        for r, _id in creating
    ] + [
        {
            "match_id": pk,
            "organisation_id": organisation.pk,
            "role": MatchContribution.Role.DUPLICATE.value,
            "created_at": now,
        }
        for pk in merged_into
    ]
    bulk_insert(MatchContribution, contribution_rows)
    if set_wise:
        _check_references(Match, match_rows)
        _check_references(MatchContribution, contribution_rows, known={"match_id": set(ids.values())})
        _row_triggers(enabled=True)
    for r, _id in creating:
        if r.type_record is not None:
            link_type_rule(r.match_type.code, ids[r.import_key], r.type_record)
    if in_file_possible:
        Match.objects.bulk_update(
            [
                Match(pk=ids[r.import_key], possible_duplicate_of_id=ids[earlier.import_key])
                for r, earlier in in_file_possible
            ],
            ["possible_duplicate_of"],
            batch_size=BATCH_SIZE,
        )
