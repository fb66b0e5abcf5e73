"""The competence guides (kompetenceguiden, SPEC 3.3): public pages that translate both ways — "what can a
graduate of programme X do?" and "who can solve tasks in area Y?" — and the coordinators' pages that
maintain the guides. Mounted at "kompetenceguide/"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from viaviden.core.errors import Conflict, NotFound, ValidationFailed
from viaviden.core.pagecache import public_page
from viaviden.organisations.access import coordinator_required, is_staff_verified
from viaviden.reference.models import EducationLevel

from . import guide_selectors as selectors
from .guide_services import (
    fits_fingerprint,
    programme_fingerprint,
    programme_fit_set,
    programme_update,
    split_lines,
    task_area_fingerprint,
    task_area_update,
    vocabulary_entry_delete,
    vocabulary_entry_save,
    vocabulary_fingerprint,
)
from .models import StudyProgramme, TaskArea, VocabularyEntry


def _is_coordinator(request: HttpRequest) -> bool:
    user = request.user
    return is_staff_verified(user) and user.sees_everything


def in_sentence(name: str) -> str:
    """A name inside a sentence: 'Markedsføring' -> 'markedsføring'; acronyms ('IT-drift', 'HR og …') stay."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


# --- Forms -------------------------------------------------------------------------------------------


