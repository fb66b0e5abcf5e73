"""Acceptance (issue 11): for random registrations, every figure in the JSON status report (yearly kind) equals
the independent recomputation of test_figures_property (written from the drawn rows, not the database), and
equals what the dashboard, the targets page and /api/progress show for the same as-of date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viaviden.api.tests.conftest import client_for as api_client_for
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified
from viaviden.reports.render import render_json
from viaviden.reports.services import report_build

from .test_figures_property import TYPES, days, events, given_rows, manual, matches, pilots, recompute, surveys

pytestmark = pytest.mark.django_db

ROW_FIGURES = ("target", "registered", "verified", "actual", "pct", "expected", "on_track", "projection",
               "required_per_month", "share")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(matches=matches, events=events, surveys=surveys, pilots=pilots, manual=manual,
       as_of=st.one_of(days, st.just(dt.date(2024, 1, 1))))
def test_every_figure_of_the_yearly_report_equals_the_recomputation_and_every_page(
        matches, events, surveys, pilots, manual, as_of):
    with transaction.atomic():
        cache.clear()
        _check(matches, events, surveys, pilots, manual, as_of)
        transaction.set_rollback(True)


def _figures(report, section):
    return {f["key"]: f["value"] for s in report["sections"] if s["key"] == section for f in s["figures"]}


def _rows(report, key):
    table = next(t for s in report["sections"] for t in s["tables"] if t["key"] == key)
    return [r["values"] for r in table["rows"]]


def _check(matches, events, surveys, pilots, manual, as_of):  # noqa: C901 - one comparison, read top down
    made_events, started_outcomes = given_rows(matches, events, surveys, pilots, manual)
    want = recompute(matches, made_events, surveys, started_outcomes, manual, as_of)

    report = json.loads(render_json(report_build(kind="yearly", as_of=as_of)))

    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    client = login_verified(Client(), coordinator)
    params = {"as_of": as_of.isoformat()}
    dashboard = client.get(reverse("dashboard"), params).context
    targets = client.get(reverse("targets"), params).context
    api = api_client_for(coordinator).get("/api/progress", params).json()

    # --- the headline: the recomputation and /api/progress ---
    head = _figures(report, "summary")
    assert (head["actual"], head["verified"]) == (want["actual"], want["verified"])
    assert head["outside_aalborg_pct"] == want["outside_pct"] == api["outside_aalborg"]["pct"]
    for key in ("actual", "verified", "target", "pct", "expected"):
        assert head[key] == api["totals"][key] == dashboard["overview"]["totals"][key], key
    assert head["projection"] == api["projection"]["projected_total"] == api["totals"]["projection"]
    assert head["elapsed_pct"] == api["period"]["elapsed_pct"]
    totals = _rows(report, "totals")
    assert [(r["key"], r["actual"], r["target"]) for r in totals[1:]] == [
        (r["key"], r["actual"], r["target"]) for r in api["parts"]]
    assert all(totals[0][k] == api["totals"][k] for k in ROW_FIGURES)

    # --- the match tables: the recomputation, and row for row what /api/progress and the dashboard show ---
    assert {r["key"]: r["actual"] for r in _rows(report, "match_types") if r["key"] in TYPES} == want["match_types"]
    assert {r["key"]: r["actual"] for r in _rows(report, "levels")} == want["levels"]
    assert {r["key"]: r["actual"] for r in _rows(report, "project_years")} == want["project_years"]
    assert {r["key"]: r["actual"] for r in _rows(report, "partners") if r["actual"]} == want["partners"]
    assert {r["key"]: r["actual"] for r in _rows(report, "municipalities") if r["actual"]} == want["municipalities"]
    for table in ("municipalities", "partners", "match_types", "levels", "project_years"):
        key = "slug" if table == "partners" else "key"
        shown = [{k: r[k] for k in ROW_FIGURES} | {"key": r[key]} for r in api[table]]
        assert [{k: r[k] for k in (*ROW_FIGURES, "key")} for r in _rows(report, table)] == shown, table
        assert [(r["actual"], r["target"]) for r in dashboard["overview"][table]] == [
            (r["actual"], r["target"]) for r in api[table]]
    for row, shown in zip(_rows(report, "municipalities"), dashboard["overview"]["municipalities"], strict=True):
        assert (row["all_actual"], row["excluded"]) == (shown["all_actual"], shown["excluded"])

    # --- every activity target: the recomputation, and what the three pages show ---
    acts = {r["code"]: r for r in _rows(report, "activities")}
    for code, value in want["activities"].items():
        assert acts[code]["actual"] == value, code
    for rows in (dashboard["activities"], targets["activities"], api["activities"]):
        assert [(r["code"], r["actual"], r["share"]) for r in rows] == [
            (r["code"], r["actual"], r["pct"]) for r in acts.values()]
    for r in api["activities"]:
        a = acts[r["code"]]
        assert (a["measure"], a["source"], a["numerator"], a["denominator"]) == (
            r["source_label"], r["source"], r["numerator"], r["denominator"])
    years = [(r["code"], r["year"], r["target"], r["actual"], r["pct"]) for r in _rows(report, "activity_years")]
    assert years == [(r["code"], y["label"], y["target"], y["actual"], y["share"])
                     for r in api["activities"] for y in r["years"]]
    assert [y[3] for y in years if y[0] == "theme-day-staff"] == want["theme_years"]

    # --- Vækstpilot, events and knowledge: the recomputation, and the activity targets that measure them ---
    vp = _figures(report, "vaekstpilot")
    assert vp["started"] == want["vp_started"] == acts["vaekstpilot-pilots"]["actual"]
    assert vp["retention_end_pct"] == want["vp_retention_pct"] == acts["vaekstpilot-continuing"]["actual"]
    assert vp["retention_end_asked"] == want["vp_asked"]
    ev = _figures(report, "events")
    assert (ev["held"], ev["participants"]) == (want["events_held"], want["participants"])
    assert (ev["knowledge_pct"], ev["knowledge_answered"]) == (want["knowledge_pct"], want["knowledge_answered"])
    assert ev["knowledge_pct"] == acts["aau-knowledge-gain"]["actual"]
