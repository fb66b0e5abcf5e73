"""Forms of the case pages: the case itself (staff), the workflow, persons and consent, embed sites and the
embed-snippet builder. Forms parse; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.candidates.models import StudyProgramme, TaskArea
from viaviden.companies.selectors import company_by_cvr
from viaviden.core.errors import AppError
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, Industry, MatchType, Municipality, SizeClass

from .models import Case, CasePerson
from .selectors import coverage_partners
from .services import CaseData, ImageData
from .theme import parse_color

IMAGE_SLOTS = 3


def add_app_error(form: forms.Form, exc: AppError) -> None:
    """Put a service error at the fields it names (details), or at the top of the form."""
    placed = False
    if isinstance(exc.details, dict):
        for name, messages in exc.details.items():
            if name in form.fields:
                for message in messages:
                    form.add_error(name, str(message))
                placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-input", **attrs})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


def _area(rows: int, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-input", "rows": rows, **attrs})


def programme_choices() -> list:
    """Programmes grouped by institution (the select's optgroups)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for p in StudyProgramme.objects.filter(active=True).select_related("level").order_by("institution", "name_da"):
        groups.setdefault(p.institution, []).append((p.slug, f"{p.name_da} ({p.level_id})"))
    return list(groups.items())


class CaseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200, widget=_input(),
                            error_messages={"required": gettext_lazy("Skriv en titel.")})
    summary = forms.CharField(
        label=gettext_lazy("Resumé"), max_length=600, widget=_area(3, maxlength=600),
        help_text=gettext_lazy("Et par sætninger, der vises i listen og når casen deles (højst 600 tegn)."),
        error_messages={"required": gettext_lazy("Skriv et kort resumé.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Casetype"), choices=Case.Kind.choices, initial=Case.Kind.ARTICLE,
                             widget=forms.RadioSelect(attrs={"class": "form-radio"}))
    body = forms.CharField(
        label=gettext_lazy("Tekst"), required=False, widget=_area(14),
        help_text=gettext_lazy("Skriv afsnit adskilt af en tom linje. Enkel HTML er tilladt: <h2>, <h3>, <strong>, "
                               "<em>, <ul>/<li>, <blockquote> og links (<a href=\"https://…\">). Alt andet fjernes."),
    )
    source_url = forms.URLField(label=gettext_lazy("Link til det oprindelige opslag eller artiklen"), required=False,
                                max_length=500, widget=forms.URLInput(attrs={"class": "form-input"}),
                                assume_scheme="https")
    video_url = forms.URLField(
        label=gettext_lazy("Video (link)"), required=False, max_length=500, assume_scheme="https",
        help_text=gettext_lazy("Link til YouTube, Vimeo eller en videofil (https, .mp4 eller .webm). Videoen vises "
                               "først, når den besøgende klikker «Vis video»."),
        widget=forms.URLInput(attrs={"class": "form-input"}),
    )
    video_transcript = forms.CharField(
        label=gettext_lazy("Videoens indhold som tekst"), required=False, widget=_area(4),
        help_text=gettext_lazy("Det vigtigste, der bliver sagt og vist, for dem der ikke kan se eller høre videoen."),
    )
    cvr = forms.CharField(label=gettext_lazy("CVR-nummer"), max_length=12, required=False,
                          widget=_input(inputmode="numeric", autocomplete="off"),
                          help_text=gettext_lazy("Knytter casen til virksomheden i registret."))
    company_name = forms.CharField(label=gettext_lazy("Virksomhedens navn"), max_length=200, required=False,
                                   widget=_input(),
                                   help_text=gettext_lazy("Som det skal stå i casen. Tomt: navnet fra registret."))
    municipality = forms.ModelChoiceField(label=gettext_lazy("Kommune"), queryset=Municipality.objects.none(),
                                          required=False, widget=_select(), empty_label=gettext_lazy("Vælg kommune"))
    industry = forms.ModelChoiceField(label=gettext_lazy("Branche"), queryset=Industry.objects.none(), required=False,
                                      widget=_select(), empty_label=gettext_lazy("Vælg branche"))
    size_class = forms.ModelChoiceField(label=gettext_lazy("Virksomhedsstørrelse"), queryset=SizeClass.objects.none(),
                                        required=False, widget=_select(), empty_label=gettext_lazy("Vælg størrelse"))
    match_type = forms.ModelChoiceField(label=gettext_lazy("Samarbejdsform"), queryset=MatchType.objects.none(),
                                        required=False, widget=_select(), empty_label=gettext_lazy("Vælg"))
    programmes = forms.MultipleChoiceField(
        label=gettext_lazy("Uddannelser"), required=False,
        help_text=gettext_lazy("Fra kompetenceguiden. Hold Ctrl (Cmd på Mac) nede for at vælge flere."),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    education_text = forms.CharField(label=gettext_lazy("Uddannelse, hvis den ikke er i kompetenceguiden"),
                                     max_length=200, required=False, widget=_input())
    education_levels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Uddannelsesniveau"), queryset=EducationLevel.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        help_text=gettext_lazy("Niveauet af de valgte uddannelser kommer med af sig selv."),
    )
    task_areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Opgaver"), queryset=TaskArea.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        help_text=gettext_lazy("Opgaveområderne fra kompetenceguiden, som den højtuddannede løser."),
    )
    benefits = forms.MultipleChoiceField(
        label=gettext_lazy("Udbytte for virksomheden"), choices=Case.Benefit.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    benefit_text = forms.CharField(label=gettext_lazy("Udbyttet med virksomhedens egne ord"), required=False,
                                   widget=_area(3))
    audiences = forms.MultipleChoiceField(
        label=gettext_lazy("Målgruppe"), choices=Case.Audience.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
    )
    tags = forms.CharField(label=gettext_lazy("Tags"), max_length=600, required=False, widget=_input(),
                           help_text=gettext_lazy("Frie emneord adskilt af komma, fx «grøn omstilling, eksport». "
                                                  "Tags deles af alle partnere."))
    partners = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Indsendt af"), queryset=Organisation.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        help_text=gettext_lazy("De partnere, der har været med. Jeres egen organisation kommer med af sig selv."),
    )
    owner_organisation = forms.ModelChoiceField(
        label=gettext_lazy("Ansvarlig organisation"), queryset=Organisation.objects.none(), widget=_select(),
        empty_label=gettext_lazy("Vælg organisation"),
        error_messages={"required": gettext_lazy("Vælg den ansvarlige organisation.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.case, self.company = user, case, None
        self.fields["municipality"].queryset = Municipality.objects.filter(in_region=True).order_by("name")
        self.fields["industry"].queryset = Industry.objects.order_by("code")
        self.fields["industry"].label_from_instance = lambda i: f"{i.code} {i.label}"
        self.fields["size_class"].queryset = SizeClass.objects.order_by("order")
        self.fields["match_type"].queryset = MatchType.objects.order_by("order")
        self.fields["education_levels"].queryset = EducationLevel.objects.order_by("order")
        self.fields["education_levels"].label_from_instance = lambda lv: f"{lv.code} – {lv.label}"
        self.fields["task_areas"].queryset = TaskArea.objects.order_by("name_da")
        self.fields["programmes"].choices = programme_choices()
        self.fields["partners"].queryset = coverage_partners()
        if case is None and user.sees_everything:
            self.fields["owner_organisation"].queryset = Organisation.objects.filter(
                is_project_partner=True, active=True).order_by("name")
        else:
            del self.fields["owner_organisation"]
        for i in range(1, IMAGE_SLOTS + 1):
            self.fields[f"image_{i}_url"] = forms.CharField(
                label=_("Billede %(n)s: adresse (URL)") % {"n": i}, max_length=500, required=False,
                widget=forms.URLInput(attrs={"class": "form-input"}),
                help_text=_("https://… på jeres egen hjemmeside.") if i == 1 else "",
            )
            self.fields[f"image_{i}_alt"] = forms.CharField(
                label=_("Billede %(n)s: alternativ tekst") % {"n": i}, max_length=250, required=False, widget=_input(),
                help_text=_("Beskriv, hvad billedet viser – påkrævet, når der er et billede.") if i == 1 else "",
            )
            self.fields[f"image_{i}_caption"] = forms.CharField(
                label=_("Billede %(n)s: billedtekst") % {"n": i}, max_length=300, required=False, widget=_input())

    @staticmethod
    def initial_for(case: Case) -> dict:
        initial = {
            "title": case.title, "summary": case.summary, "kind": case.kind, "body": case.body,
            "source_url": case.source_url, "video_url": case.video_url, "video_transcript": case.video_transcript,
            "cvr": case.company.cvr if case.company_id else "", "company_name": case.company_name,
            "municipality": case.municipality_id, "industry": case.industry_id, "size_class": case.size_class_id,
            "match_type": case.match_type_id, "programmes": [p.slug for p in case.programmes.all()],
            "education_text": case.education_text,
            "education_levels": [lv.pk for lv in case.education_levels.all()],
            "task_areas": [a.pk for a in case.task_areas.all()], "benefits": case.benefits,
            "benefit_text": case.benefit_text, "audiences": case.audiences,
            "tags": ", ".join(t.name for t in case.tags.all()), "partners": [o.pk for o in case.partners.all()],
            "version": case.version,
        }
        for i, image in enumerate(case.images.all()[:IMAGE_SLOTS], start=1):
            initial.update({f"image_{i}_url": image.url, f"image_{i}_alt": image.alt_text,
                            f"image_{i}_caption": image.caption})
        return initial

    def image_rows(self):
        return [(self[f"image_{i}_url"], self[f"image_{i}_alt"], self[f"image_{i}_caption"])
                for i in range(1, IMAGE_SLOTS + 1)]

    def clean_cvr(self):
        cvr = (self.cleaned_data.get("cvr") or "").strip()
        if cvr:
            self.company = company_by_cvr(cvr)
            if self.company is None:
                raise forms.ValidationError(_("Virksomheden findes ikke i registret. Registrér den først, eller lad "
                                              "feltet stå tomt og skriv navnet."))
        return cvr

    def case_data(self) -> CaseData:
        c = self.cleaned_data
        slugs = c.get("programmes") or []
        programmes = list(StudyProgramme.objects.select_related("level").filter(slug__in=slugs))
        images = []
        for i in range(1, IMAGE_SLOTS + 1):
            url, alt, caption = (c.get(f"image_{i}_{k}", "") for k in ("url", "alt", "caption"))
            if url or alt or caption:
                images.append(ImageData(url=url, alt_text=alt, caption=caption))
        return CaseData(
            title=c["title"], summary=c["summary"], body=c.get("body", ""), kind=c["kind"],
            source_url=c.get("source_url", ""), video_url=c.get("video_url", ""),
            video_transcript=c.get("video_transcript", ""), company=self.company,
            company_name=c.get("company_name", ""), municipality=c.get("municipality"), industry=c.get("industry"),
            size_class=c.get("size_class"), match_type=c.get("match_type"),
            education_levels=list(c.get("education_levels") or []), programmes=programmes,
            education_text=c.get("education_text", ""), task_areas=list(c.get("task_areas") or []),
            benefits=list(c.get("benefits") or []), benefit_text=c.get("benefit_text", ""),
            audiences=list(c.get("audiences") or []), tags=(c.get("tags") or "").split(","),
            partners=list(c.get("partners") or []), images=images,
        )

    def add_service_error(self, exc: AppError) -> None:
        """Image errors are named image_<n>_url/alt, which are fields here too."""
        add_app_error(self, exc)


class WorkflowForm(forms.Form):
    """A workflow step: the version read, and a note (sending back) or the reviewer's confirmation."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("Hvad skal rettes?"), required=False, max_length=2000, widget=_area(3))
    persons_confirmed = forms.BooleanField(
        label=gettext_lazy("Alle personer, der kan genkendes i tekst, billeder og video, er registreret herunder med "
                           "samtykke."),
        required=False, widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Navn"), max_length=200, widget=_input(autocomplete="off"),
                           error_messages={"required": gettext_lazy("Skriv personens navn.")})
    role = forms.CharField(label=gettext_lazy("Rolle i casen"), max_length=200, required=False, widget=_input(),
                           help_text=gettext_lazy("Fx «datamatiker, ansat som IT-ansvarlig» eller «direktør»."))
    consent_method = forms.ChoiceField(
        label=gettext_lazy("Samtykke"), required=False,
        choices=[("", gettext_lazy("Samtykke er ikke registreret endnu")), *CasePerson.ConsentMethod.choices],
        widget=_select(),
        help_text=gettext_lazy("Personen har givet samtykke til at blive vist i casen med navn, tekst, billeder og "
                               "video – på platformen og på partnernes hjemmesider."),
    )
    consent_note = forms.CharField(label=gettext_lazy("Note om samtykket"), max_length=300, required=False,
                                   widget=_input(), help_text=gettext_lazy("Fx hvor samtykkeerklæringen er gemt."))


class ConsentForm(forms.Form):
    consent_method = forms.ChoiceField(label=gettext_lazy("Samtykke givet"), choices=CasePerson.ConsentMethod.choices,
                                       widget=_select())
    consent_note = forms.CharField(label=gettext_lazy("Note om samtykket"), max_length=300, required=False,
                                   widget=_input())


class EmbedSiteForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Partner"), queryset=Organisation.objects.none(),
                                          widget=_select(), empty_label=gettext_lazy("Vælg partner"),
                                          error_messages={"required": gettext_lazy("Vælg partneren.")})
    origin = forms.CharField(label=gettext_lazy("Hjemmesidens adresse"), max_length=200, widget=_input(),
                             help_text=gettext_lazy("Kun adressen uden sti, fx https://www.ucn.dk."),
                             error_messages={"required": gettext_lazy("Skriv hjemmesidens adresse.")})
    name = forms.CharField(label=gettext_lazy("Navn"), max_length=100, required=False, widget=_input())
    color = forms.CharField(label=gettext_lazy("Partnerens farve"), max_length=7, initial="#005b7f",
                            widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "type": "color"}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        partners = coverage_partners()
        if not user.sees_everything:
            partners = partners.filter(pk__in=partner_org_ids(user))
        self.fields["organisation"].queryset = partners


class EmbedBuilderForm(forms.Form):
    """Choose what a partner's embedded list shows; the page turns it into the copy-paste snippet."""

    municipality = forms.ModelChoiceField(label=gettext_lazy("Kun kommune"), queryset=Municipality.objects.none(),
                                          required=False, widget=_select(), empty_label=gettext_lazy("Alle"),
                                          to_field_name="code")
    partner = forms.ModelChoiceField(label=gettext_lazy("Kun partner"), queryset=Organisation.objects.none(),
                                     required=False, widget=_select(), empty_label=gettext_lazy("Alle"),
                                     to_field_name="slug")
    task_area = forms.ModelChoiceField(label=gettext_lazy("Kun opgaver inden for"), queryset=TaskArea.objects.none(),
                                       required=False, widget=_select(), empty_label=gettext_lazy("Alle"),
                                       to_field_name="slug")
    audience = forms.ChoiceField(label=gettext_lazy("Kun målgruppe"), required=False, widget=_select(),
                                 choices=[("", gettext_lazy("Alle")), *Case.Audience.choices])
    color = forms.CharField(label=gettext_lazy("Farve"), max_length=7, required=False, initial="#005b7f",
                            widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "type": "color"}))
    search = forms.BooleanField(label=gettext_lazy("Vis søgefelt"), required=False, initial=True,
                                widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(in_region=True).order_by("name")
        self.fields["partner"].queryset = coverage_partners()
        self.fields["task_area"].queryset = TaskArea.objects.order_by("name_da")

    def params(self) -> dict[str, str]:
        self.is_valid()
        c = getattr(self, "cleaned_data", {})
        params: dict[str, str] = {}
        if c.get("municipality"):
            params["municipality"] = c["municipality"].code
        if c.get("partner"):
            params["partner"] = c["partner"].slug
        if c.get("task_area"):
            params["task_area"] = c["task_area"].slug
        if c.get("audience"):
            params["audience"] = c["audience"]
        color = parse_color(c.get("color"))
        if color:
            params["color"] = color
        if self.is_bound and not c.get("search"):
            params["search"] = "0"
        return params
