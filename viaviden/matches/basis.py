"""Reading a new basis for the municipal target split: a StatBank ERHV2 CSV export (Danmarks Statistik,
"Arbejdssteder og job efter område, branche, enhed og tid") or a plain two-column municipality;value file.

Accepted layouts (semicolon, comma or tab separated; UTF-8 with or without BOM, or Windows-1252):

- StatBank with a header row, as the API and "Gem som CSV" give it::

      OMRÅDE;BRANCHE07;ENHED;TID;INDHOLD
      Aalborg;TOT Erhverv i alt;Arbejdssteder (antal);2019;12345

  INDHOLD is summed per municipality over the rows whose BRANCHE07 is the total ("TOT", "I alt",
  "Erhverv i alt") if the file has such rows, else over all rows. When the file holds several units
  (ENHED) or years (TID), the wanted one is chosen by `kind` and `year`.
- A table without header names: the first cell that names a municipality ("Aalborg", "851 Aalborg",
  "Aalborg Kommune" or the code "851") and the last numeric cell of each row; total-branch rows are
  preferred the same way. This covers `municipality;value` files.

Rows for other areas (the region, the whole country, other municipalities) are ignored. A file that
misses any North Jutland municipality is rejected with a Danish message naming the missing ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from viaviden.core.errors import ValidationFailed
from viaviden.reference.models import Municipality

TOTAL_LABELS = {"tot", "total", "i alt", "erhverv i alt", "alle brancher"}
UNIT_WORDS = {"workplaces": ("arbejdssted",), "jobs": ("job",)}


def _read_text(file: Any) -> str:
    if isinstance(file, Path):
        data = file.read_bytes()
    elif hasattr(file, "read"):
        data = file.read()
    else:
        data = file
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(_("Filen kunne ikke læses som tekst (UTF-8 eller Windows-1252)."), code="basis_encoding")


def _rows(text: str) -> list[list[str]]:
    sample = "\n".join(text.splitlines()[:20])
    delimiter = max((";", ",", "\t"), key=sample.count) if sample else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [[c.strip() for c in row] for row in reader if any(c.strip() for c in row)]


def _norm(name: str) -> str:
    name = re.sub(r"^\d{3,4}\s+", "", name.strip().strip('"')).casefold()
    name = re.sub(r"\s+kommune$", "", name)
    return " ".join(name.split())


def _municipality_lookup() -> dict[str, str]:
    lookup = {}
    for code, name in Municipality.objects.filter(in_region=True).values_list("code", "name"):
        lookup[code] = code
        lookup[_norm(name)] = code
        # The ASCII spellings spreadsheets produce ("Laesoe", "Broenderslev", "Hjoerring").
        lookup[_norm(name).replace("æ", "ae").replace("ø", "oe").replace("å", "aa")] = code
    return lookup


def _match_municipality(cell: str, lookup: dict[str, str]) -> str | None:
    cell = cell.strip().strip('"')
    if cell in lookup:
        return lookup[cell]
    return lookup.get(_norm(cell))


def _number(cell: str) -> int | None:
    text = cell.replace("\xa0", "").replace(" ", "").strip('"')
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):  # Danish thousands separator: 12.345
        text = text.replace(".", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+[.,]0+", text):
        return int(re.split(r"[.,]", text)[0])
    return None


def _is_total(cell: str) -> bool:
    c = " ".join(cell.casefold().split())
    return c in TOTAL_LABELS or c.startswith("tot ") or c.endswith(" i alt")


def _choose(values: set[str], wanted: str | None, what: str, matches) -> str | None:
    """Pick one unit or year when a file holds several; refuse a single one that contradicts `wanted`."""
    if len(values) == 1:
        only = next(iter(values))
        if wanted is not None and not matches(only, wanted):
            raise ValidationFailed(
                _("Filen indeholder kun %(what)s «%(value)s», som ikke passer til det valgte (%(wanted)s).")
                % {"what": what, "value": only, "wanted": wanted},
                code="basis_mismatch",
            )
        return None
    if not values:
        return None
    if wanted is not None:
        chosen = [v for v in values if matches(v, wanted)]
        if len(chosen) == 1:
            return chosen[0]
    raise ValidationFailed(
        _("Filen indeholder flere %(what)s (%(values)s). Vælg én, eller gem kun den ene i filen.")
        % {"what": what, "values": ", ".join(sorted(values))},
        code="basis_ambiguous",
    )


def parse_erhv2(file: Any, *, kind: str | None = None, year: int | None = None) -> dict[str, int]:
    """The basis value per North Jutland municipality code from an ERHV2 export or a two-column file.

    `file` is a pathlib.Path, bytes, the text itself (str) or a file object. `kind` ("workplaces"/"jobs") and `year` pick the
    unit and year when the export holds several."""
    rows = _rows(_read_text(file))
    if not rows:
        raise ValidationFailed(_("Filen er tom."), code="basis_empty")
    lookup = _municipality_lookup()
    header = [c.upper() for c in rows[0]]
    if "INDHOLD" in header:
        values, total_rows = _from_statbank(rows, header, lookup, kind, year)
    else:
        values, total_rows = _from_plain(rows, lookup)
    if not values:
        raise ValidationFailed(
            _(
                "Filen indeholder ingen tal for nordjyske kommuner. Forventet: en eksport af ERHV2 fra "
                "Statistikbanken (OMRÅDE;BRANCHE07;ENHED;TID;INDHOLD) eller to kolonner: kommune;antal."
            ),
            code="basis_no_values",
        )
    chosen = total_rows if total_rows else values
    result = {code: sum(nums) for code, nums in chosen.items()}
    names = dict(Municipality.objects.filter(in_region=True).values_list("code", "name"))
    missing = sorted(names[c] for c in names if c not in result)
    if missing:
        raise ValidationFailed(
            _("Filen mangler tal for disse nordjyske kommuner: %(names)s. Alle 11 kommuner skal være med.")
            % {"names": ", ".join(missing)},
            code="basis_missing_municipality",
            details={"missing": missing},
        )
    return {code: result[code] for code in sorted(result)}


def _from_statbank(rows, header, lookup, kind, year):
    def col(*prefixes: str) -> int | None:
        for i, name in enumerate(header):
            if any(name.startswith(p) for p in prefixes):
                return i
        return None

    i_area, i_branch, i_unit, i_time = col("OMR"), col("BRANCHE"), col("ENHED"), col("TID")
    i_value = header.index("INDHOLD")
    if i_area is None:
        raise ValidationFailed(_("Kolonnen OMRÅDE mangler i filen."), code="basis_no_area")
    body = [
        r for r in rows[1:] if len(r) > max(i for i in (i_area, i_branch, i_unit, i_time, i_value) if i is not None)
    ]
    unit = (
        _choose(
            {r[i_unit] for r in body},
            kind,
            _("enheder (ENHED)"),
            lambda v, k: (
                any(w in v.casefold() for w in UNIT_WORDS.get(k, (k,)))
                and not (k == "jobs" and "arbejdssted" in v.casefold())
            ),
        )
        if i_unit is not None
        else None
    )
    when = (
        _choose({r[i_time] for r in body}, str(year) if year else None, _("år (TID)"), lambda v, y: v.strip() == y)
        if i_time is not None
        else None
    )
    values: dict[str, list[int]] = defaultdict(list)
    total_rows: dict[str, list[int]] = defaultdict(list)
    bad = []
    for line_no, r in enumerate(body, start=2):
        if (unit is not None and r[i_unit] != unit) or (when is not None and r[i_time] != when):
            continue
        code = _match_municipality(r[i_area], lookup)
        if code is None:
            continue
        number = _number(r[i_value])
        if number is None:
            bad.append(line_no)
            continue
        values[code].append(number)
        if i_branch is not None and _is_total(r[i_branch]):
            total_rows[code].append(number)
    _reject_bad(bad)
    return values, total_rows


def _from_plain(rows, lookup):
    values: dict[str, list[int]] = defaultdict(list)
    total_rows: dict[str, list[int]] = defaultdict(list)
    bad = []
    for line_no, r in enumerate(rows, start=1):
        idx = next((i for i, c in enumerate(r) if _match_municipality(c, lookup)), None)
        if idx is None:
            continue
        code = _match_municipality(r[idx], lookup)
        rest = r[idx + 1 :]
        number = _number(rest[-1]) if rest else None
        if number is None:
            bad.append(line_no)
            continue
        values[code].append(number)
        if any(_is_total(c) for c in rest[:-1]):
            total_rows[code].append(number)
    _reject_bad(bad)
    return values, total_rows


def _reject_bad(bad: list[int]) -> None:
    if bad:
        raise ValidationFailed(
            _("Linje %(lines)s: tallet mangler eller er ikke et helt tal.") % {"lines": ", ".join(map(str, bad[:20]))},
            code="basis_bad_number",
            details={"lines": bad},
        )


def read_upload(upload: IO[bytes], max_bytes: int = 5_000_000) -> bytes:
    """The bytes of an uploaded file, refusing files too large to be a municipal table."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed(_("Filen er for stor (højst 5 MB)."), code="basis_too_large")
    return data
