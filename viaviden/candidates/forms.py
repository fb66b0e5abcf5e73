"""Forms of the candidate pages: the person's own (start, profile, consent, e-mail change) and the staff's
(create a profile on the person's behalf with recorded consent, filter the list)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.core.errors import ValidationFailed
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .models import Candidate, Consent, StudyProgramme
from .services import CONSENT_METHODS

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]

# Plain explanations of the match palette for a student or graduate (SPEC 3.1).
MATCH_TYPE_HINTS = {
    "student_project": _("Du skriver et projekt eller en opgave om en konkret udfordring i en virksomhed."),
    "student_internship": _("Du er i praktik i en virksomhed som en del af din uddannelse."),
    "student_job": _("Du arbejder i en virksomhed ved siden af studiet, typisk 10–15 timer om ugen."),
    "company_internship": _("Som ledig prøver du arbejdet af i en virksomhed i en kort periode."),
    "wage_subsidy": _("Som ledig bliver du ansat med løntilskud fra jobcentret i en periode."),
    "ordinary_job": _("Et almindeligt job på almindelige vilkår."),
    "ordinary_job_vaekstpilot": _("Et job som nyuddannet vækstpilot i en mindre virksomhed, der får tilskud til "
                                  "lønnen de første måneder."),
}

# One checkbox per purpose, never ticked in advance; each says in plain Danish what it allows.
CONSENT_FIELDS = {
    Consent.Purpose.MATCHING: (
        "consent_matching",
        _("Ja, min profil må indgå i forslag til virksomheders behov"),
        _("Projektpartnernes medarbejdere kan finde din profil, når de leder efter kandidater til en virksomhed. "
          "De ser din uddannelse, dine kompetencer, din kommune og hvornår du kan starte – ikke dit navn og dine "
          "kontaktoplysninger, medmindre du også siger ja til deling herunder."),
    ),
    Consent.Purpose.SHARING: (
        "consent_sharing",
        _("Ja, projektpartnerne må se mit navn og mine kontaktoplysninger"),
        _("Medarbejdere hos kommunernes jobcentre og erhvervskontorer, AAU, UCN, a-kasserne og Erhvervshus "
          "Nordjylland må se dit navn, din e-mail, dit telefonnummer og din erfaring, så de kan kontakte dig."),
    ),
    Consent.Purpose.COMPANY_CONTACT: (
        "consent_company_contact",
        _("Ja, virksomheder må kontakte mig via en partner"),
        _("En partner må fortælle en virksomhed om dig og formidle kontakten, når der er et behov, der passer til "
          "dig. Du bliver altid spurgt, før en virksomhed får dit navn."),
    ),
}


def _date_field(label, help_text=None, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=DATE_INPUT_FORMATS, help_text=help_text,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input input-width-s"}),
        error_messages={"invalid": _("Angiv datoen som dd-mm-åååå, fx 01-09-2022.")},
        **kwargs,
    )


def programme_choices() -> list[Any]:
    """Active programmes grouped by institution and level (an <optgroup> each)."""
    programmes = StudyProgramme.objects.filter(active=True).select_related("level") \
        .order_by("institution", "level__order", "name_da", "pk")
    choices: list[Any] = [("", _("Vælg din uddannelse"))]
    for (institution, level), items in groupby(programmes, key=lambda p: (p.institution, p.level)):
        label = f"{institution} · {level.code} – {level.label}"
        choices.append((label, [(str(p.pk), p.name_da + (f" ({', '.join(p.cities)})" if p.cities else ""))
                                for p in items]))
    return choices


class ServiceErrorsMixin:
    """Put a service's field errors on the form (unknown fields as errors at the top)."""

    def add_service_errors(self, exc: ValidationFailed) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        if not details:
            self.add_error(None, str(exc.message))  # type: ignore[attr-defined]
        for name, messages in details.items():
            target = name if name in self.fields else None  # type: ignore[attr-defined]
            for message in messages:
                self.add_error(target, message)  # type: ignore[attr-defined]


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Din e-mailadresse"), max_length=254,
        help_text=_("Vi sender dig et link. Har du ikke en profil endnu, får du et link til at oprette en."),
        error_messages={"required": _("Skriv din e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")},
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "email"}),
    )


