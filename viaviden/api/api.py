"""The REST API (SPEC 3.8): wiring, authentication and the one place where errors become JSON.

Every error has the shape {"code": "...", "message": "...", "details": ...}; `code` is stable for
programs, `message` is for people (Danish, or English with Accept-Language: en)."""

import hashlib
import json
import logging
import threading
from functools import partial
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import path
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder

from viaviden.core.errors import AppError

from .auth import BearerTokenAuth, VerifiedSessionAuth
from .bourse import router as bourse_router
from .candidates import router as candidates_router
from .cases import router as cases_router
from .cohorts import router as cohorts_router
from .common import RENDERER
from .companies import router as companies_router
from .contacts import router as contacts_router
from .events import router as events_router
from .guides import router as guides_router
from .matches import router as matches_router
from .needs import router as needs_router
from .organisations import router as organisations_router
from .progress import router as progress_router
from .referrals import router as referrals_router
from .registrations import router as registrations_router
from .reports import router as reports_router
from .suggestions import router as suggestions_router
from .vaekstpilot import router as vaekstpilot_router

logger = logging.getLogger(__name__)

DESCRIPTION = """
API for Vækst Via Viden 2.0: organisations, companies, matches, targets and progress.

**Authentication:** `Authorization: Bearer <token>` (a coordinator issues tokens with
`python manage.py issue_api_token USERNAME --name NAME`). A token acts as its user, with the same
permissions as in the web interface. Logged-in users who have passed two-factor login can also try the
API from this page.

**Errors** are JSON: `{"code": "...", "message": "...", "details": ...}`. Messages are Danish;
send `Accept-Language: en` for English.

**Lists** are paginated (`page`, `page_size` ≤ 100) and return `{"items": [...], "count": N}`.
"""

