"""Travel times between municipalities and the reachability rule.

    travel = TravelTimes.from_csv()                      # data/reference/education/travel_times.csv
    travel.minutes("851", "787")                         # Aalborg -> Thisted, e.g. 85.0
    is_reachable(85.0, max_travel_minutes=90, willing_to_move=False)   # True

The rule (the same in both directions of matching): a workplace is reachable for a candidate when the
travel time is at most the candidate's maximum (no maximum = any distance), or the candidate is willing to
move. When the time is unknown (no home municipality, no workplace municipality, or a municipality outside
the table) the candidate is not excluded; the reasons say that the travel time is unknown. Within reach
there is no distance penalty: a company in Thisted ranks like one in Aalborg for a candidate who accepts
the trip.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from .guides import EDUCATION_DIR, REFERENCE_DIR

UNKNOWN = -1.0  # travel time not known: never excludes


def is_reachable(minutes: float | None, max_travel_minutes: int | None, willing_to_move: bool) -> bool:
    if minutes is None or minutes < 0 or max_travel_minutes is None or willing_to_move:
        return True
    return minutes <= max_travel_minutes


class TravelTimes:
    """A symmetric matrix of travel minutes between municipalities (by official code, as strings)."""

    def __init__(self, codes: Iterable[str], matrix: np.ndarray, names: Mapping[str, str] | None = None):
        self.codes: tuple[str, ...] = tuple(str(c) for c in codes)
        self.index = {c: i for i, c in enumerate(self.codes)}
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.shape != (len(self.codes), len(self.codes)):
            raise ValueError(f"travel matrix shape {matrix.shape} does not fit {len(self.codes)} codes")
        # One extra row and column for "unknown municipality": UNKNOWN, so it never excludes.
        size = len(self.codes) + 1
        self.matrix = np.full((size, size), UNKNOWN, dtype=np.float32)
        self.matrix[: size - 1, : size - 1] = matrix
        self.names: dict[str, str] = dict(names or {})

    @property
    def unknown_index(self) -> int:
        return len(self.codes)

    def index_of(self, code: str | None) -> int:
        """Row of a municipality code; unknown_index for None or a code outside the table."""
        if code is None:
            return self.unknown_index
        return self.index.get(str(code), self.unknown_index)

    def minutes(self, from_code: str | None, to_code: str | None) -> float | None:
        value = float(self.matrix[self.index_of(from_code), self.index_of(to_code)])
        return None if value < 0 else value

    def name(self, code: str | None) -> str:
        return self.names.get(str(code), str(code)) if code is not None else ""

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, float]], names: Mapping[str, str] | None = None) -> TravelTimes:
        """From (from_code, to_code, minutes) rows; one direction is enough (the matrix is made symmetric),
        the diagonal is 0, pairs not given stay unknown."""
        rows = [(str(a), str(b), float(m)) for a, b, m in rows]
        codes = sorted({c for a, b, _ in rows for c in (a, b)})
        index = {c: i for i, c in enumerate(codes)}
        matrix = np.full((len(codes), len(codes)), UNKNOWN, dtype=np.float32)
        np.fill_diagonal(matrix, 0.0)
        for a, b, m in rows:
            if m < 0:
                raise ValueError(f"negative travel time {a}->{b}")
            matrix[index[a], index[b]] = m
            if matrix[index[b], index[a]] < 0:
                matrix[index[b], index[a]] = m
        return cls(codes, matrix, names)

    @classmethod
    def from_csv(
        cls,
        path: Path | str = EDUCATION_DIR / "travel_times.csv",
        municipalities: Path | str | None = REFERENCE_DIR / "municipalities.csv",
    ) -> TravelTimes:
        """From `from_code,to_code,minutes` (lines starting with # are comments); names of the
        municipalities from data/reference/municipalities.csv when it exists."""
        with Path(path).open(encoding="utf-8") as f:
            lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
        rows = [(r["from_code"], r["to_code"], float(r["minutes"])) for r in csv.DictReader(lines)]
        names: dict[str, str] = {}
        if municipalities is not None and Path(municipalities).exists():
            with Path(municipalities).open(encoding="utf-8") as f:
                names = {r["code"]: r["name"] for r in csv.DictReader(f)}
        return cls.from_rows(rows, names)

    @classmethod
    def empty(cls) -> TravelTimes:
        """No table: every travel time unknown (nobody is excluded by geography)."""
        return cls((), np.zeros((0, 0), dtype=np.float32))
