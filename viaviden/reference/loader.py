"""Load the versioned reference data files (data/reference/) into the database, idempotently."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from .models import BasisDataset, BasisValue, EducationLevel, Industry, Municipality, PostalCode, SizeClass

DATA_DIR = Path(settings.BASE_DIR) / "data" / "reference"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sync(model, key: dict[str, Any], values: dict[str, Any], stats: Counter) -> Any:
    """Create or update one row; count only real changes so a second run reports nothing."""
    obj = model.objects.filter(**key).first()
    if obj is None:
        obj = model.objects.create(**key, **values)
        stats[f"{model._meta.model_name}.created"] += 1
        return obj
    changed = [f for f, v in values.items() if getattr(obj, f) != v]
    if changed:
        for f in changed:
            setattr(obj, f, values[f])
        obj.save(update_fields=changed)
        stats[f"{model._meta.model_name}.updated"] += 1
    return obj


@transaction.atomic
def load_reference_data(data_dir: Path = DATA_DIR) -> Counter:
    """Load every reference file; returns counts of created/updated rows (empty on a re-run)."""
    from viaviden.matches.models import ActivityTarget, MatchType, Programme
    from viaviden.matches.targets import targets_recompute
    from viaviden.organisations.models import Organisation, Service

    stats: Counter = Counter()
    for r in _csv(data_dir / "municipalities.csv"):
        _sync(Municipality, {"code": r["code"]}, {
            "name": r["name"], "seat": r["seat"], "in_region": True,
            "seat_lat": float(r["seat_lat"]), "seat_lon": float(r["seat_lon"]),
            "centroid_lat": float(r["centroid_lat"]), "centroid_lon": float(r["centroid_lon"]),
        }, stats)
    for r in _csv(data_dir / "postal_codes.csv"):
        for code in r["postal_codes"].split():
            _sync(PostalCode, {"code": code, "municipality_id": r["municipality_code"]}, {}, stats)
    for r in _csv(data_dir / "industries_db07.csv"):
        _sync(Industry, {"code": r["code"]}, {"name_da": r["name_da"], "name_en": r["name_en"]}, stats)
    for r in _csv(data_dir / "size_classes.csv"):
        _sync(SizeClass, {"code": r["code"]}, {
            "name_da": r["name_da"], "name_en": r["name_en"], "min_staff": int(r["min_staff"]),
            "max_staff": int(r["max_staff"]) if r["max_staff"] else None, "order": int(r["order"]),
        }, stats)
    for r in _csv(data_dir / "education_levels.csv"):
        _sync(EducationLevel, {"code": r["code"]}, {
            "name_da": r["name_da"], "name_en": r["name_en"], "description_da": r["description_da"],
            "order": int(r["order"]),
        }, stats)
    for r in _csv(data_dir / "match_types.csv"):
        _sync(MatchType, {"code": r["code"]}, {
            "name_da": r["name_da"], "name_en": r["name_en"], "group": r["group"], "order": int(r["order"]),
        }, stats)

    for d in _json(data_dir / "basis_datasets.json")["datasets"]:
        ds = _sync(BasisDataset, {"slug": d["slug"]}, {
            "kind": d["kind"], "label": d["label"], "source": d["source"], "year": d["year"],
        }, stats)
        for r in _csv(data_dir / d["file"]):
            _sync(BasisValue, {"dataset": ds, "municipality_id": r["municipality_code"]}, {"value": int(r["value"])}, stats)

    orgs = _json(data_dir / "organisations.json")["organisations"]
    for o in orgs:  # parents are listed before their children
        parent = Organisation.objects.get(slug=o["parent"]) if o.get("parent") else None
        _sync(Organisation, {"slug": o["slug"]}, {
            "name": o["name"], "short_name": o.get("short_name", ""), "kind": o["kind"], "parent": parent,
            "municipality_id": o.get("municipality"), "target_part": o["target_part"],
            "is_project_partner": o.get("is_project_partner", True),
        }, stats)
    for s in _json(data_dir / "services.json")["services"]:
        # Like the programme numbers below: once loaded, the services overview belongs to the
        # coordinators (edited in the UI), so a re-run only creates services that are missing.
        if Service.objects.filter(slug=s["slug"]).exists():
            continue
        _sync(Service, {"slug": s["slug"]}, {
            "organisation": Organisation.objects.get(slug=s["organisation"]), "name": s["name"],
            "description": s["description"], "contact": s["contact"],
            "serves_all_municipalities": s.get("serves_all_municipalities", True),
        }, stats)

    for p in _json(data_dir / "programmes.json")["programmes"]:
        existing = Programme.objects.filter(slug=p["slug"]).first()
        values = {
            "name": p["name"], "start_date": dt.date.fromisoformat(p["start_date"]),
            "end_date": dt.date.fromisoformat(p["end_date"]), "year_start_month": p["year_start_month"],
            "total_target": p["total_target"], "municipal_target": p["municipal_target"],
            "partner_target": p["partner_target"], "duplicate_window_days": p["duplicate_window_days"],
            "partner_split_note": p["partner_split"]["note"], "is_current": p["is_current"],
        }
        if existing is None:
            values["basis_dataset"] = BasisDataset.objects.get(slug=p["basis_dataset"])
        # Once loaded, the numbers belong to the coordinators (edited in the UI, audited): a re-run
        # of the loader only creates what is missing.
        programme = existing or _sync(Programme, {"slug": p["slug"]}, values, stats)
        if existing is None:
            programme.excluded_municipalities.set(p["excluded_municipalities"])
            targets_recompute(programme=programme, partner_weights=p["partner_split"]["weights"])
            stats["programme.targets_computed"] += 1
        for a in p["activity_targets"]:
            if ActivityTarget.objects.filter(programme=programme, code=a["code"]).exists():
                continue
            ActivityTarget.objects.create(
                programme=programme, code=a["code"],
                organisation=Organisation.objects.get(slug=a["organisation"]) if a["organisation"] else None,
                title_da=a["title_da"], title_en=a["title_en"], unit=a["unit"], value=a["value"],
                value_max=a.get("value_max"), match_activities=a.get("match_activities", []),
                match_type_group=a.get("match_type_group", ""), source=a["source"],
                measure=a.get("measure", "matches"), event_types=a.get("event_types", []),
                per_project_year=a.get("per_project_year", False), years=a.get("years", []),
            )
            stats["activitytarget.created"] += 1
    from viaviden.candidates.loader import load_education_data

    load_education_data(data_dir, stats, _json)
    from viaviden.vaekstpilot.loader import load_vaekstpilot_config

    load_vaekstpilot_config(data_dir, stats)
    return stats
