"""Danish first: the web pages are Danish unless the user picked English with the language switch
(Django's language cookie). The API still negotiates by Accept-Language, so clients can ask for English."""

import json
import re
import time
from functools import partial
from typing import Any

from auditlog import get_logentry_model
from auditlog.cid import correlation_id
from auditlog.context import _set_extra_data as _auditlog_set_extra_data
from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.signals import setting_changed
from django.db import IntegrityError
from django.db.models.signals import pre_save
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware as _LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy


class DanishFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class LocaleMiddleware(_LocaleMiddleware):
    """DanishFirstMiddleware and Django's LocaleMiddleware in one layer (issue 16): Accept-Language is ignored
    outside the API, then the language is chosen and activated as Django does. Without i18n URL patterns (the
    platform has none) the path is never looked at, so the two path parses per request are skipped; the
    response gets the same `Vary: Accept-Language` and `Content-Language`."""

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return super().__call__(request)

    @staticmethod
    def _prefixed(request) -> bool:
        return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]

    def process_request(self, request):
        if self._prefixed(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if self._prefixed(request):
            return super().process_response(request, response)
        if "Vary" in response:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response["Vary"] = "Accept-Language"
        if "Content-Language" not in response:
            response["Content-Language"] = translation.get_language()
        return response


def anonymous_without_session(request) -> bool:
    """The request carries no session cookie and its user has not been looked up yet: it is the anonymous
    user (the session it would come from is empty), known without loading the session — so the middleware
    below need not mark the session accessed (Vary: Cookie) or build the user for it (issue 16)."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is None or (type(user) is SimpleLazyObject and user._wrapped is empty)


class MessageMiddleware(_MessageMiddleware):
    """Django's, but the message storage (a cookie and a session storage, a signer) is made only when a
    message is added or read during the request; a request that never touches messages stores nothing, as
    with Django's, whose storage does nothing on such a response either (issue 16)."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if type(storage) is SimpleLazyObject and storage._wrapped is empty:
            return response
        return super().process_response(request, response)


# --- Input hygiene: one place that refuses what no field may hold (issue 13) --------------------

# C0 control characters and DEL, except tab, line feed and carriage return (which a text area sends).
# NUL in particular cannot be stored in PostgreSQL text at all.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return bool(_FORBIDDEN.search(value))


def _bad_fields(data: Any, prefix: str = "") -> list[str]:
    """Names of the fields (dotted paths for JSON) whose key or text holds a forbidden character."""
    bad: list[str] = []
    if isinstance(data, str):
        if has_control_characters(data):
            bad.append(prefix or "__all__")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if has_control_characters(str(key)):
                bad.append(name)
            else:
                bad.extend(_bad_fields(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            bad.extend(_bad_fields(value, f"{prefix}.{index}" if prefix else str(index)))
    return bad


def _querydict_bad_fields(data: Any) -> list[str]:
    return [key for key, values in data.lists() if _bad_fields(key) or any(_bad_fields(v) for v in values)]


class InputHygieneMiddleware:
    """Refuses query strings, form fields and JSON bodies with control characters (400), malformed
    multipart bodies (400) and bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (413), for the API and the pages
    alike, before any view or service sees them. API clients get the structured JSON error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.check(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def check(self, request):
        # An empty query string has no fields: its QueryDict is not built (unless one was set on the request).
        query = request.META.get("QUERY_STRING") or "GET" in vars(request)
        bad = _querydict_bad_fields(request.GET) if query else []
        if has_control_characters(request.path):
            bad.append("path")
        if bad:
            return self.refuse(request, 400, "invalid_characters", _CONTROL_MESSAGE, bad)
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        content_type = request.content_type or ""
        try:
            if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
                bad = _querydict_bad_fields(request.POST)
                bad += [key for key in request.FILES if has_control_characters(key)]
            elif request.path.startswith("/api/"):
                body = request.body
                if body and content_type in ("application/json", ""):
                    bad = self.json_bad_fields(body)
        except RequestDataTooBig:
            return self.refuse(request, 413, "too_large", _TOO_LARGE_MESSAGE)
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, UnicodeDecodeError):
            return self.refuse(request, 400, "malformed_body", _MALFORMED_MESSAGE)
        if bad:
            return self.refuse(request, 400, "invalid_characters", _CONTROL_MESSAGE, bad)
        return None

    def process_exception(self, request, exception):
        """A unique key taken by a concurrent request on a page (the API maps it itself): 409, not 500."""
        if isinstance(exception, IntegrityError) and not request.path.startswith("/api/"):
            return self.refuse(request, 409, "already_exists", _CONFLICT_MESSAGE)
        return None

    @staticmethod
    def json_bad_fields(body: bytes) -> list[str]:
        try:
            data = json.loads(body)
        except ValueError:
            return []  # not JSON: the endpoint's own validation answers
        return _bad_fields(data)

    @staticmethod
    def refuse(request, status: int, code: str, message, fields: list[str] | None = None):
        details = {field: [str(message)] for field in fields} if fields else None
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": str(message), "details": details}, status=status)
        response = render(request, "400.html", {"message": message, "fields": fields or []}, status=status)
        return response


_CONTROL_MESSAGE = gettext_lazy(
    "Teksten indeholder kontroltegn (fx et NUL-tegn), som ikke kan gemmes. Fjern dem, og prøv igen."
)
_CONFLICT_MESSAGE = gettext_lazy("Objektet findes allerede eller blev ændret samtidig af en anden. Prøv igen.")
_TOO_LARGE_MESSAGE = gettext_lazy("Forespørgslen er for stor. Send en mindre fil eller færre data ad gangen.")
_MALFORMED_MESSAGE = gettext_lazy("Forespørgslens indhold kunne ikke læses (fx en formular uden «boundary»).")


# --- Session lifetime: idle and absolute timeouts for logged-in staff (issue 13) ----------------------

SESSION_STARTED_KEY = "_viaviden_started"
SESSION_SEEN_KEY = "_viaviden_seen"
# The last-seen stamp is written at most once a minute, so not every request saves the session.
SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request (sliding) and
    SESSION_ABSOLUTE_TIMEOUT seconds after login, whatever the activity. Pages then go to the login
    page; the API (session auth) answers 401. Bearer tokens carry no session and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if anonymous_without_session(request):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            seen = request.session.get(SESSION_SEEN_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = started = now
            if seen is None:
                seen = now
            if now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _SESSION_EXPIRED_MESSAGE)
                    return redirect_to_login(request.get_full_path())
            elif now - seen >= SEEN_RESOLUTION or SESSION_SEEN_KEY not in request.session:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


_SESSION_EXPIRED_MESSAGE = gettext_lazy("Du er logget ud, fordi sessionen er udløbet. Log ind igen.")


def client_ip(request) -> str | None:
    """The client's address for the login lock-out (AXES_CLIENT_IP_CALLABLE): with TRUSTED_PROXY_COUNT
    proxies in front, each appending the address it was reached from to X-Forwarded-For, the client is
    that many entries from the right; whatever the client put in the header itself stays to the left."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def stamp_session_at_login(sender, request, user, **kwargs) -> None:
    """Receiver of user_logged_in: the session's lifetime starts at the login."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now


# --- Content security policy: the same header, built once per process (issue 16) ---------------------------

_CSP_RESPONSE_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
                            "_csp_replace_ro")


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware, but the policy of a response that changes nothing (no nonce, no per-response
    update, replacement or config: nearly every response) is built once per process from the settings
    instead of for every response. Responses that change it go through django-csp unchanged."""

    _plain: tuple[tuple[str, str, str, tuple[str, ...]], ...] | None = None

    @classmethod
    def plain_headers(cls) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
        """(header, value, exemption attribute, excluded path prefixes) of each policy that is set."""
        if cls._plain is None:
            plain = []
            for value, header, exempt, setting in (
                    (build_policy(), CSP_HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
                    (build_policy(report_only=True), CSP_HEADER_REPORT_ONLY, "_csp_exempt_ro",
                     "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
                if value:
                    prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
                    plain.append((header, value, exempt, tuple(prefixes)))
            cls._plain = tuple(plain)
        return cls._plain

    def process_response(self, request, response):
        if (settings.DEBUG or getattr(request, "_csp_nonce", None) is not None
                or any(getattr(response, name, None) is not None for name in _CSP_RESPONSE_ATTRIBUTES)):
            return super().process_response(request, response)
        for header, value, exempt, prefixes in self.plain_headers():
            if header in response or getattr(response, exempt, False) is not False:
                continue
            if not prefixes or not request.path_info.startswith(prefixes):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _csp_settings_changed(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._plain = None


setting_changed.connect(_csp_settings_changed)


# --- Audit log: the request's actor without a signal connected and disconnected per request (issue 16) ------

_AUDITLOG_DUID = ("viaviden_request_actor", 0)


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware (the request's user, address and correlation id on every LogEntry saved
    during the request), but its pre_save receiver is connected once per process instead of being connected
    and disconnected around every request, which took a lock and cleared the signal's receiver cache each time.
    The receiver is auditlog's own, reading the same context variable; a nested `auditlog.context.set_actor`
    (core.audit) still takes over inside its block, exactly as before."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(partial(_auditlog_set_extra_data, signal_duid=_AUDITLOG_DUID),
                         sender=get_logentry_model(), dispatch_uid=_AUDITLOG_DUID, weak=False)
        header = settings.AUDITLOG_CID_HEADER
        # request.headers[header] is request.META["HTTP_…"]: read there, without building request.headers.
        self._cid_keys = ("HTTP_" + header.upper().replace("-", "_"), header) if header else ()

    def _set_cid(self, request) -> None:
        """auditlog.cid.set_cid, from request.META."""
        if settings.AUDITLOG_CID_GETTER:
            return
        meta = request.META
        correlation_id.set(next((meta[key] for key in self._cid_keys if key in meta), None))

    def get_extra_data(self, request):
        """auditlog's, from request.META (its X-Forwarded-For and X-Forwarded-Port handling unchanged), and no
        user looked up for a request without a session: its actor is None, as auditlog's would be."""
        meta = request.META
        forwarded = meta.get("HTTP_X_FORWARDED_FOR")
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            remote_addr = None
        elif not forwarded:
            remote_addr = meta.get("REMOTE_ADDR")
        else:
            remote_addr = forwarded.split(",")[0]
            if "." in remote_addr and ":" in remote_addr:
                remote_addr = remote_addr.split(":")[0]
            elif "[" in remote_addr:
                remote_addr = remote_addr[1:].split("]")[0]
        try:
            remote_port = int(meta.get("HTTP_X_FORWARDED_PORT", ""))
        except ValueError:
            remote_port = None
        actor = None if anonymous_without_session(request) else self._get_actor(request)
        return {"remote_addr": remote_addr, "remote_port": remote_port, "actor": actor}

    def __call__(self, request):
        self._set_cid(request)
        context_data = self.get_extra_data(request)
        context_data["signal_duid"] = _AUDITLOG_DUID
        token = auditlog_value.set(context_data)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)
