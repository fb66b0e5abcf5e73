"""Forms of Nordjysk Vækstpilot: the application (staff and the company's public form), the monthly wage
report, follow-up, decisions, and the scheme's rules and quotas. Forms parse input; the rules live in
services.py and eligibility.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from viaviden.companies.forms import CvrField
from viaviden.companies.selfservice import form_token_issue, municipality_for_postal_code, postal_code_municipalities
from viaviden.core.errors import ValidationFailed
from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel, Municipality

from .calculation import format_dkk, parse_dkk
from .models import FollowUp, SchemeRule
from .services import ApplicationData

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]


def _date_field(label, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=DATE_INPUT_FORMATS, help_text=help_text,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input input-width-s"}),
        error_messages={"required": _("Angiv datoen."), "invalid": _("Angiv datoen som dd-mm-åååå, fx 01-03-2021.")},
    )


class DkkField(forms.CharField):
    """An amount in kroner as Danes write it (25.000,50); cleaned to øre."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "form-input input-width-s",
                                                           "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_dkk(value)
        except ValueError:
            raise forms.ValidationError(_("Skriv beløbet i kroner, fx 28.500 eller 28.500,50."), code="invalid")


class LevelField(forms.ModelChoiceField):
    def label_from_instance(self, obj: EducationLevel) -> str:
        return f"{obj.code} – {obj.label}"


class ServiceErrorsMixin:
    """Put a service's ValidationFailed details on the form's fields (unknown fields at the top)."""

    def add_service_errors(self, exc: ValidationFailed) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        if not details:
            self.add_error(None, str(exc.message))  # type: ignore[attr-defined]
        for field, messages in details.items():
            target = field if field in self.fields else None  # type: ignore[attr-defined]
            for message in messages:
                if target is not None and target in self.errors and message in self.errors[target]:  # type: ignore
                    continue
                self.add_error(target, message)  # type: ignore[attr-defined]


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    """The application: company and workplace, growth task, person, wage and dates."""

    cvr = CvrField(help_text=_("8 cifre. Findes virksomheden ikke i registret, oprettes den."))
    company_name = forms.CharField(
        label=_("Virksomhedens navn"), max_length=200, required=False,
        help_text=_("Kun nødvendigt, hvis virksomheden ikke findes i registret."),
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "organization"}),
    )
    postal_code = forms.CharField(
        label=_("Postnummer for arbejdsstedet"), max_length=4, min_length=4,
        help_text=_("Der hvor vækstpiloten skal arbejde."),
        error_messages={"required": _("Skriv arbejdsstedets postnummer."),
                        "min_length": _("Postnummeret skal bestå af 4 cifre."),
                        "max_length": _("Postnummeret skal bestå af 4 cifre.")},
        widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric",
                                      "autocomplete": "postal-code"}),
    )
    municipality = forms.ChoiceField(
        label=_("Arbejdsstedets kommune"), required=False, choices=[],
        help_text=_("Postnummeret ligger i flere kommuner."),
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    company_is_private = forms.BooleanField(
        label=_("Virksomheden er en privat virksomhed"), required=False,
        help_text=_("Ordningen gælder private virksomheder, ikke offentlige arbejdspladser."),
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    growth_task = forms.CharField(
        label=_("Vækstopgaven"), max_length=5000,
        help_text=_("Hvilken opgave skal vækstpiloten løse, og hvordan skaber den vækst i virksomheden?"),
        error_messages={"required": _("Beskriv den vækstopgave, vækstpiloten skal løse.")},
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 5}),
    )
    contact_name = forms.CharField(
        label=_("Kontaktperson i virksomheden"), max_length=200,
        error_messages={"required": _("Skriv navnet på virksomhedens kontaktperson.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Kontaktpersonens e-mail"), max_length=254,
        help_text=_("Her sender vi afgørelsen og linket, hvor virksomheden indberetter løn hver måned."),
        error_messages={"required": _("Skriv kontaktpersonens e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, f.eks. navn@firma.dk.")},
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Kontaktpersonens telefon"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"class": "form-input input-width-s", "type": "tel", "autocomplete": "tel"}),
    )
    education = forms.CharField(
        label=_("Personens uddannelse"), max_length=200, help_text=_("Fx Datamatiker eller Cand.merc."),
        error_messages={"required": _("Skriv personens uddannelse.")},
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    institution = forms.CharField(label=_("Uddannelsesinstitution"), max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"class": "form-input"}))
    education_level = LevelField(
        label=_("Uddannelsesniveau"), queryset=EducationLevel.objects.order_by("order"), empty_label=None,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg uddannelsesniveauet."),
                        "invalid_choice": _("Vælg et af uddannelsesniveauerne KVU, MVU eller LVU.")},
    )
    graduation_date = _date_field(_("Dimissionsdato"), help_text=_("Den dag personen blev færdiguddannet."))
    unemployment_start = _date_field(_("Ledig siden"), help_text=_(
        "Har personen været ledig i 6 måneder eller mere på startdatoen, er der ret til løntilskud i stedet."))
    monthly_wage = DkkField(label=_("Månedsløn i kroner"), help_text=_("Bruttoløn pr. måned, fx 32.000."),
                            error_messages={"required": _("Skriv månedslønnen.")})
    start_date = _date_field(_("Startdato for ansættelsen"))
    internship_start = _date_field(_("Virksomhedspraktik forud: første dag"), required=False)
    internship_end = _date_field(_("Virksomhedspraktik forud: sidste dag"), required=False)
    person_name = forms.CharField(
        label=_("Personens navn"), max_length=200, required=False,
        help_text=_("Kun hvis personen har givet samtykke. Ellers registreres personen kun med uddannelse. "
                    "Skriv aldrig CPR-nummer."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    person_consent = forms.BooleanField(
        label=_("Personen har givet samtykke til, at navnet registreres"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_municipality = False
        if self.is_bound:
            candidates = postal_code_municipalities((self.data.get("postal_code") or "").strip())
            if len(candidates) > 1:
                self.ask_municipality = True
                self.fields["municipality"].choices = [(m.code, m.name) for m in candidates]

    def clean_postal_code(self) -> str:
        code = (self.cleaned_data.get("postal_code") or "").strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Postnummeret skal bestå af 4 cifre."))
        return code

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("postal_code")
        if code:
            try:
                cleaned["workplace_municipality"] = municipality_for_postal_code(
                    postal_code=code, municipality_code=cleaned.get("municipality") or None)
            except ValidationFailed as exc:
                self.add_service_errors(exc)
        return cleaned

    def application_data(self) -> ApplicationData:
        c = self.cleaned_data
        return ApplicationData(
            cvr=c["cvr"], company_name=c.get("company_name", ""), workplace_municipality=c["workplace_municipality"],
            workplace_postal_code=c["postal_code"], company_is_private=bool(c.get("company_is_private")),
            growth_task=c["growth_task"], contact_name=c["contact_name"], contact_email=c["contact_email"],
            contact_phone=c.get("contact_phone", ""), education=c["education"],
            institution=c.get("institution", ""), education_level=c["education_level"],
            graduation_date=c["graduation_date"], unemployment_start=c["unemployment_start"],
            monthly_wage_ore=c["monthly_wage"], start_date=c["start_date"],
            internship_start=c.get("internship_start"), internship_end=c.get("internship_end"),
            person_name=c.get("person_name", ""), person_consent=bool(c.get("person_consent")),
        )


class StaffApplicationForm(ApplicationForm):
    """A partner applies on the company's behalf; coordinators choose the responsible partner."""

    organisation = forms.ModelChoiceField(
        label=_("Ansvarlig partner"), queryset=Organisation.objects.none(), required=False,
        help_text=_("Den partner, der hjælper virksomheden, og som matchet tæller for."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.sees_everything:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                active=True, is_project_partner=True).order_by("name")
            self.fields["organisation"].required = True
            self.fields["organisation"].error_messages["required"] = _("Vælg den ansvarlige partner.")
        else:
            del self.fields["organisation"]


class PublicApplicationForm(ApplicationForm):
    """The company's own application (no login). `website` is a honeypot, `form_token` the render time."""

    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at mine kontaktoplysninger gemmes, så partnerne kan kontakte mig om "
                "ansøgningen."),
        error_messages={"required": _("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    website = forms.CharField(label=_("Lad dette felt være tomt"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].label = _("Dit navn")
        self.fields["contact_email"].label = _("Din e-mail")
        self.fields["contact_email"].help_text = _(
            "Vi sender et link, som du skal klikke på for at bekræfte ansøgningen. Først derefter behandles den.")
        self.fields["contact_phone"].label = _("Dit telefonnummer")
        self.token_value = form_token_issue()

    def is_spam_honeypot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class MonthReportForm(ServiceErrorsMixin, forms.Form):
    month = forms.IntegerField(widget=forms.HiddenInput)
    wage = DkkField(label=_("Udbetalt løn for perioden i kroner"),
                    help_text=_("Bruttoløn for dagene i perioden, fx 32.000."),
                    error_messages={"required": _("Skriv den løn, der er udbetalt for perioden, i kroner.")})
    employment_confirmed = forms.BooleanField(
        label=_("Jeg bekræfter, at personen har været ansat i hele perioden"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


class FollowUpForm(ServiceErrorsMixin, forms.Form):
    follow_up = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Hvor er personen nu?"), choices=FollowUp.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg personens status.")},
    )
    note = forms.CharField(label=_("Bemærkning"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"class": "form-input", "rows": 2}))


class ReasonForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Begrundelse"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}))


class ExceptionRequestForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    justification = forms.CharField(
        label=_("Begrundelse for undtagelse"), max_length=4000, required=False,
        help_text=_("Hvorfor bør leadpartneren acceptere ansøgningen, selv om en betingelse ikke er opfyldt?"),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )


class ExceptionDecisionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Afgørelse"), choices=[("approve", _("Godkend undtagelsen")), ("refuse", _("Afvis undtagelsen"))],
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg en afgørelse.")},
    )
    note = forms.CharField(label=_("Bemærkning (skal udfyldes ved afvisning)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}))


class TerminateForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    last_day = _date_field(_("Sidste ansættelsesdag"))
    reason = forms.CharField(label=_("Hvorfor ophørte ansættelsen?"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}))


class QuotaForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    project_year = forms.IntegerField(widget=forms.HiddenInput)
    funded_pilots = forms.IntegerField(
        label=_("Finansierede vækstpiloter"), min_value=0, max_value=100000,
        error_messages={"required": _("Skriv antallet."), "invalid": _("Skriv et helt tal.")},
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
    )
    funded_amount = DkkField(label=_("Finansieret tilskud i kroner"),
                             error_messages={"required": _("Skriv beløbet.")})


class SchemeRuleForm(ServiceErrorsMixin, forms.Form):
    """The rule's parameters; amounts are entered in kroner and stored in øre."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Navn"), max_length=200, widget=forms.TextInput(attrs={"class": "form-input"}))
    valid_from = _date_field(_("Gælder fra"))
    valid_to = _date_field(_("Gælder til og med"), required=False)
    subsidy_share_percent = forms.IntegerField(label=_("Tilskud i procent af lønnen"), min_value=1, max_value=100,
                                               widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    monthly_cap = DkkField(label=_("Højst pr. måned i kroner"))
    months = forms.IntegerField(label=_("Antal måneder med tilskud"), min_value=1, max_value=24,
                                widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    internship_weeks = forms.IntegerField(label=_("Virksomhedspraktik forud, højst uger"), min_value=0, max_value=52,
                                          widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    internship_required = forms.BooleanField(label=_("Praktik forud er et krav"), required=False,
                                             widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))
    wage_subsidy_months = forms.IntegerField(
        label=_("Ledighed, der giver ret til løntilskud (måneder)"), min_value=1, max_value=120,
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    education_levels = forms.ModelMultipleChoiceField(
        label=_("Uddannelsesniveauer"), queryset=EducationLevel.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        error_messages={"required": _("Vælg mindst ét uddannelsesniveau.")})
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Kommuner, hvor arbejdsstedet kan ligge"), queryset=Municipality.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        error_messages={"required": _("Vælg mindst én kommune.")})
    private_only = forms.BooleanField(label=_("Kun private virksomheder"), required=False,
                                      widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))
    pilots_per_year = forms.IntegerField(label=_("Finansierede vækstpiloter pr. projektår"), min_value=0,
                                         widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    pilots_per_year_max = forms.IntegerField(label=_("Vækstpiloter pr. projektår, højeste scenarie"), min_value=0,
                                             required=False,
                                             widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    budget_per_pilot = DkkField(label=_("Budget pr. vækstpilot i kroner"))
    overhead_per_pilot = DkkField(label=_("Ledelse, administration, evaluering og revision pr. vækstpilot i kroner"))
    deb_share_max_percent = forms.IntegerField(label=_("DEB's støtteprocent, højst"), min_value=0, max_value=100,
                                               widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    budget_scenarios = forms.CharField(label=_("Budgetscenarier (antal vækstpiloter, adskilt med komma)"),
                                       max_length=100, required=False,
                                       widget=forms.TextInput(attrs={"class": "form-input input-width-m"}))
    continuing_target_percent = forms.IntegerField(
        label=_("Mål: andel i ordinær beskæftigelse efter forløbet (%)"), min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    follow_up_months = forms.IntegerField(label=_("Anden opfølgning, måneder efter forløbet"), min_value=1,
                                          max_value=36,
                                          widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    report_due_days = forms.IntegerField(label=_("Løn indberettes senest dage efter månedens udløb"), min_value=0,
                                         max_value=90,
                                         widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    source = forms.CharField(label=_("Kilde"), max_length=300, widget=forms.TextInput(attrs={"class": "form-input"}))
    source_year = forms.IntegerField(label=_("Kildens år"), min_value=1990, max_value=2100,
                                     widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))

    AMOUNTS = {"monthly_cap": "monthly_cap_ore", "budget_per_pilot": "budget_per_pilot_ore",
               "overhead_per_pilot": "overhead_per_pilot_ore"}

    @classmethod
    def initial_for(cls, rule: SchemeRule) -> dict[str, Any]:
        initial: dict[str, Any] = {f: getattr(rule, f) for f in cls.base_fields
                                   if hasattr(rule, f) and f not in ("education_levels", "municipalities")}
        for field, model_field in cls.AMOUNTS.items():
            initial[field] = format_dkk(getattr(rule, model_field), suffix=False)
        initial["budget_scenarios"] = ", ".join(str(n) for n in rule.budget_scenarios or [])
        initial["education_levels"] = [lv.pk for lv in rule.education_levels.all()]
        initial["municipalities"] = [m.pk for m in rule.municipalities.all()]
        return initial

    def clean_budget_scenarios(self) -> list[int]:
        text = self.cleaned_data.get("budget_scenarios") or ""
        parts = [p.strip().replace(".", "") for p in text.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("Skriv hele tal adskilt med komma, fx 150, 225."))
        return [int(p) for p in parts]

    def changes(self) -> dict[str, Any]:
        c = self.cleaned_data
        out = {f: c[f] for f in self.fields if f not in ("version", "education_levels", "municipalities",
                                                           *self.AMOUNTS)}
        for field, model_field in self.AMOUNTS.items():
            out[model_field] = c[field]
        return out
