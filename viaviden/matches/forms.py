"""Forms of the match registry: register/edit a match (company inline) and filter the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from viaviden.companies.forms import CompanyFieldsForm, municipality_choice
from viaviden.companies.models import Company, Need
from viaviden.companies.need_selectors import access_need
from viaviden.core.errors import AppError, NotFound
from viaviden.core.forms import DateField, OrganisationChoiceField
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel

from .models import Activity, Match, MatchType, Programme
from .selectors import STATUS_COUNTED, filter_matches
from .services import MatchData

CONSENT_MESSAGE = _(
    "Navn og e-mail må kun registreres, når personen har givet samtykke. Sæt kryds ved samtykke "
    "eller fjern navn og e-mail."
)

# Where a service error belongs in the form (its stable code → field); others go to the top.
ERROR_FIELDS = {
    "consent_required": "person_consent",
    "invalid_cvr": "cvr",
    "company_unknown": "company_name",
    "outside_programme": "start_date",
    "start_too_late": "start_date",
    "invalid_activity": "activity",
    "need_company_mismatch": "cvr",
    # matches.rules: a Vækstpilot-type match must point to its granted application.
    "vaekstpilot_application_required": "reference",
    "vaekstpilot_application_unknown": "reference",
    "vaekstpilot_application_not_granted": "reference",
    "vaekstpilot_application_other_company": "reference",
    "vaekstpilot_application_taken": "reference",
}


class OrganisationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class EducationLevelField(forms.ModelChoiceField):
    def label_from_instance(self, obj: EducationLevel) -> str:
        return f"{obj.code} – {obj.label}"


def partner_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(active=True, is_project_partner=True).order_by("name")


class MatchForm(CompanyFieldsForm):
    """Register or edit a match. Field order is the order a consultant fills it in."""

    registering_org = OrganisationChoiceField(
        label=_("Registrerende organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("Den partner, matchet tæller for."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    match_type = forms.ModelChoiceField(
        label=_("Matchtype"),
        queryset=MatchType.objects.order_by("order"),
        empty_label=None,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg matchtypen.")},
    )
    reference = forms.CharField(
        label=_("Vækstpilot-ansøgning (referencenummer)"),
        max_length=40,
        required=False,
        help_text=_("Kun for Ordinært job med Vækstpilot: den bevilgede ansøgnings nummer, fx VP-00012."),
        widget=forms.TextInput(attrs={"class": "form-input input-width-s", "autocomplete": "off"}),
    )
    start_date = DateField(
        label=_("Startdato"),
        help_text=_("Fx 15-08-2022."),
        error_messages={
            "required": _("Angiv startdatoen."),
            "invalid": _("Angiv startdatoen som dd-mm-åååå, fx 15-08-2022."),
        },
    )
    education_level = EducationLevelField(
        label=_("Uddannelsesniveau"),
        queryset=EducationLevel.objects.order_by("order"),
        empty_label=None,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg uddannelsesniveauet.")},
    )
    education = forms.CharField(
        label=_("Uddannelse"),
        max_length=200,
        required=False,
        help_text=_("Fx Datamatiker eller Cand.merc."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    institution = forms.CharField(
        label=_("Uddannelsesinstitution"),
        max_length=200,
        required=False,
        help_text=_("Fx AAU eller UCN."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    activity = forms.ChoiceField(
        label=_("Aktivitet"),
        choices=Activity.choices,
        initial=Activity.COMPANY_CONTACT,
        help_text=_("Den aktivitet i projektet, matchet kom fra."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    activity_note = forms.CharField(
        label=_("Aktivitet, uddybning"),
        max_length=200,
        required=False,
        help_text=_("Fx navnet på børsen eller arrangementet."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    contributors = OrganisationMultipleChoiceField(
        label=_("Bidragende partnere"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_(
            "Andre partnere, der hjalp, fx Central Matchningsenhed. Hold Ctrl (Cmd på Mac) nede for at vælge flere."
        ),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )
    person_identifier = forms.CharField(
        label=_("Personens identifikation (pseudonym)"),
        max_length=254,
        required=False,
        help_text=_(
            "Skriv fx personens e-mail eller jeres eget sags-id. Det gemmes ikke: platformen "
            "gemmer kun en kode, som bruges til at opdage, hvis en anden partner registrerer det samme "
            "match, så det ikke tælles to gange."
        ),
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "off"}),
    )
    person_consent = forms.BooleanField(
        label=_("Personen har givet samtykke til, at navn og e-mail registreres"),
        required=False,
        help_text=_("Uden samtykke registreres matchet pseudonymt (kun uddannelse og niveau)."),
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox", "data-consent-toggle": "person-details"}),
    )
    person_name = forms.CharField(
        label=_("Personens navn"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "off"}),
    )
    person_email = forms.EmailField(
        label=_("Personens e-mail"),
        required=False,
        error_messages={"invalid": _("Angiv en gyldig e-mailadresse.")},
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "off"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The need the match is registered from (match_create?need=<pk>); registering the match answers it.
    need = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = [
        "registering_org",
        "cvr",
        *CompanyFieldsForm.COMPANY_FIELDS,
        "match_type",
        "reference",
        "start_date",
        "education_level",
        "education",
        "institution",
        "activity",
        "activity_note",
        "contributors",
        "person_identifier",
        "person_consent",
        "person_name",
        "person_email",
        "version",
        "need",
    ]

    def __init__(
        self,
        *args: Any,
        user: User,
        match: Match | None = None,
        need: Need | None = None,
        candidate: Any = None,
        **kwargs: Any,
    ):
        if match is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(match)
        elif (need is not None or candidate is not None) and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from_need(need) if need is not None else {}
            if candidate is not None:
                kwargs["initial"].update(self.initial_from_candidate(candidate))
        super().__init__(*args, **kwargs)
        self.user = user
        self.match = match
        self.from_need: Need | None = need
        self.fields["contributors"].queryset = partner_organisations()
        if match is not None:
            # Registering partner, contributors, the person key and the need are fixed after registration.
            for name in ("registering_org", "contributors", "person_identifier", "need"):
                del self.fields[name]
            self.fields["version"].required = True
        else:
            del self.fields["version"]
            if user.sees_everything:
                self.fields["registering_org"].queryset = partner_organisations()
                self.fields["registering_org"].initial = user.organisation_id
            else:
                del self.fields["registering_org"]

    @staticmethod
    def initial_from(match: Match) -> dict[str, Any]:
        return {
            "cvr": match.company.cvr,
            "match_type": match.match_type_id,
            "start_date": match.start_date,
            "education_level": match.education_level_id,
            "education": match.education,
            "institution": match.institution,
            "activity": match.activity,
            "activity_note": match.activity_note,
            "person_consent": match.person_consent_at is not None,
            "person_name": match.person_name,
            "person_email": match.person_email,
            "version": match.version,
        }

    @staticmethod
    def initial_from_need(need: Need) -> dict[str, Any]:
        """Prefill from a need: the company, and the match type when exactly one was wished."""
        initial: dict[str, Any] = {"cvr": need.company.cvr, "need": need.pk}
        types = list(need.match_types.all())
        if len(types) == 1:
            initial["match_type"] = types[0].pk
        return initial

    @staticmethod
    def initial_from_candidate(candidate: Any) -> dict[str, Any]:
        """Prefill from a suggested candidate (a candidates.selectors.CandidateView, as the user may see them):
        education, level and the platform's pseudonym as the person key; name and e-mail only when the user
        may see them (the consent box stays for the user to tick)."""
        initial: dict[str, Any] = {
            "education": candidate.education,
            "institution": candidate.institution,
            "person_identifier": f"K-{candidate.pk}",
        }
        if candidate.level is not None:
            initial["education_level"] = candidate.level.pk
        if candidate.revealed:
            initial["person_name"] = candidate.name or ""
            initial["person_email"] = candidate.email or ""
        return initial

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("person_name") or cleaned.get("person_email")) and not cleaned.get("person_consent"):
            self.add_error("person_consent", CONSENT_MESSAGE)
        need_id = cleaned.get("need")
        if need_id:
            try:
                self.from_need = access_need(self.user, need_id)
            except NotFound as exc:
                self.add_error(None, str(exc.message))
        elif "need" in self.fields:
            self.from_need = None
        return cleaned

    @property
    def is_editing(self) -> bool:
        return self.match is not None

    def registering_organisation(self) -> Organisation:
        if "registering_org" in self.fields:
            return self.cleaned_data["registering_org"]
        return self.user.organisation  # type: ignore[return-value]

    def match_data(self, company: Company) -> MatchData:
        c = self.cleaned_data
        return MatchData(
            company=company,
            match_type=c["match_type"],
            start_date=c["start_date"],
            education_level=c["education_level"],
            institution=c["institution"],
            education=c["education"],
            person_identifier=c["person_identifier"],
            person_name=c["person_name"],
            person_email=c["person_email"],
            person_consent=c["person_consent"],
            activity=c["activity"],
            activity_note=c["activity_note"],
            contributors=tuple(c["contributors"]),
            need=self.from_need,
            reference=c.get("reference", ""),
        )

    def changes(self, match: Match, company: Company) -> dict[str, Any]:
        """The edited fields that differ from the stored match (for services.match_update)."""
        c = self.cleaned_data
        new = {
            "company": company,
            "match_type": c["match_type"],
            "start_date": c["start_date"],
            "education_level": c["education_level"],
            "education": c["education"].strip(),
            "institution": c["institution"].strip(),
            "activity": c["activity"],
            "activity_note": c["activity_note"].strip(),
            "person_name": c["person_name"].strip(),
            "person_email": c["person_email"].strip(),
        }
        changes = {k: v for k, v in new.items() if getattr(match, k) != v}
        if c["person_consent"]:
            changes["person_consent"] = True
        return changes

    def add_app_error(self, exc: AppError) -> None:
        field = ERROR_FIELDS.get(exc.code)
        self.add_error(field if field in self.fields else None, str(exc.message))


def _half_years(programmes: list[Programme]) -> list[str]:
    halves: set[str] = set()
    for p in programmes:
        day = dt.date(p.start_date.year, 1 if p.start_date.month <= 6 else 7, 1)
        while day <= p.end_date:
            halves.add(f"{day.year}-H{1 if day.month <= 6 else 2}")
            day = dt.date(day.year, 7, 1) if day.month == 1 else dt.date(day.year + 1, 1, 1)
    return sorted(halves)


class MatchFilterForm(forms.Form):
    """The list filters. The GET parameter names are a contract: the dashboard links use them."""

    q = forms.CharField(
        label=_("Søg virksomhed eller CVR-nummer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}),
    )
    municipality = municipality_choice(label=_("Kommune"), required=False, empty_label=_("Alle"))
    partner = OrganisationChoiceField(
        label=_("Partner"),
        queryset=Organisation.objects.filter(parent__isnull=True).order_by("name"),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    match_type = forms.ModelChoiceField(
        label=_("Matchtype"),
        queryset=MatchType.objects.order_by("order"),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    level = EducationLevelField(
        label=_("Niveau"),
        queryset=EducationLevel.objects.order_by("order"),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    project_year = forms.TypedChoiceField(
        label=_("Projektår"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    half_year = forms.ChoiceField(
        label=_("Halvår"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    start_date_from = DateField(label=_("Startdato fra"), required=False)
    start_date_to = DateField(label=_("Startdato til og med"), required=False)
    contributor = OrganisationChoiceField(
        label=_("Bidragende organisation"),
        queryset=Organisation.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label=_("Alle"),
        help_text=_("Match, organisationen registrerede eller bidrog til."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    contributor_role = forms.ChoiceField(
        label=_("Bidrag"),
        required=False,
        choices=[("", _("Registrerede eller bidrog")), ("registered", _("Registrerede")),
                 ("contributed", _("Bidrog til andres match"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle")), (STATUS_COUNTED, _("Tæller med (ikke afvist)")), *Match.Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    activity = forms.ChoiceField(
        label=_("Aktivitet"),
        required=False,
        choices=[("", _("Alle")), *Activity.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # Also used by the dashboard's links (beyond the fixed names above).
    target_part = forms.ChoiceField(
        label=_("Måltalsandel"),
        required=False,
        choices=[("", _("Alle")), *Organisation.TargetPart.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    outside_aalborg = forms.NullBooleanField(
        label=_("Uden for Aalborg"),
        required=False,
        widget=forms.Select(
            attrs={"class": "form-select"}, choices=[("", _("Alle")), ("true", _("Ja")), ("false", _("Nej"))]
        ),
    )
    programme = forms.ChoiceField(
        label=_("Programperiode"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    # A status report's cut-off: its numbers link to the matches that started on or before it.
    start_date_to = forms.DateField(
        label=_("Startdato til og med"), required=False,
        widget=forms.DateInput(attrs={"class": "form-input", "type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        programmes = list(Programme.objects.all())
        years = sorted({y for p in programmes for y in p.project_years()})
        self.fields["project_year"].choices = [("", _("Alle"))] + [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]
        self.fields["half_year"].choices = [("", _("Alle"))] + [(h, h) for h in _half_years(programmes)]
        self.fields["programme"].choices = [("", _("Alle"))] + [(p.slug, p.name) for p in programmes]

    def filter(self, qs: QuerySet[Match]) -> QuerySet[Match]:
        """Apply the valid filters (an invalid one is shown as an error and ignored)."""
        self.is_valid()
        return filter_matches(qs, **getattr(self, "cleaned_data", {}))

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in getattr(self, "cleaned_data", {}).values())
