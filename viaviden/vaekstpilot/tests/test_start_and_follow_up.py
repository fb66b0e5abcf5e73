"""A started pilot is a match of type 'ordinary job with Vækstpilot'; follow-ups at the end and months later
feed the 88 % target on the dashboard; reminders go out once."""

import datetime as dt

import pytest
from django.core import mail

from viaviden.core.errors import ValidationFailed
from viaviden.matches.models import Match
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application, FollowUp
from viaviden.vaekstpilot.reminders import send_reminders
from viaviden.vaekstpilot.selectors import vaekstpilot_figures

from .factories import lead_user, make_application, partner_user

pytestmark = pytest.mark.django_db


def test_starting_registers_the_match_for_the_responsible_partner_with_the_lead_partner_contributing(programme):
    staff = partner_user()
    app = make_application(user=staff, person_name="Syntetisk Vækstpilot", person_consent=True)

    services.application_start(user=staff, application=app, version=app.version)

    app.refresh_from_db()
    match = app.match
    assert app.status == Application.Status.STARTED
    assert (match.match_type_id, match.activity, match.activity_note, match.start_date) == (
        "ordinary_job_vaekstpilot", "vaekstpilot", app.reference, dt.date(2021, 3, 1))
    assert (match.registering_org.slug, match.partner.slug, match.target_part) == (
        "erhvervskontor-thisted", "kommune-thisted", "municipal")
    assert (match.company, match.municipality_id, match.education_level_id, match.education) == (
        app.company, "787", "MVU", "Markedsføringsøkonom")
    assert match.person_name == "Syntetisk Vækstpilot" and match.person_consent_at is not None
    assert sorted(match.contributions.values_list("organisation__slug", "role")) == [
        ("erhvervshus-nordjylland", "contributed"), ("erhvervskontor-thisted", "registered")]
    assert [(f.kind, f.due_date) for f in app.follow_ups.order_by("due_date")] == [
        ("end", dt.date(2021, 6, 30)), ("later", dt.date(2021, 9, 30))]


def test_a_pseudonymous_pilot_gives_a_pseudonymous_match():
    app = make_application()

    services.application_start(user=partner_user(), application=app, version=None)

    match = Application.objects.get(pk=app.pk).match
    assert (match.person_name, match.person_consent_at) == ("", None)


def test_the_first_wage_report_starts_the_pilot_and_registers_the_match_once():
    app = make_application()
    first, second = app.months.order_by("month")[:2]

    services.month_report(application=app, month_id=first.pk, wage_ore=3_000_000, employment_confirmed=True,
                          by_company=True)
    services.month_report(application=app, month_id=second.pk, wage_ore=3_000_000, employment_confirmed=True,
                          by_company=True)

    app.refresh_from_db()
    assert app.status == Application.Status.STARTED
    assert Match.objects.filter(vaekstpilot_application=app).count() == 1
    assert Match.objects.count() == 1


def test_a_pilot_cannot_be_marked_started_before_its_start_date():
    app = make_application()

    with pytest.raises(ValidationFailed) as exc:
        services.application_start(user=partner_user(), application=app, version=None, today=dt.date(2021, 2, 28))

    assert exc.value.message == "Forløbet kan først markeres som startet på startdatoen 01-03-2021."
    assert (Application.objects.get(pk=app.pk).status, Match.objects.count()) == (Application.Status.GRANTED, 0)


def test_follow_ups_are_answered_from_their_date_and_move_the_dashboard_share(programme):
    staff = partner_user()
    apps = [make_application(user=staff) for _ in range(3)]
    for app in apps:
        services.application_start(user=staff, application=app, version=None)
    outcomes = [FollowUp.Outcome.SAME_COMPANY, FollowUp.Outcome.OTHER_COMPANY, FollowUp.Outcome.NOT_EMPLOYED]
    before = vaekstpilot_figures(programme)

    end = FollowUp.objects.get(application=apps[0], kind="end")
    with pytest.raises(ValidationFailed):
        services.follow_up_record(follow_up=end, outcome="same_company", user=staff, today=dt.date(2021, 6, 29))
    for app, outcome in zip(apps, outcomes, strict=True):
        services.follow_up_record(follow_up=FollowUp.objects.get(application=app, kind="end"), outcome=outcome,
                                  user=staff)
    after = vaekstpilot_figures(programme)

    assert (before["end"]["pct"], before["end"]["answered"]) == (None, 0)
    assert (after["end"]["answered"], after["end"]["ordinary"], after["end"]["pct"]) == (3, 2, 66.7)
    assert after["target_pct"] == 88
    assert (after["granted"], after["started"], after["waiting"]) == (3, 3, 0)


def test_follow_up_refuses_an_unknown_outcome():
    app = make_application()
    services.application_start(user=partner_user(), application=app, version=None)
    fu = FollowUp.objects.get(application=app, kind="end")

    with pytest.raises(ValidationFailed):
        services.follow_up_record(follow_up=fu, outcome="maybe", by_company=True)

    fu.refresh_from_db()
    assert (fu.outcome, fu.answered_at) == ("", None)


