"""Forms of the cohort pages. They parse input only; the rules are in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from viaviden.core.forms import AppErrorFormMixin, DateField, ImportUploadForm, OrganisationChoiceField
from viaviden.matches.forms import partner_organisations
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import User
from viaviden.reference.models import EducationLevel

from .models import Cohort, Participant

TEXT = {"class": "form-input"}


def manageable_organisations(user: User):
    qs = partner_organisations()
    return qs if user.sees_everything else qs.filter(pk__in=partner_org_ids(user))


class CohortForm(AppErrorFormMixin, forms.Form):
    organisation = OrganisationChoiceField(label=_("Organisation"), queryset=partner_organisations(),
                                           widget=forms.Select(attrs={"class": "form-select"}))
    title = forms.CharField(label=_("Titel"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    activity = forms.ChoiceField(label=_("Aktivitet"), choices=Cohort.Activity.choices,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    start_date = DateField(label=_("Startdato"))
    end_date = DateField(label=_("Slutdato"), help_text=_("Effekten måles 4 måneder efter denne dato."))
    note = forms.CharField(label=_("Bemærkning"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT))
    identifiers = forms.CharField(
        label=_("Deltagere"), required=False,
        help_text=_("Ét id pr. linje: jeres eget sagsnummer eller personens e-mail. Det gemmes kun som en pseudonym "
                    "nøgle, aldrig som tekst. Skriv ikke navne eller CPR-numre."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 6}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = manageable_organisations(user)
        if not user.sees_everything and user.organisation_id:
            self.fields["organisation"].initial = user.organisation_id
        if editing:
            del self.fields["organisation"]
            del self.fields["identifiers"]

    def identifier_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("identifiers", "").splitlines() if line.strip()]


class ParticipantsAddForm(forms.Form):
    identifiers = forms.CharField(
        label=_("Tilføj deltagere"),
        help_text=_("Ét id pr. linje: jeres eget sagsnummer eller personens e-mail (gemmes kun som pseudonym nøgle)."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )
    education_level = forms.ModelChoiceField(label=_("Uddannelsesniveau"), required=False, empty_label=_("Ikke angivet"),
                                             queryset=EducationLevel.objects.all(),
                                             widget=forms.Select(attrs={"class": "form-select"}))

    def identifier_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["identifiers"].splitlines() if line.strip()]


class OutcomeForm(AppErrorFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Udfald"), required=False,
                                choices=[("", _("Ikke registreret"))] + list(Participant.Outcome.choices),
                                widget=forms.Select(attrs={"class": "form-select"}))
    outcome_date = DateField(label=_("Startdato for job eller uddannelse"), required=False)


class CohortImportForm(ImportUploadForm):
    organisation = OrganisationChoiceField(label=_("Organisation"), queryset=partner_organisations(),
                                           help_text=_("Den organisation, der kører forløbene i filen."),
                                           widget=forms.Select(attrs={"class": "form-select"}))
    field_order = ["organisation", "file", "skip_invalid"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organisation"].queryset = manageable_organisations(user)
        if not user.sees_everything:
            self.fields["organisation"].initial = user.organisation_id
