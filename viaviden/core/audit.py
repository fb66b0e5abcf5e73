"""Audit helpers on top of django-auditlog: the acting user for work outside a web request, and the
selectors behind the audit-log page and the per-object history partial."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@contextmanager
def acting_as(user):
    """Attribute audit rows written inside the block to `user` (commands, API tokens, imports)."""
    if user is None:
        yield
        return
    with set_actor(user):
        yield


# The object types of the audit page's filter: key -> (app label, model name, label).
OBJECT_TYPES: dict[str, tuple[str, str, Any]] = {
    "match": ("matches", "match", _("Match")),
    "target": ("matches", "target", _("Måltal")),
    "programme": ("matches", "programme", _("Programperiode")),
    "company": ("companies", "company", _("Virksomhed")),
    "activity_target": ("matches", "activitytarget", _("Aktivitetsmål")),
    "activity_registration": ("matches", "activityregistration", _("Aktivitetsregistrering")),
    "import_batch": ("matches", "importbatch", _("Importkørsel")),
    "match_contribution": ("matches", "matchcontribution", _("Bidrag til match")),
    "need": ("companies", "need", _("Behov")),
    "referral": ("companies", "referral", _("Henvisning")),
    "contact_entry": ("companies", "contactentry", _("Kontakt")),
    "handover": ("companies", "handover", _("Overdragelse")),
    "service": ("organisations", "service", _("Ydelse")),
    "vaekstpilot_application": ("vaekstpilot", "application", _("Vækstpilot-ansøgning")),
    "vaekstpilot_rule": ("vaekstpilot", "schemerule", _("Vækstpilot-regler")),
    "vaekstpilot_quota": ("vaekstpilot", "quota", _("Vækstpilot-kvote")),
    "vaekstpilot_month": ("vaekstpilot", "pilotmonth", _("Vækstpilot-måned")),
    "vaekstpilot_payment_list": ("vaekstpilot", "paymentlist", _("Udbetalingsliste")),
    "vaekstpilot_follow_up": ("vaekstpilot", "followup", _("Vækstpilot-opfølgning")),
    "cohort": ("cohorts", "cohort", _("Forløb")),
    "cohort_participant": ("cohorts", "participant", _("Deltager i forløb")),
    "case": ("cases", "case", _("Case")),
    "case_person": ("cases", "caseperson", _("Person i case")),
    "embed_site": ("cases", "embedsite", _("Hjemmeside med cases")),
    "event": ("events", "event", _("Arrangement")),
    "event_registration": ("events", "registration", _("Tilmelding")),
    "study_programme": ("candidates", "studyprogramme", _("Uddannelse (kompetenceguide)")),
    "task_area": ("candidates", "taskarea", _("Opgaveområde")),
    "programme_task_area": ("candidates", "programmetaskarea", _("Uddannelsens opgaveområde")),
}

ACTIONS: dict[str, tuple[int, Any]] = {
    "create": (LogEntry.Action.CREATE, _("Oprettet")),
    "update": (LogEntry.Action.UPDATE, _("Ændret")),
    "delete": (LogEntry.Action.DELETE, _("Slettet")),
}
ACTION_LABELS = dict(ACTIONS.values()) | {LogEntry.Action.ACCESS: _("Vist")}

# Person data is recorded in the log, but the log pages only say that it changed: the page for the
# object itself shows current values to those allowed to see them.
MASKED_FIELDS = frozenset({
    "person_name", "person_email", "person_key", "note", "message", "response_note",
    "submitter_name", "submitter_email", "submitter_phone",
})
MASKED = _("(personoplysning – vises ikke)")
EMPTY = "—"

# Danish labels for audited fields that have no verbose_name of their own.
FIELD_LABELS = {
    "id": _("id"),
    "created_at": _("oprettet"),
    "created_by": _("oprettet af"),
    "verified_at": _("verificeret/afvist"),
    "verified_by": _("verificeret/afvist af"),
    "outside_aalborg": _("uden for Aalborg"),
    "project_year": _("projektår"),
    "half_year": _("halvår"),
    "target_part": _("måltalsandel"),
    "import_batch": _("importkørsel"),
    "import_key": _("importnøgle"),
    "person_key": _("personnøgle (pseudonym)"),
    "programme": _("programperiode"),
    "partner": _("partner"),
    "kind": _("type"),
    "code": _("kode"),
    "organisation": _("organisation"),
    "municipality": _("kommune"),
    "activity_target": _("aktivitetsmål"),
    "registered_by": _("registreret af"),
    "filename": _("filnavn"),
    "sha256": _("filens SHA-256"),
    "rows_total": _("rækker i alt"),
    "rows_created": _("rækker oprettet"),
    "rows_merged": _("rækker slået sammen"),
    "rows_already_imported": _("rækker allerede importeret"),
    "rows_rejected": _("rækker afvist"),
    "unit": _("enhed"),
    "match_activities": _("aktiviteter"),
    "match_type_group": _("matchtypegruppe"),
    "title_da": _("titel (dansk)"),
    "title_en": _("titel (engelsk)"),
    "outcome_registered_at": _("udfald registreret"),
    "outcome_registered_by": _("udfald registreret af"),
    "active": _("aktiv"),
    "added_by": _("tilføjet af"),
    "answered_at": _("besvaret"),
    "answered_by": _("besvaret af"),
    "answered_by_company": _("besvaret af virksomheden"),
    "application": _("ansøgning"),
    "approved_at": _("godkendt"),
    "approved_by": _("godkendt af"),
    "bourse_run": _("fordeling"),
    "cancelled_at": _("aflyst"),
    "candidate": _("kandidat"),
    "case": _("case"),
    "closed_at": _("lukket"),
    "company": _("virksomhed"),
    "confirmed_at": _("godkendt"),
    "confirmed_by": _("godkendt af"),
    "consent_text_version": _("samtykketekstens version"),
    "contacted_at": _("kontaktet"),
    "created_via": _("oprettet via"),
    "decided_by": _("afgjort af"),
    "email": _("e-mail"),
    "email_confirmed_at": _("e-mail bekræftet"),
    "event": _("arrangement"),
    "exception_approved": _("dispensation godkendt"),
    "exception_decided_at": _("dispensation afgjort"),
    "exception_decided_by": _("dispensation afgjort af"),
    "exception_requested_at": _("dispensation anmodet"),
    "exception_requested_by": _("dispensation anmodet af"),
    "failed_rules": _("ikke opfyldte regler"),
    "from_user": _("fra bruger"),
    "given_at": _("givet"),
    "granted_at": _("bevilget"),
    "held_at": _("afholdt"),
    "institution": _("institution"),
    "last_active_at": _("sidst aktiv"),
    "match": _("match"),
    "method": _("metode"),
    "months_count": _("antal måneder"),
    "name": _("navn"),
    "need": _("behov"),
    "note": _("note"),
    "participant": _("deltager"),
    "payment_list": _("udbetalingsliste"),
    "purpose": _("formål"),
    "queued_at": _("sat i kø"),
    "reasons": _("begrundelser"),
    "recorded_by": _("registreret af"),
    "reminded_at": _("påmindet"),
    "reminder_sent_at": _("påmindelse sendt"),
    "reported_at": _("indberettet"),
    "reported_by": _("indberettet af"),
    "reserved_amount_ore": _("reserveret beløb (øre)"),
    "responded_at": _("besvaret"),
    "responded_by": _("besvaret af"),
    "result": _("resultat"),
    "role": _("rolle"),
    "scheme_rule": _("regelsæt"),
    "sent_at": _("sendt"),
    "slug": _("kode (slug)"),
    "started_at": _("startet"),
    "status": _("status"),
    "submitted_at": _("indsendt"),
    "submitted_by": _("indsendt af"),
    "task_area": _("opgaveområde"),
    "total_ore": _("beløb i alt (øre)"),
    "type": _("type"),
    "updated_at": _("ændret"),
    "version": _("version"),
    "withdrawn_at": _("trukket tilbage"),
}


def audit_entries(
    *, object_type: str = "", action: str = "", actor_id: int | None = None, object_id: str = ""
) -> QuerySet[LogEntry]:
    """Audit-log rows newest first, filtered; unknown filter keys give an empty result, never everything."""
    qs = LogEntry.objects.select_related("actor", "actor__organisation", "content_type").order_by("-timestamp", "-pk")
    if object_type:
        if object_type not in OBJECT_TYPES:
            return qs.none()
        app_label, model, _label = OBJECT_TYPES[object_type]
        qs = qs.filter(content_type=ContentType.objects.get_by_natural_key(app_label, model))
    if action:
        if action not in ACTIONS:
            return qs.none()
        qs = qs.filter(action=ACTIONS[action][0])
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if object_id:
        qs = qs.filter(object_pk=object_id.strip())
    return qs


def object_history(obj: models.Model, *, limit: int = 200) -> list[LogEntry]:
    """One object's audit history, newest first, with `change_rows` ready for
    core/partials/object_history.html. The caller decides who may see the object (and so its history)."""
    entries = list(
        LogEntry.objects.get_for_object(obj)
        .select_related("actor", "actor__organisation", "content_type")
        .order_by("-timestamp", "-pk")[:limit]
    )
    return describe_entries(entries)


@dataclass(frozen=True)
class ChangeRow:
    field: str
    old: str
    new: str
    operation: str = ""  # for many-to-many rows: "add" / "delete"


def describe_entries(entries: list[LogEntry]) -> list[LogEntry]:
    """Attach `change_rows` (field label, old → new, readable values) and `action_label` to each entry.

    Foreign keys are shown by name; they are looked up with one query per related model for the whole
    list, so a page of 50 entries costs a handful of queries, not hundreds."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    parsed: list[tuple[LogEntry, list[tuple[models.Field | None, str, Any]]]] = []
    for entry in entries:
        model = entry.content_type.model_class()
        items = []
        for name, values in (entry.changes_dict or {}).items():
            if _is_reverse_relation(model, name):
                continue
            if entry.action == LogEntry.Action.CREATE and (
                name == "id" or (isinstance(values, list | tuple) and _is_empty(values[-1]))
            ):
                continue  # a new object: only the values it was created with
            field = _field(model, name)
            items.append((field, name, values))
            if isinstance(field, models.ForeignKey) and isinstance(values, list | tuple):
                for value in values:
                    pk = _fk_pk(field, value)
                    if pk is not None:
                        wanted[field.related_model].add(pk)
        parsed.append((entry, items))

    names = {model: _with_required_relations(model).in_bulk(list(pks)) for model, pks in wanted.items()}
    for entry, items in parsed:
        rows = []
        for field, name, values in items:
            label = str(FIELD_LABELS.get(name) or (field.verbose_name if field is not None else name))
            if isinstance(values, dict) and values.get("type") == "m2m":
                objects = ", ".join(str(o) for o in values.get("objects", []))
                rows.append(ChangeRow(label, "", objects, operation=values.get("operation", "")))
                continue
            old, new = (list(values) + [None, None])[:2] if isinstance(values, list | tuple) else (None, values)
            rows.append(ChangeRow(label, _display(field, name, old, names), _display(field, name, new, names)))
        entry.change_rows = rows
        entry.action_label = ACTION_LABELS.get(entry.action, str(entry.action))
        entry.type_label = _type_label(entry.content_type)
    return entries


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _is_reverse_relation(model: type[models.Model] | None, name: str) -> bool:
    """auditlog records reverse relations of m2m-registered models (e.g. Match.contributions) as
    '<model>.None'; they say nothing, the m2m rows themselves do."""
    if model is None:
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return not isinstance(field, models.Field)


