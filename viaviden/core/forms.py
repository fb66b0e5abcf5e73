"""Form helpers shared by the apps: Danish date input, a service error shown on a form, a version read
from a POST, the organisation choice field and the upload form of the CSV/XLSX imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.core.errors import AppError

# ISO first (what <input type="date"> sends), then the ways a Danish user types a date.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%y"]


def date_input() -> forms.DateInput:
    """The browser's date picker; the value is sent as ISO, shown as the user's locale shows dates."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input input-width-s"})


class DateField(forms.DateField):
    """A date field with the date picker that also accepts a typed Danish date (dd-mm-åååå)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", date_input())
        super().__init__(**kwargs)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def add_app_error(form: forms.Form, exc: AppError) -> None:
    """Show a service error at the visible fields its `details` name, or at the top of the form."""
    placed = False
    if isinstance(exc.details, dict):
        for name, messages in exc.details.items():
            if name in form.fields and not form.fields[name].widget.is_hidden:
                for message in messages if isinstance(messages, list | tuple) else [messages]:
                    form.add_error(name, str(message))
                placed = True
    if not placed:
        form.add_error(None, str(exc.message))


class AppErrorFormMixin:
    """`form.add_app_error(exc)`: see `add_app_error`."""

    def add_app_error(self, exc: AppError) -> None:
        add_app_error(self, exc)  # type: ignore[arg-type]


def posted_version(request: HttpRequest) -> int | None:
    """The `version` a page was read at (a hidden field of a one-button form), or None."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


class ImportUploadForm(forms.Form):
    """A CSV/XLSX file to import (see core/tabular.py), and whether to skip the rows with errors."""

    file = forms.FileField(
        label=gettext_lazy("Fil"),
        help_text=gettext_lazy("CSV (semikolon- eller kommasepareret) eller XLSX. Første række er kolonnenavne."),
        widget=forms.ClearableFileInput(attrs={"class": "form-file-input", "accept": ".csv,.xlsx,.txt"}),
        error_messages={"required": gettext_lazy("Vælg en fil.")},
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Importér de gyldige rækker, og spring rækker med fejl over"),
        help_text=gettext_lazy("Uden dette kryds importeres intet, hvis blot én række har fejl."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    MAX_UPLOAD_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Filen er for stor (højst %(mb)d MB).") % {"mb": self.MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


def import_page_context(
    result: Any, *, column_help: Mapping[str, Any], required: Iterable[str], max_errors: int = 500
) -> dict[str, Any]:
    """What partials/import_result.html and partials/import_columns.html show for an importer's result
    (None before a file is sent): the first `max_errors` row errors and the documented columns."""
    errors = result.errors if result else []
    required = set(required)
    return {
        "result": result,
        "errors": errors[:max_errors],
        "errors_hidden": max(0, len(errors) - max_errors),
        "columns": [(name, help_text, name in required) for name, help_text in column_help.items()],
    }
