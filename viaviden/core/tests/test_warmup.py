"""config.warmup: what gunicorn builds before a worker takes traffic (issue 16)."""

import runpy
from pathlib import Path

import pytest

from config.warmup import warm_up

pytestmark = pytest.mark.django_db


def test_warm_up_builds_snapshot_index_and_schema(monkeypatch):
    closed = []
    # warm_up closes the connections (none may be shared by forked workers); not inside a test's transaction
    monkeypatch.setattr("config.warmup.connections.close_all", lambda: closed.append(1))
    from viaviden.api.api import api
    from viaviden.candidates.matching_index import matching_index_owner, matching_index_reset
    from viaviden.cases import engine

    matching_index_reset()
    engine.holder.invalidate()
    api._openapi_bodies.clear()
    timings = warm_up()
    assert set(timings) == {"case_search", "matching_index", "openapi", "pages"}
    assert engine.holder._snapshot is not None
    assert matching_index_owner()._index is not None
    assert {key[0] for key in api._openapi_bodies} == {"da", "en"}
    assert set(warm_up(refresh_only=True)) == {"case_search", "matching_index"}
    assert len(closed) == 2
    # a worker keeps its connection for its first request
    assert set(warm_up(refresh_only=True, keep_connections=True)) == {"case_search", "matching_index"}
    assert len(closed) == 2
    matching_index_reset()


def test_gunicorn_config_preloads_and_hooks_the_warm_up(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    conf = runpy.run_path(str(Path(__file__).resolve().parents[3] / "config" / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    assert callable(conf["on_starting"]) and callable(conf["post_worker_init"])
