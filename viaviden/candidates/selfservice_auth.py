"""The candidate's own session: e-mail link login, no password and no Django auth user.

    from viaviden.candidates.selfservice_auth import candidate_required, current_candidate

    @candidate_required
    def my_view(request): candidate = current_candidate(request)

A candidate session is only `request.session["candidate_id"]`; it gives no access to staff pages (those
need an OTP-verified staff login) and a staff login gives no access to candidate pages. Logging in rotates
the session key (no session fixation). An erased or anonymised profile ends the session on the next request.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from .models import Candidate
from .selectors import candidate_own, is_anonymised

SESSION_KEY = "candidate_id"
_CACHE_ATTR = "_current_candidate"


def current_candidate(request: HttpRequest) -> Candidate | None:
    """The candidate logged in on this session (with programme, level, municipality and match types), or None."""
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    candidate = None
    raw = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if raw is not None:
        try:
            candidate = candidate_own(int(raw))
        except (TypeError, ValueError):
            candidate = None
        if candidate is None or is_anonymised(candidate):
            candidate = None
            request.session.pop(SESSION_KEY, None)
    setattr(request, _CACHE_ATTR, candidate)
    return candidate


def candidate_session_start(request: HttpRequest, candidate: Candidate) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = candidate.pk
    setattr(request, _CACHE_ATTR, candidate)


def candidate_session_end(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    setattr(request, _CACHE_ATTR, None)


def candidate_required(view_func):
    """Candidate pages: without a candidate session, go to the start page (log in with your e-mail)."""

    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if current_candidate(request) is None:
            return HttpResponseRedirect(reverse("candidate_start"))
        response = view_func(request, *args, **kwargs)
        # Personal data: never kept by browsers or proxies.
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapper
