"""Reading a bourse from CSV files and writing an assignment to CSV. Errors are Danish, with file, line, column.

Input folder (UTF-8 with or without BOM; ',' or ';' as separator, found from the header line; column names are
case-insensitive; empty lines are skipped):

    cases.csv                 case_id,capacity            [optional: levels,programmes — allowed values, '|'-separated]
    preferences.csv           participant_id,size,rank,case_id   [optional: level,programme]
    company_preferences.csv   case_id,rank,participant_id        (optional file)
    vetoes.csv                case_id,participant_id             (optional file)
    locks.csv                 participant_id,case_id             (optional file: pairs staff fixed by hand)

Output: participant_id,case_id,rank — one line per participant in natural participant_id order, case_id and rank
empty for an unassigned participant. Written to a temporary file and renamed, so a failed run leaves nothing.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .model import Assignment, Case, Instance, Participant, instance_problems, natural_key

CASES = "cases.csv"
PREFERENCES = "preferences.csv"
COMPANY_PREFERENCES = "company_preferences.csv"
VETOES = "vetoes.csv"
LOCKS = "locks.csv"
LIST_SEPARATOR = "|"
MAX_PROBLEMS = 200

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # file: (required, optional)
    CASES: (("case_id", "capacity"), ("levels", "programmes")),
    PREFERENCES: (("participant_id", "size", "rank", "case_id"), ("level", "programme")),
    COMPANY_PREFERENCES: (("case_id", "rank", "participant_id"), ()),
    VETOES: (("case_id", "participant_id"), ()),
    LOCKS: (("participant_id", "case_id"), ()),
}


@dataclass(frozen=True)
class InputProblem:
    """One error in the input: `line` 0 means the file as a whole; `column` may be None."""

    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", linje {self.line}"
        if self.column:
            where += f", kolonne {self.column}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """The input files cannot be used; `problems` lists every error found (file, line, column, Danish text)."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        super().__init__(self.text())

    def text(self) -> str:
        head = f"Inputtet har {len(self.problems)} fejl, og der er ikke lavet nogen fordeling:"
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"… og {len(self.problems) - MAX_PROBLEMS} fejl mere.")
        return "\n".join([head, *(f"  {line}" for line in lines)])


class _Problems(list):
    def add(self, file: str, line: int, column: str | None, message: str) -> None:
        self.append(InputProblem(file, line, column, message))


def _rows(folder: Path, name: str, problems: _Problems, *, required: bool) -> list[tuple[int, dict[str, str]]] | None:
    """The data rows of one file as (line number, {column: stripped value}); None if the file is missing or its
    header is unusable. Problems are collected, not raised."""
    rows: list[tuple[int, dict[str, str]]] = []
    path = folder / name
    if not path.is_file():
        if required:
            problems.add(name, 0, None, f"Filen mangler i mappen {folder}.")
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(
            name, line, None, "Filen er ikke gyldig UTF-8 (måske gemt som ANSI/Windows-1252). Gem den som »CSV UTF-8«."
        )
        return None
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    wanted, optional = COLUMNS[name]
    allowed = wanted + optional
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        if header is None:
            problems.add(name, 0, None, f"Filen er tom; første linje skal være overskriften {','.join(wanted)}.")
            return None
        header_line = reader.line_num
        names = [h.strip().lower() for h in header]
        bad = False
        for i, col in enumerate(names):
            if not col:
                problems.add(name, header_line, f"nr. {i + 1}", "Kolonnen har ingen overskrift.")
                bad = True
            elif col not in allowed:
                problems.add(name, header_line, col, f"Ukendt kolonne. Tilladte kolonner: {', '.join(allowed)}.")
                bad = True
            elif names.index(col) != i:
                problems.add(name, header_line, col, "Kolonnen findes to gange i overskriften.")
                bad = True
        for col in wanted:
            if col not in names:
                problems.add(
                    name, header_line, col, f"Den påkrævede kolonne mangler. Overskriften skal være {','.join(wanted)}."
                )
                bad = True
        if bad:
            return None
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if len(record) > len(names):
                problems.add(
                    name,
                    reader.line_num,
                    None,
                    f"Linjen har {len(record)} felter, men overskriften har {len(names)}. "
                    f"Står der et '{delimiter}' i et felt, skal feltet i anførselstegn.",
                )
                continue
            values = [field.strip() for field in record] + [""] * (len(names) - len(record))
            rows.append((reader.line_num, dict(zip(names, values, strict=True))))
    except csv.Error as exc:
        problems.add(name, reader.line_num, None, f"Filen kan ikke læses som CSV: {exc}.")
    return rows


