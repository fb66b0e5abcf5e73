"""Event services: create/edit/publish/cancel, sign-up with capacity and waiting list, promotion, consent,
check-in and the automatic activity registrations of a held event."""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.events import services
from viaviden.events.models import Event, EventType, Registration, Survey
from viaviden.events.services import EventData
from viaviden.events.tests.event_factories import make_event, make_registration
from viaviden.matches.models import ActivityRegistration, ActivityTarget
from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality

pytestmark = pytest.mark.django_db


def _data(**overrides) -> EventData:
    start = (timezone.now() + dt.timedelta(days=10)).replace(microsecond=0)
    values = {
        "title": "Meet & Greet i Hjørring",
        "type": EventType.MEET_AND_GREET,
        "organiser": Organisation.objects.get(slug="ucn"),
        "municipality": Municipality.objects.get(pk="860"),
        "place": "UCN Hjørring",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "audiences": ["students", "companies"],
        "capacity": 2,
    }
    values.update(overrides)
    return EventData(**values)


def _sign_up(event, email, *, kind="person", consent=True, **kw):
    return services.registration_create(event=event, kind=kind, name=kw.pop("name", "Syntetisk Person"),
                                        email=email, consent=consent, **kw)


# --- Create / edit / transitions ------------------------------------------------------------------


def test_staff_creates_a_draft_for_their_own_organisation(user_factory):
    # given a UCN employee
    user = user_factory(organisation="ucn")
    # when they create an event with AAU as co-organiser
    event = services.event_create(user=user, data=_data(co_organisers=[Organisation.objects.get(slug="aau")]))
    # then it is a draft with both organisers, the lead first
    assert event.status == Event.Status.DRAFT
    assert [o.slug for o in event.organisers] == ["ucn", "aau"]
    assert event.audiences == ["companies", "students"]
    assert event.created_by == user


def test_staff_cannot_create_an_event_for_another_organisation(user_factory):
    user = user_factory(organisation="jobcenter-aalborg")
    with pytest.raises(ValidationFailed) as exc:
        services.event_create(user=user, data=_data())
    assert "organiser" in exc.value.details
    assert Event.objects.count() == 0


def test_steering_group_cannot_create_events(user_factory):
    user = user_factory(role="steering_group")
    with pytest.raises(Forbidden):
        services.event_create(user=user, data=_data())
    assert Event.objects.count() == 0


def test_event_must_end_after_it_starts_and_have_an_audience(user_factory):
    user = user_factory(organisation="ucn")
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationFailed) as exc:
        services.event_create(user=user, data=_data(starts_at=start, ends_at=start - dt.timedelta(hours=1),
                                                    audiences=[]))
    assert set(exc.value.details) == {"ends_at", "audiences"}
    assert Event.objects.count() == 0


def test_participants_target_must_count_people(user_factory, programme):
    user = user_factory(role="coordinator")
    events_target = ActivityTarget.objects.get(programme=programme, code="ucn-bourses-held")
    with pytest.raises(ValidationFailed) as exc:
        services.event_create(user=user, data=_data(participants_target=events_target))
    assert list(exc.value.details) == ["participants_target"]


def test_stale_version_is_a_conflict_and_changes_nothing(user_factory):
    user = user_factory(organisation="ucn")
    event = make_event(organiser="ucn", title="Før")
    with pytest.raises(Conflict):
        services.event_update(user=user, event=event, version=event.version + 1, data=_data(title="Efter"))
    event.refresh_from_db()
    assert event.title == "Før"
    assert event.version == 1


def test_co_organiser_staff_may_edit(user_factory):
    user = user_factory(organisation="aau")
    event = make_event(organiser="ucn", co_organisers=("aau",))
    updated = services.event_update(user=user, event=event, version=1, data=_data(title="Ny titel"))
    assert updated.title == "Ny titel"
    assert updated.version == 2
    assert updated.organiser.slug == "ucn"


def test_other_organisation_cannot_edit(user_factory):
    user = user_factory(organisation="jobcenter-aalborg")
    event = make_event(organiser="ucn")
    with pytest.raises(Forbidden):
        services.event_update(user=user, event=event, version=1, data=_data(title="Ny titel"))


def test_publish_only_a_draft(user_factory):
    user = user_factory(organisation="ucn")
    event = make_event(organiser="ucn", status=Event.Status.DRAFT)
    services.event_publish(user=user, event=event, version=1)
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    with pytest.raises(ValidationFailed):
        services.event_publish(user=user, event=event, version=2)


def test_cancelling_e_mails_everyone_signed_up_or_waiting(user_factory, django_capture_on_commit_callbacks):
    user = user_factory(organisation="ucn")
    event = make_event(organiser="ucn")
    make_registration(event, email="a@example.dk")
    make_registration(event, email="b@example.dk", status=Registration.Status.WAITLISTED)
    make_registration(event, email="c@example.dk", status=Registration.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(user=user, event=event, version=1, message="Taleren er syg.")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.dk", "b@example.dk"]
    assert "Taleren er syg." in mail.outbox[0].body


# --- Sign-up, capacity, waiting list ----------------------------------------------------------------


def test_capacity_then_waiting_list_with_positions(django_capture_on_commit_callbacks):
    event = make_event(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = _sign_up(event, "en@example.dk")
        second = _sign_up(event, "to@example.dk")
        third = _sign_up(event, "tre@example.dk")
        fourth = _sign_up(event, "fire@example.dk")
    assert [r.status for r in (first, second, third, fourth)] == ["registered", "registered", "waitlisted", "waitlisted"]
    from viaviden.events.selectors import waitlist_position
    assert waitlist_position(third) == 1
    assert waitlist_position(fourth) == 2
    assert waitlist_position(first) is None
    assert len(mail.outbox) == 4
    assert mail.outbox[2].subject == f"Du er på venteliste: {event.title}"
    assert "nummer 1" in mail.outbox[2].body
    assert f"/arrangementer/tilmelding/{third.token}/" in mail.outbox[2].body


def test_full_event_without_waiting_list_refuses(django_capture_on_commit_callbacks):
    event = make_event(capacity=1, waitlist_enabled=False)
    make_registration(event)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        _sign_up(event, "sen@example.dk")
    assert exc.value.code == "event_full"
    assert event.registrations.count() == 1
    assert mail.outbox == []


def test_cancellation_promotes_the_first_on_the_waiting_list(django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    seated = _sign_up(event, "plads@example.dk")
    first_waiting = _sign_up(event, "venter1@example.dk")
    second_waiting = _sign_up(event, "venter2@example.dk")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seated)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Registration.Status.REGISTERED
    assert second_waiting.status == Registration.Status.WAITLISTED
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("plads@example.dk", f"Din afmelding er modtaget: {event.title}"),
        ("venter1@example.dk", f"Du har fået en plads: {event.title}"),
    ]


def test_more_capacity_promotes_from_the_waiting_list(user_factory):
    user = user_factory(organisation="ucn")
    event = make_event(organiser="ucn", capacity=1)
    make_registration(event)
    waiting = make_registration(event, status=Registration.Status.WAITLISTED)
    data = _data(capacity=2, starts_at=event.starts_at, ends_at=event.ends_at)
    services.event_update(user=user, event=event, version=1, data=data)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.REGISTERED


def test_same_e_mail_twice_is_refused():
    event = make_event()
    _sign_up(event, "dobbelt@example.dk")
    with pytest.raises(ValidationFailed) as exc:
        _sign_up(event, "Dobbelt@Example.dk")
    assert exc.value.code == "already_registered"
    assert event.registrations.count() == 1


def test_simultaneous_double_sign_up_is_refused_by_the_unique_constraint(monkeypatch):
    # given another request that saves the same e-mail address between our check and our insert
    event = make_event()
    real_has_room = services._has_room

    def racing_has_room(locked_event):
        make_registration(locked_event, email="samtidig@example.dk")
        return real_has_room(locked_event)

    monkeypatch.setattr(services, "_has_room", racing_has_room)
    # when we sign up with that address
    with pytest.raises(ValidationFailed) as exc:
        _sign_up(event, "samtidig@example.dk")
    # then the database refuses the second row and the person is told
    assert exc.value.code == "already_registered"
    assert event.registrations.filter(email="samtidig@example.dk").count() == 0  # the whole attempt rolled back


def test_database_refuses_a_second_row_for_the_same_e_mail():
    event = make_event()
    make_registration(event, email="db@example.dk")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_registration(event, email="db@example.dk")


def test_signing_up_again_after_cancelling_goes_to_the_back_of_the_queue():
    event = make_event(capacity=1)
    seated = _sign_up(event, "igen@example.dk")
    services.registration_cancel(registration=seated)
    _sign_up(event, "anden@example.dk")
    again = _sign_up(event, "igen@example.dk")
    assert again.pk == seated.pk
    assert again.status == Registration.Status.WAITLISTED


def test_person_without_consent_saves_nothing(django_capture_on_commit_callbacks):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        _sign_up(event, "nej@example.dk", consent=False)
    assert "consent" in exc.value.details
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_database_refuses_a_person_without_consent():
    event = make_event()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, kind="person", name="X", email="x@example.dk")


