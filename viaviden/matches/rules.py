"""Named extension points of the match registry, filled by the capability apps in their AppConfig.ready().

`matches` is the heart and imports no capability app (STYLE.md: config → api → reports → capabilities →
matches → …). Where a capability adds a rule to the registry, it registers it here:

- Match-type rules: a match of a type may need a record of the capability behind it. Vækstpilot registers
  one for "ordinary job with Vækstpilot": the match must point to its granted application (by the
  application's reference). Forms, the API, imports and the services all call `check_type_rule`, so one
  rule holds everywhere; `link_type_rule` records the link once the match is saved.
- Prefill sources: the registration form may start from a record of another app (a suggested candidate);
  the app registers how to fetch it with its own permission check (`prefill_source`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from viaviden.core.errors import ValidationFailed


@dataclass(frozen=True)
class TypeRule:
    """check(reference=…, cvr=…, match=…) returns the record the match points to, or raises ValidationFailed;
    link(match_id, record) records the link; linked(match) tells whether an existing match has its record;
    label is the field's name shown to users (e.g. "Vækstpilot-ansøgning")."""

    check: Callable[..., Any]
    link: Callable[[int, Any], None]
    linked: Callable[[Any], bool]
    label: Callable[[], str]


_TYPE_RULES: dict[str, TypeRule] = {}
_PREFILL_SOURCES: dict[str, Callable[[Any, int], Any]] = {}


def register_type_rule(match_type_code: str, rule: TypeRule) -> None:
    _TYPE_RULES[match_type_code] = rule


def type_rule(match_type_code: str) -> TypeRule | None:
    return _TYPE_RULES.get(match_type_code)


def check_type_rule(match_type_code: str, *, reference: str, cvr: str, match: Any = None,
                    taken: set[Any] | None = None) -> Any:
    """The record a match of this type must point to (None when the type has no rule). Raises a
    ValidationFailed with a clear message when the reference is missing or does not qualify.
    `taken`: records already used by earlier rows of the same import (each may be used once)."""
    rule = _TYPE_RULES.get(match_type_code)
    if rule is None:
        return None
    record = rule.check(reference=reference.strip(), cvr=cvr, match=match)
    if taken is not None:
        if record.pk in taken:
            raise ValidationFailed(
                _("%(label)s %(ref)s står allerede på en anden række i filen.")
                % {"label": rule.label(), "ref": reference.strip()},
                code="type_reference_taken",
            )
        taken.add(record.pk)
    return record


def link_type_rule(match_type_code: str, match_id: int, record: Any) -> None:
    rule = _TYPE_RULES.get(match_type_code)
    if rule is not None and record is not None:
        rule.link(match_id, record)


def require_linked(match: Any) -> None:
    """An existing match changed to (or kept as) a type with a rule must already point to its record."""
    rule = _TYPE_RULES.get(match.match_type_id)
    if rule is not None and not rule.linked(match):
        raise ValidationFailed(
            _("Et match af typen %(type)s skal pege på sin %(label)s. Registrér matchet med henvisningen i stedet.")
            % {"type": match.match_type.label, "label": rule.label().lower()},
            code="type_reference_required",
        )


def register_prefill_source(name: str, fetch: Callable[[Any, int], Any]) -> None:
    _PREFILL_SOURCES[name] = fetch


def prefill_source(name: str) -> Callable[[Any, int], Any] | None:
    return _PREFILL_SOURCES.get(name)
