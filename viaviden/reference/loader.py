"""Load the versioned reference data files (data/reference/) into the database, idempotently."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
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


# The domain apps that own reference rows (organisations, match types and programmes, the competence guides,
# the Vækstpilot rules) register their loaders in their AppConfig.ready(), so this module stays below them.
# They run after the rows of this app, by `order`: organisations (10) before programmes (20) before the rest.
Loader = Callable[[Path, Counter], None]
_LOADERS: list[tuple[int, str, Loader]] = []


def register_reference_loader(order: int, name: str, loader: Loader) -> None:
    """Add a domain app's loader to `load_reference_data` (once per name)."""
    if all(n != name for _o, n, _l in _LOADERS):
        _LOADERS.append((order, name, loader))


@transaction.atomic
def load_reference_data(data_dir: Path = DATA_DIR) -> Counter:
    """Load every reference file (this app's, then the registered domain loaders'); returns counts of
    created/updated rows (empty on a re-run)."""
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
    for d in _json(data_dir / "basis_datasets.json")["datasets"]:
        ds = _sync(BasisDataset, {"slug": d["slug"]}, {
            "kind": d["kind"], "label": d["label"], "source": d["source"], "year": d["year"],
        }, stats)
        for r in _csv(data_dir / d["file"]):
            _sync(BasisValue, {"dataset": ds, "municipality_id": r["municipality_code"]}, {"value": int(r["value"])}, stats)

    for _order, _name, loader in sorted(_LOADERS):
        loader(data_dir, stats)
    return stats