class ProfileForm(ServiceErrorsMixin, forms.Form):
    """The profile (SPEC 3.3), in the order a person fills it in."""

    kind = forms.ChoiceField(
        label=_("Jeg er"), choices=Candidate.Kind.choices, initial=Candidate.Kind.STUDENT,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    name = forms.CharField(
        label=_("Navn"), max_length=200, error_messages={"required": _("Skriv dit navn.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Telefon"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"class": "form-input input-width-s", "autocomplete": "tel", "type": "tel",
                                      "inputmode": "tel"}),
    )
    programme = forms.ChoiceField(
        label=_("Uddannelse"), required=False, choices=[],
        help_text=_("Uddannelserne er ordnet efter institution og niveau."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    education_text = forms.CharField(
        label=_("Min uddannelse er ikke på listen"), max_length=200, required=False,
        help_text=_("Skriv uddannelsens navn, fx \"Cand.mag. i musikvidenskab\"."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    institution = forms.CharField(
        label=_("Uddannelsesinstitution"), max_length=200, required=False,
        help_text=_("Kun hvis du har skrevet uddannelsen selv."),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    level = forms.ModelChoiceField(
        label=_("Niveau"), required=False, queryset=EducationLevel.objects.order_by("order"),
        empty_label=_("Vælg niveau"),
        help_text=_("Kun hvis du har skrevet uddannelsen selv: KVU (erhvervsakademi), MVU (professionsbachelor, "
                    "bachelor) eller LVU (kandidat)."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    expected_graduation = _date_field(_("Forventet færdig"), _("Er du allerede færdig, så skriv hvornår."))
    competences = forms.CharField(
        label=_("Kompetencer"), required=False, max_length=5000,
        help_text=_("Hvad er du god til? Skriv med dine egne ord, fx \"markedsføring på sociale medier, Python\"."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )
    experience = forms.CharField(
        label=_("Erfaring"), required=False, max_length=5000,
        help_text=_("Job, projekter og frivilligt arbejde."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )
    match_types = forms.MultipleChoiceField(
        label=_("Hvilke slags samarbejde er du interesseret i?"), required=False, choices=[],
        help_text=_("Vælg gerne flere."), widget=forms.CheckboxSelectMultiple,
    )
    available_from = _date_field(_("Kan starte fra"))
    home_municipality = forms.ModelChoiceField(
        label=_("Bopælskommune"), required=False, queryset=Municipality.objects.order_by("name"),
        empty_label=_("Vælg kommune"), widget=forms.Select(attrs={"class": "form-select"}),
    )
    max_travel_minutes = forms.IntegerField(
        label=_("Højst rejsetid hver vej (minutter)"), required=False, min_value=1, max_value=600,
        help_text=_("Fx 45. Så foreslår vi ikke arbejdspladser, der ligger længere væk."),
        error_messages={"min_value": _("Angiv en rejsetid mellem 1 og 600 minutter."),
                        "max_value": _("Angiv en rejsetid mellem 1 og 600 minutter."),
                        "invalid": _("Skriv et antal minutter, fx 45.")},
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}),
    )
    willing_to_move = forms.BooleanField(
        label=_("Jeg vil gerne flytte for det rigtige job"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = programme_choices()
        self.match_type_list = list(MatchType.objects.order_by("order"))
        self.fields["match_types"].choices = [(mt.code, mt.label) for mt in self.match_type_list]

    def clean_programme(self) -> StudyProgramme | None:
        value = self.cleaned_data.get("programme")
        if not value:
            return None
        programme = StudyProgramme.objects.select_related("level").filter(pk=value, active=True).first()
        if programme is None:
            raise forms.ValidationError(_("Vælg en uddannelse på listen."))
        return programme

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("programme") and not (cleaned.get("education_text") or "").strip() \
                and "programme" not in self.errors:
            self.add_error("programme", _("Vælg din uddannelse på listen, eller skriv den, hvis den ikke er der."))
        elif not cleaned.get("programme") and cleaned.get("education_text") and not cleaned.get("level"):
            self.add_error("level", _("Vælg uddannelsens niveau."))
        return cleaned

    def match_type_options(self) -> list[dict[str, Any]]:
        """The match-type checkboxes with a plain explanation each (companies' checkbox_group partial)."""
        if self.is_bound:
            selected = set(self.data.getlist("match_types")) if hasattr(self.data, "getlist") else set()
        else:
            selected = {str(v) for v in self.initial.get("match_types", [])}
        return [
            {"id": f"id_match_types_{i}", "value": mt.code, "label": mt.label, "checked": mt.code in selected,
             "hint": MATCH_TYPE_HINTS.get(mt.code, "")}
            for i, mt in enumerate(self.match_type_list)
        ]

    def profile_data(self) -> dict[str, Any]:
        """Arguments for the services (candidate_register_self / candidate_update / candidate_create_by_partner)."""
        c = self.cleaned_data
        data = {name: c.get(name) for name in (
            "kind", "name", "phone", "programme", "education_text", "institution", "level", "expected_graduation",
            "competences", "experience", "available_from", "home_municipality", "max_travel_minutes",
            "willing_to_move",
        )}
        for name in ("phone", "education_text", "institution", "competences", "experience"):
            data[name] = data[name] or ""
        if data["programme"] is not None:
            data["education_text"], data["institution"] = "", ""
        data["match_types"] = [mt for mt in self.match_type_list if mt.code in set(c.get("match_types") or [])]
        return data

    @staticmethod
    def initial_for(candidate: Candidate) -> dict[str, Any]:
        return {
            "kind": candidate.kind, "name": candidate.name, "phone": candidate.phone,
            "programme": str(candidate.programme_id) if candidate.programme_id else "",
            "education_text": candidate.education_text, "institution": candidate.institution,
            "level": candidate.level_id if not candidate.programme_id else None,
            "expected_graduation": candidate.expected_graduation, "competences": candidate.competences,
            "experience": candidate.experience, "match_types": [mt.code for mt in candidate.match_types.all()],
            "available_from": candidate.available_from, "home_municipality": candidate.home_municipality_id,
            "max_travel_minutes": candidate.max_travel_minutes, "willing_to_move": candidate.willing_to_move,
            "version": candidate.version,
        }


class ConsentFieldsMixin:
    """One unticked checkbox per purpose."""

    def add_consent_fields(self, initial: set[str] | None = None) -> None:
        for purpose, (name, label, help_text) in CONSENT_FIELDS.items():
            self.fields[name] = forms.BooleanField(  # type: ignore[attr-defined]
                label=label, help_text=help_text, required=False,
                initial=purpose in (initial or set()),
                widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
            )

    def consent_bound_fields(self) -> list[Any]:
        return [self[name] for name, _label, _help in CONSENT_FIELDS.values()]  # type: ignore[index]

    def purposes(self) -> set[str]:
        return {purpose for purpose, (name, _l, _h) in CONSENT_FIELDS.items()
                if self.cleaned_data.get(name)}  # type: ignore[attr-defined]


class ProfileEditForm(ProfileForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RegisterForm(ConsentFieldsMixin, ProfileForm):
    """A new profile from the "create your profile" link: the profile and the consents."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_consent_fields()


class ConsentForm(ConsentFieldsMixin, forms.Form):
    def __init__(self, *args, active: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_consent_fields(initial=active)


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Ny e-mailadresse"), max_length=254,
        help_text=_("Vi sender et link til den nye adresse. Adressen skiftes, når du har klikket på linket."),
        error_messages={"required": _("Skriv den nye e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")},
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "email"}),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, slet min profil og alle mine data"),
        error_messages={"required": _("Sæt kryds for at bekræfte, at du vil slette din profil.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


# The same purposes, worded for the consultant who records the person's answer.
STAFF_CONSENT_LABELS = {
    "consent_matching": _("Personen har sagt ja til at indgå i forslag til virksomheders behov"),
    "consent_sharing": _("Personen har sagt ja til, at alle projektpartnere må se navn og kontaktoplysninger"),
    "consent_company_contact": _("Personen har sagt ja til at blive kontaktet af virksomheder via en partner"),
}


class PartnerCreateForm(ConsentFieldsMixin, ProfileForm):
    """A partner creates a profile on the person's behalf and records the consent the person gave."""

    email = forms.EmailField(
        label=_("Personens e-mailadresse"), max_length=254,
        help_text=_("Personen får en e-mail om profilen og kan selv se, rette, hente og slette sine data."),
        error_messages={"required": _("Skriv personens e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")},
        widget=forms.EmailInput(attrs={"class": "form-input"}),
    )
    consent_method = forms.ChoiceField(
        label=_("Hvordan gav personen samtykke?"), choices=list(CONSENT_METHODS.items()),
        error_messages={"required": _("Vælg, hvordan personen gav samtykke.")},
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    consent_date = forms.DateField(
        label=_("Dato for samtykket"), input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input input-width-s"}),
        error_messages={"required": _("Angiv datoen for samtykket."),
                        "invalid": _("Angiv datoen som dd-mm-åååå, fx 01-09-2022.")},
    )

    field_order = ["email"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("consent_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.add_consent_fields()
        for name, label in STAFF_CONSENT_LABELS.items():
            self.fields[name].label = label

    def clean(self):
        cleaned = super().clean()
        if not self.purposes():
            self.add_error(None, _("Personen skal have givet samtykke til mindst ét formål, før profilen oprettes."))
        day = cleaned.get("consent_date")
        if day and day > timezone.localdate():
            self.add_error("consent_date", _("Datoen for samtykket kan ikke ligge i fremtiden."))
        return cleaned

    def purposes(self) -> set[str]:
        if not hasattr(self, "cleaned_data"):
            return set()
        return super().purposes()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.profile_data()
        data["email"] = self.cleaned_data["email"]
        return {"data": data, "consents": self.purposes(), "consent_method": self.cleaned_data["consent_method"],
                "consent_date": self.cleaned_data["consent_date"]}


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("Søg"), required=False, max_length=200,
                        help_text=_("Uddannelse, kompetencer – navn og e-mail kun hvor du må se dem."),
                        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}))
    level = forms.ModelChoiceField(label=_("Niveau"), required=False, queryset=EducationLevel.objects.order_by("order"),
                                   empty_label=_("Alle"), widget=forms.Select(attrs={"class": "form-select"}))
    home_municipality = forms.ModelChoiceField(label=_("Bopælskommune"), required=False,
                                               queryset=Municipality.objects.order_by("name"), empty_label=_("Alle"),
                                               widget=forms.Select(attrs={"class": "form-select"}))
    match_type = forms.ModelChoiceField(label=_("Samarbejdsform"), required=False,
                                        queryset=MatchType.objects.order_by("order"), empty_label=_("Alle"),
                                        widget=forms.Select(attrs={"class": "form-select"}))
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Alle")), *Candidate.Kind.choices],
                             widget=forms.Select(attrs={"class": "form-select"}))
    own = forms.BooleanField(label=_("Kun min organisations kandidater"), required=False,
                             widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    @property
    def active(self) -> bool:
        return bool(self.filters())
