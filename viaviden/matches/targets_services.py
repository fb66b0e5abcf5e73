"""Writes to targets: decided values, programme settings, a new split basis, activity registrations.

Every change is a model save that django-auditlog records (Target, Programme, ActivityRegistration are
registered). In a web request the audit middleware names the actor; commands and other work outside a
request wrap the call in `viaviden.core.audit.acting_as(user)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.organisations.models import User
from viaviden.reference.models import BasisDataset, BasisValue, Municipality

from .models import ActivityRegistration, ActivityTarget, Programme, Target
from .targets import targets_recompute


def _require_coordinator(user: User | None) -> None:
    """None is a command run by an operator on the server; people must be coordinators."""
    if user is not None and not user.sees_everything:
        raise Forbidden(_("Kun koordinationsgruppen kan ændre måltal og programperioden."))


def can_edit_targets(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


def can_register_activity(user: User, activity_target: ActivityTarget) -> bool:
    """Coordinators for every activity target; partner staff and leads for their own partner's."""
    if not user.is_authenticated or not activity_target.manual:
        return False
    if user.sees_everything:
        return True
    if user.aggregates_only or user.organisation_id is None or activity_target.organisation_id is None:
        return False
    return activity_target.organisation.partner.pk == user.organisation.partner.pk


@transaction.atomic
def target_set_value(*, user: User | None, target: Target, value: int, note: str = "") -> Target:
    """Set the value the partnership decided for a municipal or partner target (marks it edited by hand)."""
    _require_coordinator(user)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationFailed(_("Måltallet skal være et helt tal, 0 eller derover."), code="invalid_target")
    if value > target.programme.total_target:
        raise ValidationFailed(
            _("Måltallet kan ikke være større end programmets samlede måltal (%(total)s).")
            % {"total": target.programme.total_target},
            code="invalid_target",
        )
    note = note.strip()
    if len(note) > 300:
        raise ValidationFailed(_("Bemærkningen må højst være 300 tegn."), code="note_too_long")
    target.value, target.overridden, target.note = value, True, note
    target.save(update_fields=["value", "overridden", "note", "updated_at"])
    return target


@transaction.atomic
def target_reset(*, user: User | None, target: Target) -> Target:
    """Go back to the value computed from the basis (later recomputations update it again)."""
    _require_coordinator(user)
    target.value, target.overridden, target.note = target.computed, False, ""
    target.save(update_fields=["value", "overridden", "note", "updated_at"])
    return target


@transaction.atomic
def programme_update(
    *,
    user: User | None,
    programme: Programme,
    start_date: dt.date,
    end_date: dt.date,
    total_target: int,
    municipal_target: int,
    partner_target: int,
    duplicate_window_days: int,
    excluded_municipalities: Iterable[Municipality | str],
) -> Programme:
    """Change the period, the targets, the duplicate window and the municipalities left out of the
    split; the municipal and partner targets are then recomputed (hand-edited targets keep their value)."""
    _require_coordinator(user)
    if end_date <= start_date:
        raise ValidationFailed(_("Slutdatoen skal ligge efter startdatoen."), code="programme_dates")
    if min(total_target, municipal_target, partner_target) < 0 or duplicate_window_days < 0:
        raise ValidationFailed(_("Måltal og dubletvindue skal være 0 eller derover."), code="invalid_target")
    if municipal_target + partner_target != total_target:
        raise ValidationFailed(
            _("Kommunernes måltal (%(m)s) og partnernes måltal (%(p)s) skal tilsammen give det samlede måltal (%(t)s).")
            % {"m": municipal_target, "p": partner_target, "t": total_target},
            code="targets_do_not_add_up",
        )
    overlapping = Programme.objects.exclude(pk=programme.pk).filter(start_date__lte=end_date, end_date__gte=start_date)
    if overlapping.exists():
        raise ValidationFailed(
            _("Perioden overlapper programperioden «%(name)s».") % {"name": overlapping.first().name},
            code="programme_overlap",
        )
    outside = programme.matches.exclude(start_date__gte=start_date, start_date__lte=end_date).count()
    if outside:
        raise ValidationFailed(
            _("%(n)s match i programmet har en startdato uden for den nye periode. Ret eller flyt dem først.")
            % {"n": outside},
            code="matches_outside_period",
        )
    codes = {m.pk if isinstance(m, Municipality) else m for m in excluded_municipalities}
    region = set(Municipality.objects.filter(in_region=True).values_list("code", flat=True))
    if codes - region:
        raise ValidationFailed(
            _("Ukendt kommune: %(c)s") % {"c": ", ".join(sorted(codes - region))}, code="unknown_municipality"
        )
    if codes == region:
        raise ValidationFailed(_("Mindst én kommune skal være med i fordelingen."), code="all_excluded")

    programme.start_date, programme.end_date = start_date, end_date
    programme.total_target, programme.municipal_target = total_target, municipal_target
    programme.partner_target, programme.duplicate_window_days = partner_target, duplicate_window_days
    programme.full_clean(exclude=["basis_dataset"])
    programme.save(
        update_fields=[
            "start_date",
            "end_date",
            "total_target",
            "municipal_target",
            "partner_target",
            "duplicate_window_days",
            "updated_at",
        ]
    )
    if set(programme.excluded_municipalities.values_list("code", flat=True)) != codes:
        programme.excluded_municipalities.set(sorted(codes))
    targets_recompute(programme=programme)
    return programme