def _int(value: str, minimum: int) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number >= minimum else None


def _need(problems: _Problems, name: str, line: int, row: dict[str, str], column: str, what: str) -> str | None:
    value = row.get(column, "")
    if not value:
        problems.add(name, line, column, f"Feltet er tomt; angiv {what}.")
        return None
    return value


def read_instance(folder: str | os.PathLike[str]) -> Instance:
    """Read a bourse from `folder` (see the module docstring); raises InputError listing every problem."""
    folder = Path(folder)
    problems = _Problems()
    if not folder.is_dir():
        raise InputError([InputProblem(str(folder), 0, None, "Mappen findes ikke.")])

    # cases.csv
    cases: dict[str, Case] = {}
    case_line: dict[str, int] = {}
    case_rows = _rows(folder, CASES, problems, required=True)
    cases_read = case_rows is not None
    for line, row in case_rows or ():
        cid = _need(problems, CASES, line, row, "case_id", "casens id")
        cap_text = _need(problems, CASES, line, row, "capacity", "antal pladser (studerende)")
        capacity = None
        if cap_text is not None:
            capacity = _int(cap_text, 0)
            if capacity is None:
                problems.add(
                    CASES, line, "capacity", f"»{cap_text}« er ikke et gyldigt antal; skriv et helt tal ≥ 0 (pladser)."
                )
        if cid is None:
            continue
        if cid in case_line:
            problems.add(CASES, line, "case_id", f"Casen »{cid}« står allerede på linje {case_line[cid]}.")
            continue
        case_line[cid] = line
        if capacity is not None:
            cases[cid] = Case(
                cid,
                capacity,
                levels=_split(row.get("levels", "")),
                programmes=_split(row.get("programmes", "")),
            )

    # preferences.csv
    sizes: dict[str, tuple[int, int]] = {}  # participant -> (size, line)
    attrs: dict[str, dict[str, tuple[str, int]]] = {}
    ranked: dict[str, dict[int, tuple[str, int]]] = {}  # participant -> rank -> (case, line)
    first_line: dict[str, int] = {}
    pref_rows = _rows(folder, PREFERENCES, problems, required=True)
    prefs_read = pref_rows is not None
    for line, row in pref_rows or ():
        pid = _need(problems, PREFERENCES, line, row, "participant_id", "deltagerens id")
        size_text = _need(problems, PREFERENCES, line, row, "size", "antal studerende (1 for en enkelt deltager)")
        size = None
        if size_text is not None:
            size = _int(size_text, 1)
            if size is None:
                problems.add(
                    PREFERENCES,
                    line,
                    "size",
                    f"»{size_text}« er ikke en gyldig størrelse; skriv antal studerende som et helt tal ≥ 1.",
                )
        rank_text, cid = row.get("rank", ""), row.get("case_id", "")
        if pid is None:
            continue
        first_line.setdefault(pid, line)
        ranked.setdefault(pid, {})
        if size is not None:
            if pid in sizes and sizes[pid][0] != size:
                problems.add(
                    PREFERENCES,
                    line,
                    "size",
                    f"Deltager »{pid}« har størrelse {sizes[pid][0]} på linje {sizes[pid][1]}, men {size} her; "
                    "størrelsen skal være den samme på alle deltagerens linjer.",
                )
            sizes.setdefault(pid, (size, line))
        for col in ("level", "programme"):
            value = row.get(col, "")
            if not value:
                continue
            seen = attrs.setdefault(pid, {}).get(col)
            if seen and seen[0] != value:
                problems.add(
                    PREFERENCES,
                    line,
                    col,
                    f"Deltager »{pid}« har »{seen[0]}« på linje {seen[1]}, men »{value}« her; "
                    "værdien skal være den samme på alle deltagerens linjer.",
                )
            attrs[pid].setdefault(col, (value, line))
        if not rank_text and not cid:
            continue  # a participant registered without any ranked case
        rank = _int(rank_text, 1) if rank_text else None
        if rank is None:
            problems.add(
                PREFERENCES,
                line,
                "rank",
                "Feltet er tomt; angiv rangen (1 er bedst)."
                if not rank_text
                else f"»{rank_text}« er ikke en gyldig rang; skriv et helt tal ≥ 1 (1 er bedst).",
            )
        if not cid:
            problems.add(PREFERENCES, line, "case_id", "Feltet er tomt; angiv casens id.")
            continue
        if cases_read and cid not in case_line:
            problems.add(PREFERENCES, line, "case_id", f"Casen »{cid}« findes ikke i {CASES}.")
            continue
        same_case = [r for r, (c, _) in ranked[pid].items() if c == cid]
        if same_case:
            problems.add(
                PREFERENCES,
                line,
                "case_id",
                f"Deltager »{pid}« har allerede prioriteret casen »{cid}« (linje {ranked[pid][same_case[0]][1]}).",
            )
            continue
        if rank is None:
            continue
        if rank in ranked[pid]:
            problems.add(
                PREFERENCES,
                line,
                "rank",
                f"Deltager »{pid}« har allerede rang {rank} (linje {ranked[pid][rank][1]}); "
                "hver rang må kun bruges én gang pr. deltager.",
            )
            continue
        ranked[pid][rank] = (cid, line)
    for pid, by_rank in ranked.items():
        if by_rank and sorted(by_rank) != list(range(1, len(by_rank) + 1)):
            missing = min(set(range(1, max(by_rank) + 1)) - set(by_rank))
            problems.add(
                PREFERENCES,
                first_line[pid],
                "rank",
                f"Deltager »{pid}«: rangerne skal være 1, 2, 3, … uden huller; rang {missing} mangler.",
            )
    participants = {
        pid: Participant(
            pid,
            sizes[pid][0],
            tuple(by_rank[r][0] for r in sorted(by_rank)),
            level=attrs.get(pid, {}).get("level", ("", 0))[0],
            programme=attrs.get(pid, {}).get("programme", ("", 0))[0],
        )
        for pid, by_rank in ranked.items()
        if pid in sizes
    }
    known_participants = set(ranked)

    def check_ids(name: str, line: int, row: dict[str, str]) -> tuple[str | None, str | None]:
        cid = _need(problems, name, line, row, "case_id", "casens id")
        pid = _need(problems, name, line, row, "participant_id", "deltagerens id")
        if cid is not None and cases_read and cid not in case_line:
            problems.add(name, line, "case_id", f"Casen »{cid}« findes ikke i {CASES}.")
            cid = None
        if pid is not None and prefs_read and pid not in known_participants:
            problems.add(name, line, "participant_id", f"Deltageren »{pid}« findes ikke i {PREFERENCES}.")
            pid = None
        return cid, pid

    # company_preferences.csv
    company: dict[str, dict[int, tuple[str, int]]] = {}
    company_seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(folder, COMPANY_PREFERENCES, problems, required=False) or ():
        cid, pid = check_ids(COMPANY_PREFERENCES, line, row)
        rank_text = _need(problems, COMPANY_PREFERENCES, line, row, "rank", "rangen (1 er bedst)")
        rank = None if rank_text is None else _int(rank_text, 1)
        if rank_text is not None and rank is None:
            problems.add(
                COMPANY_PREFERENCES, line, "rank", f"»{rank_text}« er ikke en gyldig rang; skriv et helt tal ≥ 1."
            )
        if cid is None or pid is None or rank is None:
            continue
        if (cid, pid) in company_seen:
            problems.add(
                COMPANY_PREFERENCES,
                line,
                "participant_id",
                f"Casen »{cid}« har allerede rangeret deltager »{pid}« (linje {company_seen[cid, pid]}).",
            )
            continue
        if rank in company.setdefault(cid, {}):
            problems.add(
                COMPANY_PREFERENCES,
                line,
                "rank",
                f"Casen »{cid}« har allerede rang {rank} (linje {company[cid][rank][1]}); "
                "hver rang må kun bruges én gang pr. case.",
            )
            continue
        company[cid][rank] = (pid, line)
        company_seen[cid, pid] = line
    company_prefs = {cid: tuple(by_rank[r][0] for r in sorted(by_rank)) for cid, by_rank in company.items()}

    # vetoes.csv (a repeated line is harmless and ignored)
    vetoes: set[tuple[str, str]] = set()
    for line, row in _rows(folder, VETOES, problems, required=False) or ():
        cid, pid = check_ids(VETOES, line, row)
        if cid is not None and pid is not None:
            vetoes.add((cid, pid))

    # locks.csv
    locks: dict[str, str] = {}
    lock_line: dict[str, int] = {}
    for line, row in _rows(folder, LOCKS, problems, required=False) or ():
        cid, pid = check_ids(LOCKS, line, row)
        if cid is None or pid is None:
            continue
        if pid in locks:
            problems.add(LOCKS, line, "participant_id", f"Deltager »{pid}« er allerede låst (linje {lock_line[pid]}).")
            continue
        locks[pid], lock_line[pid] = cid, line

    if problems:
        raise InputError(list(problems))
    # What only the whole instance can show (locks that break vetoes, requirements or capacity).
    for problem in instance_problems(cases, participants, company_prefs, frozenset(vetoes), locks):
        line = lock_line.get(problem.participant_id or "", 0)
        problems.add(LOCKS if problem.kind.startswith("lock") else str(folder), line, None, problem.message)
    if problems:
        raise InputError(list(problems))
    return Instance(cases, participants, company_prefs, frozenset(vetoes), locks)


