"""The editors' side of the case platform (partner staff and coordinators): write and edit cases, send
them for review, publish (coordinators), keep the record of consent of the persons shown, see the coverage
report, and set up embedding on partners' websites. Mounted under "cases/redaktion/".

Steering-group users and users without an organisation get 403 everywhere here."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.audit import object_history
from viaviden.core.errors import AppError, NotFound
from viaviden.core.tabular import safe_csv_writer
from viaviden.organisations.access import coordinator_required, staff_required
from viaviden.organisations.models import User

from . import permissions as perms
from . import selectors, services
from .forms import CaseForm, ConsentForm, EmbedBuilderForm, EmbedSiteForm, PersonForm, WorkflowForm, add_app_error
from .models import Case, EmbedSite
from .views_public import allow_sources, case_video

PAGE_SIZE = 50


def _require_case_staff(user: User) -> None:
    if not perms.is_case_staff(user):
        raise PermissionDenied


def _case_or_404(user: User, pk: int) -> Case:
    try:
        return selectors.access_case(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@staff_required
def staff_case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    page = Paginator(selectors.staff_cases(user, status=status, mine=mine), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "cases": page.object_list, "status": status, "mine": mine,
        "statuses": Case.Status.choices, "is_reviewer": perms.is_reviewer(user),
        "review_count": selectors.review_queue_count() if perms.is_reviewer(user) else 0,
    }
    return render(request, "cases/staff/case_list.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_case_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    form = CaseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(user=user, data=form.case_data(),
                                        owner_organisation=form.cleaned_data.get("owner_organisation"))
        except AppError as exc:
            add_app_error(form, exc)
        else:
            messages.success(request, _("Casen er gemt som kladde. Registrér de personer, der vises, og send den til "
                                        "godkendelse."))
            return redirect("case_staff_detail", pk=case.pk)
    return render(request, "cases/staff/case_form.html", {"form": form, "case": None})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    case = _case_or_404(user, pk)
    if not perms.can_edit_case(user, case):
        raise PermissionDenied
    form = CaseForm(request.POST or None, user=user, case=case, initial=CaseForm.initial_for(case))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(user=user, case=case, data=form.case_data(), version=form.cleaned_data.get("version"))
        except AppError as exc:
            conflict = exc.code == "conflict"
            add_app_error(form, exc)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("case_staff_detail", pk=case.pk)
    return render(request, "cases/staff/case_form.html", {"form": form, "case": case, "conflict": conflict})


@staff_required
def staff_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    case = _case_or_404(user, pk)
    video = case_video(case)
    images = list(case.images.all())
    persons = list(case.persons.all())
    context = {
        "case": case,
        "images": images,
        "video": video,
        "persons": persons,
        "shown_persons": [p for p in persons if p.has_consent],
        "problems": services.publication_problems(case),
        "workflow": WorkflowForm(initial={"version": case.version}),
        "person_form": PersonForm(),
        "consent_form": ConsentForm(),
        "can": {
            "edit": perms.can_edit_case(user, case),
            "submit": perms.can_submit_case(user, case),
            "withdraw": perms.can_withdraw_case(user, case),
            "send_back": perms.can_withdraw_case(user, case) and perms.is_reviewer(user),
            "publish": perms.can_publish_case(user, case),
            "archive": perms.can_archive_case(user, case),
            "reopen": perms.can_reopen_case(user, case),
            "persons": perms.can_manage_persons(user, case),
        },
        "history": object_history(case) if perms.is_reviewer(user) or perms.owns_case(user, case) else None,
    }
    return allow_sources(render(request, "cases/staff/case_detail.html", context),
                         images=[i.url for i in images], video=video)


STEPS = {
    "submit": (services.case_submit, _("Casen er sendt til godkendelse hos koordinationsgruppen.")),
    "withdraw": (services.case_withdraw, _("Casen er tilbage som kladde.")),
    "publish": (services.case_publish, _("Casen er offentliggjort.")),
    "archive": (services.case_archive, _("Casen er arkiveret og vises ikke længere på siden.")),
    "reopen": (services.case_reopen, _("Casen er genåbnet som kladde.")),
}


@staff_required
@require_POST
def staff_case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """A workflow step; a refusal (e.g. missing consent) is shown on the case page and nothing is saved."""
    user = request.user
    _require_case_staff(user)
    if step not in STEPS:
        raise Http404
    case = _case_or_404(user, pk)
    form = WorkflowForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    service, done = STEPS[step]
    kwargs = {"user": user, "case": case, "version": data.get("version")}
    if step == "withdraw":
        kwargs["note"] = data.get("note") or ""
    if step == "publish":
        kwargs["persons_confirmed"] = bool(data.get("persons_confirmed"))
    try:
        service(**kwargs)
    except AppError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        details = exc.details if isinstance(exc.details, dict) else {}
        texts = [str(m) for msgs in details.values() for m in msgs] or [str(exc.message)]
        for text in dict.fromkeys(texts):
            messages.error(request, text)
    else:
        messages.success(request, str(done))
    return redirect("case_staff_detail", pk=case.pk)


# --- Persons and consent -------------------------------------------------------------------------------


def _person_or_404(user: User, pk: int):
    try:
        return selectors.access_person(user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _person_step(request: HttpRequest, call, done: str, case: Case) -> HttpResponse:
    try:
        call()
    except AppError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        details = exc.details if isinstance(exc.details, dict) else {}
        for text in [str(m) for msgs in details.values() for m in msgs] or [str(exc.message)]:
            messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect(reverse("case_staff_detail", args=[case.pk]) + "#persons-heading")


@staff_required
@require_POST
def staff_person_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    case = _case_or_404(user, pk)
    if not perms.can_manage_persons(user, case):
        raise PermissionDenied
    form = PersonForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("case_staff_detail", args=[case.pk]) + "#persons-heading")
    return _person_step(request, lambda: services.case_person_add(user=user, case=case, **form.cleaned_data),
                        _("Personen er registreret."), case)


@staff_required
@require_POST
def staff_person_consent(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    person = _person_or_404(user, pk)
    if not perms.can_manage_persons(user, person.case):
        raise PermissionDenied
    form = ConsentForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return _person_step(
        request,
        lambda: services.case_person_record_consent(user=user, person=person,
                                                    consent_method=data.get("consent_method", ""),
                                                    consent_note=data.get("consent_note", "")),
        _("Samtykket er registreret."), person.case,
    )


@staff_required
@require_POST
def staff_person_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    person = _person_or_404(user, pk)
    if not perms.can_manage_persons(user, person.case):
        raise PermissionDenied
    return _person_step(request, lambda: services.case_person_withdraw_consent(user=user, person=person),
                        _("Samtykket er tilbagekaldt. En offentliggjort case er taget af siden."), person.case)


@staff_required
@require_POST
def staff_person_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    person = _person_or_404(user, pk)
    if not perms.can_manage_persons(user, person.case):
        raise PermissionDenied
    return _person_step(request, lambda: services.case_person_remove(user=user, person=person),
                        _("Personen er fjernet fra casen."), person.case)


# --- Coverage (coordinators) ---------------------------------------------------------------------------


@coordinator_required
def staff_coverage(request: HttpRequest) -> HttpResponse:
    tables = selectors.coverage()
    partners = tables[0]
    context = {"tables": tables, "partners": partners, "missing_partners": partners.missing}
    return render(request, "cases/staff/coverage.html", context)


@coordinator_required
def staff_coverage_csv(request: HttpRequest) -> HttpResponse:
    """The coverage report for Excel: semicolons, UTF-8 with BOM."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="case-daekning.csv"'
    response.write("\ufeff")
    writer = safe_csv_writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("dimension"), _("kode"), _("navn"), _("offentliggjorte"), _("under arbejde"), _("mangler")])
    for table in selectors.coverage():
        for row in table.rows:
            writer.writerow([table.dimension, row.key, row.label, row.published, row.in_progress,
                             _("ja") if row.missing else _("nej")])
    return response