@transaction.atomic
def basis_load(
    *,
    user: User | None,
    programme: Programme,
    values: Mapping[str, int],
    year: int,
    kind: str = BasisDataset.Kind.WORKPLACES,
    label: str = "",
    source: str = "",
) -> BasisDataset:
    """Store a new basis (e.g. ERHV2 workplaces), make it the programme's basis and recompute the split."""
    _require_coordinator(user)
    if kind not in BasisDataset.Kind.values:
        raise ValidationFailed(_("Ukendt type grundlag: %(k)s") % {"k": kind}, code="invalid_basis_kind")
    if not 1900 <= year <= timezone.localdate().year:
        raise ValidationFailed(_("Året %(y)s er ikke gyldigt.") % {"y": year}, code="invalid_basis_year")
    names = dict(Municipality.objects.filter(in_region=True).values_list("code", "name"))
    missing = sorted(names[c] for c in names if c not in values)
    if missing:
        raise ValidationFailed(
            _("Grundlaget mangler tal for: %(names)s.") % {"names": ", ".join(missing)},
            code="basis_missing_municipality",
        )
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValidationFailed(_("Ukendt kommune: %(c)s") % {"c": ", ".join(unknown)}, code="unknown_municipality")
    if any(not isinstance(v, int) or v < 0 for v in values.values()) or sum(values.values()) == 0:
        raise ValidationFailed(
            _("Grundlaget skal være hele tal, 0 eller derover, og ikke alle 0."), code="invalid_basis_value"
        )

    kind_label = BasisDataset.Kind(kind).label
    base_slug = slugify(f"{kind}-{year}")
    slug, n = base_slug, 1
    while BasisDataset.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    dataset = BasisDataset.objects.create(
        slug=slug,
        kind=kind,
        year=year,
        label=(label.strip() or f"{kind_label}, {year}")[:200],
        source=source.strip()
        or _("Danmarks Statistik, Statistikbanken tabel ERHV2, indlæst %(date)s.")
        % {"date": timezone.localdate().strftime("%d-%m-%Y")},
    )
    BasisValue.objects.bulk_create(
        [BasisValue(dataset=dataset, municipality_id=code, value=v) for code, v in sorted(values.items())]
    )
    programme.basis_dataset = dataset
    programme.save(update_fields=["basis_dataset", "updated_at"])
    targets_recompute(programme=programme)
    return dataset


