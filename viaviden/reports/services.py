"""Building, issuing and reprinting status reports, and what changed since the last issued one."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden, NotFound, ValidationFailed
from viaviden.matches.models import Match, MatchContribution
from viaviden.organisations.models import Organisation, User

from .content import Kind, build_report, resolve_subject
from .models import IssuedReport
from .permissions import can_issue, own_subjects, require_report, sees_details
from .render import canonical_json


def _validated(kind: str, subject: str | None, as_of: dt.date | None, language: str) -> dict[str, Any] | None:
    if kind not in Kind.ALL:
        raise ValidationFailed(_("Ukendt rapporttype: %(kind)s") % {"kind": kind}, code="invalid_kind")
    if as_of is None:
        raise ValidationFailed(_("Angiv opgørelsesdatoen."), code="as_of_required")
    if language not in ("da", "en"):
        raise ValidationFailed(_("Sproget skal være da eller en."), code="invalid_language")
    try:
        with translation.override(language):
            return resolve_subject(kind, subject)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="invalid_subject") from exc


def last_issued(kind: str, subject: str) -> IssuedReport | None:
    return IssuedReport.objects.filter(kind=kind, subject=subject).order_by("-issued_at", "-id").first()


def _scope(subject: dict[str, Any] | None) -> dict[str, Any]:
    if subject is None:
        return {}
    if subject["type"] == "municipality":
        return {"municipality_id": subject["code"]}
    return {"partner__slug": subject["code"]}


def _change_row(match: Match, at: dt.datetime | None) -> dict[str, Any]:
    return {
        "match": str(match.pk),
        "start_date": match.start_date.isoformat(),
        "match_type": match.match_type.label,
        "partner": match.partner.name,
        "municipality": match.municipality.name,
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
    }


def changes_since(previous: IssuedReport, subject: dict[str, Any] | None) -> dict[str, Any]:
    """What changed in the registrations behind `previous` after it was issued: matches dated on or before
    its cut-off that were registered after it (late), that it counted and were rejected since, and
    duplicates merged into its matches since (they do not change a count, but explain a partner's list)."""
    scope = _scope(subject)
    behind = Match.objects.filter(programme__slug=previous.programme_slug, start_date__lte=previous.as_of, **scope)
    related = ("match_type", "partner", "municipality")
    late = list(behind.filter(created_at__gt=previous.issued_at).exclude(status=Match.Status.REJECTED)
                .select_related(*related).order_by("created_at", "id"))
    rejected = list(behind.filter(status=Match.Status.REJECTED, created_at__lte=previous.issued_at,
                                  verified_at__gt=previous.issued_at)
                    .select_related(*related).order_by("verified_at", "id"))
    merged = list(MatchContribution.objects.filter(match__in=behind, role=MatchContribution.Role.DUPLICATE,
                                                   created_at__gt=previous.issued_at)
                  .select_related("match__match_type", "match__partner", "match__municipality")
                  .order_by("created_at", "id"))
    return {
        "since": {"id": previous.pk, "as_of": previous.as_of.isoformat(),
                  "issued_at": timezone.localtime(previous.issued_at).strftime("%Y-%m-%d %H:%M")},
        "late": [_change_row(m, m.created_at) for m in late],
        "rejected": [_change_row(m, m.verified_at) for m in rejected],
        "merged": [{**_change_row(c.match, c.created_at), "by": c.organisation_id} for c in merged],
        "effect": {"late": len(late), "rejected": -len(rejected), "merged": 0},
    }


def report_build(*, kind: str, as_of: dt.date, subject: str | None = None, language: str = "da") -> dict[str, Any]:
    """A fresh report as of the cut-off, with the changes since the last issued one of its kind and subject."""
    subj = _validated(kind, subject, as_of, language)
    with translation.override(language):
        previous = last_issued(kind, subj["code"] if subj else "")
        changes = changes_since(previous, subj) if previous is not None else None
        if changes is not None:
            for row in changes["merged"]:
                org = Organisation.objects.filter(pk=row.pop("by")).first()
                row["partner"] = f"{row['partner']} ← {org.name if org else '?'}"
        try:
            return build_report(kind=kind, as_of=as_of, subject=subj["code"] if subj else None, language=language,
                                changes=changes)
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="invalid_report") from exc


@transaction.atomic
def report_issue(*, user: User | None, kind: str, as_of: dt.date, subject: str | None = None,
                 language: str = "da") -> IssuedReport:
    """Freeze a report: store its canonical JSON and SHA-256, who issued it and when (coordinators only)."""
    if user is not None and not can_issue(user):
        raise Forbidden(_("Kun koordinationsgruppen kan udstede rapporter."))
    report = report_build(kind=kind, as_of=as_of, subject=subject, language=language)
    data = canonical_json(report)
    subj = report["subject"] or {}
    with acting_as(user):
        return IssuedReport.objects.create(
            kind=kind, subject=subj.get("code", ""), subject_name=subj.get("name", ""),
            programme_slug=report["programme"]["slug"], as_of=as_of, language=language,
            figures=data.decode("utf-8"), sha256=hashlib.sha256(data).hexdigest(), issued_by=user,
            issued_at=timezone.now(),
        )


def issued_reports_for(user: User):
    """The issued reports the user may see (newest first)."""
    qs = IssuedReport.objects.select_related("issued_by").order_by("-issued_at", "-id")
    if user.sees_everything or user.aggregates_only:
        return qs
    from django.db.models import Q

    cond = Q(pk__in=[])
    for kind, subject in own_subjects(user):
        cond |= Q(kind=kind, subject=subject)
    return qs.filter(cond)


def access_issued(user: User, pk: int) -> IssuedReport:
    report = IssuedReport.objects.filter(pk=pk).first()
    if report is None:
        raise NotFound(_("Rapport nr. %(id)s findes ikke.") % {"id": pk})
    require_report(user, report.kind, report.subject)
    return report


def issued_figures(report: IssuedReport) -> dict[str, Any]:
    return json.loads(report.figures)


def for_viewer(report: dict[str, Any], user: User | None) -> dict[str, Any]:
    """The report as a viewer may see it: aggregates-only users get no lists of single registrations."""
    if user is None or sees_details(user):
        return report
    out = json.loads(json.dumps(report))
    for section in out["sections"]:
        section["tables"] = [t for t in section["tables"] if not t.get("detail")]
        for t in section["tables"]:
            for row in t["rows"]:
                row["filter"] = None
    return out