# --- Embedding -----------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def staff_embed(request: HttpRequest) -> HttpResponse:
    """Build the copy-paste snippet for a partner's website, and the list of websites allowed to embed."""
    user = request.user
    _require_case_staff(user)
    builder = EmbedBuilderForm(request.GET or None)
    params = builder.params()
    embed_url = request.build_absolute_uri(reverse("case_embed")) + (f"?{urlencode(params)}" if params else "")
    api_url = request.build_absolute_uri(reverse("api-1.0.0:case_api_list")) + (
        "?" + urlencode({k: v for k, v in params.items() if k not in ("color", "search")})
        if any(k not in ("color", "search") for k in params) else "")
    site_form = EmbedSiteForm(request.POST or None, user=user, prefix="site")
    can_add = site_form.fields["organisation"].queryset.exists() and (
        perms.is_reviewer(user) or user.role == User.Role.PARTNER_LEAD)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if site_form.is_valid():
            try:
                services.embed_site_add(user=user, **site_form.cleaned_data)
            except AppError as exc:
                if exc.status == 403:
                    raise PermissionDenied from exc
                add_app_error(site_form, exc)
            else:
                messages.success(request, _("Hjemmesiden kan nu vise cases."))
                return redirect("case_staff_embed")
    context = {
        "builder": builder, "embed_url": embed_url, "api_url": api_url,
        "script_url": request.build_absolute_uri(static("js/cases_embed.js")),
        "sites": selectors.embed_sites_for(user), "site_form": site_form, "can_add": can_add,
    }
    return render(request, "cases/staff/embed.html", context)


@staff_required
@require_POST
def staff_embed_site_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_case_staff(user)
    site = EmbedSite.objects.select_related("organisation").filter(pk=pk).first()
    if site is None or not selectors.embed_sites_for(user).filter(pk=pk).exists():
        raise Http404
    try:
        services.embed_site_remove(user=user, site=site)
    except AppError as exc:
        raise PermissionDenied from exc
    messages.success(request, _("Hjemmesiden kan ikke længere vise cases."))
    return redirect("case_staff_embed")
