"""Property: for random registrations (matches of random types, partners, municipalities, dates and statuses;
held events with participants; company surveys; Vækstpilot grants, starts and follow-ups; manual
registrations) and a random cut-off, every figure of `programme_figures` and `activity_target_figures`
equals a plain recomputation from the rows written here, and the dashboard, the targets page and
/api/progress show the same figures for the same as-of date."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viaviden.api.tests.conftest import client_for as api_client_for
from viaviden.matches.models import ActivityRegistration, ActivityTarget, Programme
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified
from viaviden.reports.figures import activity_target_figures, programme_figures
from viaviden.vaekstpilot import services as vp
from viaviden.vaekstpilot.models import FollowUp
from viaviden.vaekstpilot.tests.factories import make_application, partner_user

from .helpers import company_survey, held_event

pytestmark = pytest.mark.django_db

# Registering organisation → (partner it counts for, target part). Written out by hand: the recomputation
# does not use Organisation.partner.
ORGS = {
    "aau": ("aau", "partner"),
    "ucn": ("ucn", "partner"),
    "akademikernes-a-kasse": ("akademikernes-a-kasse", "partner"),
    "magistrenes-a-kasse": ("magistrenes-a-kasse", "none"),
    "jobcenter-hjoerring": ("kommune-hjoerring", "municipal"),
    "erhvervskontor-aalborg": ("kommune-aalborg", "municipal"),
}
TYPES = {  # code → group
    "student_project": "student_collaboration", "student_job": "student_collaboration",
    "ordinary_job": "job_match", "wage_subsidy": "job_match",
}
START, END = dt.date(2020, 7, 1), dt.date(2023, 6, 30)
days = st.integers(0, (END - START).days).map(lambda n: START + dt.timedelta(days=n))

matches = st.lists(st.fixed_dictionaries({
    "org": st.sampled_from(sorted(ORGS)), "municipality": st.sampled_from(["851", "860", "787"]),
    "type": st.sampled_from(sorted(TYPES)), "level": st.sampled_from(["KVU", "MVU", "LVU"]),
    "activity": st.sampled_from(["bourse", "company_contact", "meet_and_greet"]), "day": days,
    "status": st.sampled_from(["registered", "registered", "verified", "rejected"]),
}), max_size=12)
events = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["talent_attraction", "theme_day", "project_bourse"]),
    "organiser": st.sampled_from(["akademikernes-a-kasse", "ucn", "aau"]), "day": days,
    "attended": st.integers(0, 4),
}), max_size=5)
surveys = st.lists(st.tuples(days, st.booleans()), max_size=5)
pilots = st.lists(st.sampled_from(["same_company", "other_company", "not_employed", None]), max_size=2)
manual = st.lists(st.tuples(days, st.integers(0, 50)), max_size=3)


def _project_year(day: dt.date) -> int:
    return day.year if day.month >= 7 else day.year - 1


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(matches=matches, events=events, surveys=surveys, pilots=pilots, manual=manual,
       as_of=st.one_of(days, st.just(dt.date(2024, 1, 1))))
def test_every_figure_equals_a_recomputation_and_every_page_shows_it(
        matches, events, surveys, pilots, manual, as_of):
    with transaction.atomic():
        cache.clear()
        _check(matches, events, surveys, pilots, manual, as_of)
        transaction.set_rollback(True)


def given_rows(matches, events, surveys, pilots, manual):
    """The rows: matches, held events with participants, company surveys, Vækstpilot pilots started on
    1 March 2021 with their end-of-pilot answers (recorded today), manual registrations. Returns what the
    recomputation needs besides the drawn values: the events made and the pilots' outcomes."""
    programme = Programme.objects.get(is_current=True)
    for m in matches:
        make_match(organisation=m["org"], municipality=m["municipality"], match_type=m["type"], level=m["level"],
                   activity=m["activity"], start_date=m["day"], status=m["status"])
    evs = []
    for e in events:
        event = held_event(type=e["type"], organiser=e["organiser"], day=e["day"], attended=e["attended"])
        evs.append((e, event))
    for day, gained in surveys:
        company_survey(event=evs[0][1] if evs else None, answered=day, gained_knowledge=gained)
    staff = partner_user()
    started_outcomes = []
    for outcome in pilots:
        app = make_application(user=staff)
        vp.application_start(user=staff, application=app, version=app.version, today=dt.date(2021, 3, 1))
        if outcome is not None:
            vp.follow_up_record(follow_up=app.follow_ups.get(kind=FollowUp.Kind.END), outcome=outcome, user=staff)
        started_outcomes.append(outcome)
    invited = ActivityTarget.objects.get(programme=programme, code="aka-workshop-invited")
    for day, amount in manual:
        ActivityRegistration.objects.create(activity_target=invited, date=day, amount=amount)
    return [e for e, _ev in evs], started_outcomes


