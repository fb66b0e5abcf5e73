"""Small helpers shared by the endpoints: access checks, reference look-ups, programmes, versions."""

import inspect
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

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


class Renderer(JSONRenderer):
    """ninja's JSON renderer, written by orjson (issue 16: a list page of 100 matches took 0.5 ms in the
    standard library's encoder, ~0.1 ms in orjson). The JSON values are those of ninja's own renderer: dates
    and times, decimals, lazy texts and schemas go through its encoder's `default` (ISO dates, milliseconds
    and "Z" as DjangoJSONEncoder writes them), non-string keys become strings, Django's choices are their
    values (a plain Enum member, which no schema has, is now its value, not "Class.NAME"). Text is written as
    UTF-8, not as \\u escapes. What orjson cannot write (an integer beyond 64 bits, echoed from a request) is
    written by the standard library's encoder, as before."""

    _default = staticmethod(NinjaJSONEncoder().default)
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        try:
            return orjson.dumps(data, default=self._default, option=self._options)
        except orjson.JSONEncodeError:
            return super().render(request, data, response_status=response_status).encode()


# The API's renderer (api.py passes it to ViaVidenAPI), shared with `prevalidated`.
RENDERER = Renderer()


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
