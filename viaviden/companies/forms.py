"""Form pieces for the company register: a CVR field and the inline fields to create a company."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import normalise_cvr, validate_cvr
from .models import Company
from .selectors import company_by_cvr, company_search

LOOKUP_REGION_ID = "company-lookup"
LOOKUP_FIELDS = ("company_name", "company_municipality", "company_industry", "company_size_class")


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
    company_municipality = forms.ModelChoiceField(
        label=_("Arbejdsstedets kommune"),
        queryset=Municipality.objects.filter(in_region=True).order_by("name"),
        required=False,
        empty_label=_("Vælg kommune"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    company_industry = forms.ModelChoiceField(
        label=_("Branche (DB07)"),
        queryset=Industry.objects.order_by("code"),
        required=False,
        empty_label=_("Ukendt"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    company_size_class = forms.ModelChoiceField(
        label=_("Størrelse"),
        queryset=SizeClass.objects.order_by("order"),
        required=False,
        empty_label=_("Ukendt"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

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
