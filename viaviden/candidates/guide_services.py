"""Writes for the competence guides (SPEC 3.3): the coordinators edit a programme's guide, a task area, and
which task areas a programme fits with what weight.

Every edit sets `edited_in_ui`, so `load_reference_data()` leaves the row alone from then on (a programme's
fits are kept with it), and is audit-logged by django-auditlog (registered in candidates/apps.py).

The guides have no version column, so a concurrent edit is caught with a fingerprint (a short hash) of the
values the editor read: a save based on stale values raises Conflict and changes nothing."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from viaviden.reference.models import EducationLevel

from .matching_index import matching_index_invalidate  # the index module imports the models: late import
from .models import ProgrammeTaskArea, StudyProgramme, TaskArea, VocabularyEntry

MAX_ITEMS = 30
MAX_ITEM_LENGTH = 300

PROGRAMME_FIELDS = (
    "name_da", "institution", "level", "degree_da", "area_da", "cities", "ects", "competences_da",
    "typical_tasks_da", "source_url", "source_year", "active",
)
TASK_AREA_FIELDS = ("name_da", "name_en", "description_da", "keywords_da")


# --- Helpers -----------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """A textarea's lines as items: trimmed, empty lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def programme_fingerprint(programme: StudyProgramme) -> str:
    """A short hash of the guide's editable values as read (for optimistic locking)."""
    return _hash({f: getattr(programme, "level_id" if f == "level" else f) for f in PROGRAMME_FIELDS})


def task_area_fingerprint(task_area: TaskArea) -> str:
    return _hash({f: getattr(task_area, f) for f in TASK_AREA_FIELDS})


def fits_fingerprint(programme: StudyProgramme) -> str:
    """A short hash of the programme's task areas and weights as stored now."""
    fits = ProgrammeTaskArea.objects.filter(programme_id=programme.pk).values_list("task_area__slug", "weight")
    return _hash(dict(fits))


def _require_coordinator(user) -> None:
    if user is None or not user.is_authenticated or not user.sees_everything:
        raise Forbidden(_("Kun koordinationsgruppen kan redigere kompetenceguiden."), code="coordinators_only")


def _clean_items(
    items: Iterable[str], *, field: str, errors: dict[str, list[str]], required: str | None = None,
    lower: bool = False,
) -> list[str]:
    """Trim and de-duplicate a list of items (one per line in the form); collect what is wrong in `errors`."""
    result: list[str] = []
    seen: set[str] = set()
    for raw in items:
        item = " ".join(str(raw).split())
        if lower:
            item = item.lower()
        if not item or item.casefold() in seen:
            continue
        seen.add(item.casefold())
        result.append(item)
    if required and not result:
        errors.setdefault(field, []).append(required)
    if len(result) > MAX_ITEMS:
        errors.setdefault(field, []).append(
            _("Højst %(max)d punkter (der er %(count)d).") % {"max": MAX_ITEMS, "count": len(result)}
        )
    for number, item in enumerate(result, start=1):
        if len(item) > MAX_ITEM_LENGTH:
            errors.setdefault(field, []).append(
                _("Linje %(number)d er for lang (højst %(max)d tegn).") % {"number": number, "max": MAX_ITEM_LENGTH}
            )
    return result


