"""Load the competence guides (study programmes, task areas, their fit) and the travel-time matrix
from data/reference/education/, idempotently. Guides a coordinator edited in the UI are left alone."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from viaviden.reference.models import EducationLevel, Municipality, TravelTime

from .models import ProgrammeTaskArea, StudyProgramme, TaskArea, VocabularyEntry


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def load_vocabulary(folder: Path, stats: Counter, read_json) -> None:
    """The vocabulary (job titles, tools, acronyms → task areas and programmes): entries of the file are created
    or updated, entries the file no longer has are deleted; entries a coordinator edited are left alone."""
    path = folder / "vocabulary.json"
    if not path.exists():
        return
    current = {v.key: v for v in VocabularyEntry.objects.all()}
    seen: set[str] = set()
    for entry in read_json(path)["entries"]:
        key = " ".join(entry["terms"][0].lower().split())
        if key in seen:
            continue
        seen.add(key)
        values = {"kind": entry.get("kind", "term"), "terms_da": entry["terms"], "areas": entry.get("areas", {}),
                  "programmes": entry.get("programmes", {})}
        row = current.get(key)
        if row is None:
            VocabularyEntry.objects.create(key=key, **values)
            stats["vocabularyentry.created"] += 1
        elif not row.edited_in_ui and any(getattr(row, k) != v for k, v in values.items()):
            VocabularyEntry.objects.filter(pk=row.pk).update(**values)
            stats["vocabularyentry.updated"] += 1
    stale = [v.pk for k, v in current.items() if k not in seen and not v.edited_in_ui]
    if stale:
        VocabularyEntry.objects.filter(pk__in=stale).delete()
        stats["vocabularyentry.deleted"] += len(stale)


def load_education_data(data_dir: Path, stats: Counter, read_json) -> None:
    """Called by reference.loader.load_reference_data inside its transaction."""
    folder = data_dir / "education"
    if not folder.exists():
        return
    areas: dict[str, TaskArea] = {a.slug: a for a in TaskArea.objects.all()}
    for a in read_json(folder / "task_areas.json")["task_areas"]:
        values = {"name_da": a["name_da"], "name_en": a.get("name_en", ""), "description_da": a.get("description_da", ""),
                  "keywords_da": a.get("keywords_da", [])}
        area = areas.get(a["slug"])
        if area is None:
            areas[a["slug"]] = TaskArea.objects.create(slug=a["slug"], **values)
            stats["taskarea.created"] += 1
        elif not area.edited_in_ui and any(getattr(area, k) != v for k, v in values.items()):
            TaskArea.objects.filter(pk=area.pk).update(**values)
            stats["taskarea.updated"] += 1
        elif area.edited_in_ui and not area.name_en and values["name_en"]:
            # A coordinator's edit keeps its Danish texts; the English name of the file fills the gap.
            TaskArea.objects.filter(pk=area.pk).update(name_en=values["name_en"])
            stats["taskarea.updated"] += 1

    levels = {lv.code: lv for lv in EducationLevel.objects.all()}
    programmes = {p.slug: p for p in StudyProgramme.objects.all()}
    for p in read_json(folder / "study_programmes.json")["programmes"]:
        values = {
            "name_da": p["name_da"], "institution": p["institution"], "level": levels[p["level"]],
            "degree_da": p.get("degree_da", ""), "area_da": p.get("area_da", ""), "cities": p.get("cities", []),
            "ects": p.get("ects"), "competences_da": p.get("competences_da", []),
            "typical_tasks_da": p.get("typical_tasks_da", []), "source_url": p.get("source_url", ""),
            "source_year": p.get("source_year"),
        }
        programme = programmes.get(p["slug"])
        if programme is None:
            programme = StudyProgramme.objects.create(slug=p["slug"], **values)
            stats["studyprogramme.created"] += 1
        elif programme.edited_in_ui:
            continue
        elif any(getattr(programme, k) != v for k, v in values.items()):
            StudyProgramme.objects.filter(pk=programme.pk).update(**values)
            stats["studyprogramme.updated"] += 1
        wanted = {f["area"]: float(f["weight"]) for f in p.get("task_areas", [])}
        current = {f.task_area.slug: f for f in programme.area_fits.select_related("task_area")}
        for slug, weight in wanted.items():
            fit = current.get(slug)
            if fit is None:
                ProgrammeTaskArea.objects.create(programme=programme, task_area=areas[slug], weight=weight)
                stats["programmetaskarea.created"] += 1
            elif fit.weight != weight:
                ProgrammeTaskArea.objects.filter(pk=fit.pk).update(weight=weight)
                stats["programmetaskarea.updated"] += 1
        stale = [f.pk for slug, f in current.items() if slug not in wanted]
        if stale:
            ProgrammeTaskArea.objects.filter(pk__in=stale).delete()
            stats["programmetaskarea.deleted"] += len(stale)
    load_vocabulary(folder, stats, read_json)

    known = set(Municipality.objects.values_list("code", flat=True))
    existing = {(t.origin_id, t.destination_id): t for t in TravelTime.objects.all()}
    for r in _rows(folder / "travel_times.csv"):
        key = (r["from_code"], r["to_code"])
        if key[0] not in known or key[1] not in known:
            continue
        minutes = int(r["minutes"])
        travel = existing.get(key)
        if travel is None:
            TravelTime.objects.create(origin_id=key[0], destination_id=key[1], minutes=minutes)
            stats["traveltime.created"] += 1
        elif travel.minutes != minutes:
            TravelTime.objects.filter(pk=travel.pk).update(minutes=minutes)
            stats["traveltime.updated"] += 1
