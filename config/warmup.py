"""Warm-up before a server process takes traffic (issue 16): the case-search snapshot, the candidate matching
index, the OpenAPI schema, the public pages' templates and the SQL compiled once per process (core.sql) are
built here, not by the first visitor's request.

gunicorn calls `warm_up()` (config/gunicorn.conf.py) in the master after it loaded the application (preload_app),
so every worker forked from it — also the ones recycled after max_requests — starts warm, sharing the memory;
and again in each worker before it accepts a request, where it only brings them up to date (a few queries)
when the data changed since the master's warm-up, renders one search page and answers one public API request
(its first touch of what it shares with the master), and runs the API's hot queries once on the connection it
keeps for its first request. The master's database connections are closed afterwards: a connection must never
be shared by forked processes."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger("viaviden.warmup")

# Public pages whose templates, translations and URL resolver are loaded by one internal request each.
WARM_PATHS = ("/", "/cases/", "/kompetenceguide/")


def warm_up(*, refresh_only: bool = False, keep_connections: bool = False) -> dict[str, float]:
    """Builds or refreshes what the first requests would otherwise wait for; returns milliseconds per part.
    `refresh_only` (a worker forked from a warmed-up master): brings the snapshot and the index up to date,
    renders one search page and answers one public API request. `keep_connections` (a worker, which forks no
    further): its database connection stays open for its first request (CONN_MAX_AGE applies as to any other),
    instead of that request opening one, and the API's hot queries have run once on it."""
    timings: dict[str, float] = {}

    def step(name, fn) -> None:
        t0 = time.perf_counter()
        try:
            fn()
        except Exception:  # a warm-up that fails must not stop the server: the request path builds it then
            logger.exception("warm-up step %s failed", name)
        timings[name] = round((time.perf_counter() - t0) * 1000, 1)

    # A process that keeps its connection also runs the API's hot queries once on it: a new PostgreSQL
    # connection reads the catalog entries of each table and index at its first use of them (measured in a
    # forked worker: the first suggestions request took 11-13 ms, the next ones 4-5 ms, 3.6 ms of the
    # difference in its five queries).
    run = keep_connections
    try:
        step("case_search", _case_search)
        step("matching_index", lambda: _matching_index(run))
        if refresh_only:
            step("search_page", _search_page)
            step("api_request", _api_request)
            if run:
                step("api_connection", lambda: _api_sql(run))
        else:
            step("openapi", _openapi)
            step("api_sql", lambda: _api_sql(run))
            step("pages", _pages)
    finally:
        if not keep_connections:
            connections.close_all()
    return timings


def _case_search() -> None:
    from viaviden.cases import engine, search

    search.analyzer()
    engine.holder.get(search.current_generation())


def _matching_index(run: bool) -> None:
    from viaviden.candidates.matching_index import matching_index
    from viaviden.candidates.suggestions import warm_up_suggestions

    matching_index()
    warm_up_suggestions(run=run)


def _api_sql(run: bool) -> None:
    from viaviden.api.auth import warm_up_token_lookup
    from viaviden.api.matches import warm_up_match_list

    warm_up_token_lookup(run=run)
    warm_up_match_list(run=run)


def _openapi() -> None:
    from django.utils import translation

    from viaviden.api.api import api

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            api.openapi_body()


def _search_page() -> None:
    """One case search rendered in this (forked) process, past the page cache and the middleware: a worker
    forked from the warmed-up master otherwise pays its first touch of the shared snapshot and templates in its
    first visitor's request (copy-on-write; measured in forked processes: the first search page ~80 ms against
    ~50 ms for the next, and ~38 ms for both after this). The word searched is taken from the newest case."""
    import inspect

    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.utils import translation

    from viaviden.cases.models import Case
    from viaviden.cases.views_public import case_list

    title = Case.objects.filter(status=Case.Status.PUBLISHED).order_by("-id").values_list("title", flat=True).first()
    word = next((w for w in (title or "").split() if len(w) >= 4 and w.isalpha()), "")
    request = RequestFactory(HTTP_HOST=_host()).get("/cases/", {"q": word} if word else {})
    request.user = AnonymousUser()
    with translation.override(settings.LANGUAGE_CODE):
        inspect.unwrap(case_list)(request)


# A public API request: no token, no audit row, nothing written.
WARM_API_PATH = "/api/guides/task-areas"


def _api_request() -> None:
    """One public API request through this process's own WSGI application (the middleware, ninja's operation,
    the response's validation and renderer): a worker forked from the master otherwise pays its first touch of
    that code in its first API client's request (measured in forked workers: the first suggestions request
    6.3 ms, 3.7 ms after this, 1.8 ms warm, on SQLite)."""
    from django.test import RequestFactory

    from config.wsgi import application

    environ = RequestFactory(HTTP_HOST=_host()).get(WARM_API_PATH, secure=_secure()).environ
    statuses: list[str] = []
    response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(response)
    finally:
        response.close()
    if not statuses or not statuses[0].startswith("200"):
        raise RuntimeError(f"{WARM_API_PATH} answered {statuses}")


def _host() -> str:
    return next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "localhost")


def _secure() -> bool:
    """Whether the internal requests come as HTTPS (as they must where HTTP is redirected)."""
    return getattr(settings, "SECURE_SSL_REDIRECT", False)


def _pages() -> None:
    from django.test import Client

    client = Client(HTTP_HOST=_host())
    for path in WARM_PATHS:
        client.get(path, secure=_secure())
