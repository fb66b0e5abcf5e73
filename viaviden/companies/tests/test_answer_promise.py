"""The answer promise: deadlines in Danish working days, overdue detection, reminders (once per request),
the coordinators' digest, the answer-times report and the deadline rule. Dates are fixed and every
expected deadline is counted by hand."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from viaviden.companies import referral_services
from viaviden.companies.answer_promise import (
    answer_due_for,
    answer_reminders_send,
    answer_rule_on,
    answer_rule_set,
    answer_times_report,
    due_soon,
    open_requests,
    overdue_requests,
)
from viaviden.companies.models import AnswerRule, Need, NeedEvent, Referral
from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.organisations.models import User

from .test_referrals_support import at, make_need, make_referral, service, staff

pytestmark = pytest.mark.django_db

D = dt.date
THU_18_MARCH_2027 = D(2027, 3, 18)


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
def easter_referral(sender, receiver, monkeypatch):
    """A referral sent Thursday 18 March 2027, the week before Easter."""
    return make_referral(need=make_need(), user=sender, created=at(THU_18_MARCH_2027), monkeypatch=monkeypatch)


def _keys(requests):
    return [(r.kind, r.pk) for r in requests]


# --- Deadlines -------------------------------------------------------------------------------------


def test_default_deadline_is_ten_working_days_around_easter(easter_referral):
    # 19, 22, 23, 24 March; Skærtorsdag, Langfredag, the weekend and 2. påskedag do not count;
    # 30, 31 March, 1, 2, 5, 6 April: Tuesday 6 April 2027 (Thursday 1 April without the holidays).
    assert answer_due_for(THU_18_MARCH_2027) == D(2027, 4, 6)
    assert easter_referral.due == D(2027, 4, 6)
    assert timezone.localdate(easter_referral.created_at) == THU_18_MARCH_2027


def test_deadlines_follow_the_store_bededag_abolition():
    # 2023: 28 Apr, 1–4 May, (Store Bededag 5 May), 8–12 May.
    assert answer_due_for(D(2023, 4, 27)) == D(2023, 5, 12)
    # 2024: 19 Apr, 22–26 Apr (26 Apr is a working day now), 29, 30 Apr, 1, 2 May.
    assert answer_due_for(D(2024, 4, 18)) == D(2024, 5, 2)


def test_deadline_rule_is_data_with_a_validity_date():
    AnswerRule.objects.create(valid_from=D(2027, 1, 1), working_days=5, remind_days_before=1)

    # The old rule on New Year's Eve: (1 Jan holiday, weekend) 4–8 Jan, 11–15 Jan.
    assert answer_due_for(D(2026, 12, 31)) == D(2027, 1, 15)
    # 19, 22, 23, 24, (Easter), 30 March.
    assert answer_due_for(THU_18_MARCH_2027) == D(2027, 3, 30)
    assert answer_rule_on(D(2026, 12, 31)).working_days == 10


# --- Overdue -------------------------------------------------------------------------------------


def test_overdue_detection_honours_easter(easter_referral):
    assert overdue_requests(D(2027, 4, 2)) == []  # a weekday-only count would say overdue since 1 April
    assert overdue_requests(D(2027, 4, 6)) == []  # the deadline day itself is in time
    overdue = overdue_requests(D(2027, 4, 7))

    assert _keys(overdue) == [("referral", easter_referral.pk)]
    assert (overdue[0].due, overdue[0].age, overdue[0].overdue_days) == (D(2027, 4, 6), 11, 1)
    assert overdue[0].organisation.slug == "central-matchningsenhed"


def test_overdue_detection_honours_weekends_christmas_and_new_year():
    # Received Thursday 17 December 2026: 18, 21–24, 28–31 December, 4 January = Monday 4 January 2027.
    need = make_need(requested_at=at(D(2026, 12, 17)), answer_due=answer_due_for(D(2026, 12, 17)))
    assert need.answer_due == D(2027, 1, 4)

    assert overdue_requests(D(2027, 1, 1)) == []
    assert overdue_requests(D(2027, 1, 3)) == []  # Sunday
    assert overdue_requests(D(2027, 1, 4)) == []
    overdue = overdue_requests(D(2027, 1, 5))
    assert _keys(overdue) == [("need", need.pk)]
    assert (overdue[0].age, overdue[0].overdue_days) == (11, 1)
    # On Sunday 10 January it is 4 working days overdue (5–8 January): the weekend does not count.
    assert overdue_requests(D(2027, 1, 10))[0].overdue_days == 4


def test_a_need_without_a_stored_deadline_is_judged_by_its_request_date():
    need = make_need(requested_at=at(D(2026, 12, 17)), answer_due=None)

    assert overdue_requests(D(2027, 1, 4)) == []
    assert _keys(overdue_requests(D(2027, 1, 5))) == [("need", need.pk)]


def test_answered_closed_withdrawn_and_non_requests_are_not_open(sender, receiver, monkeypatch):
    received = at(D(2027, 1, 4))
    make_need(title="Intet ønske om studerende")  # not a company request: no requested_at
    make_need(status=Need.Status.CLOSED, requested_at=received, answer_due=D(2027, 1, 18), answer="no_match",
              answer_note="Ingen kandidater", answered_at=at(D(2027, 1, 8)))
    make_need(status=Need.Status.UNCONFIRMED, requested_at=None)
    withdrawn = make_referral(need=make_need(), user=sender, created=received, monkeypatch=monkeypatch)
    referral_services.referral_withdraw(user=sender, referral=withdrawn, version=1)
    closed_need = make_need(status=Need.Status.IN_PROGRESS)
    orphan = make_referral(need=closed_need, user=sender, created=received, monkeypatch=monkeypatch)
    Need.objects.filter(pk=closed_need.pk).update(status="closed", answer="alternative", answer_note="Praktik",
                                                  answered_at=timezone.now())
    waiting = make_need(requested_at=received, answer_due=D(2027, 1, 18))

    assert _keys(open_requests(D(2027, 2, 1))) == [("need", waiting.pk)]
    assert _keys(overdue_requests(D(2027, 2, 1))) == [("need", waiting.pk)]
    assert orphan.status == "sent"


def test_a_referral_waiting_on_a_question_is_still_open(easter_referral, receiver):
    referral_services.referral_ask(user=receiver, referral=easter_referral, version=1, question="Hvem?")

    assert _keys(overdue_requests(D(2027, 4, 7))) == [("referral", easter_referral.pk)]


def test_accepted_and_declined_referrals_are_answered(easter_referral, sender, receiver, monkeypatch):
    other = make_referral(need=make_need(), user=sender, created=at(THU_18_MARCH_2027), monkeypatch=monkeypatch)
    referral_services.referral_accept(user=receiver, referral=easter_referral, version=1)
    referral_services.referral_decline(user=receiver, referral=other, version=1, alternative_text="UCN")

    assert overdue_requests(D(2027, 4, 7)) == []


def test_overdue_list_of_an_organisation(easter_referral):
    hjoerring_need = make_need(requested_at=at(D(2027, 1, 4)), answer_due=D(2027, 1, 18))

    assert _keys(overdue_requests(D(2027, 4, 7), org_ids=[easter_referral.service.organisation_id])) == [
        ("referral", easter_referral.pk)
    ]
    assert _keys(overdue_requests(D(2027, 4, 7), org_ids=[hjoerring_need.owner_organisation_id])) == [
        ("need", hjoerring_need.pk)
    ]


def test_overdue_requests_take_a_fixed_number_of_queries(sender, monkeypatch, django_assert_max_num_queries):
    for i in range(5):
        make_need(requested_at=at(D(2027, 1, 4)), answer_due=D(2027, 1, 18), title=f"Behov {i}")
        make_referral(need=make_need(), user=sender, created=at(D(2027, 1, 4)), monkeypatch=monkeypatch)

    with django_assert_max_num_queries(2):
        overdue = overdue_requests(D(2027, 2, 1))
        [(r.responsible, r.need.company.name, r.organisation.slug) for r in overdue]

    assert len(overdue) == 10


# --- Due soon and reminders --------------------------------------------------------------------------


def test_due_soon_is_counted_in_working_days(easter_referral):
    # The default rule reminds 2 working days before: on Friday 2 April (5 and 6 April left), not on 1 April.
    assert due_soon(D(2027, 4, 1)) == []
    assert _keys(due_soon(D(2027, 4, 2))) == [("referral", easter_referral.pk)]
    assert _keys(due_soon(D(2027, 4, 5))) == [("referral", easter_referral.pk)]
    assert _keys(due_soon(D(2027, 4, 6))) == [("referral", easter_referral.pk)]
    assert due_soon(D(2027, 4, 7)) == []


def test_a_reminder_is_sent_once_per_request(easter_referral, django_capture_on_commit_callbacks):
    service("central-matchningsenhed", contact_email="cme@aalborg.dk")
    owner = staff("jobcenter-thisted", "thisted")
    need = make_need(owner="jobcenter-thisted", requested_at=at(D(2027, 3, 22)),
                     answer_due=D(2027, 4, 5))
    Need.objects.filter(pk=need.pk).update(owner=owner)

    with django_capture_on_commit_callbacks(execute=True):
        first = answer_reminders_send(D(2027, 4, 2))
    with django_capture_on_commit_callbacks(execute=True):
        second = answer_reminders_send(D(2027, 4, 5))

    assert [(r.kind, r.pk, to) for r, to in first.reminders] == [
        ("need", need.pk, ["thisted@example.dk"]),
        ("referral", easter_referral.pk, ["cme@aalborg.dk", "cme@example.dk"]),
    ]
    assert second.reminders == []
    assert [m.to for m in mail.outbox] == [["thisted@example.dk"], ["cme@aalborg.dk", "cme@example.dk"]]
    assert "senest 05-04-2027" in mail.outbox[0].subject
    assert "senest 06-04-2027" in mail.outbox[1].subject
    easter_referral.refresh_from_db()
    need.refresh_from_db()
    assert easter_referral.reminder_sent_at is not None and need.reminder_sent_at is not None
    assert NeedEvent.objects.filter(kind="reminder", public=False).count() == 2


def test_a_need_without_a_responsible_person_reminds_its_organisation(django_capture_on_commit_callbacks):
    staff("jobcenter-thisted", "thisted1")
    staff("jobcenter-thisted", "thisted2")
    staff("jobcenter-thisted", "thisted-gone", is_active=False)
    make_need(owner="jobcenter-thisted", requested_at=at(D(2027, 3, 22)), answer_due=D(2027, 4, 5))

    with django_capture_on_commit_callbacks(execute=True):
        answer_reminders_send(D(2027, 4, 2))

    assert [m.to for m in mail.outbox] == [["thisted1@example.dk", "thisted2@example.dk"]]


def test_coordinators_get_a_digest_of_overdue_requests(easter_referral, coordinator,
                                                        django_capture_on_commit_callbacks):
    staff("koordinationsgruppen", "koord-gone", role=User.Role.COORDINATOR, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        result = answer_reminders_send(D(2027, 4, 7))

    assert result.reminders == []
    assert _keys(result.overdue) == [("referral", easter_referral.pk)]
    assert [m.to for m in mail.outbox] == [["koord@example.dk"]]
    digest = mail.outbox[0]
    assert digest.subject == "[Vækst Via Viden] 1 henvendelse har overskredet svarfristen"
    assert easter_referral.need.company.name in digest.body
    assert "Frist: 06-04-2027 (1 arbejdsdag over)" in digest.body
    assert f"/henvisninger/{easter_referral.pk}/" in digest.body


def test_a_dry_run_sends_and_changes_nothing(easter_referral, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        soon = answer_reminders_send(D(2027, 4, 2), dry_run=True)
        late = answer_reminders_send(D(2027, 4, 7), dry_run=True)

    assert [(r.pk, to) for r, to in soon.reminders] == [(easter_referral.pk, ["cme@example.dk"])]
    assert late.digest_recipients == ["koord@example.dk"]
    assert mail.outbox == []
    assert Referral.objects.get(pk=easter_referral.pk).reminder_sent_at is None
    assert not NeedEvent.objects.filter(kind="reminder").exists()


def test_the_command_prints_what_it_sent(easter_referral, coordinator, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_answer_reminders", "--date", "2027-04-02")
        call_command("send_answer_reminders", "--date", "2027-04-07", "--dry-run")
    out = capsys.readouterr().out

    company = easter_referral.need.company.name
    assert f"Påmindelse: henvisning {easter_referral.pk}, {company}, frist 06-04-2027 → cme@example.dk" in out
    assert "02-04-2027: 1 påmindelser, 0 overskredne henvendelser." in out
    assert "(prøvekørsel) Oversigt over 1 overskredne henvendelser → koord@example.dk" in out
    assert len(mail.outbox) == 1  # the reminder, not the dry run's digest


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_answer_reminders", "--date", "18-03-2027")


# --- Answer times ---------------------------------------------------------------------------------


def test_answer_times_per_organisation(sender, receiver, monkeypatch):
    received = at(THU_18_MARCH_2027)
    due = D(2027, 4, 6)
    # Jobcenter Hjørring: answered after 5 working days (30 March), after 12 (8 April), and one still open.
    make_need(status=Need.Status.CLOSED, requested_at=received, answer_due=due, answer="no_match",
              answer_note="Ingen kandidater", answered_at=at(D(2027, 3, 30)))
    make_need(status=Need.Status.CLOSED, requested_at=received, answer_due=due, answer="alternative",
              answer_note="Praktik", answered_at=at(D(2027, 4, 8)))
    make_need(requested_at=received, answer_due=due)
    make_need(requested_at=at(D(2027, 1, 4)), answer_due=D(2027, 1, 18))  # received before the period
    # Central Matchningsenhed: a referral accepted after 2 working days (Monday 22 March), one withdrawn.
    accepted = make_referral(need=make_need(), user=sender, created=received, monkeypatch=monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: at(D(2027, 3, 22), 9))
        referral_services.referral_accept(user=receiver, referral=accepted, version=1)
    withdrawn = make_referral(need=make_need(), user=sender, created=received, monkeypatch=monkeypatch)
    referral_services.referral_withdraw(user=sender, referral=withdrawn, version=1)

    rows = answer_times_report(D(2027, 3, 1), D(2027, 3, 31), today=D(2027, 4, 20))

    summary = [
        (r.label, r.received, r.answered, r.median_days, r.mean_days, r.within_deadline_share, r.open, r.overdue)
        for r in rows
    ]
    assert summary == [
        ("Central Matchningsenhed (Jobcenter Aalborg)", 1, 1, 2, 2.0, 100.0, 0, 0),
        ("Jobcenter Hjørring", 3, 2, 8.5, 8.5, 50.0, 1, 1),
        ("I alt", 4, 3, 5, 6.3, 66.7, 1, 1),
    ]


def test_answer_times_of_some_organisations_only(sender, monkeypatch):
    make_referral(need=make_need(), user=sender, created=at(THU_18_MARCH_2027), monkeypatch=monkeypatch)
    make_need(requested_at=at(THU_18_MARCH_2027), answer_due=D(2027, 4, 6))

    rows = answer_times_report(D(2027, 3, 1), D(2027, 3, 31), org_ids=[sender.organisation_id],
                               today=D(2027, 4, 1))

    assert [(r.label, r.received, r.open, r.overdue, r.median_days) for r in rows] == [
        ("Jobcenter Hjørring", 1, 1, 0, None),
        ("I alt", 1, 1, 0, None),
    ]


# --- The rule ------------------------------------------------------------------------------------


def test_coordinators_set_the_rule_from_today_on(coordinator):
    rule = answer_rule_set(user=coordinator, valid_from=D(2027, 3, 1), working_days=8, remind_days_before=3,
                           note=" Besluttet i styregruppen ", today=D(2027, 3, 1))
    again = answer_rule_set(user=coordinator, valid_from=D(2027, 3, 1), working_days=7, remind_days_before=2,
                            today=D(2027, 3, 1))

    assert rule.pk == again.pk
    assert AnswerRule.objects.count() == 1
    assert (again.working_days, again.remind_days_before, again.note) == (7, 2, "")
    assert answer_rule_on(D(2027, 3, 18)).working_days == 7


@pytest.mark.parametrize(
    ("valid_from", "working_days", "remind", "field"),
    [
        (D(2027, 2, 28), 10, 2, "valid_from"),
        (D(2027, 3, 1), 0, 0, "working_days"),
        (D(2027, 3, 1), 61, 2, "working_days"),
        (D(2027, 3, 1), 5, 5, "remind_days_before"),
    ],
)
def test_an_invalid_rule_is_refused(valid_from, working_days, remind, field, coordinator):
    with pytest.raises(ValidationFailed) as exc:
        answer_rule_set(user=coordinator, valid_from=valid_from, working_days=working_days,
                        remind_days_before=remind, today=D(2027, 3, 1))

    assert list(exc.value.details) == [field]
    assert AnswerRule.objects.count() == 0


def test_only_coordinators_set_the_rule():
    lead = staff("jobcenter-hjoerring", role=User.Role.PARTNER_LEAD)

    with pytest.raises(Forbidden):
        answer_rule_set(user=lead, valid_from=D(2030, 1, 1), working_days=5, remind_days_before=1)

    assert AnswerRule.objects.count() == 0