class GuideFilterForm(forms.Form):
    """The search and filters of the front page; unknown values are ignored, never an error page."""

    q = forms.CharField(
        label=gettext_lazy("Søg efter opgave, kompetence eller uddannelse"), max_length=100, required=False,
        help_text=gettext_lazy("Fx «sociale medier», «netværk», «bogføring» eller «datamatiker»."),
        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}),
    )
    institution = forms.ChoiceField(label=gettext_lazy("Institution"), required=False,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    level = forms.ChoiceField(label=gettext_lazy("Niveau"), required=False,
                              widget=forms.Select(attrs={"class": "form-select"}))
    task_area = forms.ChoiceField(label=gettext_lazy("Opgaveområde"), required=False,
                                  widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, institutions, levels, task_areas, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("Alle"))]
        self.fields["institution"].choices = every + list(institutions)
        self.fields["level"].choices = every + [(lv.code, f"{lv.code} – {lv.label}") for lv in levels]
        self.fields["task_area"].choices = every + [(a.slug, a.label) for a in task_areas]

    def values(self) -> dict[str, str]:
        """The valid filters; a filter with an unknown value counts as not set."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in self.fields if name not in self.errors}

    @property
    def active(self) -> bool:
        return any(self.values().values())


def _lines(items) -> str:
    return "\n".join(items or [])


class ProgrammeForm(forms.Form):
    name_da = forms.CharField(label=gettext_lazy("Navn"), max_length=200,
                              widget=forms.TextInput(attrs={"class": "form-input"}),
                              error_messages={"required": gettext_lazy("Skriv uddannelsens navn.")})
    institution = forms.CharField(label=gettext_lazy("Institution"), max_length=100,
                                  help_text=gettext_lazy("Kortnavnet, fx AAU, UCN eller MARTEC."),
                                  widget=forms.TextInput(attrs={"class": "form-input input-width-s"}),
                                  error_messages={"required": gettext_lazy("Skriv institutionen.")})
    level = forms.ModelChoiceField(
        label=gettext_lazy("Niveau"), queryset=EducationLevel.objects.none(), empty_label=gettext_lazy("Vælg niveau"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("Vælg uddannelsens niveau (KVU, MVU eller LVU).")},
    )
    degree_da = forms.CharField(label=gettext_lazy("Uddannelsestype"), max_length=200, required=False,
                                help_text=gettext_lazy("Fx erhvervsakademiuddannelse (AK), professionsbachelor, "
                                                       "kandidatuddannelse."),
                                widget=forms.TextInput(attrs={"class": "form-input"}))
    area_da = forms.CharField(label=gettext_lazy("Fakultet eller område"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"class": "form-input"}))
    cities = forms.CharField(label=gettext_lazy("Byer"), required=False,
                             help_text=gettext_lazy("Én by pr. linje."),
                             widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}))
    ects = forms.IntegerField(label=gettext_lazy("ECTS"), required=False,
                              help_text=gettext_lazy("60 ECTS svarer til et års fuldtidsstudium."),
                              widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
                              error_messages={"invalid": gettext_lazy("Skriv et helt tal.")})
    competences_da = forms.CharField(
        label=gettext_lazy("Kompetencer"),
        help_text=gettext_lazy("Hvad en nyuddannet kan, i et sprog en virksomhed genkender. Én kompetence pr. linje, "
                               "fx «kan opsætte og drive netværk og servere i en mindre virksomhed»."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 8}),
        error_messages={"required": gettext_lazy("Skriv mindst én kompetence (én pr. linje).")},
    )
    typical_tasks_da = forms.CharField(
        label=gettext_lazy("Typiske opgaver"),
        help_text=gettext_lazy("Opgaver en nyuddannet typisk løser i en virksomhed. Én opgave pr. linje."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 8}),
        error_messages={"required": gettext_lazy("Skriv mindst én typisk opgave (én pr. linje).")},
    )
    source_url = forms.CharField(label=gettext_lazy("Kilde (link)"), max_length=300, required=False,
                                 widget=forms.URLInput(attrs={"class": "form-input"}))
    source_year = forms.IntegerField(label=gettext_lazy("Kildeår"), required=False,
                                     widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}),
                                     error_messages={"invalid": gettext_lazy("Skriv et årstal, fx 2024.")})
    active = forms.BooleanField(label=gettext_lazy("Aktiv (vises i kompetenceguiden og bruges i matchning)"),
                                required=False, widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = EducationLevel.objects.filter(code__in=selectors.LEVEL_CODES).order_by("order")
        self.fields["level"].label_from_instance = lambda lv: f"{lv.code} – {lv.label}"

    @staticmethod
    def initial_for(programme: StudyProgramme) -> dict:
        return {
            "name_da": programme.name_da, "institution": programme.institution, "level": programme.level_id,
            "degree_da": programme.degree_da, "area_da": programme.area_da, "cities": _lines(programme.cities),
            "ects": programme.ects, "competences_da": _lines(programme.competences_da),
            "typical_tasks_da": _lines(programme.typical_tasks_da), "source_url": programme.source_url,
            "source_year": programme.source_year, "active": programme.active,
            "fingerprint": programme_fingerprint(programme),
        }

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "name_da": c["name_da"], "institution": c["institution"], "level": c["level"],
            "degree_da": c.get("degree_da", ""), "area_da": c.get("area_da", ""),
            "cities": split_lines(c.get("cities", "")), "ects": c.get("ects"),
            "competences_da": split_lines(c["competences_da"]), "typical_tasks_da": split_lines(c["typical_tasks_da"]),
            "source_url": c.get("source_url", ""), "source_year": c.get("source_year"), "active": c["active"],
            "fingerprint": c.get("fingerprint") or None,
        }


class TaskAreaForm(forms.Form):
    name_da = forms.CharField(label=gettext_lazy("Navn"), max_length=200,
                              widget=forms.TextInput(attrs={"class": "form-input"}),
                              error_messages={"required": gettext_lazy("Skriv opgaveområdets navn.")})
    name_en = forms.CharField(label=gettext_lazy("Navn på engelsk"), max_length=200, required=False,
                              help_text=gettext_lazy("Vises, når siden læses på engelsk."),
                              widget=forms.TextInput(attrs={"class": "form-input", "lang": "en"}))
    description_da = forms.CharField(
        label=gettext_lazy("Beskrivelse"),
        help_text=gettext_lazy("Hvilke opgaver hører til området – med ord en virksomhed bruger."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
        error_messages={"required": gettext_lazy("Beskriv opgaveområdet, så en virksomhed genkender det.")},
    )
    keywords_da = forms.CharField(
        label=gettext_lazy("Nøgleord"),
        help_text=gettext_lazy("Ord og vendinger en virksomhed skriver, når den beskriver en opgave. Ét pr. linje; "
                               "gemmes med små bogstaver. Bruges til søgning og matchning."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 10}),
        error_messages={"required": gettext_lazy("Skriv mindst ét nøgleord (ét pr. linje).")},
    )
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(area: TaskArea) -> dict:
        return {"name_da": area.name_da, "name_en": area.name_en, "description_da": area.description_da,
                "keywords_da": _lines(area.keywords_da), "fingerprint": task_area_fingerprint(area)}

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {"name_da": c["name_da"], "name_en": c["name_en"], "description_da": c["description_da"],
                "keywords_da": split_lines(c["keywords_da"]), "fingerprint": c.get("fingerprint") or None}


class WeightField(forms.Field):
    """A weight written the Danish way ("0,8") or with a point; empty means "does not fit"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise forms.ValidationError(_("Skriv et tal mellem 0 og 1, fx 0,8."), code="invalid") from None


def _weight_text(weight: float) -> str:
    return f"{weight:.2f}".rstrip("0").rstrip(".").replace(".", ",")


