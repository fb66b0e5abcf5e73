"""The registry's reference rows: the match types (data/reference/match_types.csv) and the programme periods
with their targets and activity targets (programmes.json). Registered with
`reference.loader.load_reference_data` in apps.py (after the organisations, which the targets name)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from viaviden.organisations.models import Organisation
from viaviden.reference.loader import _csv, _json, _sync
from viaviden.reference.models import BasisDataset

from .models import ActivityTarget, MatchType, Programme
from .targets import targets_recompute


def load_match_types_and_programmes(data_dir: Path, stats: Counter) -> None:
    for r in _csv(data_dir / "match_types.csv"):
        _sync(MatchType, {"code": r["code"]}, {
            "name_da": r["name_da"], "name_en": r["name_en"], "group": r["group"], "order": int(r["order"]),
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
