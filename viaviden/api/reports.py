"""/api/reports: status reports (SPEC 3.7) — the issued (frozen) reports and the JSON of a report for a kind
and as-of date. The same permissions as /rapporter/: coordinators and the steering group see every report
(the steering group without lists of single registrations); partner staff and leads their own partner's
and municipality's sheet only."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from viaviden.reports.content import Kind
from viaviden.reports.permissions import require_report
from viaviden.reports.services import (
    access_issued,
    canonical_json,
    for_viewer,
    issued_figures,
    issued_reports_for,
    report_build,
)

from .auth import current_user
from .schemas import ErrorOut

router = Router(tags=["reports"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class IssuedReportOut(Schema):
    id: int
    kind: str
    subject: str
    subject_name: str
    programme: str
    as_of: dt.date
    language: str
    sha256: str
    issued_at: dt.datetime
    issued_by: str | None

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme_slug

    @staticmethod
    def resolve_issued_by(obj) -> str | None:
        return obj.issued_by.username if obj.issued_by_id else None


class ReportQuery(Schema):
    as_of: dt.date
    subject: str | None = None
    language: str = "da"


def _json(report: dict[str, Any]) -> HttpResponse:
    return HttpResponse(canonical_json(report), content_type="application/json")


@router.get("/issued", response={200: list[IssuedReportOut]}, summary="Issued reports")
@paginate(PageNumberPagination)
def issued_list(request: HttpRequest):
    """The issued (frozen) reports the caller may see, newest first."""
    return issued_reports_for(current_user(request))


@router.get("/issued/{report_id}", response={200: dict[str, Any], **ERRORS}, summary="An issued report's figures")
def issued_json(request: HttpRequest, report_id: int):
    """The stored figures of an issued report as canonical JSON (sorted keys, UTF-8): byte-identical to what
    was issued, whatever happened to the registrations since. Its SHA-256 is in the `X-Report-SHA256` header."""
    user = current_user(request)
    issued = access_issued(user, report_id)
    response = _json(for_viewer(issued_figures(issued), user))
    response["X-Report-SHA256"] = issued.sha256
    return response


@router.get("/{kind}", response={200: dict[str, Any], **ERRORS}, summary="A report's JSON as of a date")
def report_json(request: HttpRequest, kind: str, q: Query[ReportQuery]):
    """Every figure of a fresh report (`kind`: yearly, steering, municipality, partner) as of `as_of`, with
    what changed since the last issued report of the same kind and subject. `subject`: a municipality code
    (municipality sheet) or a partner's slug (partner sheet)."""
    user = current_user(request)
    if kind in Kind.ALL:
        require_report(user, kind, q.subject if kind in Kind.WITH_SUBJECT else None)
    report = report_build(kind=kind, subject=q.subject, as_of=q.as_of, language=q.language)
    return _json(for_viewer(report, user))
