"""Referral pages and the answer-promise pages: the permission matrix for every URL, the action forms
(decline only with an alternative), the overdue list, the answer-times report with CSV, the rule page
and query counts."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.companies.models import AnswerRule, Need, NeedEvent, Referral
from viaviden.organisations.models import User

from .test_referrals_support import at, make_need, make_referral, service, staff

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def sender():
    return staff("jobcenter-hjoerring", "hj")


@pytest.fixture
def receiver():
    return staff("central-matchningsenhed", "cme")


@pytest.fixture
def need():
    return make_need(owner="jobcenter-hjoerring")


@pytest.fixture
def referral(need, sender, receiver):
    return make_referral(need=need, user=sender)


def users():
    return {
        "steering": staff("kkr-nordjylland", "styr", role=User.Role.STEERING_GROUP),
        "other": staff("aau", "aau"),
        "coordinator": staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR),
        "no_org": _without_organisation(),
    }


def _without_organisation():
    user = staff("aau", "noorg")
    User.objects.filter(pk=user.pk).update(organisation=None)
    user.refresh_from_db()
    return user


# (method, url name, argument kind, POST data)
URLS = [
    ("get", "referral_list", None, None),
    ("get", "referral_create", "need", None),
    ("post", "referral_create", "need", {"service": "aau-kontaktpunkt", "message": "Hej"}),
    ("get", "referral_detail", "referral", None),
    ("post", "referral_accept", "referral", {"accept-version": 1}),
    ("post", "referral_ask", "referral", {"ask-version": 1, "ask-question": "Hvem?"}),
    ("post", "referral_decline", "referral", {"decline-version": 1, "decline-alternative_text": "UCN"}),
    ("post", "referral_answer", "referral", {"answer-version": 1, "answer-answer": "Svar"}),
    ("post", "referral_withdraw", "referral", {"withdraw-version": 1}),
    ("get", "overdue_list", None, None),
    ("get", "answer_times_report", None, None),
    ("get", "answer_rule_edit", None, None),
    ("post", "answer_rule_edit", None, {"valid_from": "2099-01-01", "working_days": 5, "remind_days_before": 1}),
]


def _url(name, kind, referral):
    if kind == "need":
        return reverse(name, args=[referral.need_id])
    if kind == "referral":
        return reverse(name, args=[referral.pk])
    return reverse(name)


def _call(client, method, name, kind, data, referral):
    url = _url(name, kind, referral)
    return client.post(url, data or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("method", "name", "kind", "data"), URLS)
def test_anonymous_is_sent_to_login(method, name, kind, data, referral):
    response = _call(Client(), method, name, kind, data, referral)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name", "kind", "data"), URLS)
@pytest.mark.parametrize("who", ["steering", "no_org"])
def test_steering_group_and_users_without_organisation_get_403_everywhere(who, method, name, kind, data, referral,
                                                                           staff_client):
    user = users()[who]

    response = _call(staff_client(user), method, name, kind, data, referral)

    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).version == 1
    assert AnswerRule.objects.count() == 0


# Expected status per URL for: another partner, the referring side, the receiving side, a coordinator.
MATRIX = {
    ("get", "referral_list"): (200, 200, 200, 200),
    ("get", "referral_create"): (403, 200, 403, 200),
    ("post", "referral_create"): (403, 302, 403, 302),
    ("get", "referral_detail"): (200, 200, 200, 200),
    ("post", "referral_accept"): (403, 403, 302, 403),
    ("post", "referral_ask"): (403, 403, 302, 403),
    ("post", "referral_decline"): (403, 403, 302, 403),
    ("post", "referral_answer"): (403, 200, 403, 403),  # 200: the form shows that no question is asked
    ("post", "referral_withdraw"): (403, 302, 403, 403),
    ("get", "overdue_list"): (403, 403, 403, 200),
    ("get", "answer_times_report"): (403, 403, 403, 200),
    ("get", "answer_rule_edit"): (403, 403, 403, 200),
    ("post", "answer_rule_edit"): (403, 403, 403, 302),
}


@pytest.mark.parametrize(("method", "name", "kind", "data"), URLS)
@pytest.mark.parametrize("who", ["other", "sender", "receiver", "coordinator"])
def test_permission_matrix(who, method, name, kind, data, referral, sender, receiver, staff_client):
    user = {"sender": sender, "receiver": receiver}.get(who) or users()[who]
    expected = MATRIX[(method, name)][["other", "sender", "receiver", "coordinator"].index(who)]

    response = _call(staff_client(user), method, name, kind, data, referral)

    assert response.status_code == expected
    changed = Referral.objects.get(pk=referral.pk).version != 1 or Referral.objects.count() != 1
    assert changed == (expected == 302 and name.startswith("referral_"))


@pytest.mark.parametrize("name", ["referral_detail", "referral_accept"])
def test_an_unknown_referral_is_404(name, receiver, staff_client):
    client = staff_client(receiver)
    url = reverse(name, args=[999999])

    response = client.get(url) if name == "referral_detail" else client.post(url, {"accept-version": 1})

    assert response.status_code == 404


def test_an_unknown_need_is_404(sender, staff_client):
    assert staff_client(sender).get(reverse("referral_create", args=[999999])).status_code == 404


def test_partner_leads_see_the_answer_times_of_their_own_organisation(referral, staff_client):
    lead = staff("erhvervskontor-hjoerring", "lead", role=User.Role.PARTNER_LEAD)
    make_need(owner="jobcenter-hjoerring", requested_at=timezone.now(), answer_due=D(2099, 1, 1))

    response = staff_client(lead).get(reverse("answer_times_report"))

    assert response.status_code == 200
    assert [r.label for r in response.context["rows"]] == ["Jobcenter Hjørring", "I alt"]
    assert "Central Matchningsenhed" not in response.content.decode()


# --- Referring -------------------------------------------------------------------------------------


def test_the_referral_page_shows_the_services_overview(need, sender, staff_client):
    response = staff_client(sender).get(reverse("referral_create", args=[need.pk]) + "?service=rekrutteringsservice")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Akademikernes A-kasses gratis rekrutteringsservice" in html
    assert 'value="rekrutteringsservice" aria-describedby="service-rekrutteringsservice-desc" checked' in html
    assert 'value="erhvervskontor-hjoerring"' in html  # another unit of the same municipality is fine
    assert 'value="central-matchningsenhed"' in html


def test_referring_a_need(need, sender, receiver, staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(sender).post(
            reverse("referral_create", args=[need.pk]), {"service": "central-matchningsenhed", "message": "Hej"}
        )

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_detail", args=[referral.pk])
    assert (referral.service.slug, referral.message, referral.from_user) == ("central-matchningsenhed", "Hej", sender)
    assert [m.to for m in mail.outbox] == [["cme@example.dk"]]


def test_referring_without_choosing_a_service_shows_the_error(need, sender, staff_client):
    response = staff_client(sender).post(reverse("referral_create", args=[need.pk]), {"message": "Hej"})

    assert response.status_code == 200
    assert "Vælg den ydelse, behovet skal henvises til." in response.content.decode()
    assert Referral.objects.count() == 0


def test_a_duplicate_referral_shows_the_error_at_the_service(referral, sender, staff_client):
    response = staff_client(sender).post(
        reverse("referral_create", args=[referral.need_id]), {"service": "central-matchningsenhed"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "service": ["Behovet er allerede henvist til Central Matchningsenhed, og henvisningen er ikke besvaret endnu."]
    }
    assert Referral.objects.count() == 1


def test_a_closed_need_cannot_be_referred(sender, staff_client):
    need = make_need(status=Need.Status.CLOSED, answer="no_match", answer_note="Ingen", answered_at=timezone.now())

    response = staff_client(sender).get(reverse("referral_create", args=[need.pk]))

    assert "Et afsluttet behov kan ikke henvises." in response.content.decode()
    assert "Send henvisning" not in response.content.decode()


# --- Answering ------------------------------------------------------------------------------------


def test_the_receiver_sees_the_answer_forms_and_the_sender_the_withdraw_form(referral, sender, receiver,
                                                                              staff_client):
    as_receiver = staff_client(receiver).get(reverse("referral_detail", args=[referral.pk])).content.decode()
    as_sender = staff_client(sender).get(reverse("referral_detail", args=[referral.pk])).content.decode()
    as_other = staff_client(staff("aau")).get(reverse("referral_detail", args=[referral.pk])).content.decode()

    for form in ("referral_accept", "referral_ask", "referral_decline"):
        action = reverse(form, args=[referral.pk])
        assert action in as_receiver
        assert action not in as_sender
        assert action not in as_other
    withdraw = reverse("referral_withdraw", args=[referral.pk])
    assert withdraw in as_sender and withdraw not in as_receiver and withdraw not in as_other
    assert referral.need.company.name in as_other


def test_declining_without_an_alternative_is_refused_in_the_page(referral, receiver, staff_client,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(receiver).post(
            reverse("referral_decline", args=[referral.pk]),
            {"decline-version": 1, "decline-reason": "Vi har ikke tid", "decline-alternative_text": " "},
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Du skal foreslå et alternativ, når du afviser en henvisning." in html
    assert "Vi har ikke tid" in html  # the form keeps what was typed
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.decline_reason) == ("sent", 1, "")
    assert NeedEvent.objects.filter(need=referral.need).count() == 1
    assert mail.outbox == []


def test_declining_with_a_suggested_service(referral, sender, receiver, staff_client,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(receiver).post(
            reverse("referral_decline", args=[referral.pk]),
            {"decline-version": 1, "decline-alternative_service": "rekrutteringsservice"},
        )

    referral.refresh_from_db()
    assert response.status_code == 302
    assert (referral.status, referral.alternative_service.slug) == ("declined", "rekrutteringsservice")
    assert [m.to for m in mail.outbox] == [["hj@example.dk"]]
    page = staff_client(sender).get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("referral_create", args=[referral.need_id]) + "?service=rekrutteringsservice" in page


def test_each_step_in_the_browser_mails_the_other_side(referral, sender, receiver, staff_client,
                                                        django_capture_on_commit_callbacks):
    service("central-matchningsenhed", contact_email="cme@aalborg.dk")
    as_receiver, as_sender = staff_client(receiver), staff_client(sender)
    steps = [
        (as_receiver, "referral_ask", {"ask-version": 1, "ask-question": "Hvilken uddannelse?"}),
        (as_sender, "referral_answer", {"answer-version": 2, "answer-answer": "Maskiningeniør"}),
        (as_receiver, "referral_accept", {"accept-version": 3}),
    ]
    for client, name, data in steps:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse(name, args=[referral.pk]), data)
        assert response.status_code == 302

    assert [m.to for m in mail.outbox] == [
        ["hj@example.dk"], ["cme@aalborg.dk", "cme@example.dk"], ["hj@example.dk"]
    ]
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


def test_a_stale_form_is_a_conflict_message(referral, receiver, staff_client):
    client = staff_client(receiver)
    client.post(reverse("referral_ask", args=[referral.pk]), {"ask-version": 1, "ask-question": "Hvem?"})

    response = client.post(reverse("referral_accept", args=[referral.pk]), {"accept-version": 1}, follow=True)

    assert "ændret af en anden" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "question"


def test_a_form_without_version_is_refused(referral, receiver, staff_client):
    response = staff_client(receiver).post(reverse("referral_accept", args=[referral.pk]), {})

    assert response.status_code == 200
    assert "Siden mangler versionsnummer" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "sent"


# --- Lists and reports ---------------------------------------------------------------------------


def test_received_referrals_are_listed_open_first_with_overdue_marking(sender, receiver, staff_client, monkeypatch):
    late = make_referral(need=make_need(title="Gammelt behov"), user=sender,
                         created=timezone.now() - dt.timedelta(days=60), monkeypatch=monkeypatch)
    fresh = make_referral(need=make_need(title="Nyt behov"), user=sender)
    done = make_referral(need=make_need(title="Afsluttet"), user=sender)
    Referral.objects.filter(pk=done.pk).update(status="accepted", responded_at=timezone.now())

    response = staff_client(receiver).get(reverse("referral_list"))

    assert [r.pk for r in response.context["referrals"]] == [late.pk, fresh.pk, done.pk]
    html = response.content.decode()
    assert html.count("Svarfrist overskredet") == 1
    sent = staff_client(sender).get(reverse("referral_list") + "?box=sent")
    assert [r.pk for r in sent.context["referrals"]] == [late.pk, fresh.pk, done.pk]
    assert [r.pk for r in staff_client(sender).get(reverse("referral_list") + "?box=received").context["referrals"]] == []


def test_the_list_opens_on_the_first_tab_that_holds_referrals(referral, sender, receiver, staff_client):
    """Issue 14: the coordinator's referral page opened on an empty tab while referrals existed."""
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)

    assert staff_client(receiver).get(reverse("referral_list")).context["box"] == "received"
    opened = staff_client(sender).get(reverse("referral_list"))
    assert opened.context["box"] == "sent" and [r.pk for r in opened.context["referrals"]] == [referral.pk]
    opened = staff_client(coordinator).get(reverse("referral_list"))
    assert opened.context["box"] == "all" and [r.pk for r in opened.context["referrals"]] == [referral.pk]
    assert staff_client(staff("aau")).get(reverse("referral_list")).context["box"] == "received"


