"""Needs in the browser: permission matrix for every URL, register (company by CVR or from the company
page), edit with optimistic locking, close only with an answer, take on, assign, reopen, the company
page section, query counts, and registering a match from a need (match_create?need=)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from viaviden.companies.models import Company, Need, NeedEvent
from viaviden.companies.need_services import need_close
from viaviden.companies.tests.test_needs_support import make_need, org
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, next_cvr
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def own():
    """Staff of the need's owner organisation (Jobcenter Thisted)."""
    return UserFactory(organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def other():
    return UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


@pytest.fixture
def need():
    return make_need()


# --- Permission matrix -----------------------------------------------------------------------

# (method, url name, takes the need's pk, POST data, answer for a user who may act)
URLS = [
    ("get", "need_list", False, None, 200),
    ("get", "need_create", False, None, 200),
    ("get", "need_detail", True, None, 200),
    ("get", "need_edit", True, None, 200),
    ("get", "need_close", True, None, 200),
    ("post", "need_status", True, {"status": "in_progress", "version": "1"}, 302),
    ("post", "need_assign", True, {"owner_organisation": "", "version": "1"}, 302),
]
SHARED = {"need_list", "need_create", "need_detail"}  # all partner staff; the rest: owner and coordinators


def _call(client, method, name, with_pk, data, need):
    url = reverse(name, args=[need.pk]) if with_pk else reverse(name)
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize(("method", "name", "with_pk", "data", "allowed"), URLS)
def test_anonymous_is_sent_to_login(method, name, with_pk, data, allowed, need):
    response = _call(Client(), method, name, with_pk, data, need)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("method", "name", "with_pk", "data", "allowed"), URLS)
def test_steering_group_is_forbidden(method, name, with_pk, data, allowed, need, steering):
    response = _call(client_for(steering), method, name, with_pk, data, need)

    assert response.status_code == 403
    need.refresh_from_db()
    assert need.version == 1


@pytest.mark.parametrize(("method", "name", "with_pk", "data", "allowed"), URLS)
def test_other_organisation_reads_but_does_not_change(method, name, with_pk, data, allowed, need, other):
    response = _call(client_for(other), method, name, with_pk, data, need)

    assert response.status_code == (allowed if name in SHARED else 403)
    need.refresh_from_db()
    assert need.version == 1


@pytest.mark.parametrize(("method", "name", "with_pk", "data", "allowed"), URLS)
def test_own_organisation_may_do_everything(method, name, with_pk, data, allowed, need, own):
    data = dict(data or {}, owner_organisation=org("jobcenter-thisted").pk) if name == "need_assign" else data

    response = _call(client_for(own), method, name, with_pk, data, need)

    assert response.status_code == allowed


@pytest.mark.parametrize(("method", "name", "with_pk", "data", "allowed"), URLS)
def test_coordinator_may_do_everything(method, name, with_pk, data, allowed, need, coordinator):
    data = dict(data or {}, owner_organisation=org("aau").pk) if name == "need_assign" else data

    response = _call(client_for(coordinator), method, name, with_pk, data, need)

    assert response.status_code == allowed


def test_unknown_need_is_404(own):
    assert client_for(own).get(reverse("need_detail", args=[999999])).status_code == 404


# --- Register --------------------------------------------------------------------------------


def _need_form(**overrides) -> dict:
    data = {
        "tasks": "Analyse af kundedata",
        "title": "Dataanalyse",
        "recognised": "true",
        "match_types": ["student_project"],
        "education_levels": ["MVU", "LVU"],
        "education_wish": "Datalogi eller statistik",
        "time_frame": "Forårssemestret",
        "earliest_start": "01-02-2022",
        "place_municipality": "",
        "place": "",
    }
    data.update(overrides)
    return data


def test_register_from_the_company_page(own):
    company = CompanyFactory()
    url = reverse("need_create") + f"?company={company.pk}"
    page = client_for(own).get(url)
    assert company.name in page.content.decode()

    response = client_for(own).post(url, _need_form())

    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    assert (need.company, need.title, need.earliest_start) == (company, "Dataanalyse", dt.date(2022, 2, 1))
    assert sorted(need.education_levels.values_list("code", flat=True)) == ["LVU", "MVU"]
    assert need.answer_due is not None  # a student collaboration: answer promise
    assert need.owner == own


def test_register_with_a_new_company_by_cvr(own):
    cvr = next_cvr()

    response = client_for(own).post(
        reverse("need_create"),
        _need_form(cvr=cvr, company_name="Syntetisk Fiskeeksport ApS", company_municipality="787",
                   match_types=["ordinary_job"]),
    )

    assert response.status_code == 302
    need = Need.objects.get()
    assert need.company == Company.objects.get(cvr=cvr)
    assert need.answer_due is None  # job only


