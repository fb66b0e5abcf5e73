"""/api/contacts: the contact log and hand-overs through the API — the privacy rule for person-related
notes in list and detail, permissions, validation, next steps, hand-overs and query counts."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from viaviden.companies import contact_services as services
from viaviden.companies.models import ContactEntry, Handover, Need
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

SECRET = "Anna Jensen (cand.it.) vil gerne ansættes efter projektet"


def org(slug):
    return Organisation.objects.get(slug=slug)


@pytest.fixture
def thisted_bo():
    return UserFactory(username="ek-thisted", organisation="erhvervskontor-thisted")


@pytest.fixture
def thisted_jc():
    return UserFactory(username="jc-thisted", organisation="jobcenter-thisted")


@pytest.fixture
def aau_staff():
    return UserFactory(username="aau-staff", organisation="aau")


@pytest.fixture
def company():
    return CompanyFactory(name="Thy Maskinfabrik ApS")


@pytest.fixture
def private_entry(thisted_bo, company):
    return services.contact_create(user=thisted_bo, company=company, topic="Studieprojekt afsluttet", note=SECRET,
                                   mentions_person=True, next_step="Ring", next_step_due=timezone.localdate())


def _by_id(response):
    return {item["id"]: item for item in response.json()["items"]}


# --- Privacy -------------------------------------------------------------------------------------


def test_person_related_note_is_null_for_another_organisation_in_list_and_detail(aau_staff, private_entry):
    api = client_for(aau_staff)

    listed = _by_id(api.get("/api/contacts"))[private_entry.pk]
    detail = api.get(f"/api/contacts/{private_entry.pk}").json()

    for item in (listed, detail):
        assert (item["note"], item["note_hidden"], item["topic"]) == (None, True, "Studieprojekt afsluttet")
        assert item["organisation"] == {"slug": "erhvervskontor-thisted", "name": "Erhvervskontor Thisted"}
    assert SECRET not in api.get("/api/contacts").content.decode()


def test_person_related_note_is_null_for_a_coordinator_of_another_organisation(coordinator, private_entry):
    api = client_for(coordinator)

    listed = _by_id(api.get("/api/contacts"))[private_entry.pk]
    detail = api.get(f"/api/contacts/{private_entry.pk}").json()

    assert (listed["note"], listed["note_hidden"]) == (None, True)
    assert (detail["note"], detail["note_hidden"]) == (None, True)


def test_person_related_note_is_visible_to_the_same_municipalitys_jobcentre(thisted_jc, private_entry):
    api = client_for(thisted_jc)

    detail = api.get(f"/api/contacts/{private_entry.pk}").json()

    assert (detail["note"], detail["note_hidden"]) == (SECRET, False)


def test_steering_group_gets_403_on_every_endpoint(steering, private_entry):
    api = client_for(steering)
    handover = services.handover_create(user=private_entry.author, company=private_entry.company,
                                        to_organisation=org("aau"), message="Tag over")

    answers = [
        api.get("/api/contacts").status_code,
        api.get(f"/api/contacts/{private_entry.pk}").status_code,
        api.post("/api/contacts", {"company_cvr": private_entry.company.cvr, "topic": "x"}).status_code,
        api.patch(f"/api/contacts/{private_entry.pk}", {"topic": "x"}).status_code,
        api.post(f"/api/contacts/{private_entry.pk}/done").status_code,
        api.get("/api/contacts/handovers").status_code,
        api.post("/api/contacts/handovers", {"company_cvr": private_entry.company.cvr, "to_organisation": "ucn",
                                             "message": "x"}).status_code,
        api.post(f"/api/contacts/handovers/{handover.pk}/accept").status_code,
        api.post(f"/api/contacts/handovers/{handover.pk}/decline", {"reason": "x"}).status_code,
    ]

    assert answers == [403] * 9
    assert (ContactEntry.objects.count(), Handover.objects.count()) == (1, 1)


def test_anonymous_gets_401(private_entry):
    from .conftest import ApiClient

    assert ApiClient().get("/api/contacts").status_code == 401


# --- Contacts ------------------------------------------------------------------------------------


def test_create_contact_defaults_to_today_phone_and_me(aau_staff, company):
    api = client_for(aau_staff)

    response = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "Projektmøde", "note": "Godt møde",
                                          "next_step": "Send projektforslag", "next_step_due": "2030-01-10"})

    assert response.status_code == 201
    body = response.json()
    assert (body["contact_date"], body["channel"], body["next_step_owner"]) == (
        timezone.localdate().isoformat(), "phone", "aau-staff"
    )
    assert (body["note"], body["note_hidden"], body["company"]["cvr"]) == ("Godt møde", False, company.cvr)
    assert ContactEntry.objects.get().organisation.slug == "aau"


def test_create_contact_validation_errors_save_nothing(aau_staff, company):
    api = client_for(aau_staff)

    unknown = api.post("/api/contacts", {"company_cvr": "12345674", "topic": "x"})
    no_date = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "x", "next_step": "Ring"})
    owner = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "x", "next_step": "Ring",
                                       "next_step_due": "2030-01-01", "next_step_owner": "ek-thisted-missing"})

    assert unknown.status_code == 422
    assert list(unknown.json()["details"]) == ["company_cvr"]
    assert no_date.status_code == 422
    assert no_date.json()["details"] == {"next_step_due": ["Angiv en dato for næste skridt."]}
    assert owner.status_code == 422
    assert list(owner.json()["details"]) == ["next_step_owner"]
    assert ContactEntry.objects.count() == 0


def test_patch_only_by_the_authors_organisation(thisted_jc, aau_staff, private_entry):
    denied = client_for(aau_staff).patch(f"/api/contacts/{private_entry.pk}", {"topic": "Udefra"})
    allowed = client_for(thisted_jc).patch(f"/api/contacts/{private_entry.pk}", {"topic": "Møde aftalt"})

    assert denied.status_code == 403
    assert allowed.status_code == 200
    assert (allowed.json()["topic"], allowed.json()["note"]) == ("Møde aftalt", SECRET)
    private_entry.refresh_from_db()
    assert private_entry.topic == "Møde aftalt"


def test_patch_with_a_stale_updated_at_is_409(thisted_bo, private_entry):
    api = client_for(thisted_bo)
    read = api.get(f"/api/contacts/{private_entry.pk}").json()["updated_at"]
    assert api.patch(f"/api/contacts/{private_entry.pk}", {"topic": "Først", "updated_at": read}).status_code == 200

    stale = api.patch(f"/api/contacts/{private_entry.pk}", {"topic": "Bagefter", "updated_at": read})

    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    private_entry.refresh_from_db()
    assert private_entry.topic == "Først"


def test_done_by_owner_or_organisation_only(thisted_jc, aau_staff, private_entry):
    denied = client_for(aau_staff).post(f"/api/contacts/{private_entry.pk}/done")
    private_entry.refresh_from_db()
    assert (denied.status_code, private_entry.next_step_done_at) == (403, None)

    done = client_for(thisted_jc).post(f"/api/contacts/{private_entry.pk}/done")

    assert done.status_code == 200
    assert done.json()["next_step_done_at"] is not None


def test_list_filters(thisted_bo, aau_staff, company):
    other = CompanyFactory()
    old = services.contact_create(user=aau_staff, company=company, topic="Gammel", contact_date=dt.date(2021, 1, 5))
    new = services.contact_create(user=aau_staff, company=company, topic="Ny", contact_date=dt.date(2021, 6, 5))
    elsewhere = services.contact_create(user=thisted_bo, company=other, topic="Andet", contact_date=dt.date(2021, 6, 5))
    api = client_for(aau_staff)

    by_cvr = api.get("/api/contacts", {"company_cvr": company.cvr})
    by_date = api.get("/api/contacts", {"date_from": "2021-06-01", "date_to": "2021-06-30"})
    mine = api.get("/api/contacts", {"mine": "true"})

    assert list(_by_id(by_cvr)) == [new.pk, old.pk]
    assert sorted(_by_id(by_date)) == sorted([new.pk, elsewhere.pk])
    assert sorted(_by_id(mine)) == sorted([new.pk, old.pk])


def test_contact_list_query_count(thisted_bo, aau_staff, django_assert_max_num_queries):
    for i in range(12):
        author = thisted_bo if i % 2 else aau_staff
        services.contact_create(user=author, company=CompanyFactory(), topic=f"K{i}", note="n", mentions_person=True,
                                next_step="Ring", next_step_due=timezone.localdate())
    api = client_for(aau_staff)

    with django_assert_max_num_queries(8):
        response = api.get("/api/contacts")

    assert response.json()["count"] == 12
    assert sum(item["note_hidden"] for item in response.json()["items"]) == 6


# --- Hand-overs ----------------------------------------------------------------------------------


def test_handover_through_the_api_must_be_accepted_by_the_receiver(
    thisted_bo, aau_staff, company, django_capture_on_commit_callbacks
):
    need = Need.objects.create(company=company, title="Datamatiker", tasks="ERP", owner_organisation=org("aau"))
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(aau_staff).post(
            "/api/contacts/handovers",
            {"company_cvr": company.cvr, "to_organisation": "erhvervskontor-thisted", "message": "Tag over",
             "need": need.pk},
        )
    assert created.status_code == 201
    handover_id = created.json()["id"]
    assert (created.json()["status"], created.json()["need"]) == ("pending", need.pk)
    assert [m.to for m in mail.outbox] == [[thisted_bo.email]]

    by_sender = client_for(aau_staff).post(f"/api/contacts/handovers/{handover_id}/accept")
    with django_capture_on_commit_callbacks(execute=True):
        by_receiver = client_for(thisted_bo).post(f"/api/contacts/handovers/{handover_id}/accept", {"version": 1})

    assert by_sender.status_code == 403
    assert by_receiver.status_code == 200
    assert (by_receiver.json()["status"], by_receiver.json()["responded_by"]) == ("accepted", "ek-thisted")
    need.refresh_from_db()
    assert need.owner_organisation.slug == "erhvervskontor-thisted"
    assert [m.to for m in mail.outbox] == [[thisted_bo.email], [aau_staff.email]]


def test_decline_without_reason_is_422_and_changes_nothing(thisted_bo, aau_staff, company,
                                                          django_capture_on_commit_callbacks):
    handover = services.handover_create(user=aau_staff, company=company, to_organisation=org("erhvervskontor-thisted"),
                                        message="Tag over")
    api = client_for(thisted_bo)

    with django_capture_on_commit_callbacks(execute=True):
        empty = api.post(f"/api/contacts/handovers/{handover.pk}/decline", {"reason": "  "})
        missing = api.post(f"/api/contacts/handovers/{handover.pk}/decline", {})

    assert (empty.status_code, empty.json()["code"]) == (422, "reason_required")
    assert missing.status_code == 422
    handover.refresh_from_db()
    assert (handover.status, handover.version) == ("pending", 1)
    assert mail.outbox == []


def test_handover_not_involving_you_is_404_and_its_message_hidden_in_company_lists(aau_staff, company):
    handover = services.handover_create(user=aau_staff, company=company, to_organisation=org("ucn"), message=SECRET)
    outsider = client_for(UserFactory(organisation="jobcenter-hjoerring"))

    accept = outsider.post(f"/api/contacts/handovers/{handover.pk}/accept")
    listed = outsider.get("/api/contacts/handovers")

    assert accept.status_code == 404
    assert listed.json()["count"] == 0
    handover.refresh_from_db()
    assert handover.status == "pending"


def test_handover_list_filters_and_query_count(thisted_bo, aau_staff, django_assert_max_num_queries):
    for slug in ("aau", "ucn", "magistrenes-a-kasse"):
        services.handover_create(user=thisted_bo, company=CompanyFactory(), to_organisation=org(slug), message="x")
    for _i in range(3):
        services.handover_create(user=aau_staff, company=CompanyFactory(), to_organisation=org("jobcenter-thisted"),
                                 message="y")
    api = client_for(thisted_bo)

    with django_assert_max_num_queries(8):
        everything = api.get("/api/contacts/handovers")
    received = api.get("/api/contacts/handovers", {"direction": "received"})
    sent = api.get("/api/contacts/handovers", {"direction": "sent", "status": "pending"})
    bad = api.get("/api/contacts/handovers", {"direction": "sideways"})

    assert everything.json()["count"] == 6
    assert {i["from_organisation"]["slug"] for i in received.json()["items"]} == {"aau"}
    assert {i["to_organisation"]["slug"] for i in sent.json()["items"]} == {"aau", "ucn", "magistrenes-a-kasse"}
    assert all(i["message"] in ("x", "y") and not i["message_hidden"] for i in everything.json()["items"])
    assert bad.status_code == 422


def test_coordinator_role_alone_does_not_answer_handovers(coordinator, aau_staff, company):
    handover = services.handover_create(user=aau_staff, company=company, to_organisation=org("ucn"), message="x")

    response = client_for(coordinator).post(f"/api/contacts/handovers/{handover.pk}/accept")

    assert response.status_code == 404
    assert User.objects.filter(pk=coordinator.pk, role="coordinator").exists()
    handover.refresh_from_db()
    assert handover.status == "pending"