def test_only_coordinators_see_all_referrals(referral, staff_client):
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)
    other = staff("aau")

    assert [r.pk for r in staff_client(coordinator).get("/henvisninger/?box=all").context["referrals"]] == [
        referral.pk
    ]
    assert staff_client(other).get("/henvisninger/?box=all").context["box"] == "received"


def test_the_list_takes_a_fixed_number_of_queries(sender, receiver, staff_client, django_assert_max_num_queries):
    client = staff_client(receiver)
    make_referral(need=make_need(), user=sender)
    client.get(reverse("referral_list"))  # warm the session
    for _i in range(8):
        make_referral(need=make_need(), user=sender)

    with django_assert_max_num_queries(15):  # session, user, device, the partner tree, opening tab, counts, page
        response = client.get(reverse("referral_list"))

    assert len(response.context["referrals"]) == 9


def test_the_overdue_list(sender, staff_client, monkeypatch, django_assert_max_num_queries):
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)
    old = timezone.now() - dt.timedelta(days=60)
    need = make_need(title="Venter på svar", requested_at=old, answer_due=(old + dt.timedelta(days=14)).date())
    referral = make_referral(need=make_need(title="Henvist for længe siden"), user=sender, created=old,
                             monkeypatch=monkeypatch)
    client = staff_client(coordinator)
    client.get(reverse("overdue_list"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("overdue_list"))

    html = response.content.decode()
    assert [(r.kind, r.pk) for r in response.context["requests"]] == [("need", need.pk), ("referral", referral.pk)]
    assert reverse("referral_detail", args=[referral.pk]) in html
    assert "Central Matchningsenhed (Jobcenter Aalborg)" in html
    assert "Jobcenter Hjørring" in html


def test_answer_times_csv(sender, staff_client):
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)
    make_need(requested_at=at(D(2027, 3, 18)), answer_due=D(2027, 4, 6), status=Need.Status.CLOSED,
              answer="no_match", answer_note="Ingen", answered_at=at(D(2027, 3, 30)))

    response = staff_client(coordinator).get(
        reverse("answer_times_report"), {"date_from": "2027-03-01", "date_to": "2027-03-31", "export": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="svartider-20270301-20270331.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "Organisation;Modtaget;Besvaret;Median arbejdsdage til svar;Gennemsnit arbejdsdage til svar;"
        "Besvaret inden for fristen (%);Åbne;Overskredne",
        "Jobcenter Hjørring;1;1;5;5;100;0;0",
        "I alt;1;1;5;5;100;0;0",
    ]


def test_answer_times_with_a_reversed_period_shows_the_error(staff_client):
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)

    response = staff_client(coordinator).get(
        reverse("answer_times_report"), {"date_from": "2027-03-31", "date_to": "2027-03-01"}
    )

    assert "Slutdatoen skal ligge efter startdatoen." in response.content.decode()


def test_coordinators_change_the_rule_on_the_page(staff_client):
    coordinator = staff("koordinationsgruppen", "koord", role=User.Role.COORDINATOR)
    client = staff_client(coordinator)
    today = timezone.localdate()

    response = client.post(reverse("answer_rule_edit"), {
        "valid_from": today.isoformat(), "working_days": 8, "remind_days_before": 3, "note": "Ny aftale",
    })
    refused = client.post(reverse("answer_rule_edit"), {
        "valid_from": (today - dt.timedelta(days=1)).isoformat(), "working_days": 8, "remind_days_before": 3,
    })

    assert response.status_code == 302
    assert list(AnswerRule.objects.values_list("valid_from", "working_days", "remind_days_before", "note")) == [
        (today, 8, 3, "Ny aftale")
    ]
    assert refused.status_code == 200
    assert "tilbagevirkende kraft" in refused.content.decode()
    page = client.get(reverse("answer_rule_edit")).content.decode()
    assert "svar inden 8 arbejdsdage" in page
