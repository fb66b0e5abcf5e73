"""Load the competence guides (study programmes, task areas, their fit) and the travel-time matrix
from data/reference/education/, idempotently. Guides a coordinator edited in the UI are left alone."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from viaviden.reference.models import EducationLevel, Municipality, TravelTime

from .models import ProgrammeTaskArea, StudyProgramme, TaskArea


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def load_education_data(data_dir: Path, stats: Counter, read_json) -> None:
    """Called by reference.loader.load_reference_data inside its transaction."""
    folder = data_dir / "education"
    if not folder.exists():
        return
    areas: dict[str, TaskArea] = {a.slug: a for a in TaskArea.objects.all()}
    for a in read_json(folder / "task_areas.json")["task_areas"]:
        values = {"name_da": a["name_da"], "description_da": a.get("description_da", ""),
                  "keywords_da": a.get("keywords_da", [])}
        area = areas.get(a["slug"])
        if area is None:
            areas[a["slug"]] = TaskArea.objects.create(slug=a["slug"], **values)
            stats["taskarea.created"] += 1
        elif not area.edited_in_ui and any(getattr(area, k) != v for k, v in values.items()):
            TaskArea.objects.filter(pk=area.pk).update(**values)
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