class FitsForm(forms.Form):
    """One weight field per task area (`w_<slug>`), for one programme."""

    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, task_areas: list[TaskArea], **kwargs):
        super().__init__(*args, **kwargs)
        self.task_areas = task_areas
        for area in task_areas:
            self.fields[f"w_{area.slug}"] = WeightField(
                label=area.label, required=False,
                widget=forms.TextInput(attrs={"class": "form-input input-width-xs", "inputmode": "decimal",
                                              "maxlength": 10}),
            )

    def rows(self):
        return [(area, self[f"w_{area.slug}"]) for area in self.task_areas]

    @staticmethod
    def initial_for(programme: StudyProgramme) -> dict:
        initial = {f"w_{fit.task_area.slug}": _weight_text(fit.weight)
                   for fit in programme.area_fits.select_related("task_area")}
        initial["fingerprint"] = fits_fingerprint(programme)
        return initial

    def weights(self) -> dict[str, float | None]:
        return {area.slug: self.cleaned_data.get(f"w_{area.slug}") for area in self.task_areas}


def _add_service_errors(form: forms.Form, exc: ValidationFailed) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    if not details:
        form.add_error(None, str(exc.message))
    for name, msgs in details.items():
        field = name.replace("weights.", "w_", 1) if name.startswith("weights.") else name
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


# --- Public pages ------------------------------------------------------------------------------------


@public_page(selectors.guide_version_columns)
def guide_index(request: HttpRequest) -> HttpResponse:
    """Kompetenceguiden: search, "Hvem kan løse opgaven …?" (task areas) and "Hvad kan en …?" (programmes
    by institution and level)."""
    coordinator = _is_coordinator(request)
    all_areas = list(selectors.task_areas_base())
    filters = GuideFilterForm(
        request.GET or None, institutions=selectors.institution_choices(), levels=selectors.education_levels(),
        task_areas=all_areas,
    )
    values = filters.values()
    programmes = selectors.programme_search(**values, include_inactive=coordinator)
    areas = selectors.filter_task_areas(all_areas, q=values["q"])
    context = {
        "filters": filters,
        "filtered": any(values.values()),
        "q": values["q"],
        "task_areas": areas,
        "groups": selectors.programmes_grouped(programmes),
        "programme_count": len(programmes),
        "is_coordinator": coordinator,
    }
    return render(request, "candidates/guides/index.html", context)


@public_page(selectors.guide_version_columns)
def guide_programme(request: HttpRequest, slug: str) -> HttpResponse:
    """"Hvad kan en med uddannelsen …?": competences, typical tasks and the task areas it fits."""
    coordinator = _is_coordinator(request)
    try:
        programme = selectors.programme_detail(slug, include_inactive=coordinator)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "programme": programme,
        "institution_name": selectors.institution_name(programme.institution),
        "level_explanation": selectors.level_explanation(programme.level_id),
        "is_coordinator": coordinator,
    }
    return render(request, "candidates/guides/programme.html", context)


@public_page(selectors.guide_version_columns)
def guide_task_area(request: HttpRequest, slug: str) -> HttpResponse:
    """"Hvem kan løse opgaver inden for …?": the programmes that fit, on all three levels."""
    try:
        guide = selectors.task_area_detail(slug)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "area": guide.area,
        "area_in_sentence": in_sentence(guide.area.label),
        "levels": guide.levels,
        "programme_count": guide.programme_count,
        "is_coordinator": _is_coordinator(request),
    }
    return render(request, "candidates/guides/task_area.html", context)


# --- Coordinators' pages -----------------------------------------------------------------------------


def _programme_or_404(slug: str) -> StudyProgramme:
    try:
        return selectors.programme_detail(slug, include_inactive=True)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@coordinator_required
@require_http_methods(["GET", "POST"])
def guide_programme_edit(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_or_404(slug)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_for(programme))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_update(user=request.user, programme=programme, **form.service_kwargs())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Kompetenceguiden for %(name)s er gemt.") % {"name": programme.name_da})
            return redirect("guide_programme", programme.slug)
    return render(request, "candidates/guides/programme_edit.html",
                  {"form": form, "programme": programme, "conflict": conflict})


@coordinator_required
@require_http_methods(["GET", "POST"])
def guide_programme_fits(request: HttpRequest, slug: str) -> HttpResponse:
    """The table of task areas and weights for one programme."""
    programme = _programme_or_404(slug)
    form = FitsForm(request.POST or None, initial=FitsForm.initial_for(programme),
                    task_areas=selectors.task_areas_all())
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            programme_fit_set(user=request.user, programme=programme,
                              fingerprint=form.cleaned_data.get("fingerprint") or None, weights=form.weights())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Opgaveområderne for %(name)s er gemt.") % {"name": programme.name_da})
            return redirect("guide_programme", programme.slug)
    return render(request, "candidates/guides/programme_fits.html",
                  {"form": form, "programme": programme, "conflict": conflict})


