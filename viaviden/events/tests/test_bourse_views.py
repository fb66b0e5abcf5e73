"""Bourse pages: the permission matrix of every URL, the public case form, registration and ranking through the
private session, the company's page, the upload page, the run page with a hand move, confirmation, the
dashboard, and the query counts of the lists."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.companies.selfservice import form_token_issue
from viaviden.events import bourse_services as svc
from viaviden.events.bourse_selectors import PARTICIPANT_SESSION_KEY
from viaviden.events.models import AssignmentLock, BourseCase, BourseParticipant, BourseRun, CompanyPreference
from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank
from viaviden.matches.models import Match
from viaviden.reports.figures import activity_target_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(user_factory, staff_client):
    """Own organisation (AAU, the lead organiser), co-organiser (UCN), another organisation, a coordinator, the
    steering group, and an anonymous client."""
    return {
        "anonymous": Client(),
        "own": staff_client(user_factory(organisation="aau")),
        "co": staff_client(user_factory(organisation="ucn")),
        "other": staff_client(user_factory(organisation="jobcenter-aalborg")),
        "coordinator": staff_client(user_factory(role="coordinator")),
        "steering": staff_client(user_factory(role="steering_group")),
    }


@pytest.fixture
def bourse(user_factory):
    event = make_bourse(organiser="aau", co_organisers=("ucn",), title="Syntetisk Projektbørs")
    big = make_case(event, title="Stor case", capacity=3, max_group_size=3)
    job = make_case(event, title="Studiejob", capacity=1, kind="student_job")
    group = make_participant(event, name="Gruppe Nord", size=3)
    ann = make_participant(event, name="Ann")
    rank(group, big)
    rank(ann, big, job)
    run = svc.bourse_run_create(user=user_factory(organisation="aau"), event=event, mode="stable")
    lock = AssignmentLock.objects.create(event=event, participant=ann, case=job)
    return {"event": event, "big": big, "job": job, "group": group, "ann": ann, "run": run, "lock": lock}


def _expected(who: str, ok: int = 200, other: int = 404) -> int:
    return {"anonymous": 302, "steering": 403, "other": other}.get(who, ok)


WHO = ("anonymous", "steering", "other", "own", "co", "coordinator")


# --- Permission matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_matrix_bourse_list(clients, bourse, who):
    response = clients[who].get(reverse("bourse_list"))
    assert response.status_code == _expected(who, other=200)
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", ["bourse_detail", "bourse_participant_list", "bourse_preferences_upload",
                                  "bourse_assignment"])
def test_matrix_manage_pages(clients, bourse, who, name):
    assert clients[who].get(reverse(name, args=[bourse["event"].pk])).status_code == _expected(who)


@pytest.mark.parametrize("who", WHO)
def test_matrix_case_and_run_pages(clients, bourse, who):
    assert clients[who].get(reverse("bourse_case_detail", args=[bourse["big"].pk])).status_code == _expected(who)
    assert clients[who].get(reverse("bourse_run_detail", args=[bourse["run"].pk])).status_code == _expected(who)


@pytest.mark.parametrize("who", WHO)
def test_matrix_case_create_on_behalf_is_for_all_partner_staff(clients, bourse, who):
    response = clients[who].get(reverse("bourse_case_create", args=[bourse["event"].pk]))
    assert response.status_code == _expected(who, other=200)


@pytest.mark.parametrize("who", WHO)
def test_matrix_posts(clients, bourse, who):
    expected = _expected(who, ok=302)
    c = clients[who]
    assert c.post(reverse("bourse_case_status", args=[bourse["job"].pk]),
                  {"status": "published"}).status_code == expected
    assert c.post(reverse("bourse_lock_create", args=[bourse["event"].pk]),
                  {"participant": bourse["group"].pk, "case": bourse["big"].pk}).status_code == expected
    assert c.post(reverse("bourse_lock_delete", args=[bourse["lock"].pk])).status_code == expected
    assert c.post(reverse("bourse_run_confirm", args=[bourse["run"].pk])).status_code == expected
    if who in ("anonymous", "steering", "other"):
        assert AssignmentLock.objects.get().participant == bourse["ann"]
        assert not BourseRun.objects.filter(is_confirmed=True).exists()


def test_public_pages_need_no_login_but_a_published_bourse(bourse):
    anonymous = Client()
    for name in ("bourse_case_public_form", "bourse_participant_register"):
        assert anonymous.get(reverse(name, args=[bourse["event"].pk])).status_code == 200
    draft = make_bourse(status="draft")
    assert anonymous.get(reverse("bourse_case_public_form", args=[draft.pk])).status_code == 404
    assert anonymous.get(reverse("bourse_company_page", args=[bourse["big"].token])).status_code == 200
    assert anonymous.get(reverse("bourse_company_page", args=["nope"])).status_code == 404
    assert anonymous.get(reverse("bourse_participant_login", args=["nope"])).status_code == 404


def test_case_list_is_only_for_registered_participants_of_that_bourse(bourse):
    anonymous = Client()
    response = anonymous.get(reverse("bourse_case_list_public", args=[bourse["event"].pk]))
    assert response.status_code == 403
    assert "Stor case" not in response.content.decode()
    assert anonymous.get(reverse("bourse_preferences_edit", args=[bourse["event"].pk])).status_code == 403
    response = anonymous.get(reverse("bourse_participant_login", args=[bourse["ann"].token]))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store, private"
    page = anonymous.get(reverse("bourse_case_list_public", args=[bourse["event"].pk]))
    assert page.status_code == 200
    assert "Stor case" in page.content.decode() and "Studiejob" in page.content.decode()
    other_bourse = make_bourse()
    assert anonymous.get(reverse("bourse_case_list_public", args=[other_bourse.pk])).status_code == 403


# --- Public flows -----------------------------------------------------------------------------------


def _case_post(**overrides) -> dict:
    data = {
        "cvr": "12345674", "company_name": "Syntetisk Thy Smedie ApS", "postal_code": "7700",
        "title": "Digital produktionsplan", "challenge": "Vi vil planlægge bedre.", "collaboration_kind": "project",
        "levels": ["MVU"], "capacity": "4", "min_group_size": "1", "max_group_size": "4",
        "submitter_name": "Syntetisk Kontakt", "submitter_email": "kontakt@thysmedie.example", "consent": "on",
        "form_token": form_token_issue(at=time.time() - 10),
    }
    data.update(overrides)
    return data


def test_company_submits_a_case_on_the_public_form(bourse, django_capture_on_commit_callbacks):
    url = reverse("bourse_case_public_form", args=[bourse["event"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(url, _case_post())
    assert response.status_code == 302
    case = BourseCase.objects.get(title="Digital produktionsplan")
    assert (case.status, case.company.cvr) == ("submitted", "12345674")
    assert len(mail.outbox) == 1


def test_public_case_form_refuses_bots_and_shows_field_errors(bourse):
    url = reverse("bourse_case_public_form", args=[bourse["event"].pk])
    bot = Client().post(url, _case_post(website="http://spam.example"))
    assert "Vi kunne ikke modtage formularen" in bot.content.decode()
    bad = Client().post(url, _case_post(cvr="12345678", capacity="2", max_group_size="3"))
    text = bad.content.decode()
    assert bad.status_code == 200
    assert "Største gruppestørrelse kan ikke være større end antal studerende." in text
    assert BourseCase.objects.filter(title="Digital produktionsplan").count() == 0


def test_public_case_form_after_the_deadline_says_so(bourse):
    bourse["event"].case_deadline = timezone.now() - dt.timedelta(days=1)
    bourse["event"].save()
    response = Client().get(reverse("bourse_case_public_form", args=[bourse["event"].pk]))
    assert "Fristen for at indsende cases var" in response.content.decode()


def _register_post(**overrides) -> dict:
    data = {"kind": "group", "name": "Gruppe Syd", "consent": "on"}
    for i, (name, level) in enumerate((("Syntetisk A", "LVU"), ("Syntetisk B", "LVU"), ("Syntetisk C", "MVU")), 1):
        data.update({f"member_{i}_name": name, f"member_{i}_email": f"m{i}@example.dk", f"member_{i}_level": level})
    data.update(overrides)
    return data


def test_group_registers_then_ranks_cases_through_its_session(bourse, django_capture_on_commit_callbacks):
    client = Client()
    url = reverse("bourse_participant_register", args=[bourse["event"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _register_post())
    assert response.status_code == 302
    group = BourseParticipant.objects.get(name="Gruppe Syd")
    assert (group.size, client.session[PARTICIPANT_SESSION_KEY]) == (3, group.pk)
    assert len(mail.outbox) == 1
    form = client.get(reverse("bourse_preferences_edit", args=[bourse["event"].pk])).content.decode()
    assert "Stor case" in form and "1 case tager ikke grupper på 3 personer" in form
    response = client.post(reverse("bourse_preferences_edit", args=[bourse["event"].pk]),
                           {"choice_1": str(bourse["big"].pk)})
    assert response.status_code == 302
    assert list(group.preferences.values_list("case_id", "rank")) == [(bourse["big"].pk, 1)]


def test_ranking_with_a_gap_or_a_duplicate_is_refused(bourse):
    client = Client()
    client.get(reverse("bourse_participant_login", args=[bourse["ann"].token]))
    url = reverse("bourse_preferences_edit", args=[bourse["event"].pk])
    gap = client.post(url, {"choice_1": str(bourse["job"].pk), "choice_3": str(bourse["big"].pk)})
    assert "Vælg dine prioriteter i rækkefølge uden huller" in gap.content.decode()
    dupe = client.post(url, {"choice_1": str(bourse["job"].pk), "choice_2": str(bourse["job"].pk)})
    assert "Du har valgt den samme case flere gange" in dupe.content.decode()
    assert list(bourse["ann"].preferences.order_by("rank").values_list("case_id", flat=True)) == [
        bourse["big"].pk, bourse["job"].pk]


def test_ranking_page_after_the_deadline_shows_the_deadline_and_saves_nothing(bourse):
    bourse["event"].preference_deadline = timezone.now() - dt.timedelta(hours=2)
    bourse["event"].save()
    client = Client()
    client.get(reverse("bourse_participant_login", args=[bourse["ann"].token]))
    url = reverse("bourse_preferences_edit", args=[bourse["event"].pk])
    response = client.post(url, {"choice_1": str(bourse["job"].pk)})
    assert response.status_code == 200
    assert "Fristen for at tilmelde sig og prioritere cases var" in response.content.decode()
    assert bourse["ann"].preferences.count() == 2


def test_company_ranks_and_vetoes_on_its_private_page(bourse):
    url = reverse("bourse_company_page", args=[bourse["big"].token])
    page = Client().get(url)
    text = page.content.decode()
    assert "Gruppe Nord" in text and "Ann" in text
    assert "@example.dk" not in text  # no e-mail addresses for the company
    response = Client().post(url, {f"rank_{bourse['ann'].pk}": "1", f"veto_{bourse['group'].pk}": "1"})
    assert response.status_code == 302
    assert sorted(CompanyPreference.objects.values_list("participant_id", "rank", "veto")) == sorted(
        [(bourse["ann"].pk, 1, False), (bourse["group"].pk, None, True)])


# --- Staff flows ------------------------------------------------------------------------------------


def test_upload_page_shows_row_errors_and_saves_nothing(clients, bourse):
    csv = (f"deltager;email;stoerrelse;prioritet;case;niveau\n"
           f"Gruppe X;x@example.dk;4;1;{bourse['big'].pk};LVU\n"
           f"Ny;ny@example.dk;1;1;999999;LVU\n").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = clients["own"].post(reverse("bourse_preferences_upload", args=[bourse["event"].pk]),
                                   {"file": SimpleUploadedFile("prioriteter.csv", csv, content_type="text/csv")})
    text = response.content.decode()
    assert "Filen er ikke indlæst" in text
    assert "Gruppen er på 4 personer, men casen »Stor case« tager grupper på 1–3 personer." in text
    assert "Casen »999999« findes ikke blandt børsens offentliggjorte cases." in text
    assert BourseParticipant.objects.count() == 2


def test_run_page_shows_figures_and_a_hand_move_preview(clients, bourse):
    run, group, job = bourse["run"], bourse["group"], bourse["job"]
    page = clients["co"].get(reverse("bourse_run_detail", args=[run.pk]))
    text = page.content.decode()
    assert "Placerede studerende" in text and "Rangfordeling" in text
    preview = clients["co"].get(reverse("bourse_run_detail", args=[run.pk]),
                                {"participant": str(bourse["ann"].pk), "case": ""})
    effect = preview.context["move_view"]["effect"]
    # Ann sits at the job (her 2nd choice); taking her out seats one student fewer and lowers the total rank by 2.
    assert (effect.capacity_ok, effect.seated_students_delta, effect.total_rank_delta) == (True, -1, -2)
    assert "Flyt Ann til ingen case" in preview.content.decode()
    too_big = clients["co"].get(reverse("bourse_run_detail", args=[run.pk]),
                                {"participant": str(group.pk), "case": str(job.pk)})
    assert too_big.context["move_view"]["effect"].capacity_ok is False
    assert too_big.context["move_view"]["lockable"] is False


def test_run_page_explains_the_method_in_plain_words_not_solver_terms(clients, bourse):
    """Issue 14: the optimal run's page showed the solver's term "LAPJVsp"."""
    run = bourse["run"]
    run.result = {**run.result, "mode": "optimal", "proven_optimal": True,
                  "solver_info": "tildelingsproblem (LAPJVsp), 12 par, bevist optimal"}
    run.save(update_fields=["result"])

    text = clients["co"].get(reverse("bourse_run_detail", args=[run.pk])).content.decode()

    assert "LAPJVsp" not in text and "tildelingsproblem" not in text
    assert "Bevist den bedst mulige fordeling" in text


def test_staff_run_lock_rerun_and_confirm_credit_the_bourse_on_the_dashboard(clients, bourse, programme):
    event = bourse["event"]
    bourse["lock"].delete()
    response = clients["own"].post(reverse("bourse_assignment", args=[event.pk]), {"mode": "optimal"})
    run = BourseRun.objects.order_by("-id").first()
    assert response["Location"] == reverse("bourse_run_detail", args=[run.pk])
    before = {a["code"]: a["actual"] for a in activity_target_figures(programme, as_of=programme.end_date)}
    response = clients["own"].post(reverse("bourse_run_confirm", args=[run.pk]))
    assert response.status_code == 302
    assert Match.objects.filter(activity="bourse").count() == 4
    after = {a["code"]: a["actual"] for a in activity_target_figures(programme, as_of=programme.end_date)}
    assert after["aau-bourse-matches"] == before["aau-bourse-matches"] + 4
    page = clients["own"].get(reverse("bourse_run_detail", args=[run.pk])).content.decode()
    assert "Registrerede match" in page
    clients["own"].post(reverse("bourse_run_confirm", args=[run.pk]))
    assert Match.objects.count() == 4


# --- Query counts -----------------------------------------------------------------------------------


def test_lists_use_a_fixed_number_of_queries(clients, bourse, django_assert_max_num_queries):
    event = bourse["event"]
    for i in range(15):
        p = make_participant(event, size=1 + i % 3)
        rank(p, bourse["big"], bourse["job"])
        make_case(event, status="submitted")
    make_bourse()
    with django_assert_max_num_queries(20):
        assert clients["own"].get(reverse("bourse_list")).status_code == 200
    with django_assert_max_num_queries(20):
        assert clients["own"].get(reverse("bourse_detail", args=[event.pk])).status_code == 200
    with django_assert_max_num_queries(20):
        assert clients["own"].get(reverse("bourse_participant_list", args=[event.pk])).status_code == 200