def test_register_shows_service_errors_and_saves_nothing(own):
    company = CompanyFactory()

    response = client_for(own).post(
        reverse("need_create") + f"?company={company.pk}",
        _need_form(tasks="", level_unknown="on"),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Beskriv de opgaver, virksomheden vil have løst." in content
    assert "ikke begge dele" in content
    assert Need.objects.count() == 0


def test_register_for_unknown_company_is_404(own):
    assert client_for(own).get(reverse("need_create") + "?company=999999").status_code == 404


# --- Edit ------------------------------------------------------------------------------------


def test_edit_saves_and_logs(own, need):
    response = client_for(own).post(reverse("need_edit", args=[need.pk]), _need_form(version="1", place="Havnen"))

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.place, need.version) == ("Havnen", 2)


def test_edit_with_stale_version_shows_conflict_and_saves_nothing(own, need):
    Need.objects.filter(pk=need.pk).update(version=5)

    response = client_for(own).post(reverse("need_edit", args=[need.pk]), _need_form(version="1", place="Havnen"))

    assert response.status_code == 200
    assert "Behovet er ændret af en anden" in response.content.decode()
    need.refresh_from_db()
    assert need.place == ""


# --- Close -----------------------------------------------------------------------------------


def test_close_without_answer_is_refused_and_nothing_saved(own, need):
    response = client_for(own).post(reverse("need_close", args=[need.pk]), {"answer_note": "Lukkes", "version": "1"})

    assert response.status_code == 200
    assert "Et behov kan kun lukkes med et svar til virksomheden" in response.content.decode()
    need.refresh_from_db()
    assert (need.status, need.answer, need.version) == (Need.Status.NEW, "", 1)
    assert not need.events.filter(kind=NeedEvent.Kind.ANSWERED).exists()


def test_close_no_match_without_reason_is_refused(own, need):
    response = client_for(own).post(reverse("need_close", args=[need.pk]), {"answer": "no_match", "version": "1"})

    assert response.status_code == 200
    assert "Virksomheden kan se den." in response.content.decode()
    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_close_page_says_the_company_reads_the_reason(own, need):
    content = client_for(own).get(reverse("need_close", args=[need.pk])).content.decode()

    assert "Virksomheden kan læse teksten på sin statusside" in content
    assert 'value="match"' not in content  # no match registered from the need yet


def test_close_no_match_with_reason(own, need):
    response = client_for(own).post(
        reverse("need_close", args=[need.pk]), {"answer": "no_match", "answer_note": "Ingen kandidater", "version": "1"}
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.answer, need.answer_note) == (Need.Status.CLOSED, "no_match", "Ingen kandidater")


