"""/rapporter/: choose a report, read it on screen, download it; coordinators issue and reprint."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from viaviden.core.errors import AppError, Forbidden, NotFound
from viaviden.organisations.access import staff_required

from .forms import DownloadForm, ReportForm
from .permissions import can_issue, can_see_report, own_subjects, sees_links
from .render import CONTENT_TYPES, FORMATS, file_name, render_html
from .render import render as render_report
from .services import access_issued, for_viewer, issued_figures, issued_reports_for, report_build, report_issue


def _attachment(report: dict, fmt: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{file_name(report, fmt)}"'
    return response


def _initial(user) -> dict:
    """Partner users start on their own partner's sheet."""
    if user.sees_everything or user.aggregates_only:
        return {"kind": "yearly", "language": "da"}
    own = own_subjects(user)
    return {"kind": own[0][0], "subject": own[0][1], "language": "da"} if own else {}


@staff_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.sees_everything or user.aggregates_only or own_subjects(user)):
        raise PermissionDenied
    form = ReportForm(request.GET if "kind" in request.GET else None, initial=_initial(user))
    body = report = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if not can_see_report(user, d["kind"], d["subject"]):
            raise PermissionDenied
        try:
            report = for_viewer(report_build(kind=d["kind"], subject=d["subject"], as_of=d["as_of"],
                                             language=d["language"]), user)
        except AppError as exc:
            form.add_error(None, str(exc.message))
        else:
            body = render_html(report, links=sees_links(user), standalone=False)
    return render(request, "reports/reports_page.html", {
        "form": form, "body": body, "report": report, "query": request.GET.urlencode(),
        "formats": FORMATS, "can_issue": can_issue(user),
        "issued": issued_reports_for(user)[:50],
    })


@staff_required
@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    form = DownloadForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/reports_page.html", {
            "form": form, "formats": FORMATS, "can_issue": can_issue(request.user),
            "issued": issued_reports_for(request.user)[:50]}, status=400)
    d = form.cleaned_data
    if not can_see_report(request.user, d["kind"], d["subject"]):
        raise PermissionDenied
    report = for_viewer(report_build(kind=d["kind"], subject=d["subject"], as_of=d["as_of"],
                                     language=d["language"]), request.user)
    return _attachment(report, d["format"], render_report(report, d["format"]))


@staff_required
@require_POST
def report_issue_view(request: HttpRequest) -> HttpResponse:
    if not can_issue(request.user):
        raise PermissionDenied
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rapporten blev ikke udstedt: %(e)s") % {
            "e": " ".join(str(e) for errs in form.errors.values() for e in errs)})
        return redirect("reports:page")
    d = form.cleaned_data
    try:
        issued = report_issue(user=request.user, kind=d["kind"], subject=d["subject"], as_of=d["as_of"],
                              language=d["language"])
    except AppError as exc:
        messages.error(request, str(exc.message))
        return redirect("reports:page")
    messages.success(request, _("Rapport nr. %(id)s er udstedt og frosset (SHA-256 %(sha)s).")
                     % {"id": issued.pk, "sha": issued.sha256})
    return redirect("reports:issued", pk=issued.pk)


def _issued(request: HttpRequest, pk: int):
    try:
        return access_issued(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


@staff_required
@require_GET
def issued_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issued = _issued(request, pk)
    report = for_viewer(issued_figures(issued), request.user)
    body = render_html(report, links=sees_links(request.user), standalone=False, issued=issued)
    return render(request, "reports/issued_detail.html", {"issued": issued, "body": body, "formats": FORMATS})


@staff_required
@require_GET
def issued_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(_("Ukendt format."))
    issued = _issued(request, pk)
    report = for_viewer(issued_figures(issued), request.user)
    response = _attachment(report, fmt, render_report(report, fmt, issued=issued))
    response["X-Report-SHA256"] = issued.sha256
    return response
