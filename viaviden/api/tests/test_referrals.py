"""/api/referrals: the same rules as the pages — who refers, who answers, decline only with an
alternative, optimistic locking, the overdue list and answer times; permissions and query counts."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from viaviden.companies.models import NeedEvent, Referral
from viaviden.companies.tests.test_referrals_support import at, make_need, make_referral, staff
from viaviden.organisations.models import User

from .conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def sender():
    return staff("jobcenter-hjoerring", "hj")


@pytest.fixture
def receiver():
    return staff("central-matchningsenhed", "cme")


@pytest.fixture
def coordinator():
    return staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)


@pytest.fixture
def referral(sender, receiver):
    return make_referral(need=make_need(owner="jobcenter-hjoerring"), user=sender)


def test_refer_a_need(sender, receiver, django_capture_on_commit_callbacks):
    need = make_need(owner="jobcenter-hjoerring")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(sender).post(
            "/api/referrals", {"need": need.pk, "service": "central-matchningsenhed", "message": "Hej"}
        )

    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get()
    assert body["id"] == referral.pk
    assert (body["need"], body["status"], body["message"], body["version"]) == (need.pk, "sent", "Hej", 1)
    assert body["service"] == {
        "slug": "central-matchningsenhed",
        "name": "Central Matchningsenhed",
        "organisation": "central-matchningsenhed",
        "organisation_name": "Central Matchningsenhed (Jobcenter Aalborg)",
    }
    assert body["company"] == {"cvr": need.company.cvr, "name": need.company.name}
    assert (body["from_organisation"], body["due"], body["is_overdue"]) == (
        "jobcenter-hjoerring", referral.due.isoformat(), False
    )
    assert [m.to for m in mail.outbox] == [["cme@example.dk"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"service": "findes-ikke"}, "service"),
        ({"need": 999999}, "need"),
    ],
)
def test_unknown_need_or_service_is_422(payload, field, sender):
    need = make_need(owner="jobcenter-hjoerring")

    response = client_for(sender).post("/api/referrals", {"need": need.pk, "service": "aau-kontaktpunkt", **payload})

    assert response.status_code == 422
    assert list(response.json()["details"]) == [field]
    assert Referral.objects.count() == 0


def test_a_duplicate_referral_is_422(referral, sender):
    response = client_for(sender).post(
        "/api/referrals", {"need": referral.need_id, "service": "central-matchningsenhed"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_referral"
    assert Referral.objects.count() == 1


def test_only_the_owner_organisation_refers(sender):
    need = make_need(owner="jobcenter-hjoerring")

    response = client_for(staff("aau")).post("/api/referrals", {"need": need.pk, "service": "ucn-kontaktpunkt"})

    assert response.status_code == 403
    assert Referral.objects.count() == 0


# --- Reading -------------------------------------------------------------------------------------


def test_received_sent_and_all(referral, sender, receiver, coordinator):
    other = make_referral(need=make_need(owner="aau"), user=staff("aau"), service_slug="ucn-kontaktpunkt")

    def ids(user, **params):
        response = client_for(user).get("/api/referrals", params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["items"]]

    assert ids(receiver) == [referral.pk]
    assert ids(receiver, direction="sent") == []
    assert ids(sender, direction="sent") == [referral.pk]
    assert ids(sender) == []
    assert sorted(ids(coordinator, direction="all")) == sorted([referral.pk, other.pk])
    assert ids(receiver, status="accepted") == []
    assert client_for(sender).get("/api/referrals", {"direction": "all"}).status_code == 403


def test_every_partner_reads_a_referral_but_not_the_steering_group(referral):
    steering = staff("kkr-nordjylland", role=User.Role.STEERING_GROUP)

    assert client_for(staff("aau")).get(f"/api/referrals/{referral.pk}").status_code == 200
    assert client_for(steering).get(f"/api/referrals/{referral.pk}").status_code == 403
    assert client_for(steering).get("/api/referrals").status_code == 403
    assert client_for(staff("aau")).get("/api/referrals/999999").status_code == 404
    assert ApiClient().get(f"/api/referrals/{referral.pk}").status_code == 401


def test_the_list_takes_a_fixed_number_of_queries(sender, receiver, django_assert_max_num_queries):
    for _i in range(6):
        make_referral(need=make_need(owner="jobcenter-hjoerring"), user=sender)
    api = client_for(receiver)

    with django_assert_max_num_queries(9):  # token, the partner tree, count, page
        response = api.get("/api/referrals")

    assert response.json()["count"] == 6


# --- Steps ---------------------------------------------------------------------------------------


def test_accept(referral, sender, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(receiver).post(f"/api/referrals/{referral.pk}/accept", {"version": 1})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("accepted", 2)
    assert referral.need.__class__.objects.get(pk=referral.need_id).owner_organisation.slug == "central-matchningsenhed"
    assert [m.to for m in mail.outbox] == [["hj@example.dk"]]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("accept", {}),
        ("question", {"question": "Hvem?"}),
        ("decline", {"alternative_text": "UCN"}),
    ],
)
def test_only_the_receiving_side_answers(path, payload, referral, sender):
    for user in (sender, staff("aau"), staff("koordinationsgruppen", role=User.Role.COORDINATOR)):
        response = client_for(user).post(f"/api/referrals/{referral.pk}/{path}", payload)
        assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).version == 1


def test_question_answer_and_withdraw(referral, sender, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asked = client_for(receiver).post(f"/api/referrals/{referral.pk}/question", {"question": "Hvem?"})
        by_receiver = client_for(receiver).post(f"/api/referrals/{referral.pk}/answer", {"answer": "Mig"})
        answered = client_for(sender).post(f"/api/referrals/{referral.pk}/answer", {"answer": "En ingeniør",
                                                                                     "version": 2})
        withdrawn = client_for(sender).post(f"/api/referrals/{referral.pk}/withdraw", {"version": 3})

    assert (asked.status_code, asked.json()["status"], asked.json()["question"]) == (200, "question", "Hvem?")
    assert by_receiver.status_code == 403
    assert (answered.status_code, answered.json()["question_answer"]) == (200, "En ingeniør")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert [m.to for m in mail.outbox] == [["hj@example.dk"], ["cme@example.dk"], ["cme@example.dk"]]


def test_declining_without_an_alternative_is_refused(referral, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(receiver).post(
            f"/api/referrals/{referral.pk}/decline", {"reason": "Travlt", "alternative_text": ""}
        )

    assert response.status_code == 422
    assert response.json() == {
        "code": "alternative_required",
        "message": "Du skal foreslå et alternativ, når du afviser en henvisning.",
        "details": {"alternative_text": ["Du skal foreslå et alternativ, når du afviser en henvisning."]},
    }
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.decline_reason) == ("sent", 1, "")
    assert NeedEvent.objects.filter(need=referral.need).count() == 1
    assert mail.outbox == []


def test_declining_with_an_unknown_alternative_service_is_422(referral, receiver):
    response = client_for(receiver).post(
        f"/api/referrals/{referral.pk}/decline", {"alternative_service": "findes-ikke"}
    )

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["alternative_service"]
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_declining_with_an_alternative_service(referral, receiver):
    response = client_for(receiver).post(
        f"/api/referrals/{referral.pk}/decline", {"alternative_service": "rekrutteringsservice", "version": 1}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["alternative_service"]["slug"] == "rekrutteringsservice"


def test_a_stale_version_is_409(referral, receiver):
    api = client_for(receiver)
    api.post(f"/api/referrals/{referral.pk}/question", {"question": "Hvem?", "version": 1})

    response = api.post(f"/api/referrals/{referral.pk}/accept", {"version": 1})

    assert response.status_code == 409
    assert Referral.objects.get(pk=referral.pk).status == "question"


# --- The answer promise ----------------------------------------------------------------------------


def test_overdue_for_coordinators_only(sender, coordinator, monkeypatch):
    old = timezone.now() - dt.timedelta(days=60)
    need = make_need(requested_at=old, answer_due=(old + dt.timedelta(days=14)).date())
    referral = make_referral(need=make_need(), user=sender, created=old, monkeypatch=monkeypatch)

    response = client_for(coordinator).get("/api/referrals/overdue")

    assert response.status_code == 200
    body = response.json()
    assert [(r["kind"], r["id"]) for r in body] == [("need", need.pk), ("referral", referral.pk)]
    assert body[1]["organisation"] == "central-matchningsenhed"
    assert body[1]["due"] == referral.due.isoformat()
    assert body[1]["overdue_working_days"] > 0
    assert client_for(sender).get("/api/referrals/overdue").status_code == 403
    steering = staff("kkr-nordjylland", role=User.Role.STEERING_GROUP)
    assert client_for(steering).get("/api/referrals/overdue").status_code == 403


def test_answer_times(sender, coordinator):
    make_need(requested_at=at(D(2027, 3, 18)), answer_due=D(2027, 4, 6), status="closed", answer="no_match",
              answer_note="Ingen", answered_at=at(D(2027, 3, 30)))
    lead = staff("erhvervskontor-hjoerring", role=User.Role.PARTNER_LEAD)
    other_lead = staff("aau", role=User.Role.PARTNER_LEAD)
    params = {"date_from": "2027-03-01", "date_to": "2027-03-31"}

    response = client_for(coordinator).get("/api/referrals/answer-times", params)

    assert response.status_code == 200
    assert response.json() == {
        "date_from": "2027-03-01",
        "date_to": "2027-03-31",
        "rows": [
            {"organisation": "jobcenter-hjoerring", "name": "Jobcenter Hjørring", "received": 1, "answered": 1,
             "median_working_days": 5, "mean_working_days": 5.0, "within_deadline_share": 100.0, "open": 0,
             "overdue": 0},
            {"organisation": None, "name": "I alt", "received": 1, "answered": 1, "median_working_days": 5,
             "mean_working_days": 5.0, "within_deadline_share": 100.0, "open": 0, "overdue": 0},
        ],
    }
    assert len(client_for(lead).get("/api/referrals/answer-times", params).json()["rows"]) == 2
    assert [r["name"] for r in client_for(other_lead).get("/api/referrals/answer-times", params).json()["rows"]] == [
        "I alt"
    ]
    assert client_for(sender).get("/api/referrals/answer-times", params).status_code == 403