@coordinator_required
@require_http_methods(["GET", "POST"])
def guide_task_area_edit(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        area = selectors.task_area_by_slug(slug)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    form = TaskAreaForm(request.POST or None, initial=TaskAreaForm.initial_for(area))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            area = task_area_update(user=request.user, task_area=area, **form.service_kwargs())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Opgaveområdet %(name)s er gemt.") % {"name": area.label})
            return redirect("guide_task_area", area.slug)
    return render(request, "candidates/guides/task_area_edit.html",
                  {"form": form, "area": area, "conflict": conflict})


# --- The vocabulary (coordinators) ---------------------------------------------------------------------


class VocabularyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Slags"), choices=VocabularyEntry.Kind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    terms_da = forms.CharField(
        label=gettext_lazy("Ord og vendinger"), max_length=5000,
        help_text=gettext_lazy("Én pr. linje, på dansk og engelsk, fx «Power BI», «bogholder», «BIM». Store og små "
                               "bogstaver, accenter og bindestreger er ligegyldige."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 6}),
    )
    areas = forms.CharField(
        label=gettext_lazy("Opgaveområder"), max_length=3000, required=False,
        help_text=gettext_lazy("Én pr. linje: navn og vægt fra 0 til 1, fx «Data og analyse: 1»."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
    )
    programmes = forms.CharField(
        label=gettext_lazy("Uddannelser"), max_length=3000, required=False,
        help_text=gettext_lazy("Kun når ordet er en jobtitel, der nævner en uddannelse, fx «Datamatiker: 1»."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(entry: VocabularyEntry | None) -> dict:
        if entry is None:
            return {"kind": VocabularyEntry.Kind.TERM}
        areas = {a.slug: a.label for a in TaskArea.objects.filter(slug__in=entry.areas)}
        programmes = {p.slug: p.name_da for p in StudyProgramme.objects.filter(slug__in=entry.programmes)}
        return {
            "kind": entry.kind,
            "terms_da": _lines(entry.terms_da),
            "areas": "\n".join(f"{areas.get(s, s)}: {_weight_text(w)}" for s, w in entry.areas.items()),
            "programmes": "\n".join(f"{programmes.get(s, s)}: {_weight_text(w)}" for s, w in entry.programmes.items()),
            "fingerprint": vocabulary_fingerprint(entry),
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "terms": split_lines(data["terms_da"]),
            "area_lines": split_lines(data["areas"]),
            "programme_lines": split_lines(data["programmes"]),
            "fingerprint": data.get("fingerprint") or None,
        }


@coordinator_required
def guide_vocabulary(request: HttpRequest) -> HttpResponse:
    """The vocabulary the matching engine uses: job titles, tools and acronyms → task areas and programmes."""
    q = request.GET.get("q", "").strip()[:100]
    areas, programmes = selectors.task_area_names(), selectors.programme_names()
    rows = [
        {
            "entry": e,
            "targets": [f"{areas.get(s, s)} ({_weight_text(w)})" for s, w in e.areas.items()]
            + [f"{programmes.get(s, s)} ({_weight_text(w)})" for s, w in e.programmes.items()],
        }
        for e in selectors.vocabulary_entries(q=q)
    ]
    return render(request, "candidates/guides/vocabulary.html", {"rows": rows, "q": q})


@coordinator_required
@require_http_methods(["GET", "POST"])
def guide_vocabulary_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    entry = None
    if pk is not None:
        entry = VocabularyEntry.objects.filter(pk=pk).first()
        if entry is None:
            raise Http404(_("Opslaget findes ikke i ordlisten."))
    form = VocabularyForm(request.POST or None, initial=VocabularyForm.initial_for(entry))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            saved = vocabulary_entry_save(user=request.user, entry=entry, **form.service_kwargs())
        except Conflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationFailed as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Opslaget «%(term)s» i ordlisten er gemt.") % {"term": saved.terms_da[0]})
            return redirect("guide_vocabulary")
    return render(request, "candidates/guides/vocabulary_edit.html",
                  {"form": form, "entry": entry, "conflict": conflict})


@coordinator_required
@require_http_methods(["POST"])
def guide_vocabulary_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = VocabularyEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404(_("Opslaget findes ikke i ordlisten."))
    try:
        vocabulary_entry_delete(user=request.user, entry=entry)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    messages.success(request, _("Opslaget «%(term)s» er slettet fra ordlisten.") % {"term": entry.terms_da[0]})
    return redirect("guide_vocabulary")