def test_dashboard_figures_count_spend_against_the_funded_budget(programme):
    app = make_application()
    lead = lead_user()
    first = app.months.order_by("month").first()
    services.month_approve(user=lead, month=services.month_report(
        application=app, month_id=first.pk, wage_ore=3_000_000, employment_confirmed=True, by_company=True))

    figures = vaekstpilot_figures(programme)

    assert (figures["funded_pilots"], figures["target_min"], figures["target_max"]) == (150, 150, 225)
    assert (figures["approved_ore"], figures["funded_amount_ore"]) == (1_250_000, 3 * 50 * 5_000_000)
    assert figures["spent_pct"] == 0.2


def test_dashboard_figures_as_of_a_date_from_the_dates_each_step_keeps(programme):
    """The waiting list, grants and the subsidy approved and paid as of a past date: from queued/granted/closed
    dates, the month's approval and the payment list's date, not from today's status."""
    from django.utils import timezone

    from viaviden.vaekstpilot.models import PaymentList

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    app = make_application()
    lead = lead_user()
    first = app.months.order_by("month").first()
    services.month_approve(user=lead, month=services.month_report(
        application=app, month_id=first.pk, wage_ore=3_000_000, employment_confirmed=True, by_company=True))
    plist = services.payment_list_create(user=lead)
    waiting, withdrawn = make_application(), make_application()
    # The history: app waited from 1 February and was granted on 1 March; its first month was approved on
    # 5 April and paid with the list of 20 April. `waiting` queued on 20 February and still waits; `withdrawn`
    # queued on 1 February and was withdrawn on 10 February.
    Application.objects.filter(pk=app.pk).update(queued_at=at(dt.date(2021, 2, 1)), granted_at=at(dt.date(2021, 3, 1)))
    Application.objects.filter(pk=waiting.pk).update(status=Application.Status.WAITING, granted_at=None,
                                                     queued_at=at(dt.date(2021, 2, 20)))
    Application.objects.filter(pk=withdrawn.pk).update(status=Application.Status.WITHDRAWN, granted_at=None,
                                                       queued_at=at(dt.date(2021, 2, 1)),
                                                       closed_at=at(dt.date(2021, 2, 10)), decision_note="x")
    first.refresh_from_db()
    type(first).objects.filter(pk=first.pk).update(approved_at=at(dt.date(2021, 4, 5)))
    PaymentList.objects.filter(pk=plist.pk).update(created_at=at(dt.date(2021, 4, 20)))

    def figures(day):
        f = vaekstpilot_figures(programme, as_of=day)
        return f["waiting"], f["granted"], f["approved_ore"], f["paid_ore"]

    assert figures(dt.date(2021, 1, 31)) == (0, 0, 0, 0)
    assert figures(dt.date(2021, 2, 5)) == (2, 0, 0, 0)  # app and withdrawn wait
    assert figures(dt.date(2021, 2, 25)) == (2, 0, 0, 0)  # withdrawn has left, waiting has come
    assert figures(dt.date(2021, 3, 1)) == (1, 1, 0, 0)  # app granted
    assert figures(dt.date(2021, 4, 10)) == (1, 1, 1_250_000, 0)  # approved, not yet paid
    assert figures(dt.date(2021, 4, 20)) == (1, 1, 1_250_000, 1_250_000)
    today = vaekstpilot_figures(programme)
    assert (today["waiting"], today["paid_ore"]) == (
        Application.objects.filter(status=Application.Status.WAITING).count(), 1_250_000)


def test_reminders_go_out_once_for_unreported_months_and_due_follow_ups(django_capture_on_commit_callbacks):
    staff = partner_user(email="thisted@example.dk")
    app = make_application(user=staff)
    services.application_start(user=staff, application=app, version=None)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_reminders(dt.date(2021, 4, 2))
    assert ([m.month for m in first.months], first.follow_ups) == ([dt.date(2021, 3, 1)], [])
    assert [m.subject for m in mail.outbox] == [f"Indberet løn for vækstpiloten ({app.reference})"]
    assert "senest 10-04-2021" in mail.outbox[0].body and app.public_token in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        again = send_reminders(dt.date(2021, 4, 3))
        later = send_reminders(dt.date(2021, 7, 1))
    assert again.months == []
    assert [m.month for m in later.months] == [dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 6, 1)]
    assert [f.kind for f in later.follow_ups] == ["end"]
    assert {m.to[0] for m in mail.outbox[4:]} == {"direktoer@virksomhed.example", "thisted@example.dk"}


def test_a_dry_run_sends_nothing(django_capture_on_commit_callbacks):
    make_application()

    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders(dt.date(2021, 4, 2), dry_run=True)

    assert (len(result.months), mail.outbox) == (1, [])
