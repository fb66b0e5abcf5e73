"""The organisations' reference rows: partners and their units (data/reference/organisations.json) and the
services overview (services.json). Registered with `reference.loader.load_reference_data` in apps.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from viaviden.reference.loader import _json, _sync

from .models import Organisation, Service


def load_organisations(data_dir: Path, stats: Counter) -> None:
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
