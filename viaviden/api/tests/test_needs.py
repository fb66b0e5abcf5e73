"""/api/needs: list, register, detail with history, edit with versions, take on/reopen, close only
with an answer, job profile; and POST /api/matches with `need`."""

import datetime as dt

import pytest

from viaviden.companies.answer_promise import answer_due_for
from viaviden.companies.models import Company, Need, NeedEvent
from viaviden.companies.tests.test_needs_support import make_need
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, next_cvr

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def need():
    """Jobcenter Hjørring's need for a student internship (the `hjoerring` user's organisation)."""
    return make_need(organisation="jobcenter-hjoerring")


def _create_body(**overrides) -> dict:
    body = {
        "company": {"cvr": next_cvr(), "name": "Syntetisk Maskinfabrik A/S", "municipality": "860"},
        "tasks": "Automatisering af produktionen",
        "match_types": ["student_project"],
        "education_levels": ["lvu"],
        "earliest_start": "2022-02-01",
    }
    body.update(overrides)
    return body


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/needs", None),
        ("get", "/api/needs/{id}", None),
        ("get", "/api/needs/{id}/job-profile", None),
        ("post", "/api/needs", "create"),
        ("patch", "/api/needs/{id}", {"version": 1, "tasks": "x"}),
        ("post", "/api/needs/{id}/close", {"version": 1, "answer": "no_match", "answer_note": "x"}),
        ("post", "/api/needs/{id}/status", {"version": 1, "status": "in_progress"}),
    ],
)
def test_anonymous_401_and_steering_group_403(method, path, body, need, steering):
    path = path.format(id=need.pk)
    body = _create_body() if body == "create" else body

    assert getattr(ApiClient(), method)(path, body).status_code == 401
    response = getattr(client_for(steering), method)(path, body)
    assert (response.status_code, response.json()["code"]) == (403, "aggregates_only")
    need.refresh_from_db()
    assert need.version == 1
    assert Need.objects.count() == 1


def test_other_organisation_reads_but_does_not_change(need, aalborg):
    api = client_for(aalborg)

    assert api.get(f"/api/needs/{need.pk}").status_code == 200
    assert api.patch(f"/api/needs/{need.pk}", {"version": 1, "tasks": "x"}).status_code == 403
    assert api.post(f"/api/needs/{need.pk}/close", {"version": 1, "answer": "no_match",
                                                    "answer_note": "x"}).status_code == 403
    assert api.post(f"/api/needs/{need.pk}/status", {"version": 1, "status": "in_progress"}).status_code == 403
    need.refresh_from_db()
    assert (need.version, need.status, need.tasks) == (1, Need.Status.NEW, "Markedsføring på sociale medier")