def test_reopen_through_the_status_url(own, need):
    need_close(user=own, need=need, answer="no_match", answer_note="Ingen", version=1)

    response = client_for(own).post(
        reverse("need_status", args=[need.pk]), {"status": "reopen", "reason": "Ny kontakt", "version": "2"}
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.IN_PROGRESS


def test_assign_to_a_colleague(own, need):
    colleague = UserFactory(organisation="erhvervskontor-thisted", role=User.Role.PARTNER_STAFF)

    client_for(own).post(
        reverse("need_assign", args=[need.pk]),
        {"owner_organisation": org("jobcenter-thisted").pk, "owner": colleague.pk, "version": "1"},
    )

    need.refresh_from_db()
    assert need.owner == colleague


# --- Detail, list, company page ----------------------------------------------------------------


def test_detail_shows_facts_profile_and_the_full_timeline(own, need):
    need_close(user=own, need=need, answer="no_match", answer_note="Ingen kandidater", version=1)
    NeedEvent.objects.create(need=need, kind=NeedEvent.Kind.UPDATED, public=False, text="Intern note om forløbet")

    content = client_for(own).get(reverse("need_detail", args=[need.pk])).content.decode()

    assert "Studiepraktikant til markedsføring" in content
    assert "Besvaret: intet match – Ingen kandidater" in content
    assert "Intern note om forløbet" in content
    assert "Jobprofil" in content
    assert "Genåbn behovet" in content


def test_detail_of_open_need_offers_registering_a_match(other, need):
    content = client_for(other).get(reverse("need_detail", args=[need.pk])).content.decode()

    assert f'{reverse("match_create")}?need={need.pk}' in content
    assert reverse("need_close", args=[need.pk]) not in content  # only the owner organisation closes it


def test_list_marks_overdue_needs(own):
    need = make_need(title="Forsinket behov")
    Need.objects.filter(pk=need.pk).update(answer_due=dt.date(2021, 1, 4))

    content = client_for(own).get(reverse("need_list"), {"overdue": "on"}).content.decode()

    assert "Forsinket behov" in content
    assert "Over svarfristen" in content


def test_list_query_count_does_not_grow_with_needs(own, django_assert_max_num_queries):
    for n in range(12):
        make_need(title=f"Behov {n}", levels=("KVU",))
    client = client_for(own)
    client.get(reverse("need_list"))  # warm the session

    with django_assert_max_num_queries(12):
        response = client.get(reverse("need_list"))

    assert response.content.decode().count("Behov 1") >= 1
    assert response.context["page"].paginator.count == 12


def test_company_needs_tag_lists_open_first_with_link_to_register(own):
    company = CompanyFactory()
    closed = make_need(company=company, title="Gammelt behov")
    need_close(user=own, need=closed, answer="no_match", answer_note="Ingen", version=1)
    make_need(company=company, title="Nyt behov")
    request = RequestFactory().get("/")
    request.user = own

    html = Template("{% load need_tags %}{% company_needs company %}").render(
        Context({"company": company, "request": request})
    )

    assert html.index("Nyt behov") < html.index("Gammelt behov")
    assert f'{reverse("need_create")}?company={company.pk}' in html
    assert "Registrér behov" in html


def test_company_needs_tag_is_empty_for_the_steering_group(steering):
    company = CompanyFactory()
    make_need(company=company)
    request = RequestFactory().get("/")
    request.user = steering

    html = Template("{% load need_tags %}{% company_needs company %}").render(
        Context({"company": company, "request": request})
    )

    assert html == ""


def test_company_needs_tag_query_count(own, django_assert_max_num_queries):
    company = CompanyFactory()
    for n in range(8):
        make_need(company=company, title=f"Behov {n}")
    request = RequestFactory().get("/")
    request.user = own
    template = Template("{% load need_tags %}{% company_needs company %}")

    with django_assert_max_num_queries(3):
        template.render(Context({"company": company, "request": request}))


# --- Registering a match from the need (match_create?need=) -----------------------------------


def _match_form(cvr: str, **overrides) -> dict:
    data = {
        "cvr": cvr,
        "match_type": "student_internship",
        "start_date": "01-09-2021",
        "education_level": "MVU",
        "education": "Markedsføringsøkonom",
        "institution": "UCN",
        "activity": "company_contact",
    }
    data.update(overrides)
    return data


def test_match_form_is_prefilled_from_the_need(other, need):
    response = client_for(other).get(reverse("match_create"), {"need": need.pk})

    form = response.context["form"]
    assert response.status_code == 200
    assert form["cvr"].value() == need.company.cvr
    assert form["match_type"].value() == "student_internship"
    assert form["need"].value() == need.pk
    assert "Matchet registreres fra behovet" in response.content.decode()


def test_match_form_does_not_guess_the_type_when_several_are_wished(own):
    need = make_need(match_types=("student_job", "student_internship"))

    form = client_for(own).get(reverse("match_create"), {"need": need.pk}).context["form"]

    assert form["match_type"].value() is None


def test_match_registered_from_the_need_closes_it_as_matched(other, need):
    response = client_for(other).post(reverse("match_create"), _match_form(need.company.cvr, need=need.pk))

    match = Match.objects.get()
    assert response.status_code == 302
    assert match.need == need
    need.refresh_from_db()
    assert (need.status, need.answer) == (Need.Status.MATCHED, Need.Answer.MATCH)


def test_match_from_need_with_another_company_is_refused(other, need):
    other_company = CompanyFactory()

    response = client_for(other).post(reverse("match_create"), _match_form(other_company.cvr, need=need.pk))

    assert response.status_code == 200
    assert "den virksomhed, behovet er registreret for" in response.content.decode()
    assert Match.objects.count() == 0
    need.refresh_from_db()
    assert need.status == Need.Status.NEW


def test_match_form_with_unknown_need(other):
    assert client_for(other).get(reverse("match_create"), {"need": "999999"}).status_code == 404
    assert client_for(other).get(reverse("match_create"), {"need": "abc"}).status_code == 404
    response = client_for(other).post(reverse("match_create"), _match_form(CompanyFactory().cvr, need="999999"))
    assert response.status_code == 200
    assert Match.objects.count() == 0


def test_steering_group_cannot_open_match_form_from_a_need(steering, need):
    assert client_for(steering).get(reverse("match_create"), {"need": need.pk}).status_code == 403
