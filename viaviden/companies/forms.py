"""Forms of the company register: the CVR field and the inline company fields (used by the match form),
create/edit a company, its production units, the list's search, merging two records, and the import."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from viaviden.core.forms import AppErrorFormMixin, ImportUploadForm
from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import normalise_cvr, validate_cvr
from .models import Company, ProductionUnit
from .selectors import company_by_cvr, company_filter, company_search

LOOKUP_REGION_ID = "company-lookup"
LOOKUP_FIELDS = ("company_name", "company_municipality", "company_industry", "company_size_class")


def municipality_choice(**kwargs) -> forms.ModelChoiceField:
    """A select of the region's municipalities."""
    queryset = Municipality.objects.filter(in_region=True).order_by("name")
    return forms.ModelChoiceField(queryset=queryset, widget=forms.Select(attrs={"class": "form-select"}), **kwargs)


def industry_choice(**kwargs) -> forms.ModelChoiceField:
    """A select of the DB07 industries."""
    kwargs.setdefault("label", _("Branche (DB07)"))
    queryset = Industry.objects.order_by("code")
    return forms.ModelChoiceField(queryset=queryset, widget=forms.Select(attrs={"class": "form-select"}), **kwargs)


def size_class_choice(**kwargs) -> forms.ModelChoiceField:
    """A select of the size classes."""
    kwargs.setdefault("label", _("Størrelse"))
    queryset = SizeClass.objects.order_by("order")
    return forms.ModelChoiceField(queryset=queryset, widget=forms.Select(attrs={"class": "form-select"}), **kwargs)


class CvrBoundField(BoundField):
    """The CVR input looks the company up as you type (htmx, progressive enhancement): the answer
    replaces the lookup region, which the input also points to with aria-describedby."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        described = [part for part in (attrs.get("aria-describedby") or "").split() if part]
        attrs["aria-describedby"] = " ".join([*described, f"{LOOKUP_REGION_ID}-status"])
        attrs.update(
            {
                "hx-get": reverse("company_lookup"),
                "hx-trigger": "change changed, keyup changed delay:600ms",
                "hx-target": f"#{LOOKUP_REGION_ID}",
                "hx-swap": "innerHTML",
                # Send what was typed in the company fields (inside the region) so a new answer keeps it.
                "hx-include": f"#{LOOKUP_REGION_ID}",
                "hx-sync": "this:replace",
            }
        )
        return attrs


class CvrField(forms.CharField):
    """A CVR number: spaces, separators and a 'DK' prefix are accepted; modulus 11 is checked."""

    default_validators = [validate_cvr]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("CVR-nummer"))
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("error_messages", {"required": _("Angiv virksomhedens CVR-nummer.")})
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalise_cvr(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "class": "form-input input-width-s"})
        return attrs


class CompanyFieldsForm(forms.Form):
    """CVR number first; name, municipality, industry and size class are used only when the CVR
    number is not yet in the register (then name and municipality are required)."""

    cvr = CvrField(bound_field_class=CvrBoundField, help_text=_("8 cifre. Kendte virksomheder slås op automatisk."))
    company_name = forms.CharField(
        label=_("Virksomhedens navn"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "organization"}),
    )
    company_municipality = municipality_choice(
        label=_("Arbejdsstedets kommune"), required=False, empty_label=_("Vælg kommune")
    )
    company_industry = industry_choice(required=False, empty_label=_("Ukendt"))
    company_size_class = size_class_choice(required=False, empty_label=_("Ukendt"))

    COMPANY_FIELDS = LOOKUP_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_company: Company | None = None

    def clean(self):
        cleaned = super().clean()
        cvr = cleaned.get("cvr")
        if not cvr:
            return cleaned
        self.known_company = company_by_cvr(cvr)
        if self.known_company is None:
            if not (cleaned.get("company_name") or "").strip():
                self.add_error("company_name", _("Virksomheden findes ikke i registret. Angiv dens navn."))
            if cleaned.get("company_municipality") is None:
                self.add_error(
                    "company_municipality", _("Virksomheden findes ikke i registret. Angiv arbejdsstedets kommune.")
                )
        return cleaned

    def company_kwargs(self) -> dict:
        """Arguments for companies.services.company_get_or_create."""
        c = self.cleaned_data
        return {
            "cvr": c["cvr"],
            "name": c.get("company_name") or "",
            "municipality": c.get("company_municipality"),
            "industry": c.get("company_industry"),
            "size_class": c.get("company_size_class"),
        }


def company_lookup_state(cvr_input: str) -> dict:
    """What the inline lookup shows for a typed CVR number: empty, incomplete (still typing), invalid
    (with the Danish error), known (the company) or unknown (fields to create it)."""
    field = CvrField()
    if not (cvr_input or "").strip():
        return {"state": "empty", "cvr": ""}
    typed = normalise_cvr(cvr_input)
    if typed.isdigit() and len(typed) < 8:
        # Still typing: suggest known companies whose number starts with the digits so far.
        return {
            "state": "incomplete",
            "cvr": typed,
            "suggestions": company_search(typed, limit=5) if len(typed) >= 4 else [],
        }
    try:
        cvr = field.clean(cvr_input)
    except forms.ValidationError as exc:
        # A name typed into the CVR field: offer the companies it matches.
        suggestions = [] if typed.isdigit() or len(cvr_input.strip()) < 3 else company_search(cvr_input, limit=5)
        return {"state": "invalid", "cvr": typed, "errors": exc.messages, "suggestions": suggestions}
    company = company_by_cvr(cvr)
    if company is None:
        return {"state": "unknown", "cvr": cvr}
    return {"state": "known", "cvr": cvr, "company": company}


def form_lookup_state(form: forms.Form) -> dict | None:
    """The inline lookup for the CVR number typed into `form` (None when it has no CVR field). When the
    field itself shows the number's error, the lookup stays empty rather than say it twice."""
    if "cvr" not in form.fields:
        return None
    lookup = company_lookup_state(str(form["cvr"].value() or ""))
    if lookup["state"] == "invalid" and form.errors.get("cvr"):
        return {"state": "empty"}
    return lookup


