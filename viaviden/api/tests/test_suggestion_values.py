"""GET /api/suggestions/needs/{id} serialises its items from plain values (issue 16): the JSON must be byte for
byte what validating NeedSuggestionsOut from the model instances gave (suggestions_for_need + candidate_out),
with the same audit rows, for every role and kind of candidate, and the documented response must stay
NeedSuggestionsOut."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import RequestFactory
from django.utils import timezone, translation

from viaviden.api.api import api
from viaviden.api.candidates import _out as candidate_out
from viaviden.api.suggestions import NeedSuggestionsOut
from viaviden.candidates.models import Candidate, Consent
from viaviden.candidates.selectors import ANONYMISED_DOMAIN
from viaviden.candidates.services import consent_withdraw
from viaviden.candidates.shortlist_services import shortlist_add, shortlist_set_status
from viaviden.candidates.suggestions import suggestions_for_need
from viaviden.candidates.tests.matching_support import (  # noqa: F401
    AALBORG,
    HJOERRING,
    THISTED,
    fresh_matching_index,
    partner_candidate,
    register_student,
    support_need,
)
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def old_json(user, need, k: int = 20) -> bytes:
    """What the endpoint answered before: the suggestions as model instances and CandidateViews, validated
    through NeedSuggestionsOut and rendered by ninja."""
    items = suggestions_for_need(user, need, k=k)
    data = {
        "need_id": need.pk,
        "items": [
            {
                "candidate": candidate_out(s.candidate),
                "score": s.score,
                "reasons": s.reasons,
                "shortlist": None if s.shortlist is None else {"id": s.shortlist.pk, "status": s.shortlist.status},
            }
            for s in items
        ],
    }
    body = NeedSuggestionsOut.model_validate(data).model_dump()
    return api.renderer.render(RequestFactory().get("/api/suggestions"), body, response_status=200)


def audit_rows(after: int) -> list[tuple]:
    return list(
        LogEntry.objects.filter(pk__gt=after, action=LogEntry.Action.ACCESS)
        .order_by("pk")
        .values_list("object_pk", "object_id", "object_repr", "actor_id", "additional_data", "content_type_id")
    )


def last_log() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def thisted():
    return UserFactory(username="thi", organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF,
                       email="thi@example.dk")


@pytest.fixture
def varied(thisted, hjoerring):
    """A need and candidates of every kind the list distinguishes."""
    need = support_need(organisation="jobcenter-thisted")
    made = {
        "masked": register_student(),
        "shares": register_student(consents=("matching", "sharing"), name="Deler Navn", phone="+45 11 22 33 44",
                                   experience="Studiejob i IT-support"),
        "contact": register_student(consents=("matching", "company_contact"),
                                    match_types=("ordinary_job", "student_job", "student_project")),
        "no_programme": register_student(programme=None, home=THISTED, competences="IT-support og netværk",
                                         consents=("matching", "sharing", "company_contact")),
        "dates": register_student(home=HJOERRING, max_travel=None, willing_to_move=True, institution="UCN Aalborg",
                                  expected_graduation=dt.date(2027, 6, 30), available_from=dt.date(2026, 2, 1),
                                  competences="IT-support, netværk, \"citat\" og æøå"),
        "own": partner_candidate(thisted, consents=("matching",), experience="Hemmelig erfaring"),
        "hj_shares": partner_candidate(hjoerring, consents=("matching", "sharing")),
        "sharing_only": register_student(consents=("sharing",)),  # no matching consent: never suggested
        "withdrawn": register_student(consents=("matching", "sharing")),
    }
    consent_withdraw(candidate=made["withdrawn"], purpose="matching")
    entry = shortlist_add(user=thisted, need=need, candidate=made["masked"], reasons=["Grund"])
    shortlist_set_status(user=thisted, entry=entry, status="contacted", note="")
    shortlist_add(user=thisted, need=need, candidate=made["shares"], reasons=[])
    return need, made


@pytest.mark.parametrize("role", ["coordinator", "hjoerring", "hjoerring_lead", "aalborg", "thisted"])
@pytest.mark.parametrize("k", [20, 1, 3, 100])
def test_json_and_audit_are_those_of_the_model_path(request, varied, role, k):
    need, _made = varied
    user = request.getfixturevalue(role)
    client = client_for(user)
    before = last_log()
    response = client.get(f"/api/suggestions/needs/{need.pk}", {"k": k})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    new_audit = audit_rows(before)
    middle = last_log()
    assert response.content == old_json(user, need, k)
    assert new_audit == audit_rows(middle)


def test_the_cases_are_covered(varied, coordinator, thisted, hjoerring):
    need, made = varied
    body = client_for(coordinator).get(f"/api/suggestions/needs/{need.pk}").json()
    by_id = {i["candidate"]["id"]: i for i in body["items"]}
    assert set(by_id) == {c.pk for name, c in made.items() if name not in ("sharing_only", "withdrawn")}
    assert by_id[made["masked"].pk]["shortlist"]["status"] == "contacted"
    assert by_id[made["shares"].pk]["candidate"]["name"] == "Deler Navn"
    assert by_id[made["masked"].pk]["candidate"]["name"] is None
    assert by_id[made["no_programme"].pk]["candidate"]["programme"] is None
    assert by_id[made["no_programme"].pk]["candidate"]["level"] == "LVU"
    assert by_id[made["contact"].pk]["candidate"]["match_types"] == ["student_project", "student_job", "ordinary_job"]
    assert by_id[made["contact"].pk]["candidate"]["consents"] == ["company_contact", "matching"]
    assert by_id[made["dates"].pk]["candidate"]["expected_graduation"] == "2027-06-30"
    assert by_id[made["own"].pk]["candidate"]["organisation"]["slug"] == "jobcenter-thisted"
    # the candidate's own organisation sees the name without a sharing consent; another partner does not
    own_view = client_for(thisted).get(f"/api/suggestions/needs/{need.pk}").json()["items"]
    assert next(i for i in own_view if i["candidate"]["id"] == made["own"].pk)["candidate"]["revealed"] is True
    other = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}").json()["items"]
    assert next(i for i in other if i["candidate"]["id"] == made["own"].pk)["candidate"]["experience"] is None
    assert next(i for i in other if i["candidate"]["id"] == made["hj_shares"].pk)["candidate"]["revealed"] is True


def test_english_request_is_the_same_as_the_model_path(varied, hjoerring):
    need, _made = varied
    response = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    with translation.override("en"):
        assert response.content == old_json(hjoerring, need)


def test_audit_rows_name_the_candidates_the_same_way_in_every_language(varied, hjoerring):
    need, _made = varied
    before = last_log()
    client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}", headers={"Accept-Language": "en"})
    reprs = [row[2] for row in audit_rows(before)]
    assert reprs and all(r.startswith("Kandidat K-") for r in reprs), reprs


def test_candidates_gone_behind_the_index_are_dropped_as_before(varied, hjoerring):
    need, made = varied
    client = client_for(hjoerring)
    client.get(f"/api/suggestions/needs/{need.pk}")  # the index holds everyone now
    # gone in another process (no signal reaches this index): anonymised, consent withdrawn
    Candidate.objects.filter(pk=made["dates"].pk).update(email=f"x{made['dates'].pk}@{ANONYMISED_DOMAIN}")
    Consent.objects.filter(candidate=made["shares"], purpose="matching").update(withdrawn_at=timezone.now())
    response = client.get(f"/api/suggestions/needs/{need.pk}")
    ids = [i["candidate"]["id"] for i in response.json()["items"]]
    assert made["dates"].pk not in ids and made["shares"].pk not in ids and made["masked"].pk in ids
    assert response.content == old_json(hjoerring, need)


def test_need_without_candidates_and_refusals(hjoerring, steering, coordinator):
    need = support_need(organisation="jobcenter-thisted")
    register_student(consents=("sharing",))
    response = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}")
    assert response.status_code == 200 and response.json() == {"need_id": need.pk, "items": []}
    assert response.content == old_json(hjoerring, need)
    before = last_log()
    assert client_for(steering).get(f"/api/suggestions/needs/{need.pk}").status_code == 403
    assert client_for(coordinator).get("/api/suggestions/needs/999999").status_code == 404
    assert client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}", {"k": 0}).status_code == 422
    assert audit_rows(before) == []


def test_documented_response_is_still_need_suggestions_out():
    schema = api.get_openapi_schema()
    get = schema["paths"]["/api/suggestions/needs/{need_id}"]["get"]
    assert get["responses"][200]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NeedSuggestionsOut"}
    assert {p["name"] for p in get["parameters"]} == {"need_id", "k"}
