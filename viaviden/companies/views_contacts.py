"""The contact log and hand-overs in the browser (mounted at "kontakter/").

Thin views: a form parses the input, one service writes, one selector reads. Every page answers 403
to the steering group and to users without an organisation (company work space)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from viaviden.core.errors import AppError, Conflict
from viaviden.core.forms import AppErrorFormMixin, DateField, OrganisationChoiceField, posted_version
from viaviden.organisations.access import can_see_individual_matches, partner_org_ids, staff_required
from viaviden.organisations.models import Organisation, User

from . import contact_selectors as selectors
from . import contact_services as services
from .forms import CompanyFieldsForm, form_lookup_state
from .models import Company, ContactEntry, Handover, Need
from .services import company_get_or_create


def _require_workspace(user: User) -> None:
    if not can_see_individual_matches(user) or user.organisation_id is None:
        raise PermissionDenied


def company_url(company: Company) -> str:
    return reverse("company_detail", args=[company.pk])


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _company_from_query(request: HttpRequest, name: str = "company") -> Company | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    company = Company.objects.select_related("municipality").filter(pk=int(value)).first()
    if company is None:
        raise Http404
    return company


# --- Forms ---------------------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.organisation.short_name or obj.organisation.name})" if obj.organisation else name


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        return obj.title


def _date_field(label, *, required: bool) -> DateField:
    return DateField(
        label=label,
        required=required,
        error_messages={
            "required": gettext_lazy("Angiv en dato."),
            "invalid": gettext_lazy("Angiv datoen som dd-mm-åååå, fx 15-08-2022."),
        },
    )


class ContactForm(AppErrorFormMixin, CompanyFieldsForm):
    """Log a contact. Without a preset company the CVR number (with the inline look-up) comes first."""

    contact_date = _date_field(gettext_lazy("Dato"), required=True)
    channel = forms.ChoiceField(
        label=gettext_lazy("Kanal"),
        choices=ContactEntry.Channel.choices,
        initial=ContactEntry.Channel.PHONE,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    topic = forms.CharField(
        label=gettext_lazy("Emne"),
        max_length=200,
        help_text=gettext_lazy("Fx «Opfølgning på studieprojekt». Emnet kan ses af alle partnere."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
        error_messages={"required": gettext_lazy("Skriv emnet for kontakten.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Kort note"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )
    mentions_person = forms.BooleanField(
        label=gettext_lazy("Noten nævner en person"),
        required=False,
        help_text=gettext_lazy("Så kan kun din organisation læse noten. De andre partnere ser emne og næste skridt."),
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    need = NeedChoiceField(
        label=gettext_lazy("Vedrører behov"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=gettext_lazy("Intet bestemt behov"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    next_step = forms.CharField(
        label=gettext_lazy("Næste skridt"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Fx «Ring igen om praktikplads». Skriv ikke personnavne her."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    next_step_due = _date_field(gettext_lazy("Næste skridt senest"), required=False)
    next_step_owner = UserChoiceField(
        label=gettext_lazy("Ansvarlig for næste skridt"),
        queryset=User.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    updated_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, company: Company | None = None, entry: ContactEntry | None = None,
                 owner_tree_ids: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.company = entry.company if entry is not None else company
        if self.company is not None:
            for name in ("cvr", *self.COMPANY_FIELDS):
                del self.fields[name]
            self.fields["need"].queryset = selectors.company_open_needs(self.company)
        else:
            del self.fields["need"]
        organisation = entry.organisation if entry is not None else user.organisation
        self.fields["next_step_owner"].queryset = selectors.next_step_owner_choices(
            organisation, tree_ids=owner_tree_ids
        )
        if entry is None:
            del self.fields["updated_at"]
            self.initial.setdefault("contact_date", timezone.localdate())
            self.initial.setdefault("next_step_owner", user.pk)
        else:
            self.initial.update({
                name: getattr(entry, f"{name}_id" if name in ("need", "next_step_owner") else name)
                for name in services.CONTACT_EDITABLE_FIELDS
            })
            self.initial["next_step_owner"] = entry.next_step_owner_id or user.pk
            self.initial["updated_at"] = entry.updated_at.isoformat()

    def read_updated_at(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.cleaned_data.get("updated_at") or "")
        except ValueError:
            return None

    def contact_kwargs(self) -> dict:
        c = self.cleaned_data
        has_step = bool((c.get("next_step") or "").strip())
        return {
            "contact_date": c["contact_date"],
            "channel": c["channel"],
            "topic": c["topic"],
            "note": c.get("note") or "",
            "mentions_person": bool(c.get("mentions_person")),
            "need": c.get("need"),
            "next_step": c.get("next_step") or "",
            "next_step_due": c.get("next_step_due"),
            # The owner select always has a value; it only counts when there is a next step.
            "next_step_owner": c.get("next_step_owner") if has_step else None,
        }


class HandoverForm(AppErrorFormMixin, forms.Form):
    to_organisation = OrganisationChoiceField(
        label=gettext_lazy("Overdrag til"),
        queryset=Organisation.objects.none(),
        empty_label=gettext_lazy("Vælg partner"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("Vælg hvem du overdrager til.")},
    )
    need = NeedChoiceField(
        label=gettext_lazy("Behov"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=gettext_lazy("Hele virksomheden (intet bestemt behov)"),
        help_text=gettext_lazy("Et behov, der overdrages, får modtageren som ansvarlig organisation, når den accepterer."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    message = forms.CharField(
        label=gettext_lazy("Besked til modtageren"),
        help_text=gettext_lazy("Hvad drejer det sig om, og hvad er aftalt med virksomheden? Kun afsender og modtager kan læse beskeden."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 5}),
        error_messages={"required": gettext_lazy("Skriv en besked til modtageren.")},
    )

    def __init__(self, *args, user: User, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = selectors.handover_receiver_choices(user)
        self.fields["need"].queryset = selectors.company_open_needs(company)


class DeclineForm(AppErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Begrundelse"),
        help_text=gettext_lazy("Afsenderen får begrundelsen. Foreslå gerne, hvem der kan hjælpe i stedet."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
        error_messages={"required": gettext_lazy("Skriv en begrundelse.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- Contact log -------------------------------------------------------------------------------


def _render_contact_form(request: HttpRequest, form: ContactForm, *, entry: ContactEntry | None = None,
                         conflict: bool = False, status: int = 200) -> HttpResponse:
    context = {"form": form, "company": form.company, "entry": entry, "conflict": conflict,
               "next": _next_url(request, ""), "lookup": form_lookup_state(form)}
    return render(request, "companies/contacts/contact_form.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    """GET ?company=<pk>: log a contact with that company; without it, pick the company by CVR number."""
    user = request.user
    _require_workspace(user)
    company = _company_from_query(request)
    form = ContactForm(request.POST or None, user=user, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                target = company if company is not None else company_get_or_create(**form.company_kwargs())[0]
                entry = services.contact_create(user=user, company=target, **form.contact_kwargs())
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Kontakten er registreret."))
            return redirect(_next_url(request, company_url(entry.company)))
    return _render_contact_form(request, form)


def _entry_or_404(request: HttpRequest, pk: int, *, allowed) -> ContactEntry:
    """The contact entry the user may see (404 otherwise); 403 unless `allowed(user, entry)`."""
    user = request.user
    _require_workspace(user)
    entry = selectors.access_contact(user, pk)
    if entry is None:
        raise Http404
    if not allowed(user, entry):
        raise PermissionDenied
    return entry


@staff_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = _entry_or_404(request, pk, allowed=selectors.can_edit_contact)
    form = ContactForm(request.POST or None, user=user, entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                user=user, entry=entry, changes=form.contact_kwargs(), read_updated_at=form.read_updated_at()
            )
        except Conflict as exc:
            form.add_error(None, str(exc.message))
            fresh = _entry_or_404(request, pk, allowed=selectors.can_edit_contact)
            return _render_contact_form(request, form, entry=fresh, conflict=True)
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect(_next_url(request, company_url(entry.company)))
    return _render_contact_form(request, form, entry=entry)


@staff_required
@require_POST
def contact_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the next step of a contact as done (its owner or the author's organisation)."""
    user = request.user
    entry = _entry_or_404(request, pk, allowed=selectors.can_complete_next_step)
    services.contact_next_step_done(user=user, entry=entry)
    messages.success(request, _("Næste skridt er markeret som udført: %(step)s") % {"step": entry.next_step})
    return redirect(_next_url(request, reverse("next_steps")))


