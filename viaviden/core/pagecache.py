"""Public pages served from the cache with ETags (issue 16).

`public_page(*versions)` wraps a view whose page is the same for every anonymous visitor as long as its data
are unchanged. Each version source returns SQL scalar expressions (no parameters) whose values together change
whenever those data do (e.g. the case index's generation or the competence guides' fingerprint); the site's
own source (settings.PAGE_CACHE_SITE_VERSION: base.html's notices) is added to every page's. All of them are
read in ONE statement, `SELECT a, b, …`: a hit costs one database round trip, and, as nothing is kept in the
process, another worker's write is seen by the next request. The key adds the view, the full path with its
query string and the active language. On a hit the stored HTML is served without running the view. The
page's one per-visitor part, the CSRF token of the language form, is cut out of the stored page and a fresh
token is put in for each response, so the form keeps working and Django's CSRF cookie is still set.

Only GET/HEAD from visitors without a session cookie and without pending messages are served from or stored in
the cache; staff, candidates and everyone with a session always get the view. Every such response carries an
ETag (the key plus the visitor's CSRF cookie, because the page holds a token made from it) and
`Cache-Control: private, no-cache`: the browser may keep the page but asks each time, and gets 304 when
nothing changed — without the view and without the body.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, get_token
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from .middleware import anonymous_without_session

_CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
TIMEOUT = 60 * 60
KEY_PREFIX = "pagecache:v2:"
# Response headers a cached page keeps (set by the view itself; the middleware adds its own on every response).
_KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag")

# SQL scalar expressions, each giving one value, with table and column names from the models and never any
# input: together they change whenever the data behind a page do.
VersionSource = Callable[[], Sequence[str]]


def site_version_columns() -> Sequence[str]:
    """What every page shows from the data whatever its view (base.html's notices): the version source named
    by settings.PAGE_CACHE_SITE_VERSION, so core need not import the apps above it."""
    path = getattr(settings, "PAGE_CACHE_SITE_VERSION", "")
    return import_string(path)() if path else ()


def version_statement(*sources: VersionSource) -> str:
    """The one SELECT that reads the site's and the page's versions (empty when there is nothing to read)."""
    columns = [*site_version_columns(), *(column for source in sources for column in source())]
    return f"SELECT {', '.join(columns)}" if columns else ""


def read_version(statement: str) -> str:
    """The version as text: one query, one round trip; nothing kept between requests, so a write through any
    process or connection is seen by the next request."""
    if not statement:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return "|".join(map(str, cursor.fetchone()))


def site_version() -> str:
    return read_version(version_statement())


def cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    storage = getattr(request, "_messages", None)
    if (anonymous_without_session(request) and type(storage) is SimpleLazyObject and storage._wrapped is empty
            and CookieStorage.cookie_name not in request.COOKIES):
        # Known without building the user, the session or the message storage (issue 16): no session cookie,
        # so the anonymous user and no session messages; no message cookie and none added in this request.
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return len(get_messages(request)) == 0


_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_CHARS)}
_UNBIASED = 256 - 256 % len(_CHARS)  # random bytes below this map evenly onto the characters


def csrf_token(request: HttpRequest) -> str:
    """django.middleware.csrf.get_token, with the same effect (the cookie is sent and renewed) and a token of
    the same form (a random mask and the secret ciphered with it), but with the mask drawn from one
    os.urandom call: Django's draws one per character, 32 system calls, the largest CPU cost of a hit."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or any(c not in _INDEX for c in secret):
        return get_token(request)  # no cookie yet: Django makes the secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = ""
    while len(mask) < len(secret):
        mask += "".join(_CHARS[b % len(_CHARS)] for b in os.urandom(2 * len(secret)) if b < _UNBIASED)
    mask = mask[:len(secret)]
    return mask + "".join(_CHARS[(_INDEX[x] + _INDEX[y]) % len(_CHARS)] for x, y in zip(secret, mask, strict=True))


def _store(response: HttpResponse) -> tuple:
    """What the cache keeps of a page: its body as bytes cut where the CSRF token stood (one part when it has
    none), its headers and its per-response CSP changes."""
    body = response.content
    found = _CSRF_VALUE.search(body)
    parts = body.split(found.group(1)) if found else [body]
    headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
    # Per-response CSP changes (django-csp: _csp_update, _csp_replace, _csp_exempt …) go with the page.
    attributes = {k: v for k, v in vars(response).items() if k.startswith("_csp")}
    return parts, headers, attributes


def public_page(*versions: VersionSource, timeout: int = TIMEOUT):
    def decorator(view):
        name = f"{view.__module__}.{view.__qualname__}"
        statements: dict[str, str] = {}  # per database vendor: quoting differs, the models do not

        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not cacheable(request):
                return view(request, *args, **kwargs)
            statement = statements.get(connection.vendor)
            if statement is None:
                statement = statements[connection.vendor] = version_statement(*versions)
            source = "|".join((name, request.path, request.META.get("QUERY_STRING", ""), get_language() or "",
                               read_version(statement)))
            digest = hashlib.sha256(source.encode()).hexdigest()[:32]
            key = KEY_PREFIX + digest
            stored = cache.get(key)
            if stored is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    return response
                stored = _store(response)
                cache.set(key, stored, timeout)
            parts, headers, attributes = stored
            body = csrf_token(request).encode().join(parts) if len(parts) > 1 else parts[0]
            response = HttpResponse(body, headers=headers)
            for attribute, value in attributes.items():
                setattr(response, attribute, value)
            cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
            etag = f'"{digest[:20]}-{hashlib.sha256(cookie.encode()).hexdigest()[:8]}"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ("Cookie",))  # as when the user is looked up: the page depends on it
            return get_conditional_response(request, etag=etag, response=response)

        return wrapped

    return decorator