def test_consent_is_recorded_with_text_version():
    reg = _sign_up(make_event(), "ja@example.dk")
    assert reg.consent_at is not None
    assert reg.consent_text_version == "2026-1"


def test_company_sign_up_needs_a_valid_cvr_and_links_a_known_company():
    from viaviden.matches.tests.factories import CompanyFactory

    event = make_event()
    company = CompanyFactory()
    with pytest.raises(ValidationFailed) as exc:
        _sign_up(event, "firma@example.dk", kind="company", organisation_name="Firma", cvr="12345678", consent=False)
    assert "cvr" in exc.value.details
    reg = _sign_up(event, "firma@example.dk", kind="company", organisation_name=company.name, cvr=company.cvr,
                   consent=False)
    assert reg.company == company
    assert reg.audience == "companies"
    assert reg.consent_at is None


def test_sign_up_closed_after_deadline_and_for_drafts():
    past_deadline = make_event(signup_deadline=timezone.now() - dt.timedelta(hours=1))
    draft = make_event(status=Event.Status.DRAFT)
    for event in (past_deadline, draft):
        with pytest.raises(ValidationFailed) as exc:
            _sign_up(event, "for-sent@example.dk")
        assert exc.value.code == "signup_closed"
    assert Registration.objects.count() == 0


def test_public_sign_up_refused_for_internal_events_but_staff_may_add():
    event = make_event(public=False)
    with pytest.raises(ValidationFailed):
        _sign_up(event, "intern@example.dk")
    reg = _sign_up(event, "intern@example.dk", public=False)
    assert reg.status == Registration.Status.REGISTERED


# --- Check-in and held ------------------------------------------------------------------------------


def test_check_in_by_organiser_staff_only(user_factory):
    event = make_event(organiser="ucn")
    reg = make_registration(event)
    with pytest.raises(Forbidden):
        services.registration_set_attended(user=user_factory(organisation="jobcenter-aalborg"), registration=reg,
                                           attended=True)
    reg.refresh_from_db()
    assert reg.attended_at is None
    services.registration_set_attended(user=user_factory(organisation="ucn"), registration=reg, attended=True)
    reg.refresh_from_db()
    assert reg.attended_at is not None


def test_waitlisted_cannot_be_checked_in(user_factory):
    event = make_event(organiser="ucn")
    reg = make_registration(event, status=Registration.Status.WAITLISTED)
    with pytest.raises(ValidationFailed):
        services.registration_set_attended(user=user_factory(organisation="ucn"), registration=reg, attended=True)


def test_mark_held_records_activity_registrations_and_creates_surveys(user_factory, programme):
    # given a Talent Attraction event of Akademikernes A-kasse counting its participants towards the one target
    # measured by manual registrations (members invited to the workshops)
    user = user_factory(organisation="akademikernes-a-kasse")
    people_target = ActivityTarget.objects.get(programme=programme, code="aka-workshop-invited")
    event = make_event(organiser="akademikernes-a-kasse", type=EventType.TALENT_ATTRACTION,
                       starts_at=timezone.now() - dt.timedelta(hours=3), activity_target=people_target,
                       participants_target=people_target)
    make_registration(event, attended=True)
    make_registration(event, attended=True, kind="company", organisation_name="Firma", cvr="")
    make_registration(event)  # did not come
    # when it is marked held
    services.event_mark_held(user=user, event=event, version=1)
    # then the two participants are registered towards the target, traceably
    event.refresh_from_db()
    assert event.status == Event.Status.HELD
    assert (event.held_registration.activity_target, event.held_registration.amount) == (people_target, 2)
    assert (event.participants_registration.activity_target, event.participants_registration.amount) == (
        people_target, 2)
    assert f"#{event.pk}" in event.held_registration.note
    assert event.held_registration.registered_by == user
    # and a survey waits for each attendee, none sent yet
    assert sorted(event.surveys.values_list("respondent_kind", flat=True)) == ["company", "participant"]
    assert not event.surveys.filter(sent_at__isnull=False).exists()


