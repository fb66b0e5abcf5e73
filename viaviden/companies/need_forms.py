"""Forms for needs (afdækning): register/edit, filter the list, close with an answer, assign, reopen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.core.forms import DateField, OrganisationChoiceField
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType

from .answer_promise import answer_rule_on
from .contact_selectors import organisation_tree_ids
from .forms import CompanyFieldsForm, municipality_choice
from .models import Company, Need


class MatchTypesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: MatchType) -> str:
        return obj.label


class LevelsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EducationLevel) -> str:
        return f"{obj.code} – {obj.label}"


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.organisation.name})" if obj.organisation_id else name


def owner_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(active=True, is_project_partner=True).order_by("name")


def owner_candidates(organisation: Organisation) -> QuerySet[User]:
    """Active staff of the organisation's partner (a municipality's jobcentre, business office and units)."""
    return (
        User.objects.filter(is_active=True, organisation_id__in=organisation_tree_ids(organisation))
        .exclude(role=User.Role.STEERING_GROUP)
        .select_related("organisation")
        .order_by("first_name", "last_name", "username")
    )


class NeedForm(CompanyFieldsForm):
    """Register or edit a need. The company is chosen by CVR number unless it is given (company page,
    editing); the other fields are the order a consultant asks about them."""

    title = forms.CharField(
        label=_("Overskrift"),
        max_length=200,
        required=False,
        help_text=_("Fx «Studiepraktikant til markedsføring». Tom: første linje af opgaverne."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    tasks = forms.CharField(
        label=_("Opgaver virksomheden vil have løst"),
        help_text=_("Hvad skal løses, og hvorfor? Skriv med virksomhedens egne ord."),
        error_messages={"required": _("Beskriv de opgaver, virksomheden vil have løst.")},
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 5}),
    )
    recognised = forms.TypedChoiceField(
        label=_("Har virksomheden selv erkendt behovet?"),
        choices=[
            ("true", _("Ja, virksomheden har selv erkendt behovet")),
            ("false", _("Nej, behovet er uerkendt – virksomheden har ikke selv set det endnu")),
        ],
        coerce=lambda value: value in (True, "true", "True"),
        initial="true",
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    match_types = MatchTypesField(
        label=_("Ønskede matchtyper"),
        queryset=MatchType.objects.order_by("order"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    education_levels = LevelsField(
        label=_("Ønskede uddannelsesniveauer"),
        queryset=EducationLevel.objects.order_by("order"),
        required=False,
        help_text=_("Vælg ingen, hvis alle niveauer er velkomne. Ofte passer en KVU lige så godt som en LVU."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    level_unknown = forms.BooleanField(
        label=_("Virksomheden ved ikke, hvilket niveau der passer"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    education_wish = forms.CharField(
        label=_("Ønsket uddannelse eller kompetencer"),
        max_length=300,
        required=False,
        help_text=_("Fx «datamatiker eller lignende», «kan kode Python», «markedsføring på sociale medier»."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    time_frame = forms.CharField(
        label=_("Tidsramme"),
        max_length=200,
        required=False,
        help_text=_("Fx «efterårssemestret» eller «3 måneder fra august»."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    earliest_start = DateField(
        label=_("Tidligst start"),
        required=False,
        help_text=_("Fx 15-08-2022."),
        error_messages={"invalid": _("Angiv datoen som dd-mm-åååå, fx 15-08-2022.")},
    )
    place_municipality = municipality_choice(
        label=_("Arbejdssted (kommune)"), required=False, empty_label=_("Virksomhedens arbejdssted")
    )
    place = forms.CharField(
        label=_("Sted"),
        max_length=200,
        required=False,
        help_text=_("Fx adresse, afdeling eller «hjemmearbejde muligt»."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    owner_organisation = OrganisationChoiceField(
        label=_("Ansvarlig organisation"),
        queryset=Organisation.objects.none(),
        empty_label=_("Vælg organisation"),
        error_messages={"required": _("Vælg den ansvarlige organisation.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FACT_FIELDS = (
        "title", "tasks", "recognised", "match_types", "education_levels", "level_unknown", "education_wish",
        "time_frame", "earliest_start", "place_municipality", "place",
    )

    def __init__(self, *args: Any, user: User, company: Company | None = None, need: Need | None = None,
                 **kwargs: Any):
        if need is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(need)
        super().__init__(*args, **kwargs)
        self.user, self.need = user, need
        self.company = need.company if need is not None else company
        if self.company is not None:
            for name in ("cvr", *CompanyFieldsForm.COMPANY_FIELDS):
                del self.fields[name]
        if need is not None:
            del self.fields["owner_organisation"]
            self.fields["version"].required = True
        else:
            del self.fields["version"]
            if user.sees_everything:
                self.fields["owner_organisation"].queryset = owner_organisations()
                self.fields["owner_organisation"].initial = user.organisation_id
            else:
                del self.fields["owner_organisation"]
        days = answer_rule_on(timezone.localdate()).working_days
        self.fields["match_types"].help_text = _(
            "Vælg ingen, hvis virksomheden er åben for alle typer. Ønsker virksomheden et studentersamarbejde, "
            "skal den have svar inden for %(days)s arbejdsdage – også hvis der ikke findes et match."
        ) % {"days": days}

    @staticmethod
    def initial_from(need: Need) -> dict[str, Any]:
        return {
            "title": need.title,
            "tasks": need.tasks,
            "recognised": "true" if need.recognised else "false",
            "match_types": [mt.pk for mt in need.match_types.all()],
            "education_levels": [lv.pk for lv in need.education_levels.all()],
            "level_unknown": need.level_unknown,
            "education_wish": need.education_wish,
            "time_frame": need.time_frame,
            "earliest_start": need.earliest_start,
            "place_municipality": need.place_municipality_id,
            "place": need.place,
            "version": need.version,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level_unknown") and cleaned.get("education_levels"):
            self.add_error(
                "education_levels",
                _("Vælg enten et eller flere uddannelsesniveauer eller «ved ikke» – ikke begge dele."),
            )
        return cleaned

    def facts(self) -> dict[str, Any]:
        """The need's facts as keyword arguments for need_create / need_update."""
        c = self.cleaned_data
        return {name: c[name] for name in self.FACT_FIELDS}

    def owner_organisation_choice(self) -> Organisation | None:
        if "owner_organisation" in self.fields:
            return self.cleaned_data["owner_organisation"]
        return None


