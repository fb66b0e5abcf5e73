"""The front door and the audit log."""

from __future__ import annotations

from auditlog.models import LogEntry
from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from viaviden.organisations.access import coordinator_required
from viaviden.organisations.models import User

from .audit import ACTIONS, OBJECT_TYPES, audit_entries, describe_entries
from .pagecache import public_page

AUDIT_PAGE_SIZE = 50


def _front_version(request: HttpRequest) -> str:
    """The public front page changes with the code and base.html's notice only (the site version)."""
    return ""


@public_page(_front_version)
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors get the public front page (companies, the public, staff login); logged-in
    staff go to the dashboard (which checks the second factor)."""
    if not request.user.is_authenticated:
        return render(request, "core/home_public.html")
    return redirect(reverse("dashboard"))


class AuditFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Objekttype"),
        required=False,
        choices=[("", _("Alle"))] + [(key, label) for key, (_a, _m, label) in OBJECT_TYPES.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    action = forms.ChoiceField(
        label=_("Handling"),
        required=False,
        choices=[("", _("Alle"))] + [(key, label) for key, (_code, label) in ACTIONS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    actor = forms.ModelChoiceField(
        label=_("Udført af"),
        required=False,
        empty_label=_("Alle"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    object_id = forms.CharField(
        label=_("Objekt-id"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who appear in the log are offered.
        self.fields["actor"].queryset = User.objects.filter(
            pk__in=LogEntry.objects.exclude(actor=None).values("actor_id")
        ).order_by("first_name", "last_name", "username")
        self.fields["actor"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


@coordinator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who created, changed and deleted matches, targets and the other audited objects (coordinators)."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        entries = LogEntry.objects.none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        actor = data.get("actor")
        entries = audit_entries(
            object_type=data.get("type", ""),
            action=data.get("action", ""),
            actor_id=actor.pk if actor else None,
            object_id=data.get("object_id", ""),
        )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = describe_entries(list(page.object_list))
    return render(request, "core/audit_log.html", {"form": form, "page": page})


@coordinator_required
def operations_status(request: HttpRequest) -> HttpResponse:
    """The scheduled jobs' last run, outcome and next run, and e-mails that could not be delivered."""
    from .jobs import job_status, mail_failures

    return render(request, "core/operations_status.html", {"jobs": job_status(), "failures": mail_failures()})