@staff_required
def next_steps(request: HttpRequest) -> HttpResponse:
    """"Mine opfølgninger", or the organisation's (?scope=organisation): overdue, today, upcoming."""
    user = request.user
    _require_workspace(user)
    scope = "organisation" if request.GET.get("scope") == "organisation" else "mine"
    return render(
        request,
        "companies/contacts/next_steps.html",
        {
            "scope": scope,
            "show_owner": scope == "organisation",
            "steps": selectors.next_steps(user, scope),
            "upcoming_days": selectors.UPCOMING_DAYS,
            "today": timezone.localdate(),
        },
    )


# --- Hand-overs --------------------------------------------------------------------------------


@staff_required
def handover_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_workspace(user)
    return render(
        request,
        "companies/contacts/handover_list.html",
        {"lists": selectors.handover_lists(user), "decline_form": DeclineForm()},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def handover_create(request: HttpRequest) -> HttpResponse:
    """GET ?company=<pk>[&need=<pk>]: hand the company (or one of its needs) to another partner."""
    user = request.user
    _require_workspace(user)
    company = _company_from_query(request)
    if company is None:
        raise Http404
    initial = {}
    need_value = request.GET.get("need", "")
    if need_value.isdigit():
        initial["need"] = int(need_value)
    form = HandoverForm(request.POST or None, user=user, company=company, initial=initial)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            handover = services.handover_create(
                user=user, company=company, to_organisation=c["to_organisation"], message=c["message"],
                need=c.get("need"),
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(
                request,
                _("%(company)s er overdraget til %(org)s. Overdragelsen afventer, at modtageren accepterer den.")
                % {"company": handover.company.name, "org": handover.to_organisation.name},
            )
            return redirect(_next_url(request, company_url(handover.company)))
    return render(request, "companies/contacts/handover_form.html", {"form": form, "company": company})


def _respondable(request: HttpRequest, pk: int) -> Handover:
    user = request.user
    _require_workspace(user)
    handover = selectors.access_handover(user, pk)
    if handover is None:
        raise Http404
    if handover.to_organisation_id not in partner_org_ids(user):
        raise PermissionDenied
    return handover


@staff_required
@require_POST
def handover_accept(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _respondable(request, pk)
    try:
        services.handover_accept(user=request.user, handover=handover, version=posted_version(request))
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Du har accepteret overdragelsen af %(company)s. Afsenderen får besked.") % {"company": handover.company.name},
        )
    return redirect(_next_url(request, reverse("handover_list")))


@staff_required
@require_http_methods(["GET", "POST"])
def handover_decline(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _respondable(request, pk)
    form = DeclineForm(request.POST or None, initial={"version": handover.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_decline(
                user=request.user, handover=handover, reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("version"),
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(
                request,
                _("Du har afvist overdragelsen af %(company)s. Afsenderen får besked.") % {"company": handover.company.name},
            )
            return redirect(_next_url(request, reverse("handover_list")))
    return render(request, "companies/contacts/handover_decline.html", {"form": form, "handover": handover})