def _is_empty(value: Any) -> bool:
    return value is None or value in ("", "None")


def _fk_pk(field: models.ForeignKey, value: Any) -> Any:
    if _is_empty(value):
        return None
    try:
        return field.related_model._meta.pk.to_python(value)
    except Exception:  # noqa: BLE001 - a legacy or odd value is shown as stored
        return None


def _display(field: models.Field | None, name: str, value: Any, names: dict) -> str:
    if _is_empty(value):
        return EMPTY
    if name in MASKED_FIELDS:
        return str(MASKED)
    if field is None:
        return str(value)
    if isinstance(field, models.ForeignKey):
        pk = _fk_pk(field, value)
        obj = names.get(field.related_model, {}).get(pk)
        return str(obj) if obj is not None else str(_("%(value)s (slettet)") % {"value": value})
    if field.choices:
        choices = {str(k): v for k, v in field.flatchoices}
        return str(choices.get(str(value), value))
    if isinstance(field, models.BooleanField):
        return str(_("Ja")) if str(value) in ("True", "true", "1") else str(_("Nej"))
    if isinstance(field, models.DateTimeField):
        return _format_datetime(str(value))
    if isinstance(field, models.DateField):
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d-%m-%Y")
        except ValueError:
            return str(value)
    return str(value)


def _format_datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        # auditlog stores datetimes as strings of UTC values.
        moment = moment.replace(tzinfo=dt.UTC)
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def _with_required_relations(model: type[models.Model]) -> models.QuerySet:
    """A queryset that joins the model's required foreign keys, which its __str__ may use
    (a match's name shows its company and type)."""
    required = [f.name for f in model._meta.fields if isinstance(f, models.ForeignKey) and not f.null]
    return model._default_manager.select_related(*required)


def _type_label(content_type: ContentType) -> str:
    for app_label, model, label in OBJECT_TYPES.values():
        if content_type.app_label == app_label and content_type.model == model:
            return str(label)
    return str(content_type.name)


def mask_fully(value: str) -> str:
    """AUDITLOG_MASK_CALLABLE: masked fields are stored as a constant, not half-hidden (auditlog's
    default keeps the second half of the value, which can still name a person)."""
    return "***"
