"""Public pages served from the cache with ETags (issue 16).

`public_page(version)` wraps a view whose page is the same for every anonymous visitor as long as its data are
unchanged. `version(request)` returns a short text that changes whenever those data do (one cheap query, e.g.
the case index's generation or the competence guides' fingerprint); the key adds the view, the full path with
its query string and the active language. On a hit the stored HTML is served without running the view. The
page's one per-visitor part, the CSRF token of the language form, is stored as a placeholder and filled in with
a fresh token for each response, so the form keeps working and Django's CSRF cookie is still set.

Only GET/HEAD from visitors without a session cookie and without pending messages are served from or stored in
the cache; staff, candidates and everyone with a session always get the view. Every such response carries an
ETag (the key plus the visitor's CSRF cookie, because the page holds a token made from it) and
`Cache-Control: private, no-cache`: the browser may keep the page but asks each time, and gets 304 when
nothing changed — without the view and without the body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response
from django.utils.module_loading import import_string
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "__viaviden_csrf_token__"
_CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
TIMEOUT = 60 * 60
KEY_PREFIX = "pagecache:v1:"
# Response headers a cached page keeps (set by the view itself; the middleware adds its own on every response).
_KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag")


def site_version() -> str:
    """What every page shows from the data whatever its view (base.html's notices): the callable named by
    settings.PAGE_CACHE_SITE_VERSION, so core need not import the apps above it."""
    path = getattr(settings, "PAGE_CACHE_SITE_VERSION", "")
    return import_string(path)() if path else ""


def cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return len(get_messages(request)) == 0


def public_page(version: Callable[[HttpRequest], str], timeout: int = TIMEOUT):
    def decorator(view):
        name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not cacheable(request):
                return view(request, *args, **kwargs)
            source = "|".join((name, request.get_full_path(), get_language() or "", site_version(), version(request)))
            digest = hashlib.sha256(source.encode()).hexdigest()[:32]
            key = KEY_PREFIX + digest
            stored = cache.get(key)
            if stored is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    return response
                body = response.content.decode(response.charset)
                found = _CSRF_VALUE.search(body)
                if found:
                    body = body.replace(found.group(1), CSRF_PLACEHOLDER)
                headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
                # Per-response CSP changes (django-csp: _csp_update, _csp_replace, _csp_exempt …) go with the page.
                attributes = {k: v for k, v in vars(response).items() if k.startswith("_csp")}
                stored = (body, headers, attributes)
                cache.set(key, stored, timeout)
            body, headers, attributes = stored
            if CSRF_PLACEHOLDER in body:
                body = body.replace(CSRF_PLACEHOLDER, get_token(request))
            response = HttpResponse(body, headers=headers)
            for attribute, value in attributes.items():
                setattr(response, attribute, value)
            cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
            etag = f'"{digest[:20]}-{hashlib.sha256(cookie.encode()).hexdigest()[:8]}"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            return get_conditional_response(request, etag=etag, response=response)

        return wrapped

    return decorator