def test_business_office_of_the_same_municipality_and_coordinator_may_change(need, hjoerring_lead, coordinator):
    first = client_for(hjoerring_lead).patch(f"/api/needs/{need.pk}", {"version": 1, "place": "Hirtshals"})
    second = client_for(coordinator).patch(f"/api/needs/{need.pk}", {"version": 2, "place": "Sindal"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["place"] == "Sindal"


def test_unknown_need_404(hjoerring):
    response = client_for(hjoerring).get("/api/needs/999999")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- List ------------------------------------------------------------------------------------


def test_list_filters_and_open_first(hjoerring, coordinator):
    open_need = make_need(organisation="jobcenter-hjoerring", title="Åbent")
    closed = make_need(organisation="aau", title="Lukket", match_types=("ordinary_job",))
    client_for(coordinator).post(f"/api/needs/{closed.pk}/close",
                                 {"version": 1, "answer": "no_match", "answer_note": "Ingen"})
    api = client_for(hjoerring)

    def titles(**params):
        return [n["title"] for n in api.get("/api/needs", params).json()["items"]]

    assert titles() == ["Åbent", "Lukket"]
    assert titles(open=True) == ["Åbent"]
    assert titles(status="closed") == ["Lukket"]
    assert titles(owner_organisation="kommune-hjoerring") == ["Åbent"]
    assert titles(owner_organisation="nowhere") == []
    assert titles(match_type="ordinary_job") == ["Lukket"]
    assert titles(company_cvr=open_need.company.cvr) == ["Åbent"]
    assert titles(mine=True) == []


def test_list_query_count_does_not_grow_with_needs(hjoerring, django_assert_max_num_queries):
    for n in range(15):
        make_need(organisation="jobcenter-hjoerring", title=f"Behov {n}", levels=("KVU", "MVU"))
    api = client_for(hjoerring)
    api.get("/api/organisations")  # records the token's last use outside the measured request

    with django_assert_max_num_queries(6):
        response = api.get("/api/needs", {"page_size": 10})

    body = response.json()
    assert (body["count"], len(body["items"])) == (15, 10)
    assert body["items"][0]["education_levels"] == ["KVU", "MVU"]
    assert body["items"][0]["match_types"] == ["student_internship"]


# --- Register --------------------------------------------------------------------------------


def test_register_student_collaboration_need_with_new_company(hjoerring):
    body = _create_body()

    response = client_for(hjoerring).post("/api/needs", body)

    assert response.status_code == 201, response.json()
    data = response.json()
    need = Need.objects.get()
    assert need.company == Company.objects.get(cvr=body["company"]["cvr"])
    assert data["title"] == "Automatisering af produktionen"
    assert (data["match_types"], data["education_levels"]) == (["student_project"], ["LVU"])
    assert data["answer_due"] == answer_due_for(need.requested_at).isoformat()
    assert data["owner_organisation"]["slug"] == "jobcenter-hjoerring"
    assert data["owner"]["id"] == hjoerring.pk
    assert [e["kind"] for e in data["events"]] == ["created"]
    assert response["ETag"] == '"1"'


def test_register_job_only_need_has_no_deadline(hjoerring):
    response = client_for(hjoerring).post("/api/needs", _create_body(match_types=["ordinary_job"]))

    assert response.status_code == 201
    assert (response.json()["answer_due"], response.json()["requested_at"]) == (None, None)


def test_register_with_unknown_codes_saves_nothing(hjoerring):
    response = client_for(hjoerring).post(
        "/api/needs", _create_body(match_types=["summer_job"], education_levels=["PHD"], place_municipality="0000")
    )

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"match_types", "education_levels", "place_municipality"}
    assert Need.objects.count() == 0
    assert Company.objects.count() == 0


def test_register_for_another_organisation_is_forbidden(hjoerring):
    response = client_for(hjoerring).post("/api/needs", _create_body(owner_organisation="aau"))

    assert response.status_code == 403
    assert Need.objects.count() == 0


def test_register_without_tasks_and_with_level_conflict(hjoerring):
    response = client_for(hjoerring).post("/api/needs", _create_body(tasks=" ", level_unknown=True))

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"tasks", "education_levels"}
    assert Need.objects.count() == 0


# --- Detail, edit, status ----------------------------------------------------------------------


def test_detail_has_events_referrals_and_matches(need, hjoerring):
    NeedEvent.objects.create(need=need, kind=NeedEvent.Kind.UPDATED, public=False, text="Intern")

    data = client_for(hjoerring).get(f"/api/needs/{need.pk}").json()

    assert [(e["kind"], e["public"]) for e in data["events"]] == [("created", True), ("updated", False)]
    assert data["events"][0]["organisation"] == "jobcenter-hjoerring"
    assert (data["referrals"], data["matches"], data["overdue"]) == ([], [], False)


def test_patch_with_stale_version_is_409_and_changes_nothing(need, hjoerring):
    api = client_for(hjoerring)
    assert api.patch(f"/api/needs/{need.pk}", {"version": 1, "time_frame": "Efteråret"}).status_code == 200

    stale = api.patch(f"/api/needs/{need.pk}", {"tasks": "Overskriver"}, headers={"If-Match": '"1"'})

    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    need.refresh_from_db()
    assert (need.tasks, need.time_frame, need.version) == ("Markedsføring på sociale medier", "Efteråret", 2)


def test_patch_requires_a_version(need, hjoerring):
    response = client_for(hjoerring).patch(f"/api/needs/{need.pk}", {"tasks": "x"})

    assert (response.status_code, response.json()["code"]) == (422, "version_required")


def test_patch_match_types_and_levels(need, hjoerring):
    response = client_for(hjoerring).patch(
        f"/api/needs/{need.pk}", {"version": 1, "match_types": [], "level_unknown": True, "earliest_start": "2022-03-01"}
    )

    data = response.json()
    assert (data["match_types"], data["level_unknown"], data["earliest_start"]) == ([], True, "2022-03-01")


