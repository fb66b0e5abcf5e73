"""Forms of the bourse pages: cases (public and staff), review, participant registration, ranking, the
companies' ranks and vetoes, the preference upload, runs and locks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from viaviden.candidates.models import StudyProgramme
from viaviden.companies.forms import CvrField
from viaviden.companies.selfservice import form_token_issue, postal_code_municipalities
from viaviden.core.errors import ValidationFailed
from viaviden.reference.models import EducationLevel

from .bourse_services import MAX_MEMBERS, CaseData, case_errors
from .models import BourseCase, BourseParticipant, BourseRun, CollaborationKind

INPUT = {"class": "form-input"}


def add_service_errors(form: forms.Form, exc: ValidationFailed) -> None:
    """The service's field errors on the form; fields the form does not have become form errors."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if not details:
        form.add_error(None, str(exc.message))
        return
    for name, messages in details.items():
        target = name if name in form.fields else None
        for message in messages:
            if target is not None and message in form.errors.get(target, []):
                continue
            form.add_error(target, message)


def _levels():
    return [(lv.code, f"{lv.label} ({lv.code})") for lv in EducationLevel.objects.order_by("order")]


def _programmes():
    return [(p.slug, str(p)) for p in StudyProgramme.objects.filter(active=True).order_by("name_da", "institution")]