class NeedFilterForm(forms.Form):
    """The list filters (GET)."""

    q = forms.CharField(
        label=_("Søg overskrift, virksomhed eller CVR-nummer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle")), *Need.Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    organisation = OrganisationChoiceField(
        label=_("Ansvarlig organisation"),
        queryset=owner_organisations(),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    municipality = municipality_choice(label=_("Arbejdssted (kommune)"), required=False, empty_label=_("Alle"))
    match_type = forms.ModelChoiceField(
        label=_("Ønsket matchtype"),
        queryset=MatchType.objects.order_by("order"),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    open = forms.BooleanField(
        label=_("Kun åbne behov"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-checkbox"})
    )
    mine = forms.BooleanField(
        label=_("Kun behov, jeg er ansvarlig for"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    overdue = forms.BooleanField(
        label=_("Kun behov over svarfristen"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def selector_kwargs(self) -> dict[str, Any]:
        """Arguments for need_selectors.need_list (invalid filters are shown as errors and ignored)."""
        self.is_valid()
        c = getattr(self, "cleaned_data", {})
        return {
            "q": c.get("q") or None,
            "status": c.get("status") or None,
            "owner_organisation": c["organisation"].pk if c.get("organisation") else None,
            "municipality": c["municipality"].pk if c.get("municipality") else None,
            "match_type": c["match_type"].pk if c.get("match_type") else None,
            "open_only": bool(c.get("open")),
            "mine": bool(c.get("mine")),
            "overdue": bool(c.get("overdue")),
        }

    @property
    def active(self) -> bool:
        return any(v not in (None, "", False) for v in getattr(self, "cleaned_data", {}).values())


class NeedCloseForm(forms.Form):
    """Close a need with the answer the company gets."""

    answer = forms.ChoiceField(
        label=_("Svar til virksomheden"),
        required=False,  # the service refuses a close without an answer (one rule, one place)
        choices=[],
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    answer_note = forms.CharField(
        label=_("Begrundelse / beskrivelse af svaret"),
        required=False,
        help_text=_(
            "Virksomheden kan læse teksten på sin statusside. Skriv den til virksomheden, og nævn ikke "
            "personer ved navn. Ved «intet match» skal begrundelsen stå her; ved et alternativt tilbud "
            "beskriver du tilbuddet."
        ),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, need: Need, **kwargs: Any):
        kwargs.setdefault("initial", {"version": need.version})
        super().__init__(*args, **kwargs)
        choices = [
            (Need.Answer.ALTERNATIVE.value, _("Alternativt tilbud (fx en anden ydelse eller matchtype)")),
            (Need.Answer.NO_MATCH.value, _("Intet match – med begrundelse til virksomheden")),
        ]
        if need.matches.exists():
            choices.insert(0, (Need.Answer.MATCH.value, _("Match (et match er registreret fra behovet)")))
        self.fields["answer"].choices = choices


class NeedAssignForm(forms.Form):
    owner_organisation = OrganisationChoiceField(
        label=_("Ansvarlig organisation"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner = UserField(
        label=_("Ansvarlig medarbejder"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ingen bestemt"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, need: Need, **kwargs: Any):
        kwargs.setdefault(
            "initial", {"owner_organisation": need.owner_organisation_id, "owner": need.owner_id, "version": need.version}
        )
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = owner_organisations()
        # Staff of the current owner organisation; choosing another organisation and one of its staff
        # at once is done in two steps (or the service says the two do not belong together).
        candidates = owner_candidates(need.owner_organisation)
        if self.is_bound:
            org_id = self.data.get(self.add_prefix("owner_organisation"))
            org = Organisation.objects.filter(pk=org_id).first() if str(org_id or "").isdigit() else None
            if org is not None:
                candidates = candidates | owner_candidates(org)
        self.fields["owner"].queryset = candidates


class NeedReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Hvorfor genåbnes behovet?"),
        required=False,  # the service requires it
        help_text=_("Kun til intern brug; virksomheden ser, at behovet behandles igen."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