def _split(value: str) -> frozenset[str] | None:
    items = frozenset(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip())
    return items or None


def write_instance(folder: str | os.PathLike[str], instance: Instance) -> None:
    """Write `instance` as the input files `read_instance` reads (e.g. to run the command on a bourse from
    the database). Optional files are written only when they have content."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    requirements = any(c.levels or c.programmes for c in instance.cases.values())
    attributes = any(p.level or p.programme for p in instance.participants.values())

    def joined(values: frozenset[str] | None) -> str:
        return LIST_SEPARATOR.join(sorted(values or ()))

    case_rows = [
        [c.id, str(c.capacity), *([joined(c.levels), joined(c.programmes)] if requirements else [])]
        for c in instance.cases.values()
    ]
    _write_csv(folder / CASES, ["case_id", "capacity", *(["levels", "programmes"] if requirements else [])], case_rows)
    pref_rows = []
    for pid in instance.participant_order:
        p = instance.participants[pid]
        extra = [p.level or "", p.programme or ""] if attributes else []
        pref_rows += [[pid, str(p.size), str(r), cid, *extra] for r, cid in enumerate(p.ranking, start=1)]
        if not p.ranking:
            pref_rows.append([pid, str(p.size), "", "", *extra])
    pref_header = ["participant_id", "size", "rank", "case_id", *(["level", "programme"] if attributes else [])]
    _write_csv(folder / PREFERENCES, pref_header, pref_rows)
    optional = {
        COMPANY_PREFERENCES: (
            ["case_id", "rank", "participant_id"],
            [[cid, str(r), pid] for cid, ranked in instance.company_prefs.items() for r, pid in enumerate(ranked, 1)],
        ),
        VETOES: (["case_id", "participant_id"], [list(pair) for pair in sorted(instance.vetoes)]),
        LOCKS: (["participant_id", "case_id"], [[pid, cid] for pid, cid in instance.locks.items()]),
    }
    for name, (header, rows) in optional.items():
        if rows:
            _write_csv(folder / name, header, rows)
        else:
            (folder / name).unlink(missing_ok=True)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_assignment(path: str | os.PathLike[str], result: Assignment) -> None:
    """Write `participant_id,case_id,rank` (UTF-8, header, one line per participant in natural id order; empty
    case_id and rank when unassigned). Atomic: written beside the target, then renamed."""
    path = Path(path)
    rows = [
        (pid, cid, "" if result.ranks.get(pid) is None else str(result.ranks[pid]))
        for pid, cid in result.placement.items()
    ]
    rows += [(u.participant_id, "", "") for u in result.unassigned]
    rows.sort(key=lambda r: natural_key(r[0]))
    _write_csv(path, ["participant_id", "case_id", "rank"], [list(r) for r in rows])
