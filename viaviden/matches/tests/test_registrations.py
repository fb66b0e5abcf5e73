"""Activity registrations: correcting and deleting (permission matrix, web and API), audit, the import."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from viaviden.api.tests.conftest import client_for
from viaviden.matches.models import ActivityRegistration, ActivityTarget
from viaviden.matches.registrations import import_activity_registrations
from viaviden.matches.targets_services import activity_register
from viaviden.organisations.models import User

D = dt.date
ROLES = {
    "author": (User.Role.PARTNER_STAFF, "akademikernes-a-kasse"),
    "colleague": (User.Role.PARTNER_STAFF, "akademikernes-a-kasse"),
    "lead": (User.Role.PARTNER_LEAD, "akademikernes-a-kasse"),
    "other_lead": (User.Role.PARTNER_LEAD, "magistrenes-a-kasse"),
    "coordinator": (User.Role.COORDINATOR, "koordinationsgruppen"),
    "steering": (User.Role.STEERING_GROUP, "kkr-nordjylland"),
}
# Who may correct and delete the author's registration; everyone else: 403 if they can see it, else 404.
EXPECTED = {"author": 302, "colleague": 403, "lead": 302, "other_lead": 404, "coordinator": 302, "steering": 403}


# The activity targets these tests register towards, made manual ("registrations"): in the reference data
# only the workshop invitations are, and the rules for registrations are the same for every manual target.
MANUAL = ("aka-talent-attraction-events", "aka-talent-attraction-members", "aau-knowledge-gain")


@pytest.fixture(autouse=True)
def manual_targets(programme):
    ActivityTarget.objects.filter(programme=programme, code__in=MANUAL).update(
        measure=ActivityTarget.Measure.REGISTRATIONS
    )


@pytest.fixture
def users(db, user_factory):
    return {name: user_factory(role=role, organisation=org) for name, (role, org) in ROLES.items()}


@pytest.fixture
def target(programme):
    return ActivityTarget.objects.get(programme=programme, code="aka-talent-attraction-events")


@pytest.fixture
def registration(users, target):
    return activity_register(user=users["author"], activity_target=target, date=D(2021, 3, 4), amount=1,
                             note="Talent Attraction Aalborg")


@pytest.mark.parametrize("who", list(EXPECTED))
def test_correcting_a_registration_in_the_browser(users, registration, staff_client, who):
    client = staff_client(users[who])
    url = reverse("activity_registration_edit", args=[registration.pk])
    response = client.post(url, {"date": "2021-03-05", "amount": "2", "note": "Rettet", "version": "1"})
    assert response.status_code == EXPECTED[who]
    registration.refresh_from_db()
    assert (registration.amount == 2) is (EXPECTED[who] == 302)
    if EXPECTED[who] == 302:
        entry = LogEntry.objects.get_for_object(registration).filter(action=LogEntry.Action.UPDATE).get()
        assert entry.actor == users[who] and entry.changes_dict["amount"] == ["1", "2"]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_deleting_a_registration_in_the_browser(users, registration, staff_client, who):
    client = staff_client(users[who])
    response = client.post(reverse("activity_registration_delete", args=[registration.pk]))
    assert response.status_code == EXPECTED[who]
    assert ActivityRegistration.objects.filter(pk=registration.pk).exists() is (EXPECTED[who] != 302)
    if EXPECTED[who] == 302:
        assert LogEntry.objects.filter(content_type__model="activityregistration", object_pk=str(registration.pk),
                                       action=LogEntry.Action.DELETE, actor=users[who]).exists()


def test_anonymous_goes_to_login(registration):
    for url in (reverse("activity_registrations"), reverse("activity_registration_edit", args=[registration.pk]),
                reverse("activity_registration_import")):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who,status,listed", [("colleague", 200, True), ("other_lead", 200, False),
                                               ("coordinator", 200, True), ("steering", 403, False)])
def test_the_list(users, registration, staff_client, who, status, listed):
    response = staff_client(users[who]).get(reverse("activity_registrations"))
    assert response.status_code == status
    assert ("Talent Attraction Aalborg" in response.content.decode()) is listed


def test_a_bad_correction_saves_nothing(users, registration, staff_client):
    response = staff_client(users["lead"]).post(
        reverse("activity_registration_edit", args=[registration.pk]),
        {"date": "2031-01-01", "amount": "3", "note": "", "version": "1"})
    assert response.status_code == 422
    assert "Datoen må ikke ligge i fremtiden." in response.content.decode()
    registration.refresh_from_db()
    assert registration.amount == 1


@pytest.mark.parametrize("who", list(EXPECTED))
def test_api_update_and_delete(users, registration, who):
    api = client_for(users[who])
    expected = {302: 200, 403: 403, 404: 404}[EXPECTED[who]]
    response = api.patch(f"/api/activity-registrations/{registration.pk}", {"version": 1, "amount": 5})
    assert response.status_code == expected
    response = api._call("delete", f"/api/activity-registrations/{registration.pk}")
    assert response.status_code == {200: 204, 403: 403, 404: 404}[expected]


def test_api_list_create_and_conflict(users, registration):
    api = client_for(users["lead"])
    body = api.get("/api/activity-registrations").json()
    assert body["count"] == 1 and body["items"][0]["activity_target"] == "aka-talent-attraction-events"
    assert body["items"][0]["organisation"] == "akademikernes-a-kasse"
    response = api.post("/api/activity-registrations", {"activity_target": "aka-talent-attraction-members",
                                                        "date": "2021-03-04", "amount": 23})
    assert response.status_code == 201 and response.json()["amount"] == 23
    response = api.post("/api/activity-registrations", {"activity_target": "aka-job-matches",
                                                        "date": "2021-03-04", "amount": 2})
    assert response.status_code == 422 and response.json()["code"] == "measured_from_matches"
    assert api.patch(f"/api/activity-registrations/{registration.pk}", {"version": 1, "amount": 2}).status_code == 200
    response = api.patch(f"/api/activity-registrations/{registration.pk}", {"version": 1, "amount": 3})
    assert response.status_code == 409
    assert client_for(users["steering"]).get("/api/activity-registrations").status_code == 403
    assert client_for(users["other_lead"]).post(
        "/api/activity-registrations", {"activity_target": "aka-talent-attraction-members", "date": "2021-03-04",
                                        "amount": 1}).status_code == 403


CSV = (
    "maal;dato;antal;bemaerkning\n"
    "aka-talent-attraction-events;04-03-2021;1;TA Aalborg\n"
    "aka-talent-attraction-members;04-03-2021;23;TA Aalborg\n"
    "aka-talent-attraction-events;04-03-2021;1;TA Aalborg\n"
)


def _file(text):
    f = io.BytesIO(text.encode())
    f.name = "reg.csv"
    return f


def test_import_is_all_or_nothing_and_idempotent(users, programme):
    result = import_activity_registrations(path_or_file=_file(CSV), user=users["colleague"])
    assert (result.committed, result.created) == (True, 3)
    again = import_activity_registrations(path_or_file=_file(CSV), user=users["colleague"])
    assert (again.created, again.already_imported) == (0, 3)
    bad = CSV + (
        "aka-job-matches;04-03-2021;1;\n"
        "ma-bridge-events;04-03-2021;1;\n"
        "aau-knowledge-gain;01-06-2022;101;\n"
        "findes-ikke;04-03-2021;x;\n"
        "aka-talent-attraction-events;31-12-2019;1;\n"
    )
    result = import_activity_registrations(path_or_file=_file(bad), user=users["colleague"])
    assert not result.committed
    assert [str(e) for e in result.errors] == [
        "Række 5, kolonne maal: Dette aktivitetsmål tælles automatisk fra de registrerede match.",
        "Række 6, kolonne maal: Du kan kun registrere aktiviteter for din egen organisations aktivitetsmål.",
        "Række 7, kolonne maal: Du kan kun registrere aktiviteter for din egen organisations aktivitetsmål.",
        "Række 8, kolonne antal: Antal skal være et helt tal, 0 eller derover.",
        "Række 8, kolonne maal: Ukendt aktivitetsmål 'findes-ikke' i programperioden for 04-03-2021.",
        "Række 9, kolonne maal: Ukendt aktivitetsmål 'aka-talent-attraction-events' i programperioden for 31-12-2019.",
    ]
    assert ActivityRegistration.objects.count() == 3


def test_import_percent_over_100_by_a_coordinator_is_refused(users):
    result = import_activity_registrations(path_or_file=_file("maal;dato;antal\naau-knowledge-gain;01-06-2022;101\n"),
                                           user=users["coordinator"])
    assert [str(e) for e in result.errors] == ["Række 2, kolonne antal: En procentdel kan højst være 100."]


def test_import_page_and_command(users, staff_client, tmp_path, capsys):
    response = staff_client(users["lead"]).post(reverse("activity_registration_import"),
                                                {"file": SimpleUploadedFile("r.csv", CSV.encode())})
    assert response.status_code == 200 and "3 registreringer oprettet" in response.content.decode()
    path = tmp_path / "r.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("import_activity_registrations", str(path))
    assert "0 registreringer oprettet, 3 allerede importeret" in capsys.readouterr().out
    path.write_text("maal;dato;antal\nx;;1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_activity_registrations", str(path))


def test_api_list_reads_in_a_fixed_number_of_queries(users, target, django_assert_max_num_queries):
    for day in range(1, 11):
        activity_register(user=users["author"], activity_target=target, date=D(2021, 3, day), amount=1)
    api = client_for(users["lead"])
    api.get("/api/activity-registrations")
    with django_assert_max_num_queries(8):
        body = api.get("/api/activity-registrations").json()
    assert body["count"] == 10
