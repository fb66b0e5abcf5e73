"""Command line: `main(argv)` behind `python manage.py assign_bourse --input DIR --mode stable|optimal --output FILE`.

Exit codes: 0 done (output written; blocking pairs in stable mode with groups are reported, not an error);
2 bad arguments or input files (Danish errors with file, line and column; no output file is written);
1 the verifier found a broken hard rule in the solver's result (a bug; no output file is written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from . import solve
from .io import InputError, read_instance, write_assignment
from .model import MODE_NAMES, MODES, Assignment, Instance
from .optimal import DEFAULT_TIME_LIMIT

EXIT_OK, EXIT_INVALID_RESULT, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assign_bourse",
        description="Fordel deltagere (studerende og grupper) på børscases. Filformater: docs/assignment.md.",
    )
    parser.add_argument("--input", required=True, metavar="MAPPE", help="mappe med cases.csv, preferences.csv mv.")
    parser.add_argument("--mode", required=True, choices=MODES, help="stable: stabil; optimal: maksimal velfærd")
    parser.add_argument("--output", required=True, metavar="FIL", help="CSV: participant_id,case_id,rank")
    parser.add_argument("--json", action="store_true", help="skriv resultatet som JSON i stedet for tekst")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        metavar="SEK",
        help=f"tidsgrænse for optimal (standard {DEFAULT_TIME_LIMIT:.0f} s)",
    )
    return parser


def _num(value: float, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def summary_text(instance: Instance, result: Assignment) -> str:
    """The Danish summary printed by the command (and usable by the UI)."""
    groups = sum(1 for p in instance.participants.values() if p.size > 1)
    lines = [
        f"Børsfordeling: {MODE_NAMES[result.mode]}",
        f"Cases: {len(instance.cases)} med {instance.total_capacity} pladser i alt. Deltagere: "
        f"{result.total_participants} ({result.total_participants - groups} enkeltpersoner, {groups} grupper), "
        f"{result.total_students} studerende."
        + (f" Låste placeringer: {len(instance.locks)}." if instance.locks else ""),
        f"Placeret: {result.seated_participants} af {result.total_participants} deltagere, "
        f"{result.seated_students} af {result.total_students} studerende.",
    ]
    if result.mean_rank is not None:
        lines.append(
            f"Samlet rang: {result.total_rank} (gennemsnit {_num(result.mean_rank)} pr. placeret studerende; "
            "1 er bedst)."
        )
    lines.append(f"Beregning: {result.solver_info}, {_num(result.seconds * 1000, 1)} ms.")
    if result.rank_distribution:
        lines.append("Rangfordeling:")
        for i, (n, students) in enumerate(
            zip(result.rank_distribution, result.rank_distribution_students, strict=True), start=1
        ):
            lines.append(f"  {i}. prioritet: {n} deltagere ({students} studerende)")
    if result.unassigned:
        lines.append(f"Ikke placeret ({len(result.unassigned)}):")
        for u in result.unassigned:
            who = f"{u.participant_id} (gruppe på {u.size})" if u.size > 1 else u.participant_id
            lines.append(f"  {who}: {u.text}")
    else:
        lines.append("Alle deltagere er placeret.")
    verdict = result.verdict
    if verdict is not None:
        lines.append(f"Verifikation: {verdict.summary}")
        lines.extend(f"  {v.message}" for v in verdict.violations)
        lines.extend(f"  Blokerende par: {b.message}" for b in verdict.blocking_pairs)
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command; returns the exit code (0, 1 or 2, see the module docstring)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message
        return EXIT_INPUT if exc.code else EXIT_OK
    output = Path(args.output)

    def fail(code: int, text: str, errors: list[dict]) -> int:
        err.write(text + "\n")
        if args.json:
            out.write(json.dumps({"ok": False, "errors": errors}, ensure_ascii=False) + "\n")
        return code

    if not output.parent.is_dir():
        text = f"Mappen til outputfilen findes ikke: {output.parent}"
        return fail(EXIT_INPUT, text, [{"file": str(output), "line": 0, "column": None, "message": text}])
    try:
        instance = read_instance(args.input)
    except InputError as exc:
        return fail(
            EXIT_INPUT,
            exc.text(),
            [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems],
        )
    result = solve(instance, args.mode, time_limit=args.time_limit)
    assert result.verdict is not None
    if not result.verdict.feasible:
        return fail(
            EXIT_INVALID_RESULT,
            summary_text(instance, result) + "\nFordelingen bryder en hård regel; der er ikke skrevet nogen fil.",
            [v.__dict__ for v in result.verdict.violations],
        )
    write_assignment(output, result)
    if args.json:
        out.write(json.dumps({"ok": True, "output": str(output), **result.as_dict()}, ensure_ascii=False) + "\n")
    else:
        out.write(summary_text(instance, result) + f"\nFordelingen er skrevet til {output}.\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
