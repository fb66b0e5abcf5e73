"""The competence guides as the matching engine sees them: programmes, task areas and their fit.

Read from `data/reference/education/study_programmes.json` and `task_areas.json` (format in
docs/matching.md). A programme's fit to a task area is a weight 0..1 on the programme; which levels fit a
task area follows from the programmes that fit it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = ("KVU", "MVU", "LVU")
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
EDUCATION_DIR = REFERENCE_DIR / "education"


@dataclass(frozen=True)
class TaskArea:
    slug: str
    name_da: str
    description_da: str = ""
    keywords_da: tuple[str, ...] = ()


@dataclass(frozen=True)
class Programme:
    slug: str
    name_da: str
    level: str | None
    institution: str = ""
    cities: tuple[str, ...] = ()
    competences_da: tuple[str, ...] = ()
    typical_tasks_da: tuple[str, ...] = ()
    task_areas: Mapping[str, float] = field(default_factory=dict)  # area slug -> weight 0..1

    @property
    def guide_text(self) -> str:
        """What the guide says graduates can do: name, competences and typical tasks."""
        return "\n".join([self.name_da, *self.competences_da, *self.typical_tasks_da])


@dataclass(frozen=True)
class VocabularyEntry:
    """Words companies write (a job title, a tool, an acronym; Danish and English variants) and the task areas
    and, where a title names one, the programmes they point to (weights 0..1)."""

    terms: tuple[str, ...]
    areas: Mapping[str, float] = field(default_factory=dict)
    programmes: Mapping[str, float] = field(default_factory=dict)
    kind: str = ""  # title | tool | acronym | term


@dataclass(frozen=True)
class CompetenceGuide:
    programmes: Mapping[str, Programme]  # slug -> programme, in file order
    task_areas: Mapping[str, TaskArea]  # slug -> task area, in file order
    vocabulary: tuple[VocabularyEntry, ...] = ()

    def __post_init__(self) -> None:
        for programme in self.programmes.values():
            if programme.level is not None and programme.level not in LEVELS:
                raise ValueError(f"programme {programme.slug}: unknown level {programme.level!r}")
            for area, weight in programme.task_areas.items():
                if area not in self.task_areas:
                    raise ValueError(f"programme {programme.slug}: unknown task area {area!r}")
                if not 0 <= weight <= 1:
                    raise ValueError(f"programme {programme.slug}: weight {weight} for {area} outside 0..1")
        for entry in self.vocabulary:
            if not entry.terms:
                raise ValueError("vocabulary entry without terms")
            known = [(entry.areas, self.task_areas, "task area"), (entry.programmes, self.programmes, "programme")]
            for weights, names, what in known:
                for slug in weights:
                    if slug not in names:
                        raise ValueError(f"vocabulary {entry.terms[0]!r}: unknown {what} {slug!r}")
            for slug, weight in (*entry.areas.items(), *entry.programmes.items()):
                if not 0 < weight <= 1:
                    raise ValueError(f"vocabulary {entry.terms[0]!r}: weight {weight} for {slug} outside 0..1")
            if not entry.areas and not entry.programmes:
                raise ValueError(f"vocabulary {entry.terms[0]!r}: points to no task area or programme")

    @classmethod
    def from_data(
        cls, programmes: Iterable[Mapping], task_areas: Iterable[Mapping], vocabulary: Iterable[Mapping] = ()
    ) -> CompetenceGuide:
        """From the parsed JSON lists (the "programmes", "task_areas" and "entries" members of the files)."""
        areas = {
            a["slug"]: TaskArea(
                slug=a["slug"],
                name_da=a["name_da"],
                description_da=a.get("description_da", ""),
                keywords_da=tuple(a.get("keywords_da", ())),
            )
            for a in task_areas
        }
        progs = {
            p["slug"]: Programme(
                slug=p["slug"],
                name_da=p["name_da"],
                level=p.get("level"),
                institution=p.get("institution", ""),
                cities=tuple(p.get("cities", ())),
                competences_da=tuple(p.get("competences_da", ())),
                typical_tasks_da=tuple(p.get("typical_tasks_da", ())),
                task_areas={t["area"]: float(t["weight"]) for t in p.get("task_areas", ())},
            )
            for p in programmes
        }
        vocab = tuple(
            VocabularyEntry(
                terms=tuple(v["terms"]),
                areas={k: float(w) for k, w in v.get("areas", {}).items()},
                programmes={k: float(w) for k, w in v.get("programmes", {}).items()},
                kind=v.get("kind", ""),
            )
            for v in vocabulary
        )
        return cls(programmes=progs, task_areas=areas, vocabulary=vocab)

    @classmethod
    def from_directory(cls, directory: Path | str = EDUCATION_DIR) -> CompetenceGuide:
        directory = Path(directory)
        programmes = json.loads((directory / "study_programmes.json").read_text(encoding="utf-8"))
        areas = json.loads((directory / "task_areas.json").read_text(encoding="utf-8"))
        vocabulary_file = directory / "vocabulary.json"
        vocabulary = []
        if vocabulary_file.exists():
            vocabulary = json.loads(vocabulary_file.read_text(encoding="utf-8"))["entries"]
        return cls.from_data(programmes["programmes"], areas["task_areas"], vocabulary)

    def texts(self) -> list[str]:
        """Every text of the guides (vocabulary for the compound splitter)."""
        out = [p.guide_text for p in self.programmes.values()]
        for area in self.task_areas.values():
            out.extend([area.name_da, area.description_da, *area.keywords_da])
        for entry in self.vocabulary:
            out.extend(entry.terms)
        return out


def load_match_type_names(path: Path | str = REFERENCE_DIR / "match_types.csv") -> dict[str, str]:
    """Match type code -> Danish name, from data/reference/match_types.csv (empty if the file is missing)."""
    path = Path(path)
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["code"]: row["name_da"] for row in csv.DictReader(f)}