def test_take_on_and_reopen(need, hjoerring):
    api = client_for(hjoerring)

    taken = api.post(f"/api/needs/{need.pk}/status", {"version": 1, "status": "in_progress"})
    closed = api.post(f"/api/needs/{need.pk}/close", {"version": 2, "answer": "alternative",
                                                      "answer_note": "Studieprojekt i foråret"})
    reopened = api.post(f"/api/needs/{need.pk}/status", {"version": 3, "status": "reopen", "reason": "Ny kontakt"})

    assert [r.json()["status"] for r in (taken, closed, reopened)] == ["in_progress", "closed", "in_progress"]


# --- Close -----------------------------------------------------------------------------------


def test_close_without_answer_is_refused_and_nothing_saved(need, hjoerring):
    response = client_for(hjoerring).post(f"/api/needs/{need.pk}/close", {"version": 1, "answer_note": "Lukkes"})

    assert response.status_code == 422
    assert (response.json()["code"], list(response.json()["details"])) == ("answer_required", ["answer"])
    need.refresh_from_db()
    assert (need.status, need.answer, need.answered_at, need.version) == (Need.Status.NEW, "", None, 1)
    assert need.events.count() == 1


def test_close_no_match_requires_reason(need, hjoerring):
    api = client_for(hjoerring)

    refused = api.post(f"/api/needs/{need.pk}/close", {"version": 1, "answer": "no_match"})
    closed = api.post(f"/api/needs/{need.pk}/close",
                      {"version": 1, "answer": "no_match", "answer_note": "Ingen kandidater i perioden"})

    assert (refused.status_code, refused.json()["code"]) == (422, "reason_required")
    assert closed.status_code == 200
    data = closed.json()
    assert (data["status"], data["answer"], data["answer_note"]) == ("closed", "no_match", "Ingen kandidater i perioden")
    assert data["events"][-1]["text"] == "Besvaret: intet match – Ingen kandidater i perioden"


def test_close_answer_match_without_a_match_is_refused(need, hjoerring):
    response = client_for(hjoerring).post(f"/api/needs/{need.pk}/close", {"version": 1, "answer": "match"})

    assert (response.status_code, response.json()["code"]) == (422, "match_required")


# --- Job profile -----------------------------------------------------------------------------


def test_job_profile(hjoerring):
    need = make_need(organisation="jobcenter-hjoerring", company=CompanyFactory(municipality_id="860"),
                     levels=("KVU",), earliest_start=dt.date(2022, 1, 10), title="Udvikler", tasks="Byg en app")

    data = client_for(hjoerring).get(f"/api/needs/{need.pk}/job-profile").json()

    assert data == {
        "need_id": need.pk,
        "company_cvr": need.company.cvr,
        "tasks": "Udvikler\n\nByg en app",
        "match_types": ["student_internship"],
        "education_levels": ["KVU"],
        "education_wish": "",
        "municipality": "860",
        "earliest_start": "2022-01-10",
        "time_frame": "",
        "recognised": True,
    }


# --- POST /api/matches with a need -------------------------------------------------------------


def _match_body(company: Company, **overrides) -> dict:
    body = {
        "company": {"cvr": company.cvr},
        "match_type": "student_internship",
        "start_date": "2021-09-01",
        "education_level": "MVU",
    }
    body.update(overrides)
    return body


def test_match_registered_with_need_links_and_closes_it(need, aalborg):
    response = client_for(aalborg).post("/api/matches", _match_body(need.company, need=need.pk))

    assert response.status_code == 201, response.json()
    match = Match.objects.get()
    need.refresh_from_db()
    assert match.need == need
    assert (need.status, need.answer) == (Need.Status.MATCHED, Need.Answer.MATCH)
    detail = client_for(aalborg).get(f"/api/needs/{need.pk}").json()
    assert detail["matches"] == [match.pk]
    assert detail["events"][-1]["text"] == "Der er registreret et match (Studiepraktik, start 01-09-2021)."


def test_match_with_unknown_need_is_422_and_nothing_saved(aalborg):
    response = client_for(aalborg).post("/api/matches", _match_body(CompanyFactory(), need=999999))

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["need"]
    assert Match.objects.count() == 0


def test_match_with_need_of_another_company_is_422(need, aalborg):
    response = client_for(aalborg).post("/api/matches", _match_body(CompanyFactory(), need=need.pk))

    assert (response.status_code, response.json()["code"]) == (422, "need_company_mismatch")
    assert Match.objects.count() == 0
    need.refresh_from_db()
    assert need.status == Need.Status.NEW
