"""Bulk import of companies and production units from CSV/XLSX files (SPEC 3.2 "Imports from CSV").

As with matches (matches/importing.py, sharing core/tabular.py): the whole file is validated first, in
memory; nothing is written unless every row is valid (or `skip_invalid` is given: then the bad rows are
left out and can be written to a rejects file). The writes happen in one transaction.

One row is one company, or one production unit of it (a company with three units has three rows with
the same CVR number). The rule for a CVR number that is already in the register (documented in
docs/import-format.md): the import only **fills in what is empty** — industry, size class and "has highly
educated staff" when unknown — and adds a production unit whose P-number (or, without one, address and
postal code) the company does not have yet. It never overwrites the name, municipality or a value a
partner has recorded. So importing the same file twice changes nothing the second time. A merged
record's CVR number updates the company it was merged into.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.audit import acting_as
from viaviden.core.errors import Conflict, Forbidden
from viaviden.core.tabular import (
    NO,
    YES,
    FileUnreadable,
    RowError,
    blank,
    cell_text,
    chunks,
    collector_paused,
    extra_cells_error,
    intlike,
    map_header,
    read_bytes,
    read_table,
    write_rejects,
)
from viaviden.organisations.models import User
from viaviden.reference.models import Industry, Municipality, PostalCode, SizeClass

from .cvr import normalise_cvr, validate_cvr
from .models import Company, ProductionUnit
from .services import can_edit_companies

# Canonical column name (Danish) -> accepted header spellings, normalised by `tabular.norm_header`.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cvr": ("cvr", "cvr_nummer", "cvr_nr", "cvrnr", "cvr_number"),
    "navn": ("navn", "virksomhed", "virksomhedsnavn", "name", "company_name", "company"),
    "kommune": ("kommune", "kommunekode", "municipality", "municipality_code"),
    "postnr": ("postnr", "postnummer", "post_nr", "postal_code", "postcode", "zip"),
    "adresse": ("adresse", "address", "street"),
    "by": ("by", "postdistrikt", "city", "town"),
    "pnummer": ("pnummer", "p_nummer", "p_nr", "pnr", "p_number", "production_unit"),
    "branche": ("branche", "db07", "industry"),
    "stoerrelse": ("stoerrelse", "størrelse", "storrelse", "stoerrelsesklasse", "størrelsesklasse", "size",
                   "size_class"),
    "hoejtuddannede": ("hoejtuddannede", "højtuddannede", "hojtuddannede", "highly_educated",
                       "has_highly_educated_staff"),
}
REQUIRED_COLUMNS = ("cvr",)
COLUMN_HELP = {
    "cvr": gettext_lazy("CVR-nummer, 8 cifre (modulus 11-kontrol)."),
    "navn": gettext_lazy("Virksomhedens navn. Skal udfyldes, når virksomheden ikke findes i registret."),
    "kommune": gettext_lazy(
        "Kommunen for adressen: navn eller kommunekode (fx Hjørring eller 860). Skal udfyldes for en ny "
        "virksomhed, medmindre postnummeret ligger i én kommune."
    ),
    "postnr": gettext_lazy("Postnummer for adressen. Skal findes i referencedata for de nordjyske kommuner."),
    "adresse": gettext_lazy("Produktionsenhedens adresse (vej og nummer). Kræver postnummer."),
    "by": gettext_lazy("Postdistrikt, fx Hjørring."),
    "pnummer": gettext_lazy("Produktionsenhedens P-nummer, 10 cifre. Kræver adresse."),
    "branche": gettext_lazy("DB07-hovedbranche, A–U."),
    "stoerrelse": gettext_lazy("Størrelse: micro, small, medium eller large (eller det danske navn)."),
    "hoejtuddannede": gettext_lazy("Har virksomheden højtuddannede ansatte i dag? ja, nej eller tom (ved ikke)."),
}
MAX_LENGTHS = {"navn": 200, "adresse": 200, "by": 100}
UNKNOWN_WORDS = {"ved ikke", "ukendt", "unknown", "?"}
_P_NUMBER = re.compile(r"\d{10}")
_POSTAL = re.compile(r"\d{4}")


@dataclass
class CompanyImportResult:
    rows_total: int = 0
    created: int = 0  # companies created
    updated: int = 0  # existing companies that got an empty field filled or a unit added
    units_created: int = 0
    unchanged: int = 0  # rows that changed nothing (already in the register)
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    header: list[Any] = field(default_factory=list)
    rejects: list[tuple[list[Any], list[RowError]]] = field(default_factory=list)
    committed: bool = False  # False when nothing was imported because of errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = _(
            "%(total)d rækker: %(created)d virksomheder oprettet, %(updated)d opdateret, %(units)d "
            "produktionsenheder tilføjet, %(unchanged)d uændrede, %(rejected)d afvist."
        ) % {
            "total": self.rows_total,
            "created": self.created,
            "updated": self.updated,
            "units": self.units_created,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }
        if not self.committed and self.errors:
            text += " " + _("Intet er importeret.")
        return text

    def write_rejects(self, path: str | Path | IO[str]) -> None:
        write_rejects(path, self.header, self.rejects)


def parse_cvr(value: str) -> tuple[str, str | None]:
    """A CVR number cell: (the normalised number, or "" when it is missing or invalid; the error or None)."""
    cvr = normalise_cvr(intlike(value))
    if not cvr:
        return "", _("Skal udfyldes.")
    try:
        validate_cvr(cvr)
    except ValidationError as exc:
        return "", exc.messages[0]
    return cvr, None


class MunicipalityReferences:
    """The municipalities an import row may name (by code, name or "<name> kommune") and the municipalities
    of each postal code, loaded once (the importers of companies and of matches share them)."""

    def __init__(self) -> None:
        self.municipalities: dict[str, Municipality] = {}
        for m in Municipality.objects.all():
            self.municipalities[m.code] = m
            self.municipalities[m.name.lower()] = m
            self.municipalities[f"{m.name.lower()} kommune"] = m
        self.postal: dict[str, list[str]] = defaultdict(list)
        for code, muni in PostalCode.objects.order_by("municipality__name").values_list("code", "municipality_id"):
            self.postal[code].append(muni)

    def municipality(self, value: str) -> Municipality | None:
        key = intlike(value).strip().lower()
        if key.isdigit():
            key = key.lstrip("0")
        return self.municipalities.get(key)


class _References(MunicipalityReferences):
    """Every lookup a row needs, loaded once."""

    def __init__(self) -> None:
        super().__init__()
        self.industries: dict[str, Industry] = {}
        for industry in Industry.objects.all():
            self.industries[industry.code.lower()] = industry
            self.industries[industry.name_da.lower()] = industry
        self.size_classes: dict[str, SizeClass] = {}
        for size in SizeClass.objects.all():
            for label in (size.code, size.name_da, size.name_en):
                self.size_classes[label.lower()] = size
                self.size_classes[label.split(" (", 1)[0].strip().lower()] = size
        self.size_codes = ", ".join(SizeClass.objects.order_by("order").values_list("code", flat=True))


@dataclass
class _Row:
    row: int
    cvr: str
    name: str
    municipality: Municipality | None  # of the address, or the company's for a new one
    industry: Industry | None
    size_class: SizeClass | None
    highly_educated: bool | None
    address: str
    postal_code: str
    city: str
    p_number: str


def _municipality_names(refs: _References, codes: list[str]) -> str:
    return ", ".join(refs.municipalities[c].name for c in codes)


def _validate(
    rownum: int, texts: dict[str, str], refs: _References, headers: dict[str, str], known: set[str], planned: set[str]
) -> tuple[_Row | None, list[RowError]]:
    """One row. `known`: CVR numbers in the register; `planned`: those created by earlier rows."""
    errors: list[RowError] = []

    def err(column: str, message: str) -> None:
        errors.append(RowError(rownum, headers.get(column, column), message))

    for column, limit in MAX_LENGTHS.items():
        if len(texts.get(column, "")) > limit:
            err(column, _("Højst %(n)d tegn.") % {"n": limit})

    cvr, cvr_error = parse_cvr(texts["cvr"])
    if cvr_error:
        err("cvr", cvr_error)

    kommune, postnr = texts.get("kommune", ""), intlike(texts.get("postnr", ""))
    municipality = None
    if kommune:
        municipality = refs.municipality(kommune)
        if municipality is None:
            err(
                "kommune",
                _("Ukendt kommune '%(v)s'. Angiv en nordjysk kommunes navn eller kommunekode (fx Aalborg eller 851).")
                % {"v": kommune},
            )
    if postnr:
        codes = refs.postal.get(postnr, [])
        if not _POSTAL.fullmatch(postnr):
            err("postnr", _("Ugyldigt postnummer '%(v)s'. Et postnummer har 4 cifre.") % {"v": postnr})
        elif not codes:
            err(
                "postnr",
                _("Ukendt postnummer %(v)s. Det findes ikke i referencedata for de nordjyske kommuner.") % {"v": postnr},
            )
        elif municipality is not None:
            if municipality.code not in codes:
                err(
                    "postnr",
                    _("Postnummeret %(v)s ligger ikke i %(name)s Kommune, men i: %(names)s.")
                    % {"v": postnr, "name": municipality.name, "names": _municipality_names(refs, codes)},
                )
        elif not kommune:
            if len(codes) > 1:
                err(
                    "postnr",
                    _("Postnummeret %(v)s ligger i flere kommuner (%(names)s). Angiv kommunen i kolonnen kommune.")
                    % {"v": postnr, "names": _municipality_names(refs, codes)},
                )
            else:
                municipality = refs.municipalities[codes[0]]

    address, city = texts.get("adresse", ""), texts.get("by", "")
    p_number = intlike(texts.get("pnummer", ""))
    if address and not postnr:
        err("postnr", _("Angiv postnummeret for adressen."))
    if p_number:
        if not _P_NUMBER.fullmatch(p_number):
            err("pnummer", _("Ugyldigt P-nummer '%(v)s'. Et P-nummer har 10 cifre.") % {"v": p_number})
        elif not address:
            err("adresse", _("Angiv produktionsenhedens adresse (P-nummeret står alene)."))

    industry = None
    if branche := texts.get("branche"):
        industry = refs.industries.get(branche.lower())
        if industry is None:
            err("branche", _("Ukendt branche '%(v)s'. Angiv en DB07-hovedbranche (A–U).") % {"v": branche})

    size_class = None
    if value := texts.get("stoerrelse"):
        size_class = refs.size_classes.get(value.lower())
        if size_class is None:
            err(
                "stoerrelse",
                _("Ukendt størrelse '%(v)s'. Angiv en af: %(valid)s.") % {"v": value, "valid": refs.size_codes},
            )

    highly_educated = None
    raw = texts.get("hoejtuddannede", "").lower()
    if raw in YES:
        highly_educated = True
    elif raw and raw in NO:
        highly_educated = False
    elif raw and raw not in UNKNOWN_WORDS:
        err("hoejtuddannede", _("Ugyldig værdi '%(v)s'. Skriv ja, nej eller lad feltet stå tomt.") % {"v": raw})

    name = texts.get("navn", "")
    if cvr and cvr not in known and cvr not in planned:
        if not name:
            err(
                "navn",
                _("Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv dens navn, så den kan oprettes.")
                % {"cvr": cvr},
            )
        if not kommune and not postnr:
            err(
                "kommune",
                _(
                    "Virksomheden med CVR-nummer %(cvr)s findes ikke i registret; angiv kommune eller postnummer, "
                    "så den kan oprettes."
                )
                % {"cvr": cvr},
            )

    if errors:
        return None, errors
    return _Row(
        row=rownum,
        cvr=cvr,
        name=name,
        municipality=municipality,
        industry=industry,
        size_class=size_class,
        highly_educated=highly_educated,
        address=address,
        postal_code=postnr,
        city=city,
        p_number=p_number,
    ), []


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


class _Writer:
    """Applies valid rows in file order: creates companies, fills empty fields, adds units. Each object
    is saved on its own, so the audit log has an entry for every change."""

    def __init__(self, companies: dict[str, Company], result: CompanyImportResult, refs: _References):
        self.companies = companies
        self.result = result
        self.refs = refs
        self.units: dict[int, list[ProductionUnit]] = defaultdict(list)
        self.created_ids: set[int] = set()
        self.updated_ids: set[int] = set()
        ids = sorted({c.pk for c in companies.values()})
        for chunk in chunks(ids):
            for unit in ProductionUnit.objects.filter(company_id__in=chunk).order_by("id"):
                self.units[unit.company_id].append(unit)

    def apply(self, r: _Row) -> None:
        changed = False
        company = self.companies.get(r.cvr)
        if company is None:
            assert r.municipality is not None
            company = Company(
                cvr=r.cvr,
                name=r.name,
                municipality=r.municipality,
                industry=r.industry,
                size_class=r.size_class,
                has_highly_educated_staff=r.highly_educated,
            )
            company.full_clean(validate_unique=False)
            company.save()
            self.companies[r.cvr] = company
            self.created_ids.add(company.pk)
            self.result.created += 1
            changed = True
        else:
            fields = []
            if r.industry is not None and company.industry_id is None:
                company.industry, fields = r.industry, [*fields, "industry"]
            if r.size_class is not None and company.size_class_id is None:
                company.size_class, fields = r.size_class, [*fields, "size_class"]
            if r.highly_educated is not None and company.has_highly_educated_staff is None:
                company.has_highly_educated_staff = r.highly_educated
                fields.append("has_highly_educated_staff")
            if fields:
                company.version += 1
                company.save(update_fields=[*fields, "version", "updated_at"])
                self._mark_updated(company)
                changed = True
        if r.address:
            changed = self._unit(company, r) or changed
        if not changed:
            self.result.unchanged += 1

    def _mark_updated(self, company: Company) -> None:
        if company.pk not in self.created_ids and company.pk not in self.updated_ids:
            self.updated_ids.add(company.pk)
            self.result.updated += 1

    def _unit(self, company: Company, r: _Row) -> bool:
        units = self.units[company.pk]
        if r.p_number:
            existing = next((u for u in units if u.p_number == r.p_number), None)
        else:
            existing = None
        if existing is None:
            place = (_fold(r.address), r.postal_code)
            existing = next(
                (u for u in units if (_fold(u.address), u.postal_code) == place and not (r.p_number and u.p_number)),
                None,
            )
        if existing is not None:
            fields = []
            if r.p_number and not existing.p_number:
                existing.p_number, fields = r.p_number, [*fields, "p_number"]
            if r.city and not existing.city:
                existing.city, fields = r.city, [*fields, "city"]
            if fields:
                existing.save(update_fields=[*fields, "updated_at"])
                self._mark_updated(company)
                return True
            return False
        codes = self.refs.postal[r.postal_code]
        municipality = r.municipality if r.municipality is not None else self.refs.municipalities[codes[0]]
        unit = ProductionUnit(
            company=company,
            p_number=r.p_number,
            address=r.address,
            postal_code=r.postal_code,
            city=r.city,
            municipality=municipality,
            is_primary=not units,
        )
        unit.full_clean()
        unit.save()
        units.append(unit)
        self.result.units_created += 1
        self._mark_updated(company)
        return True


@collector_paused()
def import_companies(
    *,
    path_or_file: str | Path | IO[bytes] | Any,
    filename: str = "",
    user: User | None = None,
    skip_invalid: bool = False,
    rejects_path: str | Path | IO[str] | None = None,
) -> CompanyImportResult:
    """Import companies and production units from a CSV or XLSX file; all or nothing unless
    `skip_invalid`, in which case valid rows are imported and bad rows go to `rejects_path`."""
    if user is not None and not can_edit_companies(user):
        raise Forbidden(_("Du har ikke adgang til at importere virksomheder."))
    data, default_name = read_bytes(path_or_file)
    filename = filename or default_name
    result = CompanyImportResult()
    try:
        header, row_iter = read_table(data, filename)
        raw_rows = list(row_iter)
    except FileUnreadable as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    result.header = header

    positions, written, header_errors = map_header(header, raw_rows, columns=COLUMNS, required=REQUIRED_COLUMNS)
    if header_errors:
        result.errors = header_errors
        return result
    width = len(header)

    numbered = [(i + 2, r) for i, r in enumerate(raw_rows) if not blank(r)]
    result.rows_total = len(numbered)
    cvr_col = positions["cvr"]
    cvrs = sorted({normalise_cvr(intlike(r[cvr_col])) for _, r in numbered if cvr_col < len(r)} - {""})
    companies: dict[str, Company] = {}
    tombstones: dict[str, int] = {}
    for chunk in chunks(cvrs):
        for company in Company.objects.filter(cvr__in=chunk).order_by():
            if company.merged_into_id is None:
                companies[company.cvr] = company
            else:
                tombstones[company.cvr] = company.merged_into_id
    if tombstones:
        survivors = Company.objects.in_bulk(sorted(set(tombstones.values())))
        companies.update({cvr: survivors[pk] for cvr, pk in tombstones.items()})

    refs = _References()
    items = [(name, positions.get(name)) for name in COLUMNS]
    valid: list[_Row] = []
    planned: set[str] = set()
    for rownum, raw in numbered:
        extra = extra_cells_error(rownum, raw, width)
        if extra is not None:
            result.rejects.append((raw, [extra]))
            result.errors.append(extra)
            continue
        n = len(raw)
        texts = {name: (cell_text(raw[pos]) if pos is not None and pos < n else "") for name, pos in items}
        parsed, errs = _validate(rownum, texts, refs, written, set(companies), planned)
        if errs:
            result.rejects.append((raw, errs))
            result.errors.extend(errs)
        else:
            valid.append(parsed)
            planned.add(parsed.cvr)
    result.rejected = len(result.rejects)
    if result.rejects and not skip_invalid:
        return result

    try:
        with transaction.atomic(), acting_as(user):
            writer = _Writer(companies, result, refs)
            for r in valid:
                writer.apply(r)
    except IntegrityError:
        raise Conflict(
            _(
                "Importen blev afbrudt, fordi registret blev ændret samtidig (fx den samme fil importeret to "
                "gange på én gang). Intet er importeret; prøv igen."
            ),
            code="import_conflict",
        )
    result.committed = True
    if rejects_path is not None:  # written even when empty, so a script can rely on the file
        result.write_rejects(rejects_path)
    return result
