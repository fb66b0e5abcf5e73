"""The contact log and hand-overs: the rules of the services and selectors (privacy of person-related
notes, next steps, hand-overs that must be accepted, e-mails)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from viaviden.companies import contact_selectors as selectors
from viaviden.companies import contact_services as services
from viaviden.companies.models import ContactEntry, Handover, Need, NeedEvent
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Anna Jensen (cand.it.) vil gerne ansættes efter projektet"


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


@pytest.fixture
def thisted_bo():
    """Erhvervskontor Thisted: writes the person-related notes in these tests."""
    return UserFactory(organisation="erhvervskontor-thisted", first_name="Bo", last_name="Erhverv")


@pytest.fixture
def thisted_jc():
    """Jobcenter Thisted: the same municipality, so the same data controller as the business office."""
    return UserFactory(organisation="jobcenter-thisted")


@pytest.fixture
def aau_staff():
    return UserFactory(organisation="aau", first_name="Aase", last_name="Universitet")


@pytest.fixture
def coordinator():
    return UserFactory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def steering():
    return UserFactory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")


@pytest.fixture
def company():
    return CompanyFactory(name="Thy Maskinfabrik ApS")


def log(user, company, **kwargs) -> ContactEntry:
    data = {"topic": "Opfølgning på studieprojekt", "contact_date": timezone.localdate()}
    data.update(kwargs)
    return services.contact_create(user=user, company=company, **data)


def make_need(company, owner_org: str = "erhvervskontor-thisted") -> Need:
    return Need.objects.create(company=company, title="Datamatiker til ERP-projekt", tasks="ERP-integration",
                               owner_organisation=org(owner_org))


# --- Logging a contact -------------------------------------------------------------------------


def test_contact_is_logged_for_the_authors_organisation_with_the_author_as_default_owner(thisted_bo, company):
    entry = log(thisted_bo, company, note=SECRET, mentions_person=True, next_step="Ring igen",
                next_step_due=timezone.localdate() + dt.timedelta(days=3))

    entry.refresh_from_db()
    assert (entry.organisation.slug, entry.author, entry.next_step_owner) == (
        "erhvervskontor-thisted", thisted_bo, thisted_bo
    )
    assert (entry.channel, entry.note, entry.mentions_person) == ("phone", SECRET, True)


def test_next_step_without_date_is_refused_and_nothing_saved(thisted_bo, company):
    with pytest.raises(ValidationFailed) as exc:
        log(thisted_bo, company, next_step="Send tilbud")

    assert exc.value.details == {"next_step_due": ["Angiv en dato for næste skridt."]}
    assert ContactEntry.objects.count() == 0


def test_contact_date_in_the_future_is_refused(thisted_bo, company):
    with pytest.raises(ValidationFailed) as exc:
        log(thisted_bo, company, contact_date=timezone.localdate() + dt.timedelta(days=1))

    assert exc.value.details == {"contact_date": ["Datoen for kontakten kan ikke ligge efter i dag."]}
    assert ContactEntry.objects.count() == 0


def test_next_step_owner_must_work_in_the_authors_partner(thisted_bo, thisted_jc, aau_staff, company):
    due = timezone.localdate() + dt.timedelta(days=2)

    colleague = log(thisted_bo, company, next_step="Ring", next_step_due=due, next_step_owner=thisted_jc)
    with pytest.raises(ValidationFailed) as exc:
        log(thisted_bo, company, next_step="Ring", next_step_due=due, next_step_owner=aau_staff)

    assert colleague.next_step_owner == thisted_jc
    assert exc.value.details == {"next_step_owner": ["Den ansvarlige skal være en aktiv bruger i Thisted Kommune."]}
    assert ContactEntry.objects.count() == 1


def test_need_of_another_company_is_refused(thisted_bo, company):
    other_need = make_need(CompanyFactory())

    with pytest.raises(ValidationFailed) as exc:
        log(thisted_bo, company, need=other_need)

    assert exc.value.details == {"need": ["Behovet hører til en anden virksomhed."]}
    assert ContactEntry.objects.count() == 0


def test_steering_group_cannot_log_a_contact(steering, company):
    with pytest.raises(Forbidden):
        log(steering, company)

    assert ContactEntry.objects.count() == 0


def test_contact_on_a_merged_company_is_logged_on_the_surviving_record(thisted_bo, company):
    tombstone = CompanyFactory(merged_into=company)

    entry = log(thisted_bo, tombstone)

    assert entry.company == company


# --- Editing and completing ---------------------------------------------------------------------


def test_only_the_authors_partner_organisations_edit_a_contact(thisted_bo, thisted_jc, aau_staff, coordinator, company):
    entry = log(thisted_bo, company, note=SECRET, mentions_person=True)

    services.contact_update(user=thisted_jc, entry=entry, changes={"topic": "Virksomhedsbesøg aftalt"})
    for outsider in (aau_staff, coordinator):
        with pytest.raises(Forbidden):
            services.contact_update(user=outsider, entry=entry, changes={"topic": "Ændret udefra"})

    entry.refresh_from_db()
    assert entry.topic == "Virksomhedsbesøg aftalt"


def test_stale_edit_is_refused_with_conflict(thisted_bo, company):
    entry = log(thisted_bo, company)
    read_at = entry.updated_at
    services.contact_update(user=thisted_bo, entry=entry, changes={"topic": "Første ændring"}, read_updated_at=read_at)

    with pytest.raises(Conflict):
        services.contact_update(user=thisted_bo, entry=entry, changes={"topic": "Anden ændring"},
                                read_updated_at=read_at)

    entry.refresh_from_db()
    assert entry.topic == "Første ændring"


def test_next_step_is_completed_by_its_owner_or_the_authors_organisation_only(
    thisted_bo, thisted_jc, aau_staff, company
):
    due = timezone.localdate() + dt.timedelta(days=1)
    entry = log(thisted_bo, company, next_step="Send materiale", next_step_due=due)

    with pytest.raises(Forbidden):
        services.contact_next_step_done(user=aau_staff, entry=entry)
    entry.refresh_from_db()
    assert entry.next_step_done_at is None

    services.contact_next_step_done(user=thisted_jc, entry=entry)
    entry.refresh_from_db()
    assert entry.next_step_done_at is not None


def test_changing_a_completed_next_step_opens_it_again(thisted_bo, company):
    today = timezone.localdate()
    entry = log(thisted_bo, company, next_step="Send materiale", next_step_due=today)
    services.contact_next_step_done(user=thisted_bo, entry=entry)

    services.contact_update(user=thisted_bo, entry=entry,
                            changes={"next_step": "Opfølgende møde", "next_step_due": today + dt.timedelta(days=7)})

    entry.refresh_from_db()
    assert (entry.next_step, entry.next_step_done_at) == ("Opfølgende møde", None)


# --- Privacy of person-related notes ------------------------------------------------------------


def test_person_related_note_is_read_only_within_the_authors_partner(
    thisted_bo, thisted_jc, aau_staff, coordinator, company
):
    private = log(thisted_bo, company, note=SECRET, mentions_person=True)
    shared = log(thisted_bo, company, note="Virksomheden vil gerne have flere studerende", mentions_person=False)

    def notes(user):
        return {e.pk: (e.note, e.note_hidden) for e in selectors.contact_timeline(user, company)}

    assert notes(thisted_bo)[private.pk] == (SECRET, False)
    assert notes(thisted_jc)[private.pk] == (SECRET, False)
    assert notes(aau_staff)[private.pk] == ("", True)
    assert notes(coordinator)[private.pk] == ("", True)
    assert notes(aau_staff)[shared.pk] == ("Virksomheden vil gerne have flere studerende", False)


def test_hidden_note_stays_hidden_through_filtering_slicing_and_single_fetch(thisted_bo, aau_staff, company):
    private = log(thisted_bo, company, note=SECRET, mentions_person=True)

    qs = selectors.visible_contacts(aau_staff).filter(company=company).order_by("-id")

    assert [e.note for e in qs[:5]] == [""]
    assert qs.get(pk=private.pk).note == ""
    assert selectors.access_contact(aau_staff, private.pk).note == ""


def test_steering_group_sees_no_contacts(thisted_bo, steering, company):
    log(thisted_bo, company)

    assert selectors.contact_timeline(steering, company) == []
    assert selectors.visible_contacts(steering).count() == 0


# --- Next steps (opfølgning) ---------------------------------------------------------------------

TODAY = dt.date(2021, 3, 10)


def test_next_steps_are_split_into_overdue_today_and_upcoming_14_days(thisted_bo, thisted_jc, company):
    def step(due, owner=thisted_bo, done=False):
        entry = log(thisted_bo, company, contact_date=dt.date(2021, 3, 1), next_step=f"Skridt {due:%d-%m}",
                    next_step_due=due, next_step_owner=owner)
        if done:
            services.contact_next_step_done(user=thisted_bo, entry=entry)
        return entry

    overdue_old = step(dt.date(2021, 3, 2))
    overdue = step(dt.date(2021, 3, 9))
    due_today = step(TODAY)
    upcoming = step(dt.date(2021, 3, 11))
    last_day = step(dt.date(2021, 3, 24))
    step(dt.date(2021, 3, 25))  # beyond 14 days
    step(dt.date(2021, 3, 5), done=True)  # done: not listed
    colleagues = step(dt.date(2021, 3, 9), owner=thisted_jc)

    mine = selectors.next_steps(thisted_bo, "mine", today=TODAY)
    organisation = selectors.next_steps(thisted_bo, "organisation", today=TODAY)

    assert [e.pk for e in mine.overdue] == [overdue_old.pk, overdue.pk]
    assert [e.pk for e in mine.today] == [due_today.pk]
    assert [e.pk for e in mine.upcoming] == [upcoming.pk, last_day.pk]
    assert [e.pk for e in organisation.overdue] == [overdue_old.pk, overdue.pk, colleagues.pk]
    assert organisation.total == 6


def test_organisation_scope_does_not_show_other_partners_steps(thisted_bo, aau_staff, company):
    log(thisted_bo, company, next_step="Ring", next_step_due=timezone.localdate())

    steps = selectors.next_steps(aau_staff, "organisation")

    assert steps.total == 0


# --- Hand-overs ---------------------------------------------------------------------------------


@pytest.fixture
def aau_colleague():
    return UserFactory(organisation="aau", email="kollega@aau.example.dk")


def hand_over(sender, company, to="erhvervskontor-thisted", **kwargs) -> Handover:
    return services.handover_create(user=sender, company=company, to_organisation=org(to),
                                    message=kwargs.pop("message", "Virksomheden vil ansætte; tag over."), **kwargs)


def test_handover_is_pending_until_the_receiver_accepts_and_mails_the_receivers_users(
    aau_staff, thisted_bo, company, django_capture_on_commit_callbacks
):
    UserFactory(organisation="erhvervskontor-thisted", email="inaktiv@thisted.example.dk", is_active=False)
    UserFactory(organisation="jobcenter-thisted", email="jc@thisted.example.dk")  # not the receiving organisation

    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(aau_staff, company)

    assert handover.status == Handover.Status.PENDING
    assert (handover.from_organisation.slug, handover.to_organisation.slug) == ("aau", "erhvervskontor-thisted")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [thisted_bo.email]
    assert mail.outbox[0].subject == "[Vækst Via Viden] Overdragelse fra Aalborg Universitet: Thy Maskinfabrik ApS"
    assert "Virksomheden vil ansætte; tag over." in mail.outbox[0].body


def test_handover_to_own_partner_or_without_message_is_refused_and_nothing_sent(
    thisted_bo, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed) as own:
            hand_over(thisted_bo, company, to="jobcenter-thisted")
        with pytest.raises(ValidationFailed) as empty:
            hand_over(thisted_bo, company, to="aau", message="  ")

    assert own.value.details == {"to_organisation": ["Vælg en anden projektpartner som modtager."]}
    assert list(empty.value.details) == ["message"]
    assert Handover.objects.count() == 0
    assert mail.outbox == []


def test_only_the_receiving_organisation_can_accept(aau_staff, aau_colleague, thisted_bo, thisted_jc, coordinator,
                                                    company, django_capture_on_commit_callbacks):
    handover = hand_over(aau_staff, company)

    for outsider in (aau_colleague, coordinator):
        with pytest.raises(Forbidden):
            services.handover_accept(user=outsider, handover=handover)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        services.handover_accept(user=thisted_jc, handover=handover)  # same municipality as the receiver

    handover.refresh_from_db()
    assert (handover.status, handover.responded_by, handover.version) == ("accepted", thisted_jc, 2)
    assert [m.to for m in mail.outbox] == [[aau_staff.email]]
    assert mail.outbox[0].subject == (
        "[Vækst Via Viden] Erhvervskontor Thisted har accepteret overdragelsen af Thy Maskinfabrik ApS"
    )


def test_accepting_a_handed_over_need_moves_it_to_the_receiver_with_a_public_event(aau_staff, thisted_bo, company):
    need = make_need(company, owner_org="aau")
    handover = hand_over(aau_staff, company, need=need)
    need.refresh_from_db()
    assert need.owner_organisation.slug == "aau"  # pending: nothing moves yet

    services.handover_accept(user=thisted_bo, handover=handover)

    need.refresh_from_db()
    assert (need.owner_organisation.slug, need.owner, need.version) == ("erhvervskontor-thisted", thisted_bo, 2)
    event = NeedEvent.objects.get(need=need, kind=NeedEvent.Kind.HANDED_OVER)
    assert (event.public, event.text) == (True, "Behovet er overdraget til Erhvervskontor Thisted, som følger op.")


def test_a_need_is_handed_over_only_by_its_owner_organisation(thisted_bo, aau_staff, company):
    need = make_need(company, owner_org="erhvervskontor-thisted")

    with pytest.raises(ValidationFailed) as exc:
        hand_over(aau_staff, company, to="ucn", need=need)

    assert exc.value.details == {"need": ["Kun behovets ansvarlige organisation kan overdrage det."]}
    assert Handover.objects.count() == 0


def test_decline_without_reason_is_refused_nothing_saved_no_mail(
    aau_staff, thisted_bo, company, django_capture_on_commit_callbacks
):
    handover = hand_over(aau_staff, company)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed) as exc:
            services.handover_decline(user=thisted_bo, handover=handover, reason="   ")

    assert exc.value.code == "reason_required"
    handover.refresh_from_db()
    assert (handover.status, handover.response_note, handover.version) == ("pending", "", 1)
    assert mail.outbox == []


def test_decline_with_reason_tells_the_sender(aau_staff, thisted_bo, company, django_capture_on_commit_callbacks):
    handover = hand_over(aau_staff, company)

    with django_capture_on_commit_callbacks(execute=True):
        services.handover_decline(user=thisted_bo, handover=handover, reason="Jobcentret har allerede kontakten.")

    handover.refresh_from_db()
    assert (handover.status, handover.response_note) == ("declined", "Jobcentret har allerede kontakten.")
    assert [m.to for m in mail.outbox] == [[aau_staff.email]]
    assert "Jobcentret har allerede kontakten." in mail.outbox[0].body


def test_an_answered_handover_cannot_be_answered_again(aau_staff, thisted_bo, company):
    handover = hand_over(aau_staff, company)
    services.handover_accept(user=thisted_bo, handover=handover)

    with pytest.raises(Conflict):
        services.handover_decline(user=thisted_bo, handover=handover, reason="For sent")

    handover.refresh_from_db()
    assert handover.status == "accepted"


def test_second_pending_handover_to_the_same_partner_is_refused(aau_staff, company):
    hand_over(aau_staff, company)

    with pytest.raises(ValidationFailed) as exc:
        hand_over(aau_staff, company)

    assert exc.value.code == "handover_pending"
    assert Handover.objects.count() == 1


def test_handover_message_is_read_only_by_sender_and_receiver(aau_staff, thisted_jc, coordinator, company):
    UserFactory(organisation="ucn")
    hand_over(aau_staff, company, message=SECRET)
    ucn_staff = UserFactory(organisation="ucn")

    def seen(user):
        return [(h.message, h.message_hidden) for h in selectors.company_handovers(user, company)]

    assert seen(aau_staff) == [(SECRET, False)]
    assert seen(thisted_jc) == [(SECRET, False)]
    assert seen(ucn_staff) == [("", True)]
    assert seen(coordinator) == [("", True)]


def test_receiver_choices_are_other_active_project_partners(thisted_bo):
    slugs = set(selectors.handover_receiver_choices(thisted_bo).values_list("slug", flat=True))

    assert {"aau", "ucn", "jobcenter-aalborg", "central-matchningsenhed", "akademikernes-a-kasse"} <= slugs
    assert not slugs & {"kommune-thisted", "jobcenter-thisted", "erhvervskontor-thisted", "koordinationsgruppen",
                        "kkr-nordjylland", "dansk-industri"}


def test_audit_log_does_not_keep_person_related_text(thisted_bo, company):
    from auditlog.models import LogEntry

    log(thisted_bo, company, note=SECRET, mentions_person=True)
    hand_over(thisted_bo, company, to="aau", message=SECRET)

    logged = " ".join(str(e.changes_dict) for e in LogEntry.objects.all())
    assert "ansættes efter projektet" not in logged
