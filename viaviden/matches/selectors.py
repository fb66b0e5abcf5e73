"""Reads of targets (the matches themselves are read through permissions.visible_matches)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from viaviden.companies.cvr import normalise_cvr
from viaviden.core.change_notices import AUTH_NOTICES, MATCH_NOTICES, Kept
from viaviden.core.errors import NotFound
from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality

from .models import Match, MatchContribution, Programme, Target

# The status filter value for "counts towards targets" (registered or verified, not rejected).
STATUS_COUNTED = "counted"

# The `contributor_role` filter values: how the `contributor` organisation took part in a match.
CONTRIBUTOR_ROLES = ("registered", "contributed")

# Filter name -> field lookup, for the filters that are plain equality.
_EQUAL_FILTERS = {
    "municipality": "municipality",
    "match_type": "match_type",
    "level": "education_level",
    "project_year": "project_year",
    "half_year": "half_year",
    "activity": "activity",
    "target_part": "target_part",
    "outside_aalborg": "outside_aalborg",
    "programme": "programme__slug",
    "company_cvr": "company__cvr",
    "start_date_from": "start_date__gte",
    "start_date_to": "start_date__lte",
}


def _organisation_q(field: str, value: Organisation | int | str) -> Q:
    """An organisation given as object, id or slug (the API accepts both id and slug)."""
    if isinstance(value, Organisation):
        return Q(**{field: value})
    text = str(value)
    return Q(**{f"{field}_id": int(text)}) if text.isdigit() else Q(**{f"{field}__slug": text})


def filter_matches(
    qs: QuerySet[Match],
    *,
    partner: Organisation | int | str | None = None,
    registering_org: Organisation | int | str | None = None,
    contributor: Organisation | int | str | None = None,
    contributor_role: str | None = None,
    status: str | None = None,
    q: str | None = None,
    start_date_from: dt.date | None = None,
    start_date_to: dt.date | None = None,
    **equal: Any,
) -> QuerySet[Match]:
    """The match list's filters, shared by the web list, its CSV export and the API (and so by the
    dashboard's drill-down links). Empty values are ignored. `q` searches company name or CVR prefix.
    `contributor`: matches the organisation registered or contributed to (a duplicate registration counts as
    contributing); with `contributor_role` "registered" or "contributed" only one of the two, as the table
    `progress.by_contributing_organisation` counts them."""
    unknown = set(equal) - set(_EQUAL_FILTERS)
    if unknown:
        raise TypeError(f"unknown match filters: {sorted(unknown)}")
    equal |= {"start_date_from": start_date_from, "start_date_to": start_date_to}
    for name, value in equal.items():
        if value not in (None, ""):
            if name == "level" and isinstance(value, str):
                value = value.upper()
            qs = qs.filter(**{_EQUAL_FILTERS[name]: value})
    if partner not in (None, ""):
        qs = qs.filter(_organisation_q("partner", partner))
    if registering_org not in (None, ""):
        qs = qs.filter(_organisation_q("registering_org", registering_org))
    if contributor not in (None, ""):
        qs = qs.filter(_contributor_q(contributor, contributor_role or ""))
    if status == STATUS_COUNTED:
        qs = qs.exclude(status=Match.Status.REJECTED)
    elif status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        cvr = normalise_cvr(q)
        cond = Q(company__name__icontains=q)
        if cvr.isdigit():
            cond |= Q(company__cvr__startswith=cvr)
        qs = qs.filter(cond)
    return qs


# Match lists' counts by their database and count query (SQL and parameters), kept until a match, contribution,
# company, organisation, user or token changes (core.change_notices): a COUNT grows with the registry (issue 16).
_COUNTS = Kept(MATCH_NOTICES, AUTH_NOTICES, max_age=600.0, max_items=1000)


def kept_count(matches: QuerySet[Match]) -> tuple[int | None, Callable[[int], None]]:
    """The number of `matches` kept since nothing it depends on changed (None: count them), and the function
    that keeps a number counted now; where nothing may be kept (SQLite, a transaction), (None, a no-op)."""
    stamp = _COUNTS.stamp(matches.db)
    if stamp is None:
        return None, lambda _count: None
    try:
        sql, params = matches.values("pk").order_by().query.get_compiler(matches.db).as_sql()
        key = (matches.db, sql, tuple(params))
        hash(key)
    except (EmptyResultSet, TypeError):
        return None, lambda _count: None
    return _COUNTS.get(stamp, key), lambda count: _COUNTS.put(stamp, key, count)


def _contributor_q(organisation: Organisation | int | str, role: str) -> Q:
    registered = _organisation_q("registering_org", organisation)
    took_part = Exists(
        MatchContribution.objects.filter(_organisation_q("organisation", organisation), match=OuterRef("pk"))
    )
    if role == "registered":
        return registered
    if role == "contributed":
        return took_part & ~registered
    return registered | took_part


def programme_or_current(slug: str | None = None) -> Programme:
    """The programme with this slug, or the current one; NotFound when there is none."""
    if slug:
        programme = Programme.objects.filter(slug=slug).first()
        if programme is None:
            raise NotFound(_("Programperioden %(slug)s findes ikke.") % {"slug": slug})
        return programme
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        raise NotFound(_("Der er ingen aktuel programperiode."), code="no_programme")
    return programme


def targets_summary(programme: Programme) -> dict[str, Any]:
    """The programme's current targets as one plain structure (the `targets --json` output)."""
    targets = list(programme.targets.select_related("municipality", "organisation"))
    municipal = {t.municipality_id: t for t in targets if t.kind == Target.Kind.MUNICIPALITY}
    partners = [t for t in targets if t.kind == Target.Kind.PARTNER]
    excluded = set(programme.excluded_municipalities.values_list("code", flat=True))
    basis = programme.basis_dataset
    municipalities = []
    for m in Municipality.objects.filter(in_region=True).order_by("name"):
        t = municipal.get(m.code)
        municipalities.append({
            "code": m.code, "name": m.name, "basis": t.basis if t else 0, "target": t.value if t else 0,
            "computed": t.computed if t else 0, "overridden": bool(t and t.overridden),
            "excluded": m.code in excluded,
        })
    return {
        "programme": programme.slug,
        "name": programme.name,
        "start_date": programme.start_date.isoformat(),
        "end_date": programme.end_date.isoformat(),
        "total": programme.total_target,
        "municipal_total": programme.municipal_target,
        "partner_total": programme.partner_target,
        "municipal_sum": sum(m["target"] for m in municipalities),
        "partner_sum": sum(t.value for t in partners),
        "basis": {
            "label": basis.label if basis else None,
            "kind": basis.kind if basis else None,
            "is_proxy": basis.is_proxy if basis else None,
            "source": basis.source if basis else None,
            "year": basis.year if basis else None,
        },
        "municipalities": municipalities,
        "partners": [
            {"slug": t.organisation.slug, "name": t.organisation.name, "basis": t.basis, "target": t.value,
             "computed": t.computed, "overridden": t.overridden}
            for t in sorted(partners, key=lambda t: t.organisation.name)
        ],
        "partner_split_note": programme.partner_split_note,
    }