class CaseFieldsForm(forms.Form):
    """The case itself (shared by the public form and the staff form)."""

    title = forms.CharField(label=_("Overskrift"), max_length=200, widget=forms.TextInput(attrs=INPUT),
                            error_messages={"required": _("Skriv en overskrift for casen.")})
    challenge = forms.CharField(
        label=_("Udfordringen"), max_length=5000, widget=forms.Textarea(attrs={**INPUT, "rows": 6}),
        help_text=_("Hvad skal de studerende arbejde med? Skriv med jeres egne ord."),
        error_messages={"required": _("Beskriv udfordringen.")},
    )
    collaboration_kind = forms.ChoiceField(
        label=_("Samarbejdsform"), choices=CollaborationKind.choices, widget=forms.RadioSelect(attrs={"class": "form-radio"}),
        error_messages={"required": _("Vælg en samarbejdsform.")},
    )
    levels = forms.MultipleChoiceField(
        label=_("Ønskede uddannelsesniveauer"), required=False, choices=[],
        help_text=_("Vælg ingen, hvis alle niveauer er velkomne. Kun studerende på de valgte niveauer kan få casen."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    programmes = forms.MultipleChoiceField(
        label=_("Ønskede uddannelser"), required=False, choices=[],
        help_text=_("Vælg ingen, hvis alle uddannelser er velkomne. Hold Ctrl nede for at vælge flere."),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    capacity = forms.IntegerField(
        label=_("Antal studerende"), min_value=1, max_value=200,
        help_text=_("Hvor mange studerende kan casen tage i alt? En gruppe optager en plads pr. medlem."),
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
        error_messages={"required": _("Skriv hvor mange studerende casen kan tage."),
                        "min_value": _("Antal studerende skal være mindst 1.")},
    )
    min_group_size = forms.IntegerField(
        label=_("Mindste gruppestørrelse"), min_value=1, max_value=50, initial=1,
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
        error_messages={"required": _("Skriv den mindste gruppestørrelse (1 for enkeltpersoner).")},
    )
    max_group_size = forms.IntegerField(
        label=_("Største gruppestørrelse"), min_value=1, max_value=50, required=False,
        help_text=_("Tom: op til antal studerende."),
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
    )
    timing = forms.CharField(
        label=_("Hvornår i studieåret?"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT),
        help_text=_("F.eks. \"forårssemestret, februar–maj\" eller \"fra september\"."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = _levels()
        self.fields["programmes"].choices = _programmes()

    def clean(self):
        cleaned = super().clean()
        c = cleaned
        if c.get("capacity") and c.get("min_group_size"):  # checked here too, so every error shows at once
            probe = CaseData(title="-", challenge="-", collaboration_kind=CollaborationKind.PROJECT,
                             capacity=c["capacity"], min_group_size=c["min_group_size"],
                             max_group_size=c.get("max_group_size"))
            for name, messages in case_errors(probe).items():
                for message in messages:
                    self.add_error(name, message)
        return cleaned

    def case_data(self) -> CaseData:
        c = self.cleaned_data
        return CaseData(
            title=c["title"], challenge=c["challenge"], collaboration_kind=c["collaboration_kind"],
            capacity=c["capacity"], min_group_size=c["min_group_size"] or 1, max_group_size=c.get("max_group_size"),
            level_codes=list(c.get("levels") or []), programme_slugs=list(c.get("programmes") or []),
            timing=c.get("timing", ""), submitter_name=c.get("submitter_name", ""),
            submitter_email=c.get("submitter_email", ""), submitter_phone=c.get("submitter_phone", ""),
        )


class CasePublicForm(CaseFieldsForm):
    """A company's case on the public form. `website` is a honeypot and `form_token` the signed render time
    (companies/selfservice.py)."""

    field_order = ["cvr", "company_name", "postal_code", "municipality"]

    cvr = CvrField(help_text=_("8 cifre. Det står f.eks. på jeres fakturaer og på virk.dk."))
    company_name = forms.CharField(label=_("Virksomhedens navn"), max_length=200,
                                   widget=forms.TextInput(attrs={**INPUT, "autocomplete": "organization"}),
                                   error_messages={"required": _("Skriv virksomhedens navn.")})
    postal_code = forms.CharField(
        label=_("Postnummer for arbejdsstedet"), max_length=4, min_length=4,
        widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}),
        error_messages={"required": _("Skriv arbejdsstedets postnummer."),
                        "min_length": _("Postnummeret skal bestå af 4 cifre."),
                        "max_length": _("Postnummeret skal bestå af 4 cifre.")},
    )
    municipality = forms.ChoiceField(label=_("Arbejdsstedets kommune"), required=False, choices=[],
                                     help_text=_("Postnummeret ligger i flere kommuner."),
                                     widget=forms.RadioSelect(attrs={"class": "form-radio"}))
    submitter_name = forms.CharField(label=_("Dit navn"), max_length=200,
                                     widget=forms.TextInput(attrs={**INPUT, "autocomplete": "name"}),
                                     error_messages={"required": _("Skriv dit navn.")})
    submitter_email = forms.EmailField(
        label=_("Din e-mail"), max_length=254,
        help_text=_("Vi sender et privat link, hvor I kan følge casen og senere prioritere ansøgerne."),
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "email"}),
        error_messages={"required": _("Skriv din e-mailadresse."),
                        "invalid": _("Skriv en gyldig e-mailadresse, f.eks. navn@firma.dk.")},
    )
    submitter_phone = forms.CharField(label=_("Dit telefonnummer"), max_length=30, required=False,
                                      widget=forms.TextInput(attrs={"class": "form-input input-width-s",
                                                                    "type": "tel", "autocomplete": "tel"}))
    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at mine kontaktoplysninger gemmes, så arrangørerne kan kontakte mig om "
                "casen."),
        error_messages={"required": _("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    website = forms.CharField(label=_("Lad dette felt være tomt"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_municipality = False
        if self.is_bound:
            found = postal_code_municipalities((self.data.get("postal_code") or "").strip())
            if len(found) > 1:
                self.ask_municipality = True
                self.fields["municipality"].choices = [(m.code, m.name) for m in found]
        self.token_value = form_token_issue()

    def is_spam_honeypot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {"cvr": c["cvr"], "company_name": c["company_name"], "postal_code": c["postal_code"],
                "municipality_code": c.get("municipality") or None, "consent": c["consent"],
                "data": self.case_data()}


class CaseStaffForm(CaseFieldsForm):
    """Partner staff submit a case on behalf of a company (found or created by CVR number)."""

    field_order = ["cvr", "company_name"]

    cvr = CvrField(help_text=_("Kendte virksomheder findes ud fra CVR-nummeret."))
    company_name = forms.CharField(
        label=_("Virksomhedens navn"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT),
        help_text=_("Kun nødvendigt, hvis virksomheden ikke er i registret endnu."),
    )
    postal_code = forms.CharField(
        label=_("Postnummer for arbejdsstedet"), max_length=4, required=False,
        help_text=_("Kun nødvendigt, hvis virksomheden ikke er i registret endnu."),
        widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}),
    )
    submitter_name = forms.CharField(label=_("Kontaktperson i virksomheden"), max_length=200, required=False,
                                     widget=forms.TextInput(attrs=INPUT))
    submitter_email = forms.EmailField(
        label=_("Kontaktpersonens e-mail"), required=False, widget=forms.EmailInput(attrs=INPUT),
        help_text=_("Får et privat link til casen, hvor virksomheden kan prioritere eller fravælge ansøgere."),
        error_messages={"invalid": _("Skriv en gyldig e-mailadresse.")},
    )
    submitter_phone = forms.CharField(label=_("Kontaktpersonens telefon"), max_length=30, required=False,
                                      widget=forms.TextInput(attrs={"class": "form-input input-width-s"}))
    publish = forms.BooleanField(label=_("Offentliggør casen med det samme"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BourseCase.Status.choices)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ParticipantRegisterForm(forms.Form):
    """A student or a group: MAX_MEMBERS rows of member fields (empty rows are ignored)."""

    kind = forms.ChoiceField(
        label=_("Tilmelder du dig alene eller som gruppe?"), choices=BourseParticipant.Kind.choices,
        initial=BourseParticipant.Kind.INDIVIDUAL, widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    name = forms.CharField(label=_("Gruppens navn"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT),
                           help_text=_("Kun for grupper."))
    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at oplysningerne gemmes og vises for arrangørerne og for de virksomheder, "
                "hvis cases vi prioriterer (navne, uddannelse og niveau – ikke e-mailadresser)."),
        error_messages={"required": _("Du skal give samtykke, før vi kan gemme tilmeldingen.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = [("", _("Vælg niveau")), *_levels()]
        programmes = [("", _("Vælg uddannelse (valgfri)")), *_programmes()]
        self.member_rows = []
        for i in range(1, MAX_MEMBERS + 1):
            optional = {"required": False}
            self.fields[f"member_{i}_name"] = forms.CharField(
                label=_("Navn"), max_length=200, widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}),
                **optional)
            self.fields[f"member_{i}_email"] = forms.EmailField(
                label=_("E-mail"), widget=forms.EmailInput(attrs=INPUT),
                error_messages={"invalid": _("Skriv en gyldig e-mailadresse.")}, **optional)
            self.fields[f"member_{i}_level"] = forms.ChoiceField(
                label=_("Niveau"), choices=levels, widget=forms.Select(attrs={"class": "form-select"}), **optional)
            self.fields[f"member_{i}_programme"] = forms.ChoiceField(
                label=_("Uddannelse"), choices=programmes, widget=forms.Select(attrs={"class": "form-select"}),
                **optional)
            # A pseudo field for the service's row errors ("member_2": [...]).
            self.fields[f"member_{i}"] = forms.CharField(required=False, widget=forms.HiddenInput,
                                                        label=_("Deltager %(n)d") % {"n": i})
        for i in range(1, MAX_MEMBERS + 1):
            self.member_rows.append({
                "number": i,
                "name": self[f"member_{i}_name"], "email": self[f"member_{i}_email"],
                "level": self[f"member_{i}_level"], "programme": self[f"member_{i}_programme"],
                "errors": self[f"member_{i}"].errors,
            })

    def members(self) -> list[dict[str, str]]:
        c = self.cleaned_data
        return [
            {"name": c.get(f"member_{i}_name", ""), "email": c.get(f"member_{i}_email", ""),
             "level": c.get(f"member_{i}_level", ""), "programme": c.get(f"member_{i}_programme", "")}
            for i in range(1, MAX_MEMBERS + 1)
        ]


class RankingForm(forms.Form):
    """N selects: 1st, 2nd, … choice among the cases that take the participant's size."""

    def __init__(self, *args, cases, max_choices: int, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Ingen"))] + [(str(c.pk), f"{c.title} – {c.company.name}") for c in cases]
        self.max_choices = max_choices
        for i in range(1, max_choices + 1):
            self.fields[f"choice_{i}"] = forms.ChoiceField(
                label=_("%(n)d. prioritet") % {"n": i}, choices=choices, required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def clean(self):
        cleaned = super().clean()
        picked = [cleaned.get(f"choice_{i}") or "" for i in range(1, self.max_choices + 1)]
        last = max((i for i, v in enumerate(picked) if v), default=-1)
        if any(not v for v in picked[: last + 1]):
            raise forms.ValidationError(_("Vælg dine prioriteter i rækkefølge uden huller: 1., 2., 3. …"))
        return cleaned

    def case_ids(self) -> list[int]:
        return [int(self.cleaned_data[f"choice_{i}"]) for i in range(1, self.max_choices + 1)
                if self.cleaned_data.get(f"choice_{i}")]


class PreferenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (CSV eller XLSX)"), widget=forms.ClearableFileInput(attrs={"class": "form-file-input",
                                                                               "accept": ".csv,.xlsx"}),
        error_messages={"required": _("Vælg en fil.")},
    )


class RunForm(forms.Form):
    mode = forms.ChoiceField(label=_("Metode"), choices=BourseRun.Mode.choices, initial=BourseRun.Mode.STABLE,
                             widget=forms.RadioSelect(attrs={"class": "form-radio"}))


class LockForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput)
    case = forms.IntegerField(widget=forms.HiddenInput)