def recompute(matches, events, surveys, started_outcomes, manual, as_of) -> dict:  # noqa: C901 - read top down
    """Every figure, recomputed by hand from the drawn rows (not from the database): the matches' totals and
    tables, the outside-Aalborg count, the activity targets' figures, the Vækstpilot, event and knowledge
    figures. `events`: the events made (given_rows drops the surveys' event when there is none)."""
    counted = [m for m in matches if m["status"] != "rejected" and m["day"] <= as_of]
    vp_matches = len(started_outcomes) if as_of >= dt.date(2021, 3, 1) else 0  # the started pilots are matches too
    verified = sum(m["status"] == "verified" for m in counted)
    by_type = Counter(m["type"] for m in counted)
    by_level = Counter(m["level"] for m in counted) + Counter({"MVU": vp_matches})
    by_year = Counter(_project_year(m["day"]) for m in counted) + Counter({2020: vp_matches})
    by_partner = Counter(ORGS[m["org"]][0] for m in counted) + Counter({"kommune-thisted": vp_matches})
    municipal = Counter(m["municipality"] for m in counted if ORGS[m["org"]][1] == "municipal") \
        + Counter({"787": vp_matches})
    outside = sum(m["municipality"] != "851" for m in counted) + vp_matches

    def match_target(partner, activities=None, group=None):
        return sum(1 for m in counted if ORGS[m["org"]][0] == partner and (not activities or m["activity"] in activities)
                   and (not group or TYPES[m["type"]] == group))

    held = [e for e in events if e["day"] <= as_of]
    talent = [e for e in held if e["type"] == "talent_attraction" and e["organiser"] == "akademikernes-a-kasse"]
    theme = Counter()
    for e in held:
        if e["type"] == "theme_day":
            theme[_project_year(e["day"])] += e["attended"]
    answered = [g for day, g in surveys if day <= as_of] if events else []
    ended = [o for o in started_outcomes if o is not None]  # answered today, so only a cut-off today or later sees them
    seen = ended if as_of >= dt.date.today() else []
    retained = sum(o in ("same_company", "other_company") for o in seen)
    total = len(counted) + vp_matches
    return {
        "actual": total, "verified": verified, "registered": total - verified,
        "outside": outside, "outside_pct": _pct(outside, total) or 0.0,
        "match_types": {t: by_type.get(t, 0) for t in TYPES},
        "levels": {lv: by_level.get(lv, 0) for lv in ("KVU", "MVU", "LVU")},
        "project_years": {y: by_year.get(y, 0) for y in (2020, 2021, 2022)},
        "partners": dict(+by_partner),
        "municipalities": dict(+municipal),
        "activities": {
            "aau-bourse-matches": match_target("aau", ["bourse"], "student_collaboration"),
            "ucn-meet-greet-matches": match_target("ucn", ["meet_and_greet"]),
            "aka-job-matches": match_target("akademikernes-a-kasse", group="job_match"),
            "aka-talent-attraction-events": len(talent),
            "aka-talent-attraction-members": sum(e["attended"] for e in talent),
            "ucn-bourses-held": sum(e["type"] == "project_bourse" and e["organiser"] == "ucn" for e in held),
            "theme-day-staff": theme.get(_project_year(min(as_of, END)), 0),
            "aau-knowledge-gain": _pct(sum(answered), len(answered)),
            "vaekstpilot-pilots": vp_matches,
            "vaekstpilot-continuing": _pct(retained, len(seen)),
            "aka-workshop-invited": sum(a for day, a in manual if day <= as_of),
        },
        "theme_years": [theme.get(y, 0) for y in (2020, 2021, 2022)],
        "events_held": len(held), "participants": sum(e["attended"] for e in held),
        "knowledge_pct": _pct(sum(answered), len(answered)), "knowledge_answered": len(answered),
        "vp_started": vp_matches, "vp_asked": len(seen), "vp_retention_pct": _pct(retained, len(seen)),
    }


def _check(matches, events, surveys, pilots, manual, as_of):
    programme = Programme.objects.get(is_current=True)
    made_events, started_outcomes = given_rows(matches, events, surveys, pilots, manual)

    # --- when ---
    figures = programme_figures(programme, as_of=as_of)
    activities = {r["code"]: r for r in activity_target_figures(programme, as_of=as_of)}

    # --- then: a plain recomputation from the rows ---
    want = recompute(matches, made_events, surveys, started_outcomes, manual, as_of)
    totals = figures["totals"]
    assert (totals["actual"], totals["verified"], totals["registered"]) == (
        want["actual"], want["verified"], want["registered"])
    assert figures["outside_aalborg"]["count"] == want["outside"]
    assert {r["key"]: r["actual"] for r in figures["match_types"] if r["key"] in TYPES} == want["match_types"]
    assert {r["key"]: r["actual"] for r in figures["levels"]} == want["levels"]
    assert {r["key"]: r["actual"] for r in figures["project_years"]} == want["project_years"]
    assert {r["slug"]: r["actual"] for r in figures["partners"] if r["actual"]} == want["partners"]
    assert {r["key"]: r["actual"] for r in figures["municipalities"] if r["actual"]} == want["municipalities"]
    for code, value in want["activities"].items():
        assert activities[code]["actual"] == value, code
    assert [y["actual"] for y in activities["theme-day-staff"]["years"]] == want["theme_years"]

    # --- and every page shows the same figures for the same as-of date ---
    coordinator = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    client = login_verified(Client(), coordinator)
    params = {"as_of": as_of.isoformat()}
    dashboard = client.get(reverse("dashboard"), params).context
    targets = client.get(reverse("targets"), params).context
    api = api_client_for(coordinator).get("/api/progress", params).json()
    shown = [(r["code"], r["actual"], r["share"]) for r in activity_target_figures(programme, as_of=as_of)]
    for rows in (dashboard["activities"], targets["activities"], api["activities"]):
        assert [(r["code"], r["actual"], r["share"]) for r in rows] == shown
    for key in ("actual", "registered", "verified", "target", "expected", "required_per_month"):
        assert dashboard["overview"]["totals"][key] == api["totals"][key] == figures["totals"][key]
    for table in ("municipalities", "partners", "match_types", "levels", "project_years"):
        expected = [(r["key"], r["actual"], r["target"]) for r in figures[table]]
        assert [(r["key"], r["actual"], r["target"]) for r in dashboard["overview"][table]] == expected
        assert [(r["key"], r["actual"], r["target"]) for r in api[table]] == expected
    assert api["projection"] == figures["projection"] and api["as_of"] == as_of.isoformat()
