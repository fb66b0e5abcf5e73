"""Forms of the public self-service pages and of the coordinators' services overview."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from viaviden.core.errors import ValidationFailed
from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel, MatchType

from .forms import CvrField
from .selfservice import form_token_issue, municipality_for_postal_code, postal_code_municipalities

UNKNOWN = "unknown"

# Plain explanations for a company owner (the match palette, SPEC 3.1).
MATCH_TYPE_HINTS = {
    "student_project": _("Studerende skriver et projekt eller en opgave om en konkret udfordring i jeres virksomhed."),
    "student_internship": _("En studerende er i praktik hos jer i en periode som en del af sin uddannelse."),
    "student_job": _("En studerende arbejder hos jer ved siden af studiet, typisk 10–15 timer om ugen."),
    "company_internship": _("En ledig højtuddannet prøver arbejdet af hos jer i en kort periode, uden løn fra jer."),
    "wage_subsidy": _("I ansætter en ledig højtuddannet og får tilskud til lønnen fra jobcentret i en periode."),
    "ordinary_job": _("I ansætter en højtuddannet på almindelige vilkår."),
    "ordinary_job_vaekstpilot": _(
        "I ansætter en nyuddannet højtuddannet som vækstpilot og får tilskud til lønnen de første måneder."
    ),
}
LEVEL_HINTS = {
    "KVU": _("F.eks. datamatiker, markedsføringsøkonom eller produktionsteknolog (ca. 2 år)."),
    "MVU": _("F.eks. professionsbachelor som ingeniør eller lærer, eller en universitetsbachelor (3–4 år)."),
    "LVU": _("Kandidat fra et universitet, f.eks. cand.polyt. eller cand.merc. (ca. 5 år)."),
}


def _match_type_name(match_type) -> str:
    return match_type.label


def _level_name(level: EducationLevel) -> str:
    name = level.label
    return f"{name} ({level.code})"


class NeedPublicForm(forms.Form):
    """The company's need, in the words of a company owner. Spam fields: `website` is a honeypot (hidden
    off-screen, must stay empty) and `form_token` the signed render time."""

    cvr = CvrField(help_text=_("8 cifre. Det står f.eks. på jeres fakturaer og på virk.dk."))
    company_name = forms.CharField(
        label=_("Virksomhedens navn"), max_length=200,
        error_messages={"required": _("Skriv virksomhedens navn.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "organization"}),
    )
    postal_code = forms.CharField(
        label=_("Postnummer for arbejdsstedet"), max_length=4, min_length=4,
        help_text=_("Der hvor opgaverne skal løses. Vi sender henvendelsen til erhvervskontoret i den kommune."),
        error_messages={
            "required": _("Skriv arbejdsstedets postnummer."),
            "min_length": _("Postnummeret skal bestå af 4 cifre."),
            "max_length": _("Postnummeret skal bestå af 4 cifre."),
        },
        widget=forms.TextInput(attrs={
            "class": "form-input input-width-xs", "inputmode": "numeric", "autocomplete": "postal-code",
        }),
    )
    municipality = forms.ChoiceField(
        label=_("Arbejdsstedets kommune"), required=False, choices=[],
        help_text=_("Postnummeret ligger i flere kommuner."),
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    tasks = forms.CharField(
        label=_("Hvilke opgaver vil I gerne have løst?"), max_length=5000,
        help_text=_("Skriv med jeres egne ord. Første linje bruges som overskrift."),
        error_messages={"required": _("Beskriv kort, hvilke opgaver I gerne vil have løst.")},
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 6}),
    )
    match_types = forms.MultipleChoiceField(
        label=_("Hvilken slags samarbejde kunne I forestille jer?"), choices=[],
        help_text=_("Vælg gerne flere. Er I i tvivl, så vælg \"Ved ikke\"."),
        error_messages={"required": _("Vælg mindst én slags samarbejde, eller vælg \"Ved ikke\".")},
        widget=forms.CheckboxSelectMultiple,
    )
    education_levels = forms.MultipleChoiceField(
        label=_("Hvilket uddannelsesniveau?"), choices=[],
        error_messages={"required": _("Vælg mindst ét uddannelsesniveau, eller vælg \"Ved ikke\".")},
        widget=forms.CheckboxSelectMultiple,
    )
    education_wish = forms.CharField(
        label=_("Ønsket uddannelse eller kompetencer"), max_length=300, required=False,
        help_text=_("F.eks. \"maskiningeniør\" eller \"en der kan lave hjemmesider\"."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    time_frame = forms.CharField(
        label=_("Hvornår?"), max_length=200, required=False,
        help_text=_("F.eks. \"hurtigst muligt\", \"fra september\" eller \"i foråret\"."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    submitter_name = forms.CharField(
        label=_("Dit navn"), max_length=200,
        error_messages={"required": _("Skriv dit navn.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "name"}),
    )
    submitter_email = forms.EmailField(
        label=_("Din e-mail"), max_length=254,
        help_text=_("Vi sender et link, som du skal klikke på for at bekræfte henvendelsen."),
        error_messages={"required": _("Skriv din e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, f.eks. navn@firma.dk.")},
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "email"}),
    )
    submitter_phone = forms.CharField(
        label=_("Dit telefonnummer"), max_length=30, required=False,
        widget=forms.TextInput(attrs={
            "class": "form-input input-width-s", "autocomplete": "tel", "inputmode": "tel", "type": "tel",
        }),
    )
    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at mine kontaktoplysninger gemmes, så partnerne kan kontakte mig om "
                "henvendelsen."),
        error_messages={"required": _("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    # Spam protection (see selfservice.py).
    website = forms.CharField(label=_("Lad dette felt være tomt"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.match_type_list = list(MatchType.objects.order_by("order"))
        self.level_list = list(EducationLevel.objects.order_by("order"))
        self.fields["match_types"].choices = [(mt.code, _match_type_name(mt)) for mt in self.match_type_list] + [
            (UNKNOWN, _("Ved ikke"))
        ]
        self.fields["education_levels"].choices = [(lv.code, _level_name(lv)) for lv in self.level_list] + [
            (UNKNOWN, _("Ved ikke"))
        ]
        # The municipality is asked for only when the postal code lies in several municipalities.
        self.ask_municipality = False
        if self.is_bound:
            candidates = postal_code_municipalities((self.data.get("postal_code") or "").strip())
            if len(candidates) > 1:
                self.ask_municipality = True
                self.fields["municipality"].choices = [(m.code, m.name) for m in candidates]
        # A fresh render time on every render, so a person whose form was refused can send it again.
        self.token_value = form_token_issue()

    def clean_postal_code(self) -> str:
        code = (self.cleaned_data.get("postal_code") or "").strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Postnummeret skal bestå af 4 cifre."))
        return code

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("postal_code")
        if code:  # checked here too, so every error is shown at once (the service checks again)
            try:
                municipality_for_postal_code(postal_code=code, municipality_code=cleaned.get("municipality") or None)
            except ValidationFailed as exc:
                self.add_service_errors(exc)
        return cleaned

    def is_spam_honeypot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def options(self, field: str) -> list[dict]:
        """The checkbox options of `field` with a plain explanation each (for the template)."""
        selected = set(self.data.getlist(field)) if self.is_bound else set()
        hints = {"match_types": MATCH_TYPE_HINTS, "education_levels": LEVEL_HINTS}[field]
        unknown_hint = {
            "match_types": _("Vi vil gerne have råd om, hvad der passer til os."),
            "education_levels": _("Partnerne hjælper jer med at finde det rette niveau."),
        }[field]
        out = []
        for i, (value, label) in enumerate(self.fields[field].choices):
            out.append({
                "id": f"id_{field}_{i}", "value": value, "label": label, "checked": value in selected,
                "hint": unknown_hint if value == UNKNOWN else hints.get(value, ""),
            })
        return out

    def service_kwargs(self) -> dict:
        """Arguments for selfservice.need_submit_public."""
        c = self.cleaned_data
        types = [v for v in c["match_types"] if v != UNKNOWN]
        levels = [v for v in c["education_levels"] if v != UNKNOWN]
        return {
            "cvr": c["cvr"], "company_name": c["company_name"], "postal_code": c["postal_code"],
            "municipality_code": c.get("municipality") or None, "tasks": c["tasks"],
            "match_type_codes": types, "level_codes": levels, "level_unknown": not levels,
            "education_wish": c.get("education_wish", ""), "time_frame": c.get("time_frame", ""),
            "submitter_name": c["submitter_name"], "submitter_email": c["submitter_email"],
            "submitter_phone": c.get("submitter_phone", ""), "consent": c["consent"],
        }

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Put the service's field errors on the form (unknown fields as form errors)."""
        details = exc.details if isinstance(exc.details, dict) else {}
        if not details:
            self.add_error(None, str(exc.message))
        for field, messages in details.items():
            if field == "municipality":
                self.ask_municipality = self.ask_municipality or bool(self.fields["municipality"].choices)
            target = field if field in self.fields else None
            for message in messages:
                if target is not None and target in self.errors and message in self.errors[target]:
                    continue
                self.add_error(target, message)


