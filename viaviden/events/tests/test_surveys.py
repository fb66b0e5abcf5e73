"""Follow-up surveys: created when an event is held, sent and reminded by the command, answered once by
token, summed per event and for the dashboard."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.core.errors import ValidationFailed
from viaviden.events import services
from viaviden.events.models import Event, Survey
from viaviden.events.selectors import event_figures, event_results
from viaviden.events.surveys import survey_answer, survey_create_for_collaboration, surveys_send_due
from viaviden.events.tests.event_factories import make_event, make_registration
from viaviden.matches.tests.factories import make_match

pytestmark = pytest.mark.django_db


def _held_event(user, *, attendees=2, **kw):
    event = make_event(organiser="ucn", starts_at=timezone.now() - dt.timedelta(hours=4), **kw)
    for i in range(attendees):
        make_registration(event, email=f"mødt{i}@example.dk", attended=True)
    make_registration(event, email="udeblev@example.dk")
    services.event_mark_held(user=user, event=event, version=1)
    event.refresh_from_db()
    return event


def test_command_sends_surveys_to_attendees_then_one_reminder(user_factory, django_capture_on_commit_callbacks):
    event = _held_event(user_factory(organisation="ucn"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_surveys", stdout=out)
    assert sorted(m.to[0] for m in mail.outbox) == ["mødt0@example.dk", "mødt1@example.dk"]
    survey = event.surveys.get(email="mødt0@example.dk")
    assert reverse("survey_answer", args=[survey.token]) in mail.outbox[0].body or \
        reverse("survey_answer", args=[survey.token]) in mail.outbox[1].body
    assert "Sendt: 2 spørgeskemaer og 0 påmindelser" in out.getvalue()
    # running again the same day sends nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_surveys", stdout=StringIO())
    assert mail.outbox == []
    # a week later the one who has not answered gets one reminder
    survey_answer(token=survey.token, gained_knowledge=True, collaboration_happened=None)
    later = timezone.now() + dt.timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        result = surveys_send_due(now=later)
    assert (result.sent, result.reminded) == (0, 1)
    assert [m.to[0] for m in mail.outbox] == ["mødt1@example.dk"]
    assert mail.outbox[0].subject.startswith("Påmindelse:")
    with django_capture_on_commit_callbacks(execute=True):
        again = surveys_send_due(now=later + dt.timedelta(days=8))
    assert again.reminded == 0


def test_dry_run_sends_nothing(user_factory, django_capture_on_commit_callbacks):
    event = _held_event(user_factory(organisation="ucn"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_surveys", "--dry-run", stdout=out)
    assert "Ville sende: 2 spørgeskemaer" in out.getvalue()
    assert mail.outbox == []
    assert not event.surveys.filter(sent_at__isnull=False).exists()


def test_old_events_are_not_surveyed(user_factory, django_capture_on_commit_callbacks):
    _held_event(user_factory(organisation="ucn"))
    with django_capture_on_commit_callbacks(execute=True):
        result = surveys_send_due(now=timezone.now() + dt.timedelta(days=90))
    assert (result.sent, result.skipped_old) == (0, 2)
    assert mail.outbox == []


def test_survey_token_flow(user_factory):
    event = _held_event(user_factory(organisation="ucn"), attendees=1)
    survey = event.surveys.get()
    client = Client()
    url = reverse("survey_answer", args=[survey.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Fik du eller I ny viden eller inspiration?" in page.content.decode()
    # missing the required answer: nothing saved
    response = client.post(url, {"collaboration_happened": "yes"})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.answered_at is None
    # a full answer is saved
    response = client.post(url, {"gained_knowledge": "yes", "collaboration_happened": "unknown", "comment": "Godt"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.gained_knowledge, survey.collaboration_happened, survey.comment) == (True, None, "Godt")
    assert "Tak for dine svar" in client.get(url).content.decode()
    # a second answer changes nothing
    client.post(url, {"gained_knowledge": "no"})
    survey.refresh_from_db()
    assert survey.gained_knowledge is True
    assert client.get(reverse("survey_answer", args=["forkert"])).status_code == 404


def test_answering_twice_is_refused(user_factory):
    event = _held_event(user_factory(organisation="ucn"), attendees=1)
    survey = event.surveys.get()
    survey_answer(token=survey.token, gained_knowledge=False, collaboration_happened=False)
    with pytest.raises(ValidationFailed):
        survey_answer(token=survey.token, gained_knowledge=True, collaboration_happened=True)
    survey.refresh_from_db()
    assert survey.gained_knowledge is False


def test_collaboration_survey_once_per_match_and_kind():
    match = make_match(match_type="student_project", organisation="aau", level="LVU")
    first = survey_create_for_collaboration(match=match, respondent_kind="company", email="firma@example.dk")
    again = survey_create_for_collaboration(match=match, respondent_kind="company", email="firma@example.dk")
    assert first.pk == again.pk
    assert Survey.objects.count() == 1


def test_results_per_event_and_dashboard_figures(user_factory, programme):
    # given a held event (inside the programme period) with three surveys answered
    user = user_factory(role="coordinator")
    start = timezone.make_aware(dt.datetime(2021, 10, 5, 9, 0))
    event = make_event(organiser="ucn", starts_at=start, type="meet_and_greet")
    for i in range(3):
        make_registration(event, attended=True, kind="company" if i < 2 else "person", organisation_name="Firma")
    services.event_mark_held(user=user, event=event, version=1)
    surveys = list(event.surveys.order_by("pk"))
    survey_answer(token=surveys[0].token, gained_knowledge=True, collaboration_happened=True)
    survey_answer(token=surveys[1].token, gained_knowledge=False, collaboration_happened=None)
    survey_answer(token=surveys[2].token, gained_knowledge=True, collaboration_happened=False)
    # then the event's results and the programme's figures add up
    results = event_results(event)
    assert results["attended"] == 3
    assert results["surveys"]["company"]["knowledge_pct"] == 50
    assert results["surveys"]["all"]["knowledge_pct"] == 67
    assert results["surveys"]["target_met"] is False
    figures = event_figures(programme)
    assert figures["events_held"] == 1
    assert figures["participants"] == 3
    assert [(r["type"], r["events"], r["participants"]) for r in figures["by_type"]] == [("meet_and_greet", 1, 3)]
    assert [(r["partner"].slug, r["events"]) for r in figures["by_partner"]] == [("ucn", 1)]
    assert figures["surveys"]["company"]["knowledge_answered"] == 2
    # The company knowledge share is the activity target's figure (knowledge_share_measure), one decimal.
    assert (figures["knowledge"]["pct"], figures["knowledge"]["answered"]) == (50.0, 2)
    # As of the day before the event nothing was held or answered; answers count from the day they came.
    before = event_figures(programme, as_of=dt.date(2021, 10, 4))
    assert (before["events_held"], before["participants"], before["knowledge"]["answered"]) == (0, 0, 0)
    assert before["surveys"]["all"]["answered"] == 0


def test_figures_leave_out_events_not_held(programme):
    make_event(starts_at=timezone.make_aware(dt.datetime(2021, 10, 5, 9, 0)), status=Event.Status.PUBLISHED)
    assert event_figures(programme)["events_held"] == 0


def test_held_event_page_shows_results(user_factory, staff_client):
    user = user_factory(organisation="ucn")
    event = _held_event(user, attendees=2)
    survey = event.surveys.first()
    survey_answer(token=survey.token, gained_knowledge=True, collaboration_happened=True, comment="Fin dag")
    page = staff_client(user).get(reverse("event_detail", args=[event.pk])).content.decode()
    assert "Resultater" in page
    assert "Fin dag" in page
    assert "2 af 3 tilmeldte" in page


def test_dashboard_partial_renders(programme):
    from django.template.loader import render_to_string

    html = render_to_string("events/partials/event_figures.html", {"figures": event_figures(programme)})
    assert "Afholdte arrangementer" in html
    assert "mål 90 %" in html
