"""Load the Vækstpilot scheme rules from data/reference/vaekstpilot.json (called by load_reference_data).

A rule edited in the UI (`edited_in_ui`) belongs to the coordinators and the lead partner: the loader
never overwrites it. Otherwise the file wins, so a corrected file reaches every installation; a re-run
with an unchanged file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import transaction

from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel, Municipality

from .models import SchemeRule

FILE_NAME = "vaekstpilot.json"

SCALAR_FIELDS = (
    "name", "subsidy_share_percent", "monthly_cap_ore", "months", "internship_weeks", "internship_required",
    "wage_subsidy_months", "private_only", "pilots_per_year", "pilots_per_year_max", "budget_per_pilot_ore",
    "overhead_per_pilot_ore", "deb_share_max_percent", "budget_scenarios", "continuing_target_percent",
    "follow_up_months", "report_due_days",
)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def load_vaekstpilot_config(data_dir: Path, stats: Counter | None = None) -> Counter:
    """Create or update the scheme rules from the file; returns the counts (empty on a re-run)."""
    stats = Counter() if stats is None else stats
    path = Path(data_dir) / FILE_NAME
    if not path.exists():
        return stats
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for r in data["rules"]:
        values: dict[str, Any] = {f: r[f] for f in SCALAR_FIELDS if f in r}
        values["valid_from"] = _date(r["valid_from"])
        values["valid_to"] = _date(r.get("valid_to"))
        values["lead_organisation"] = Organisation.objects.get(slug=r["lead_organisation"])
        values["source"] = r.get("source") or data["source"]
        values["source_year"] = r.get("source_year") or data["year"]
        levels = list(EducationLevel.objects.filter(code__in=r["education_levels"]).order_by("code"))
        municipalities = list(Municipality.objects.filter(code__in=r["municipalities"]).order_by("code"))
        if len(levels) != len(set(r["education_levels"])) or len(municipalities) != len(set(r["municipalities"])):
            raise ValueError(f"{FILE_NAME}: unknown education level or municipality in rule {r['slug']}")

        rule = SchemeRule.objects.filter(slug=r["slug"]).first()
        if rule is None:
            rule = SchemeRule(slug=r["slug"], **values)
            rule.full_clean(exclude=["education_levels", "municipalities"])
            rule.save()
            rule.education_levels.set(levels)
            rule.municipalities.set(municipalities)
            stats["schemerule.created"] += 1
            continue
        if rule.edited_in_ui:
            continue
        changed = [f for f, v in values.items() if getattr(rule, f) != v]
        if changed:
            for f in changed:
                setattr(rule, f, values[f])
            rule.full_clean(exclude=["education_levels", "municipalities"])
            rule.save(update_fields=[*changed, "updated_at"])
        if {lv.pk for lv in rule.education_levels.all()} != {lv.pk for lv in levels}:
            rule.education_levels.set(levels)
            changed.append("education_levels")
        if {m.pk for m in rule.municipalities.all()} != {m.pk for m in municipalities}:
            rule.municipalities.set(municipalities)
            changed.append("municipalities")
        if changed:
            stats["schemerule.updated"] += 1
    return stats
