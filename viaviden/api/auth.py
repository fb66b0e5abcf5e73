"""API authentication: a bearer token per user (and so per organisation), or the browser session of a
logged-in, two-factor-verified user (so the browsable docs can call the API).

Either way the request acts as that user, with exactly the permissions the UI gives them."""

import datetime as dt
import functools
from typing import Any

from django.db import router
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from viaviden.core.change_notices import AUTH_NOTICES, Kept
from viaviden.core.sql import CompiledQuery
from viaviden.organisations.models import ApiToken, Organisation, User

# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class _TokenLookup:
    """The token's user (and organisation) in one indexed look-up, compiled once per process (core.sql): building
    the select_related query anew cost each API request more than running it (issue 16); on PostgreSQL the
    statement is prepared.

    On PostgreSQL the row of a valid token is also kept, until a change to any token, user or organisation is
    committed (core.change_notices: a trigger's NOTIFY, read without a round trip) or MAX_AGE has passed: the
    look-up was one of an API request's three or four round trips. A token revoked or a user deactivated through
    any worker is refused as soon as the change's notice arrives, moments after its commit. Where notices cannot
    be trusted (SQLite, inside a transaction, CHANGE_NOTICES off) every request asks the database. Unknown tokens
    are never kept."""

    _KEY = "\x00token-key-hash\x00"  # stands for the request's hash among the compiled query's parameters
    MAX_AGE = 60.0  # seconds; a bound even if notices were lost

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.user_fields = [f.attname for f in User._meta.concrete_fields]
        self.org_fields = [f.attname for f in Organisation._meta.concrete_fields]
        self.query = CompiledQuery(
            ApiToken.objects.using(alias)
            .filter(key_hash=self._KEY, revoked=False, user__is_active=True)
            .values_list("id", "last_used_at", *(f"user__{f}" for f in self.user_fields),
                         *(f"user__organisation__{f}" for f in self.org_fields)),
            slots={"key": (self._KEY, None)},
        )
        self.kept = Kept(AUTH_NOTICES, max_age=self.MAX_AGE, max_items=1000)  # key hash -> row

    def __call__(self, key_hash: str) -> tuple[int, dt.datetime | None, User] | None:
        stamp = self.kept.stamp(self.alias)
        row = self.kept.get(stamp, key_hash)
        if row is None:
            rows = self.query.run(key=key_hash)
            if not rows:
                return None
            row = rows[0]
            self.kept.put(stamp, key_hash, row)
        n_user = len(self.user_fields)
        user = User.from_db(self.alias, self.user_fields, row[2: 2 + n_user])
        organisation = None
        if user.organisation_id is not None:
            organisation = Organisation.from_db(self.alias, self.org_fields, row[2 + n_user:])
        User._meta.get_field("organisation").set_cached_value(user, organisation)
        return row[0], row[1], user


@functools.cache
def _token_lookup(alias: str) -> _TokenLookup:
    return _TokenLookup(alias)


def warm_up_token_lookup(*, run: bool = False) -> None:
    """Compiles the token look-up before the first request needs it (config/warmup.py); `run`: also runs it once
    on this process's connection (a hash no token has)."""
    lookup = _token_lookup(router.db_for_read(ApiToken))
    if run:
        lookup("")


def token_user(raw: str) -> User | None:
    """The active user of a valid, unrevoked token (with their organisation); records when the token was last
    used."""
    raw = raw.strip()
    if not raw:
        return None
    found = _token_lookup(router.db_for_read(ApiToken))(ApiToken.hash(raw))
    if found is None:
        return None
    token_id, last_used_at, user = found
    now = timezone.now()
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


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