# --------------------------------------------------------------------------------------- the register


class HighlyEducatedField(forms.NullBooleanField):
    """Unknown / yes / no as a select, so "not known yet" stays a real answer."""

    def __init__(self, *, empty_label=None, **kwargs):
        widget = forms.NullBooleanSelect(attrs={"class": "form-select"})
        widget.choices = [("unknown", empty_label or _("Ved ikke")), ("true", _("Ja")), ("false", _("Nej"))]
        kwargs.setdefault("label", _("Har virksomheden højtuddannede ansatte i dag?"))
        kwargs["widget"] = widget
        kwargs["required"] = False
        super().__init__(**kwargs)


class CompanyForm(AppErrorFormMixin, forms.Form):
    """Create (with CVR number) or edit (with the version read) a company."""

    cvr = CvrField(help_text=_("8 cifre. CVR-nummeret kan ikke ændres bagefter."))
    name = forms.CharField(
        label=_("Navn"),
        max_length=200,
        error_messages={"required": _("Angiv virksomhedens navn.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "organization"}),
    )
    municipality = municipality_choice(
        label=_("Kommune (arbejdssted)"),
        empty_label=_("Vælg kommune"),
        error_messages={"required": _("Vælg kommunen.")},
    )
    industry = industry_choice(required=False, empty_label=_("Ukendt"))
    size_class = size_class_choice(required=False, empty_label=_("Ukendt"))
    has_highly_educated_staff = HighlyEducatedField(
        help_text=_("Platformens målgruppe er især virksomheder uden (mange) højtuddannede.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, company: Company | None = None, **kwargs):
        self.company = company
        if company is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": company.name,
                    "municipality": company.municipality_id,
                    "industry": company.industry_id,
                    "size_class": company.size_class_id,
                    "has_highly_educated_staff": company.has_highly_educated_staff,
                    "version": company.version,
                },
            )
        super().__init__(*args, **kwargs)
        if company is not None:
            del self.fields["cvr"]
            self.fields["version"].required = True

    def company_data(self) -> dict:
        c = self.cleaned_data
        return {name: c[name] for name in ("name", "municipality", "industry", "size_class",
                                           "has_highly_educated_staff")}


class ProductionUnitForm(AppErrorFormMixin, forms.Form):
    p_number = forms.CharField(
        label=_("P-nummer"),
        max_length=10,
        required=False,
        help_text=_("10 cifre."),
        widget=forms.TextInput(attrs={"class": "form-input input-width-s", "inputmode": "numeric"}),
    )
    name = forms.CharField(
        label=_("Navn på enheden"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    address = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        error_messages={"required": _("Angiv adressen.")},
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postnummer"),
        max_length=4,
        error_messages={"required": _("Angiv postnummeret.")},
        widget=forms.TextInput(
            attrs={"class": "form-input input-width-xs", "inputmode": "numeric", "autocomplete": "postal-code"}
        ),
    )
    city = forms.CharField(
        label=_("By"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "address-level2"}),
    )
    municipality = municipality_choice(
        label=_("Kommune"),
        required=False,
        empty_label=_("Efter postnummeret"),
        help_text=_("Findes ud fra postnummeret. Vælg kun, hvis postnummeret ligger i flere kommuner."),
    )
    is_primary = forms.BooleanField(
        label=_("Hovedarbejdssted"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def __init__(self, *args, unit: ProductionUnit | None = None, **kwargs):
        if unit is not None:
            kwargs.setdefault(
                "initial",
                {
                    "p_number": unit.p_number,
                    "name": unit.name,
                    "address": unit.address,
                    "postal_code": unit.postal_code,
                    "city": unit.city,
                    "municipality": unit.municipality_id,
                    "is_primary": unit.is_primary,
                },
            )
        super().__init__(*args, **kwargs)

    def unit_data(self) -> dict:
        return dict(self.cleaned_data)


class CompanyFilterForm(forms.Form):
    """The register's search (GET)."""

    q = forms.CharField(
        label=_("Søg navn, CVR- eller P-nummer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}),
    )
    municipality = municipality_choice(label=_("Kommune"), required=False, empty_label=_("Alle"))
    industry = industry_choice(required=False, empty_label=_("Alle"))
    size_class = size_class_choice(required=False, empty_label=_("Alle"))
    has_highly_educated_staff = HighlyEducatedField(label=_("Højtuddannede ansatte"), empty_label=_("Alle"))

    def filter(self, qs):
        """Apply the valid filters (an invalid one is shown as an error and ignored)."""
        self.is_valid()
        return company_filter(qs, **getattr(self, "cleaned_data", {}))

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in getattr(self, "cleaned_data", {}).values())


class CompanyMergeForm(AppErrorFormMixin, forms.Form):
    """Step 1: the other record's CVR number (and a reason); step 2 adds `confirm`."""

    other = CvrField(
        label=_("CVR-nummer på den post, der skal lægges ind i denne"),
        help_text=_("Den anden post bliver lagt ind i denne. Dens CVR-nummer finder fortsat virksomheden."),
    )
    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CompanyImportForm(ImportUploadForm):
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024
