"""Cohort pages: the permission matrix, registering outcomes in the UI, the import page, audit."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from viaviden.cohorts.models import Cohort, Participant
from viaviden.organisations.models import User

from .factories import make_cohort, participant, set_outcome

ROLES = {
    "own_staff": (User.Role.PARTNER_STAFF, "jobcenter-aalborg"),
    "unit_staff": (User.Role.PARTNER_STAFF, "central-matchningsenhed"),
    "own_lead": (User.Role.PARTNER_LEAD, "jobcenter-aalborg"),
    "other_staff": (User.Role.PARTNER_STAFF, "jobcenter-hjoerring"),
    "other_lead": (User.Role.PARTNER_LEAD, "aau"),
    "coordinator": (User.Role.COORDINATOR, "koordinationsgruppen"),
    "steering": (User.Role.STEERING_GROUP, "kkr-nordjylland"),
}


@pytest.fixture
def cohort(db):
    c = make_cohort(title="Jobsøgning hold 7", people=["a", "b", "c"])
    set_outcome(c, "a", "ordinary_job", dt.date(2021, 4, 1))
    return c


@pytest.fixture
def clients(db, user_factory, staff_client):
    return {name: staff_client(user_factory(role=role, organisation=org)) for name, (role, org) in ROLES.items()}


def _urls(cohort):
    p = cohort.participants.first()
    return {
        "list": reverse("cohort_list"),
        "create": reverse("cohort_create"),
        "import": reverse("cohort_import"),
        "detail": reverse("cohort_detail", args=[cohort.pk]),
        "edit": reverse("cohort_edit", args=[cohort.pk]),
        "outcome": reverse("cohort_participant_outcome", args=[cohort.pk, p.pk]),
        "add": reverse("cohort_participants_add", args=[cohort.pk]),
        "delete": reverse("cohort_delete", args=[cohort.pk]),
    }


GET_EXPECTED = {
    #            list create import detail edit
    "own_staff": (200, 200, 200, 200, 200),
    "unit_staff": (200, 200, 200, 200, 200),
    "own_lead": (200, 200, 200, 200, 200),
    "other_staff": (200, 200, 200, 404, 404),
    "other_lead": (200, 200, 200, 404, 404),
    "coordinator": (200, 200, 200, 200, 200),
    "steering": (200, 403, 403, 403, 403),
}


@pytest.mark.parametrize("who", list(GET_EXPECTED))
def test_get_permission_matrix(clients, cohort, who):
    urls = _urls(cohort)
    got = tuple(clients[who].get(urls[name]).status_code for name in ("list", "create", "import", "detail", "edit"))
    assert got == GET_EXPECTED[who]


def test_anonymous_goes_to_login(cohort):
    for url in _urls(cohort).values():
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"] or response.status_code == 405


def test_the_steering_group_sees_the_effect_but_no_cohort(clients, cohort):
    html = clients["steering"].get(reverse("cohort_list") + "?as_of=2021-07-01").content.decode()
    assert "Jobcenter Aalborg" in html and "Jobsøgning hold 7" not in html
    assert 'data-testid="effect-share-jobcenter-aalborg">33,3 %' in html


def test_other_organisations_see_neither_the_cohort_nor_its_effect(clients, cohort):
    html = clients["other_staff"].get(reverse("cohort_list") + "?as_of=2021-07-01").content.decode()
    assert "Jobsøgning hold 7" not in html and "effect-share-jobcenter-aalborg" not in html


@pytest.mark.parametrize("who,status", [("other_staff", 404), ("steering", 403), ("own_staff", 302),
                                        ("unit_staff", 302), ("coordinator", 302)])
def test_registering_an_outcome(clients, cohort, who, status):
    p = participant(cohort, "b")
    url = reverse("cohort_participant_outcome", args=[cohort.pk, p.pk])
    response = clients[who].post(url, {f"p{p.pk}-outcome": "subsidised_job", f"p{p.pk}-outcome_date": "2021-05-03"})
    assert response.status_code == status
    p.refresh_from_db()
    assert (p.outcome == "subsidised_job") is (status == 302)


def test_a_bad_outcome_saves_nothing_and_says_why(clients, cohort):
    p = participant(cohort, "b")
    url = reverse("cohort_participant_outcome", args=[cohort.pk, p.pk])
    response = clients["own_staff"].post(url, {f"p{p.pk}-outcome": "ordinary_job", f"p{p.pk}-outcome_date": ""})
    assert response.status_code == 422
    assert "Angiv startdatoen for jobbet eller uddannelsen." in response.content.decode()
    p.refresh_from_db()
    assert p.outcome == ""


@pytest.mark.parametrize("who,status", [("own_staff", 403), ("other_lead", 404), ("steering", 403),
                                        ("own_lead", 302), ("coordinator", 302)])
def test_deleting_a_cohort_is_for_the_lead_and_coordinators(clients, cohort, who, status):
    response = clients[who].post(reverse("cohort_delete", args=[cohort.pk]))
    assert response.status_code == status
    assert Cohort.objects.filter(pk=cohort.pk).exists() is (status != 302)
    if status == 302:
        assert Participant.objects.count() == 0
        assert LogEntry.objects.filter(content_type__model="participant", action=LogEntry.Action.DELETE).count() == 3


def test_staff_create_a_cohort_with_participants_and_the_audit_log_names_them(clients, db):
    response = clients["own_staff"].post(reverse("cohort_create"), {
        "organisation": clients["own_staff"].session and _org_id("jobcenter-aalborg"), "title": "Hold 9",
        "activity": "upskilling", "start_date": "01-09-2021", "end_date": "2021-10-29",
        "identifiers": "sag-1\nsag-2\n\nsag-1\n",
    })
    assert response.status_code == 302
    cohort = Cohort.objects.get(title="Hold 9")
    assert (cohort.activity, cohort.participants.count()) == ("upskilling", 2)
    entry = LogEntry.objects.get_for_object(cohort).get()
    assert entry.actor.organisation.slug == "jobcenter-aalborg"


def test_staff_cannot_create_a_cohort_for_another_organisation(clients, db):
    response = clients["other_staff"].post(reverse("cohort_create"), {
        "organisation": _org_id("jobcenter-aalborg"), "title": "Hold 9", "activity": "job_search",
        "start_date": "2021-09-01", "end_date": "2021-10-29"})
    assert response.status_code == 422  # not a choice they have
    assert not Cohort.objects.filter(title="Hold 9").exists()


def test_a_cpr_number_as_participant_id_is_refused(clients, cohort):
    response = clients["own_staff"].post(reverse("cohort_participants_add", args=[cohort.pk]),
                                         {"identifiers": "ny-1\n010190-1234"})
    assert response.status_code == 422
    assert "CPR" in response.content.decode()
    assert cohort.participants.count() == 3


def test_import_page(clients, db):
    csv = ("forloeb;startdato;slutdato;person_id;udfald;udfaldsdato\n"
           "Hold 1;04-01-2021;26-02-2021;x1;ordinært job;01-03-2021\n").encode()
    response = clients["own_lead"].post(reverse("cohort_import"), {
        "organisation": _org_id("jobcenter-aalborg"), "file": SimpleUploadedFile("f.csv", csv)})
    assert response.status_code == 200
    assert "1 forløb oprettet" in response.content.decode()
    assert Participant.objects.get().outcome == "ordinary_job"


def _org_id(slug):
    from viaviden.organisations.models import Organisation

    return Organisation.objects.get(slug=slug).pk


def test_the_pages_are_available_in_english(clients, cohort):
    from django.conf import settings

    client = clients["coordinator"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cohort_list")).content.decode()
    assert "Job-search and upskilling cohorts" in html
    html = client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()
    assert "Share in work" in html and "Participant 1" in html


def test_correcting_a_cohort_in_the_browser_and_a_stale_form_is_refused(clients, cohort):
    url = reverse("cohort_edit", args=[cohort.pk])
    data = {"title": "Hold 7 (rettet)", "activity": "job_search", "start_date": "2021-01-04",
            "end_date": "2021-03-05", "note": "", "version": "1"}
    assert clients["unit_staff"].post(url, data).status_code == 302
    cohort.refresh_from_db()
    assert (cohort.title, cohort.end_date, cohort.version) == ("Hold 7 (rettet)", dt.date(2021, 3, 5), 2)
    response = clients["coordinator"].post(url, {**data, "title": "Hold 7 (igen)"})
    assert response.status_code == 422 and "ændret af en anden" in response.content.decode()
    response = clients["own_staff"].post(url, {**data, "version": "2", "start_date": "2021-04-02",
                                               "end_date": "2021-05-01"})
    assert response.status_code == 422
    assert "1 deltager har en job- eller uddannelsesstart før den nye startdato." in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.title == "Hold 7 (rettet)"
