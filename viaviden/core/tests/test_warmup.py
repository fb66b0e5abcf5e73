"""config.warmup: what gunicorn builds before a worker takes traffic (issue 16)."""

import runpy
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.warmup import warm_up

pytestmark = pytest.mark.django_db


def test_warm_up_builds_snapshot_index_and_schema(monkeypatch, caplog):
    closed = []
    # warm_up closes the connections (none may be shared by forked workers); not inside a test's transaction
    monkeypatch.setattr("config.warmup.connections.close_all", lambda: closed.append(1))
    from viaviden.api.api import api
    from viaviden.api.auth import _token_lookup
    from viaviden.api.matches import _compiled
    from viaviden.candidates.matching_index import _changes_query, matching_index_owner, matching_index_reset
    from viaviden.candidates.selectors import _matching_values_query
    from viaviden.cases import engine
    from viaviden.companies.need_selectors import _job_profile_query

    compiled_once = (_token_lookup, _compiled, _changes_query, _matching_values_query, _job_profile_query)
    for cached in compiled_once:
        cached.cache_clear()
    matching_index_reset()
    engine.holder.invalidate()
    api._openapi_bodies.clear()
    timings = warm_up()
    assert set(timings) == {"case_search", "matching_index", "openapi", "api_sql", "pages"}
    assert engine.holder._snapshot is not None
    assert matching_index_owner()._index is not None
    assert {key[0] for key in api._openapi_bodies} == {"da", "en"}
    # the SQL compiled once per process (core.sql), for the API's token, match list and suggestions
    assert [cached.cache_info().currsize for cached in compiled_once] == [1, 2, 1, 2, 1]
    # a worker forked from the master: brings snapshot and index up to date, renders one search page and answers
    # one API request itself
    assert set(warm_up(refresh_only=True)) == {"case_search", "matching_index", "search_page", "api_request"}
    assert len(closed) == 2
    # a worker keeps its connection for its first request
    # … and runs the API's hot queries once on the connection it keeps
    assert set(warm_up(refresh_only=True, keep_connections=True)) == {"case_search", "matching_index", "search_page",
                                                                       "api_request", "api_connection"}
    assert len(closed) == 2
    assert not [r for r in caplog.records if r.name == "viaviden.warmup"], "a warm-up step failed"
    matching_index_reset()


def test_gunicorn_config_preloads_and_hooks_the_warm_up(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    conf = runpy.run_path(str(Path(__file__).resolve().parents[3] / "config" / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    assert callable(conf["on_starting"]) and callable(conf["post_worker_init"])


def test_a_worker_runs_the_audit_rows_insert_for_no_rows():
    from viaviden.candidates.suggestions import warm_up_suggestions

    audit_rows = LogEntry.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        warm_up_suggestions(run=True)
    assert [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "auditlog_logentry"')]
    assert LogEntry.objects.count() == audit_rows