def test_late_check_in_updates_the_participants_registration(user_factory, programme):
    user = user_factory(organisation="akademikernes-a-kasse")
    people_target = ActivityTarget.objects.get(programme=programme, code="aka-workshop-invited")
    event = make_event(organiser="akademikernes-a-kasse", starts_at=timezone.now() - dt.timedelta(hours=3),
                       participants_target=people_target)
    make_registration(event, attended=True)
    late = make_registration(event)
    services.event_mark_held(user=user, event=event, version=1)
    services.registration_set_attended(user=user, registration=late, attended=True)
    event.refresh_from_db()
    assert event.participants_registration.amount == 2
    assert ActivityRegistration.objects.filter(activity_target=people_target).count() == 1


@pytest.mark.parametrize("code, field", [
    ("aka-talent-attraction-events", "activity_target"),  # measured from held events
    ("aka-talent-attraction-members", "participants_target"),  # measured from attendance
    ("ucn-meet-greet-matches", "activity_target"),  # measured from matches
])
def test_an_event_cannot_count_towards_a_target_measured_by_something_else(user_factory, programme, code, field):
    """Never both: a target measured from events, matches, … counts the event by itself; registering the event
    on it too is refused with a Danish message, in the service, the form and the API, and nothing is saved."""
    from viaviden.api.tests.conftest import client_for
    from viaviden.events.forms import EventForm

    user = user_factory(organisation="akademikernes-a-kasse")
    target = ActivityTarget.objects.get(programme=programme, code=code)
    data = _data(organiser=Organisation.objects.get(slug="akademikernes-a-kasse"), **{field: target})
    with pytest.raises(ValidationFailed) as err:
        services.event_create(user=user, data=data)
    assert "måles automatisk" in err.value.details[field][0] and target.title_da in err.value.details[field][0]
    assert not Event.objects.filter(title=data.title).exists()
    # The form offers only targets measured by manual registrations.
    form = EventForm(user=user)
    assert list(form.fields["activity_target"].queryset.values_list("code", flat=True)) == ["aka-workshop-invited"]
    assert not form.fields["participants_target"].queryset.filter(code=code).exists()
    # The API refuses it with the same message.
    response = client_for(user).post("/api/events", {
        "title": "Syntetisk arrangement", "type": "talent_attraction", "organiser": "akademikernes-a-kasse",
        "municipality": "851", "place": "Aalborg", "starts_at": "2030-03-01T10:00:00+01:00",
        "ends_at": "2030-03-01T12:00:00+01:00", "audiences": ["graduates"], field: code,
    })
    assert response.status_code == 422, response.content
    assert "måles automatisk" in response.json()["details"][field][0]


def test_cannot_mark_held_before_it_starts(user_factory):
    user = user_factory(organisation="ucn")
    event = make_event(organiser="ucn")
    with pytest.raises(ValidationFailed) as exc:
        services.event_mark_held(user=user, event=event, version=1)
    assert exc.value.code == "not_started"
    assert Survey.objects.count() == 0


def test_staff_may_add_people_at_the_door_until_the_event_ends():
    event = make_event(starts_at=timezone.now() - dt.timedelta(minutes=30), hours=2)
    with pytest.raises(ValidationFailed):
        _sign_up(event, "doer@example.dk")
    reg = _sign_up(event, "doer@example.dk", public=False)
    assert reg.status == Registration.Status.REGISTERED
    ended = make_event(starts_at=timezone.now() - dt.timedelta(hours=5), hours=2)
    with pytest.raises(ValidationFailed):
        _sign_up(ended, "sen@example.dk", public=False)
