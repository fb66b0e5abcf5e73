"""Small helpers shared by the endpoints: access checks, reference look-ups, programmes, versions."""

import inspect
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.renderers import JSONRenderer

from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.organisations.models import User


def require_individual_access(user: User) -> None:
    """The steering group (and users without an organisation) see aggregates only."""
    if not can_see_individual_matches(user):
        raise Forbidden(
            _("Du har kun adgang til samlede tal (mål og fremdrift), ikke til enkelte registreringer."),
            code="aggregates_only",
        )


class References:
    """Resolves codes and slugs from a payload, collecting every unknown one before failing, so a
    client sees all its mistakes in one answer."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def get(self, model: type[models.Model], field: str, value: Any, *, lookup: str = "pk", required: bool = False) -> Any:
        """The object, or None for a missing value (None or an empty string: "" is never a reference).
        A missing `required` value is an error for that field."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors.setdefault(field, []).append(_("Feltet skal udfyldes."))
            return None
        obj = model._default_manager.filter(**{lookup: value}).first()
        if obj is None:
            self.errors.setdefault(field, []).append(_("Ukendt værdi: %(value)s.") % {"value": value})
        return obj

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(
                _("Ugyldige data. Se detaljerne for de enkelte felter."),
                code="validation_error",
                details=self.errors,
            )


def version_from(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client read: from the body, or from an If-Match header ("3", W/"3" or 3)."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "")
    found = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', header)
    if header and not found:
        raise ValidationFailed(
            _('If-Match skal indeholde matchets version, fx "3".'),
            code="validation_error",
            details={"If-Match": [_("Ugyldig værdi.")]},
        )
    return int(found.group(1)) if found else None


# The API's renderer (api.py passes it to ViaVidenAPI), shared with `prevalidated`.
RENDERER = JSONRenderer()


def prevalidated(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """Renders the view's result as ninja would (the API's renderer and content type), without validating it
    against the response schema again: for views that give the schema's output already, read as plain values
    (issue 16; each has a test that the bytes equal the schema's). The documented response is unchanged."""

    @wraps(view)
    def render(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        content = RENDERER.render(request, view(request, **kwargs), response_status=200)
        return HttpResponse(content, status=200, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")

    # ninja resolves the parameters' annotations in the wrapper's module: give it the view's, resolved in its own.
    render.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return render