def activity_registration_validate(*, activity_target: ActivityTarget, date: dt.date, amount: int, note: str) -> str:
    """The rules for a registration's values (new, corrected or imported); returns the cleaned note."""
    if activity_target.measured_from_matches:
        raise ValidationFailed(
            _("Dette aktivitetsmål tælles automatisk fra de registrerede match."), code="measured_from_matches"
        )
    if not activity_target.manual:
        raise ValidationFailed(
            _("Dette aktivitetsmål måles automatisk i platformen (%(measure)s); det tager ikke imod registreringer.")
            % {"measure": activity_target.get_measure_display()},
            code="measured_automatically",
        )
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValidationFailed(_("Antal skal være et helt tal, 0 eller derover."), code="invalid_amount")
    if activity_target.unit == ActivityTarget.Unit.PERCENT and amount > 100:
        raise ValidationFailed(_("En procentdel kan højst være 100."), code="invalid_amount")
    if date > timezone.localdate():
        raise ValidationFailed(_("Datoen må ikke ligge i fremtiden."), code="date_in_future")
    programme = activity_target.programme
    if not programme.contains(date):
        raise ValidationFailed(
            _("Datoen skal ligge i programperioden (%(start)s–%(end)s).")
            % {"start": programme.start_date.strftime("%d-%m-%Y"), "end": programme.end_date.strftime("%d-%m-%Y")},
            code="date_outside_programme",
        )
    note = note.strip()
    if len(note) > 300:
        raise ValidationFailed(_("Bemærkningen må højst være 300 tegn."), code="note_too_long")
    return note


@transaction.atomic
def activity_register(
    *,
    user: User,
    activity_target: ActivityTarget,
    date: dt.date,
    amount: int,
    note: str = "",
) -> ActivityRegistration:
    """Record a partner's report towards an activity target (events held, people reached, a percentage)."""
    if activity_target.measured_from_matches:
        raise ValidationFailed(
            _("Dette aktivitetsmål tælles automatisk fra de registrerede match."), code="measured_from_matches"
        )
    # The target's own rules first: a measured target refuses every registration, whoever sends it.
    note = activity_registration_validate(activity_target=activity_target, date=date, amount=amount, note=note)
    if not can_register_activity(user, activity_target):
        raise Forbidden(_("Du kan kun registrere aktiviteter for din egen organisations aktivitetsmål."))
    return ActivityRegistration.objects.create(
        activity_target=activity_target,
        date=date,
        amount=amount,
        note=note,
        registered_by=user,
    )


@transaction.atomic
def activity_target_update(
    *,
    user: User | None,
    activity_target: ActivityTarget,
    value: int,
    value_max: int | None = None,
    per_project_year: bool = False,
    years: list[int] | None = None,
    title_da: str | None = None,
    title_en: str | None = None,
) -> ActivityTarget:
    """A coordinator edits an activity target (value, upper value, per-year evaluation, its years, title);
    the measure stays as loaded from the reference data. Audited by django-auditlog."""
    _require_coordinator(user)
    for name, number in (("value", value), ("value_max", value_max)):
        if number is None and name == "value_max":
            continue
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ValidationFailed(_("Måltallet skal være et helt tal, 0 eller derover."), code="invalid_target")
    if value_max is not None and value_max < value:
        raise ValidationFailed(_("Det øvre måltal må ikke være mindre end måltallet."), code="invalid_target")
    if activity_target.unit == ActivityTarget.Unit.PERCENT and value > 100:
        raise ValidationFailed(_("En procentdel kan højst være 100."), code="invalid_target")
    years = sorted(set(years or []))
    valid_years = set(activity_target.programme.project_years())
    wrong = [y for y in years if y not in valid_years]
    if wrong:
        raise ValidationFailed(
            _("Projektår uden for programperioden: %(years)s.") % {"years": ", ".join(str(y) for y in wrong)},
            code="invalid_years",
        )
    if years and not per_project_year:
        raise ValidationFailed(_("Projektår kan kun angives for et måltal pr. projektår."), code="invalid_years")
    fields = ["value", "value_max", "per_project_year", "years", "updated_at"]
    activity_target.value, activity_target.value_max = value, value_max
    activity_target.per_project_year, activity_target.years = per_project_year, years
    for name, title in (("title_da", title_da), ("title_en", title_en)):
        if title is None:
            continue
        title = title.strip()
        if not title or len(title) > 300:
            raise ValidationFailed(_("Titlen skal udfyldes og må højst være 300 tegn."), code="invalid_title")
        setattr(activity_target, name, title)
        fields.append(name)
    activity_target.save(update_fields=fields)
    return activity_target