# Every operation answers its errors in one shape; the statuses each one can return are added to the
# published schema here, in one place, so no operation can forget one (issue 13).
ERROR_STATUSES = {
    400: "Malformed request: control characters, a broken multipart or JSON body.",
    401: "Missing or invalid token.",
    403: "The user's role or organisation does not allow this.",
    404: "Not found, or not visible to the user.",
    409: "Conflict: the object was changed by someone else, or it already exists.",
    413: "The request body is larger than the upload limit.",
    422: "Invalid data; `details` lists the messages per field.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the error statuses an operation can return, each with the ErrorOut schema: 400, 404 and 422
    everywhere (any input, and unknown paths answer 404), 401 and 403 where a token is needed, 409 and
    413 where a body is sent."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = {400, 404, 422}
            if operation.get("security"):
                statuses |= {401, 403}
            if method in WRITE_METHODS:
                statuses |= {409, 413}
            responses = operation["responses"]
            for status in sorted(statuses):
                responses.setdefault(
                    str(status),
                    {"description": ERROR_STATUSES[status], "content": {"application/json": {"schema": error_ref}}},
                )
    return schema


class ViaVidenAPI(NinjaAPI):
    """The schema is built once per process and language (it takes ~0.5 s and changes only with the code) and
    served as the same bytes with an ETag, so a client that has it gets 304 (issue 16)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._openapi_bodies: dict[tuple, tuple[bytes, str]] = {}
        self._openapi_lock = threading.Lock()

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        return declare_error_responses(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))

    def openapi_body(self, path_params: dict | None = None) -> tuple[bytes, str]:
        """The schema as JSON bytes and its ETag, for the active language."""
        key = (get_language(), tuple(sorted((path_params or {}).items())))
        cached = self._openapi_bodies.get(key)
        if cached is None:
            with self._openapi_lock:
                cached = self._openapi_bodies.get(key)
                if cached is None:
                    schema = self.get_openapi_schema(path_params=path_params or {})
                    body = json.dumps(schema, cls=NinjaJSONEncoder).encode()
                    cached = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
                    self._openapi_bodies[key] = cached
        return cached

    def _get_urls(self) -> list:
        urls = super()._get_urls()
        view = partial(_openapi_json, api=self)
        if self.docs_decorator:
            view = self.docs_decorator(view)
        return [path(self.openapi_url.lstrip("/"), view, name="openapi-json")
                if getattr(u, "name", None) == "openapi-json" else u for u in urls]


def _openapi_json(request: HttpRequest, api: ViaVidenAPI, **kwargs: Any) -> HttpResponse:
    body, etag = api.openapi_body(kwargs)
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    return get_conditional_response(request, etag=etag, response=response)


api = ViaVidenAPI(
    title="Vækst Via Viden API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=[BearerTokenAuth(), VerifiedSessionAuth()],
    renderer=RENDERER,
    # Swagger UI from ninja's own static files (ninja is in INSTALLED_APPS), so the page works offline
    # and under our CSP; the validator badge would call validator.swagger.io, so it is off.
    docs=Swagger(settings={"validatorUrl": None}),
)

api.add_router("/organisations", organisations_router)
api.add_router("/companies", companies_router)
api.add_router("/contacts", contacts_router)
api.add_router("/needs", needs_router)
api.add_router("/referrals", referrals_router)
api.add_router("/matches", matches_router)
api.add_router("/events", events_router)
api.add_router("/bourses", bourse_router)
api.add_router("/vaekstpilot", vaekstpilot_router)
api.add_router("/cases", cases_router)
api.add_router("/cohorts", cohorts_router)
api.add_router("/activity-registrations", registrations_router)
api.add_router("/candidates", candidates_router)
api.add_router("/suggestions", suggestions_router)
api.add_router("/guides", guides_router)
api.add_router("/reports", reports_router)
api.add_router("", progress_router)


# --- Errors ----------------------------------------------------------------------------------

STATUS_CODES = {
    400: ("bad_request", gettext_lazy("Forespørgslen kunne ikke forstås.")),
    401: (
        "unauthorized",
        gettext_lazy("Du er ikke logget ind. Send en gyldig API-nøgle i headeren «Authorization: Bearer <nøgle>»."),
    ),
    403: ("forbidden", gettext_lazy("Du har ikke adgang til dette.")),
    404: ("not_found", gettext_lazy("Findes ikke, eller du har ikke adgang til det.")),
    405: ("method_not_allowed", gettext_lazy("Metoden er ikke tilladt her.")),
    429: ("throttled", gettext_lazy("For mange forespørgsler. Vent lidt, og prøv igen.")),
}


def error_response(request: HttpRequest, status: int, code: str, message: Any, details: Any = None) -> HttpResponse:
    response = api.create_response(request, {"code": code, "message": str(message), "details": details}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(AppError)
def _app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for error in exc.errors:
        details.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return error_response(
        request, 422, "validation_error", _("Ugyldige data. Se detaljerne for de enkelte felter."), details
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(details.values()))[0]
    return error_response(request, 422, "validation_error", first, details)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    code, message = STATUS_CODES[401]
    return error_response(request, 401, code, message)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    code, message = STATUS_CODES.get(status, ("error", exc.message))
    if status == 403 and "CSRF" in exc.message:
        code, message = "csrf_failed", _("CSRF-kontrollen fejlede. Genindlæs siden, og prøv igen.")
    return error_response(request, status, code, message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    code, message = STATUS_CODES[404]
    return error_response(request, 404, code, message)


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _not_found(request, exc)


# Second line of defence behind InputHygieneMiddleware and the services' own retries: what reaches
# here from the request parser or the database is still the client's doing, so it is a 4xx.
@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 413, "too_large", _("Forespørgslen er for stor. Send en mindre fil eller færre data ad gangen."))


@api.exception_handler(MultiPartParserError)
def _malformed_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request, 400, "malformed_body", _("Forespørgslens indhold kunne ikke læses (fx en formular uden «boundary»).")
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    code, message = STATUS_CODES[400]
    return error_response(request, 400, code, message)


@api.exception_handler(IntegrityError)
def _integrity(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A unique key taken by a concurrent request between our check and our insert."""
    logger.info("Integrity conflict on %s %s: %s", request.method, request.path, exc)
    return error_response(
        request, 409, "already_exists", _("Objektet findes allerede eller blev ændret samtidig af en anden. Prøv igen.")
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "server_error", _("Der opstod en uventet fejl. Prøv igen senere."))


def _field_name(loc: Any) -> str:
    """("body", "payload", "company", "cvr") -> "company.cvr"; ("query", "page") -> "page"."""
    parts = [str(p) for p in loc[1:]] if loc else []
    if parts and parts[0] in ("payload", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _pydantic_message(error: dict[str, Any]) -> str:
    """A Danish (translatable) message for the common pydantic error types."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Feltet skal udfyldes.")
    if kind == "extra_forbidden":
        return _("Ukendt felt.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Skal være et heltal.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Skal være true eller false.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Ugyldig dato. Brug formatet ÅÅÅÅ-MM-DD.")
    if kind == "string_too_long":
        return _("Højst %(max)s tegn.") % {"max": ctx.get("max_length")}
    if kind == "greater_than_equal":
        return _("Skal være mindst %(min)s.") % {"min": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Må højst være %(max)s.") % {"max": ctx.get("le")}
    if kind in ("enum", "literal_error"):
        return _("Ugyldig værdi. Tilladte værdier: %(values)s.") % {"values": ctx.get("expected", "")}
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("Forkert type.")
    if kind == "json_invalid":
        return _("Ugyldig JSON.")
    return _("Ugyldig værdi.")


# Unknown paths under /api/ answer with the same JSON error instead of the site's HTML 404 page.
# Registered last, so every real endpoint is matched before it.
fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def _unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404


api.add_router("", fallback)
