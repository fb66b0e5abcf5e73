"""API authentication: a bearer token per user (and so per organisation), or the browser session of a
logged-in, two-factor-verified user (so the browsable docs can call the API).

Either way the request acts as that user, with exactly the permissions the UI gives them."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from viaviden.organisations.models import ApiToken, User

# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_user(raw: str) -> User | None:
    """The active user of a valid, unrevoked token; records when the token was last used."""
    raw = raw.strip()
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=ApiToken.hash(raw), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token from `manage.py issue_api_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class VerifiedSessionAuth(SessionAuth):
    """The browser session of a logged-in user who has passed the second factor (TOTP).

    Checked only when such a session exists, so that a bad or missing token gives 401, not a CSRF
    error; unsafe methods then need the CSRF token (the Swagger page sends it)."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        is_verified = getattr(user, "is_verified", None)
        if not callable(is_verified) or not is_verified():
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return request.user  # type: ignore[return-value]


def current_user(request: HttpRequest) -> User:
    """The user the request acts as (set by one of the authenticators above)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