class ServiceForm(forms.Form):
    """A service of the overview (coordinators)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("Vælg organisation"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("Vælg organisationen, der leverer ydelsen.")},
    )
    name = forms.CharField(label=_("Navn"), max_length=200, widget=forms.TextInput(attrs={"class": "form-input"}),
                           error_messages={"required": _("Skriv ydelsens navn.")})
    description = forms.CharField(
        label=_("Hvad tilbydes"), widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
        error_messages={"required": _("Beskriv, hvad ydelsen tilbyder.")},
    )
    contact = forms.CharField(label=_("Kontakt"), max_length=200, required=False,
                              help_text=_("Navn på kontaktperson eller enhed. Vises offentligt."),
                              widget=forms.TextInput(attrs={"class": "form-input"}))
    contact_email = forms.EmailField(label=_("Kontaktens e-mail"), required=False,
                                     error_messages={"invalid": _("Skriv en gyldig e-mailadresse.")},
                                     widget=forms.EmailInput(attrs={"class": "form-input"}))
    contact_phone = forms.CharField(label=_("Kontaktens telefon"), max_length=30, required=False,
                                    widget=forms.TextInput(attrs={"class": "form-input input-width-s"}))
    match_types = forms.MultipleChoiceField(
        label=_("Matchtyper"), required=False, choices=[],
        help_text=_("Vælg ingen, hvis ydelsen hjælper med alle typer samarbejde."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    serves_all_municipalities = forms.BooleanField(
        label=_("Betjener virksomheder i alle kommuner"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    active = forms.BooleanField(
        label=_("Aktiv (vises i oversigten og kan vælges ved henvisning)"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["organisation"].queryset = Organisation.objects.filter(active=True).order_by("name")
        self.fields["match_types"].choices = [(mt.code, _match_type_name(mt)) for mt in MatchType.objects.all()]

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "organisation": c["organisation"], "name": c["name"], "description": c["description"],
            "contact": c.get("contact", ""), "contact_email": c.get("contact_email", ""),
            "contact_phone": c.get("contact_phone", ""),
            "match_types": list(MatchType.objects.filter(code__in=c["match_types"])),
            "serves_all_municipalities": c["serves_all_municipalities"], "active": c["active"],
        }

    def add_service_errors(self, exc: ValidationFailed) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        if not details:
            self.add_error(None, str(exc.message))
        for field, messages in details.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