def _full_clean(obj, errors: dict[str, list[str]], *, code: str) -> None:
    """Run the model's validation, merge its messages with those already found, and raise if any."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code=code, details=errors)


def _level(value: EducationLevel | str | None, errors: dict[str, list[str]]) -> EducationLevel | None:
    if isinstance(value, EducationLevel):
        return value
    level = EducationLevel.objects.filter(pk=value).first() if value else None
    if level is None:
        errors.setdefault("level", []).append(_("Vælg uddannelsens niveau (KVU, MVU eller LVU)."))
    return level


# --- Services ----------------------------------------------------------------------------------------


def programme_update(
    *, user, programme: StudyProgramme, fingerprint: str | None, name_da: str, institution: str,
    level: EducationLevel | str | None, degree_da: str = "", area_da: str = "", cities: Iterable[str] = (),
    ects: int | None = None, competences_da: Iterable[str], typical_tasks_da: Iterable[str], source_url: str = "",
    source_year: int | None = None, active: bool = True,
) -> StudyProgramme:
    """Change a programme's competence guide (coordinators). `fingerprint` is programme_fingerprint() of
    the values the editor read; when someone saved in between, Conflict is raised and nothing changes."""
    _require_coordinator(user)
    with transaction.atomic():
        current = StudyProgramme.objects.select_for_update().filter(pk=programme.pk).first()
        if current is None:
            raise NotFound(_("Uddannelsen findes ikke i kompetenceguiden."), code="programme_not_found")
        if fingerprint is not None and programme_fingerprint(current) != fingerprint:
            raise Conflict(
                _("Uddannelsen er ændret af en anden, siden du åbnede den. Åbn den igen, og indtast dine "
                  "ændringer."),
                code="programme_conflict",
            )
        errors: dict[str, list[str]] = {}
        current.name_da = " ".join(name_da.split())
        current.institution = " ".join(institution.split())
        resolved = _level(level, errors)
        if resolved is not None:
            current.level = resolved
        current.degree_da = " ".join(degree_da.split())
        current.area_da = " ".join(area_da.split())
        current.cities = _clean_items(cities, field="cities", errors=errors)
        current.ects = ects
        current.competences_da = _clean_items(
            competences_da, field="competences_da", errors=errors,
            required=_("Skriv mindst én kompetence (én pr. linje)."),
        )
        current.typical_tasks_da = _clean_items(
            typical_tasks_da, field="typical_tasks_da", errors=errors,
            required=_("Skriv mindst én typisk opgave (én pr. linje)."),
        )
        current.source_url = source_url.strip()
        current.source_year = source_year
        current.active = active
        if ects is not None and not 1 <= ects <= 400:
            errors.setdefault("ects", []).append(_("ECTS skal være mellem 1 og 400."))
        this_year = timezone.localdate().year
        if source_year is not None and not 1990 <= source_year <= this_year + 1:
            errors.setdefault("source_year", []).append(
                _("Kildeåret skal være mellem 1990 og %(year)d.") % {"year": this_year + 1}
            )
        current.edited_in_ui = True
        _full_clean(current, errors, code="invalid_programme")
        current.save(update_fields=[*PROGRAMME_FIELDS, "edited_in_ui", "updated_at"])
    return current


def task_area_update(
    *, user, task_area: TaskArea, fingerprint: str | None, name_da: str, description_da: str,
    keywords_da: Iterable[str], name_en: str | None = None,
) -> TaskArea:
    """Change a task area's name (and English name, when given), description and keywords (coordinators). Keywords are stored in lower
    case, as the matching engine reads them; at least one is required."""
    _require_coordinator(user)
    with transaction.atomic():
        current = TaskArea.objects.select_for_update().filter(pk=task_area.pk).first()
        if current is None:
            raise NotFound(_("Opgaveområdet findes ikke i kompetenceguiden."), code="task_area_not_found")
        if fingerprint is not None and task_area_fingerprint(current) != fingerprint:
            raise Conflict(
                _("Opgaveområdet er ændret af en anden, siden du åbnede det. Åbn det igen, og indtast dine "
                  "ændringer."),
                code="task_area_conflict",
            )
        errors: dict[str, list[str]] = {}
        current.name_da = " ".join(name_da.split())
        if name_en is not None:
            current.name_en = " ".join(name_en.split())
        current.description_da = description_da.strip()
        current.keywords_da = _clean_items(
            keywords_da, field="keywords_da", errors=errors, lower=True,
            required=_("Skriv mindst ét nøgleord (ét pr. linje)."),
        )
        if not current.description_da:
            errors.setdefault("description_da", []).append(_("Beskriv opgaveområdet, så en virksomhed genkender det."))
        current.edited_in_ui = True
        _full_clean(current, errors, code="invalid_task_area")
        current.save(update_fields=[*TASK_AREA_FIELDS, "edited_in_ui", "updated_at"])
    return current


def programme_fit_set(
    *, user, programme: StudyProgramme, fingerprint: str | None, weights: Mapping[str, float | None]
) -> StudyProgramme:
    """Set which task areas a programme fits and how well (coordinators): `weights` maps task-area slug to a
    weight 0 < w ≤ 1 (rounded to two decimals, so at least 0.01); a missing or None weight means the area does not fit.
    At least one task area is required. `fingerprint` is fits_fingerprint() as read."""
    _require_coordinator(user)
    with transaction.atomic():
        current = StudyProgramme.objects.select_for_update().filter(pk=programme.pk).first()
        if current is None:
            raise NotFound(_("Uddannelsen findes ikke i kompetenceguiden."), code="programme_not_found")
        if fingerprint is not None and fits_fingerprint(current) != fingerprint:
            raise Conflict(
                _("Uddannelsens opgaveområder er ændret af en anden, siden du åbnede siden. Åbn den igen, og "
                  "indtast dine ændringer."),
                code="programme_fit_conflict",
            )
        areas = {a.slug: a for a in TaskArea.objects.all()}
        errors: dict[str, list[str]] = {}
        wanted: dict[str, float] = {}
        for slug, value in weights.items():
            if value is None:
                continue
            key = f"weights.{slug}"
            if slug not in areas:
                errors.setdefault(key, []).append(_("Ukendt opgaveområde: %(slug)s.") % {"slug": slug})
                continue
            try:
                weight = float(value)
            except (TypeError, ValueError):
                weight = math.nan
            if not math.isfinite(weight) or not 0 < round(weight, 2) <= 1:
                errors.setdefault(key, []).append(_("Vægten skal være større end 0 og højst 1, fx 0,8."))
                continue
            wanted[slug] = round(weight, 2)
        if not errors and not wanted:
            errors["weights"] = [_("Vælg mindst ét opgaveområde, som uddannelsen passer til.")]
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], code="invalid_programme_fit", details=errors)

        # Instance saves and deletes, one by one, so each change is audit-logged.
        existing = {f.task_area.slug: f for f in current.area_fits.select_related("task_area")}
        for slug, fit in existing.items():
            if slug not in wanted:
                fit.delete()
        for slug, weight in wanted.items():
            fit = existing.get(slug)
            if fit is None:
                fit = ProgrammeTaskArea(programme=current, task_area=areas[slug], weight=weight)
                fit.full_clean()
                fit.save()
            elif fit.weight != weight:
                fit.weight = weight
                fit.full_clean()
                fit.save(update_fields=["weight"])
        if not current.edited_in_ui:
            current.edited_in_ui = True
            current.save(update_fields=["edited_in_ui", "updated_at"])
    return current


# --- The vocabulary (issue 15) -----------------------------------------------------------------------

VOCABULARY_FIELDS = ("kind", "terms_da", "areas", "programmes")
MAX_TERMS = 60


def vocabulary_fingerprint(entry: VocabularyEntry) -> str:
    return _hash({f: getattr(entry, f) for f in VOCABULARY_FIELDS})


def _weight(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_weights(
    lines: Iterable[str], *, known: Mapping[str, str], field: str, errors: dict[str, list[str]]
) -> dict[str, float]:
    """Lines "name or slug: weight" (weight 0–1, comma or point; no weight means 1) → {slug: weight}.
    `known` maps lower-case names and slugs to slugs."""
    out: dict[str, float] = {}
    for number, raw in enumerate(lines, start=1):
        line = " ".join(str(raw).split())
        if not line:
            continue
        name, _sep, weight_text = line.rpartition(":") if ":" in line else (line, "", "1")
        slug = known.get(name.strip().lower())
        weight = _weight(weight_text)
        if slug is None:
            errors.setdefault(field, []).append(
                _("Linje %(number)d: «%(name)s» findes ikke i kompetenceguiden.") % {"number": number, "name": name}
            )
        elif weight is None or not 0 < weight <= 1:
            errors.setdefault(field, []).append(
                _("Linje %(number)d: vægten skal være et tal over 0 og højst 1.") % {"number": number}
            )
        else:
            out[slug] = weight
    return out


def vocabulary_entry_save(
    *, user, entry: VocabularyEntry | None, fingerprint: str | None, kind: str, terms: Iterable[str],
    area_lines: Iterable[str], programme_lines: Iterable[str],
) -> VocabularyEntry:
    """Create (entry None) or change a vocabulary entry (coordinators). Areas and programmes are given by name
    or slug with a weight; at least one term and one task area or programme are required."""
    _require_coordinator(user)
    with transaction.atomic():
        current = VocabularyEntry()
        if entry is not None:
            current = VocabularyEntry.objects.select_for_update().filter(pk=entry.pk).first()
            if current is None:
                raise NotFound(_("Opslaget findes ikke i ordlisten."), code="vocabulary_not_found")
            if fingerprint is not None and vocabulary_fingerprint(current) != fingerprint:
                raise Conflict(
                    _("Opslaget er ændret af en anden, siden du åbnede det. Åbn det igen, og indtast dine ændringer."),
                    code="vocabulary_conflict",
                )
        errors: dict[str, list[str]] = {}
        current.kind = kind
        current.terms_da = _clean_items(
            terms, field="terms_da", errors=errors, required=_("Skriv mindst ét ord eller én vending (én pr. linje).")
        )[:MAX_TERMS]
        area_names = {a.name_da.lower(): a.slug for a in TaskArea.objects.all()}
        area_names.update({slug: slug for slug in area_names.values()})
        programme_names = {p.name_da.lower(): p.slug for p in StudyProgramme.objects.all()}
        programme_names.update({slug: slug for slug in programme_names.values()})
        current.areas = parse_weights(area_lines, known=area_names, field="areas", errors=errors)
        current.programmes = parse_weights(programme_lines, known=programme_names, field="programmes", errors=errors)
        if not current.areas and not current.programmes and "areas" not in errors and "programmes" not in errors:
            errors.setdefault("areas", []).append(_("Angiv mindst ét opgaveområde eller én uddannelse."))
        if current.terms_da:
            current.key = " ".join(current.terms_da[0].lower().split())
            clash = VocabularyEntry.objects.filter(key=current.key).exclude(pk=current.pk).exists()
            if clash:
                errors.setdefault("terms_da", []).append(
                    _("Ordlisten har allerede et opslag, der begynder med «%(term)s».") % {"term": current.terms_da[0]}
                )
        current.edited_in_ui = True
        _full_clean(current, errors, code="invalid_vocabulary")
        current.save()
        transaction.on_commit(_rebuild_matching_index)
    return current


def _rebuild_matching_index() -> None:
    matching_index_invalidate()


def vocabulary_entry_delete(*, user, entry: VocabularyEntry) -> None:
    """Delete a vocabulary entry (coordinators). The reference loader creates it again only if the file has it
    and nobody edited it; to keep a file entry away, edit it instead."""
    _require_coordinator(user)
    with transaction.atomic():
        deleted, _rows = VocabularyEntry.objects.filter(pk=entry.pk).delete()
        if not deleted:
            raise NotFound(_("Opslaget findes ikke i ordlisten."), code="vocabulary_not_found")
        transaction.on_commit(_rebuild_matching_index)
