"""Issued reports are frozen: the JSON re-renders byte-identical after registrations change, and a fresh
report lists exactly what changed since."""

import datetime as dt
import hashlib
import json

import pytest

from viaviden.matches.models import Match
from viaviden.matches.services import match_reject
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import Municipality
from viaviden.reports.models import IssuedReport
from viaviden.reports.render import render
from viaviden.reports.services import canonical_json, issued_figures, report_build, report_issue

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 12, 31)


def section(report, key):
    return next((s for s in report["sections"] if s["key"] == key), None)


def test_frozen_report_reprints_byte_identical_and_the_fresh_one_lists_exactly_the_changes(programme):
    coordinator = UserFactory(role=User.Role.COORDINATOR)
    company = CompanyFactory(municipality=Municipality.objects.get(code="787"))
    kept = make_match(company=company, person_identifier="p1@example.dk", start_date=dt.date(2021, 3, 1))
    to_reject = make_match(start_date=dt.date(2021, 4, 1))
    make_match(start_date=dt.date(2021, 5, 1))

    issued = report_issue(user=coordinator, kind="yearly", as_of=AS_OF)
    frozen = issued.figures.encode()
    assert hashlib.sha256(frozen).hexdigest() == issued.sha256
    assert json.loads(frozen)["sections"][0]["figures"][0]["value"] == 3
    assert section(json.loads(frozen), "changes") is None  # the first report has nothing to compare with

    # After issuing: a late registration (dated before the cut-off), one after the cut-off (not a change of
    # this report), a rejection, and a duplicate merged into a counted match.
    late = make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 11, 30))
    make_match(start_date=dt.date(2022, 1, 15))
    match_reject(user=coordinator, match=to_reject, version=to_reject.version, reason="Dobbeltregistreret")
    merged = make_match(organisation="jobcenter-thisted", company=company, person_identifier="p1@example.dk",
                        start_date=dt.date(2021, 3, 5))
    assert merged.pk == kept.pk

    # The frozen report renders from its stored figures, byte for byte.
    stored = IssuedReport.objects.get(pk=issued.pk)
    assert render(issued_figures(stored), "json") == frozen
    assert canonical_json(issued_figures(stored)) == frozen

    fresh = report_build(kind="yearly", as_of=AS_OF)
    assert fresh["sections"][0]["figures"][0]["value"] == 3  # +1 late, −1 rejected
    changes = section(fresh, "changes")
    summary = {r["values"]["key"]: (r["values"]["count"], r["values"]["effect"]) for r in changes["tables"][0]["rows"]}
    assert summary == {"late": (1, 1), "rejected": (1, -1), "merged": (1, 0)}
    detail = [(r["values"]["change"], r["values"]["match"]) for r in changes["tables"][1]["rows"]]
    assert detail == [("Sene registreringer", str(late.pk)), ("Afviste match", str(to_reject.pk)),
                      ("Sammenlagte dubletter", str(kept.pk))]
    assert str(issued.pk) in changes["paragraphs"][0]


def test_changes_are_per_kind_and_subject(programme):
    report_issue(user=None, kind="municipality", subject="787", as_of=AS_OF)
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 6, 1))  # not in Thisted

    fresh = report_build(kind="municipality", subject="787", as_of=AS_OF)
    rows = section(fresh, "changes")["tables"][0]["rows"]
    assert [r["values"]["count"] for r in rows] == [0, 0, 0]
    assert section(report_build(kind="yearly", as_of=AS_OF), "changes") is None


def test_issuing_is_for_coordinators_only(programme):
    from viaviden.core.errors import Forbidden

    with pytest.raises(Forbidden):
        report_issue(user=UserFactory(role=User.Role.STEERING_GROUP), kind="yearly", as_of=AS_OF)
    assert not IssuedReport.objects.exists()


def test_rejected_after_issue_but_registered_after_too_is_not_listed(programme):
    report_issue(user=None, kind="yearly", as_of=AS_OF)
    coordinator = UserFactory(role=User.Role.COORDINATOR)
    m = make_match(start_date=dt.date(2021, 6, 1))
    match_reject(user=coordinator, match=m, version=m.version, reason="Fejl")
    assert Match.objects.get(pk=m.pk).status == "rejected"

    rows = section(report_build(kind="yearly", as_of=AS_OF), "changes")["tables"][0]["rows"]
    assert [r["values"]["count"] for r in rows] == [0, 0, 0]
