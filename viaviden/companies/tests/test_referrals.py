"""Referral services: send, accept, ask, answer, decline (only with an alternative), withdraw — who may do
what, what is saved, what the company sees, and who is e-mailed."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from viaviden.companies import referral_services as services
from viaviden.companies.models import Need, NeedEvent, Referral
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.organisations.models import Organisation, User

from .test_referrals_support import make_need, make_referral, service, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender():
    return staff("jobcenter-hjoerring", "hj", first_name="Hanne", last_name="Hansen")


@pytest.fixture
def receiver():
    return staff("central-matchningsenhed", "cme", first_name="Carl", last_name="Carlsen")


@pytest.fixture
def need():
    return make_need(owner="jobcenter-hjoerring")


@pytest.fixture
def referral(need, sender, receiver):
    service("central-matchningsenhed", contact_email="cme@aalborg.dk")
    return make_referral(need=need, user=sender)


def _events(need):
    return list(NeedEvent.objects.filter(need=need).order_by("id").values_list("kind", "public", "text"))


# --- Sending ---------------------------------------------------------------------------------------


def test_referral_is_sent_with_a_deadline_and_the_need_is_in_progress(need, sender, receiver,
                                                                       django_capture_on_commit_callbacks):
    staff("central-matchningsenhed", "cme-gone", is_active=False)
    staff("jobcenter-aalborg", "aal")  # same partner, but not the service's own organisation
    svc = service("central-matchningsenhed", contact_email="cme@aalborg.dk")

    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_create(user=sender, need=need, service=svc, message="  Ring gerne  ")

    referral.refresh_from_db()
    need.refresh_from_db()
    assert (referral.status, referral.from_organisation.slug, referral.from_user, referral.message) == (
        "sent", "jobcenter-hjoerring", sender, "Ring gerne"
    )
    assert referral.due > referral.created_at.date()
    assert (need.status, need.version) == ("in_progress", 2)
    assert _events(need) == [("referred", True, "Henvist til Central Matchningsenhed")]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["cme@aalborg.dk", "cme@example.dk"]
    assert mail.outbox[0].subject == f"[Vækst Via Viden] Ny henvisning: {need.company.name}"
    assert "Ring gerne" in mail.outbox[0].body
    assert f"/henvisninger/{referral.pk}/" in mail.outbox[0].body


def test_an_in_progress_need_stays_in_progress(sender, receiver):
    need = make_need(status=Need.Status.IN_PROGRESS)

    make_referral(need=need, user=sender)

    need.refresh_from_db()
    assert (need.status, need.version) == ("in_progress", 1)


@pytest.mark.parametrize(
    ("setup", "field", "message"),
    [
        ("closed_need", "need", "Behovet er afsluttet og kan ikke henvises."),
        ("inactive_service", "service", "Ydelsen er ikke længere aktiv. Vælg en anden."),
        ("own_service", "service", "Du kan ikke henvise til din egen organisation."),
    ],
)
def test_referral_is_refused_and_nothing_is_saved(setup, field, message, django_capture_on_commit_callbacks):
    need = make_need(owner="erhvervskontor-thisted")
    user = staff("erhvervskontor-thisted")
    svc = service("central-matchningsenhed")
    if setup == "closed_need":
        Need.objects.filter(pk=need.pk).update(status="closed", answer="no_match", answer_note="Ingen kandidater",
                                               answered_at=need.created_at)
    elif setup == "inactive_service":
        svc.active = False
        svc.save()
    else:
        svc = service("erhvervskontor-thisted")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        services.referral_create(user=user, need=need, service=svc, message="")

    assert exc.value.details == {field: [message]}
    assert Referral.objects.count() == 0
    assert NeedEvent.objects.filter(need=need).count() == 0
    assert mail.outbox == []


def test_a_second_open_referral_to_the_same_service_is_refused(referral, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        services.referral_create(user=sender, need=referral.need, service=referral.service, message="")

    assert exc.value.code == "duplicate_referral"
    assert Referral.objects.count() == 1
    assert mail.outbox == []


def test_after_a_decline_the_need_can_be_referred_to_the_same_service_again(referral, sender, receiver):
    services.referral_decline(user=receiver, referral=referral, version=referral.version,
                              alternative_text="Prøv AAU")

    again = services.referral_create(user=sender, need=referral.need, service=referral.service, message="Nu med mere")

    assert again.status == "sent"
    assert Referral.objects.filter(need=referral.need).count() == 2


def test_only_the_owner_organisation_and_coordinators_refer_a_need(need):
    aau = staff("aau")
    steering = staff("kkr-nordjylland", role=User.Role.STEERING_GROUP)
    coordinator = staff("koordinationsgruppen", role=User.Role.COORDINATOR)
    business_office = staff("erhvervskontor-hjoerring")  # same municipality: one organisation
    svc = service("aau-kontaktpunkt")

    for user in (aau, steering):
        with pytest.raises(Forbidden):
            services.referral_create(user=user, need=need, service=svc, message="")
    by_coordinator = services.referral_create(user=coordinator, need=need, service=svc, message="")
    by_business_office = services.referral_create(user=business_office, need=need, service=service("ucn-kontaktpunkt"),
                                                  message="")

    assert by_coordinator.from_organisation.slug == "koordinationsgruppen"
    assert by_business_office.from_organisation.slug == "erhvervskontor-hjoerring"


# --- Answering -------------------------------------------------------------------------------------


def test_accepting_makes_the_service_responsible_for_the_need(referral, sender, receiver,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.referral_accept(user=receiver, referral=referral, version=1)

    accepted.refresh_from_db()
    need = Need.objects.get(pk=referral.need_id)
    assert (accepted.status, accepted.responded_by, accepted.version) == ("accepted", receiver, 2)
    assert accepted.responded_at is not None
    assert (need.owner_organisation.slug, need.owner, need.status, need.version) == (
        "central-matchningsenhed", receiver, "in_progress", 3
    )
    assert _events(need)[1:] == [
        ("referral_accepted", True, "Central Matchningsenhed har accepteret henvisningen"),
        ("assigned", False,
         "Ansvaret er overgået fra Jobcenter Hjørring til Central Matchningsenhed (Jobcenter Aalborg) "
         "(henvisning accepteret)"),
    ]
    assert [m.to for m in mail.outbox] == [["hj@example.dk"]]
    assert mail.outbox[0].subject.endswith(f"Henvisning accepteret: {need.company.name}")


def test_question_and_answer_go_back_and_forth(referral, sender, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asked = services.referral_ask(user=receiver, referral=referral, version=1, question="Hvilken uddannelse?")
    assert (asked.status, asked.question, asked.responded_by) == ("question", "Hvilken uddannelse?", receiver)
    assert [m.to for m in mail.outbox] == [["hj@example.dk"]]
    assert "Hvilken uddannelse?" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        answered = services.referral_answer_question(user=sender, referral=asked, version=2, answer="Cand.polyt.")

    answered.refresh_from_db()
    assert (answered.status, answered.question_answer, answered.version) == ("sent", "Cand.polyt.", 3)
    assert mail.outbox[1].to == ["cme@aalborg.dk", "cme@example.dk"]
    assert "Cand.polyt." in mail.outbox[1].body
    assert [(k, p) for k, p, _t in _events(referral.need)] == [
        ("referred", True), ("referral_question", False), ("referral_answered", False)
    ]


def test_declining_without_an_alternative_is_refused_and_nothing_is_saved(referral, receiver,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationFailed) as exc:
        services.referral_decline(user=receiver, referral=referral, version=1, reason="Vi har travlt",
                                  alternative_service=None, alternative_text="   ")

    assert exc.value.code == "alternative_required"
    assert str(exc.value.message) == "Du skal foreslå et alternativ, når du afviser en henvisning."
    assert exc.value.details == {"alternative_text": ["Du skal foreslå et alternativ, når du afviser en henvisning."]}
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.decline_reason, referral.responded_at) == ("sent", 1, "", None)
    assert [k for k, _p, _t in _events(referral.need)] == ["referred"]
    assert callbacks == []
    assert mail.outbox == []


def test_the_database_refuses_a_decline_without_an_alternative(referral):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status="declined")


@pytest.mark.parametrize("with_service", [True, False])
def test_declining_with_an_alternative(with_service, referral, receiver, django_capture_on_commit_callbacks):
    alternative = service("rekrutteringsservice") if with_service else None
    text = "" if with_service else "Kontakt UCN's praktikkontor"

    with django_capture_on_commit_callbacks(execute=True):
        declined = services.referral_decline(user=receiver, referral=referral, version=1, reason="Ikke vores felt",
                                             alternative_service=alternative, alternative_text=text)

    declined.refresh_from_db()
    assert (declined.status, declined.alternative_service, declined.alternative_text, declined.decline_reason) == (
        "declined", alternative, text, "Ikke vores felt"
    )
    expected = (
        "Central Matchningsenhed kan ikke hjælpe og foreslår i stedet Rekrutteringsservice" if with_service
        else "Central Matchningsenhed kan ikke hjælpe og har foreslået et alternativ"
    )
    assert _events(referral.need)[-1] == ("referral_declined", True, expected)
    need = Need.objects.get(pk=referral.need_id)
    assert need.owner_organisation.slug == "jobcenter-hjoerring"  # still the referrer's
    assert [m.to for m in mail.outbox] == [["hj@example.dk"]]
    assert (text or "Rekrutteringsservice") in mail.outbox[0].body


def test_the_same_service_is_no_alternative(referral, receiver):
    with pytest.raises(ValidationFailed) as exc:
        services.referral_decline(user=receiver, referral=referral, version=1, alternative_service=referral.service)

    assert exc.value.code == "alternative_invalid"
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_withdrawing_tells_the_service(referral, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.referral_withdraw(user=sender, referral=referral, version=1)

    assert withdrawn.status == "withdrawn"
    assert _events(referral.need)[-1] == ("status", True, "Henvisningen til Central Matchningsenhed er trukket tilbage")
    assert mail.outbox[0].to == ["cme@aalborg.dk", "cme@example.dk"]


def test_when_the_sender_has_left_the_referring_organisation_is_mailed(referral, sender, receiver,
                                                                       django_capture_on_commit_callbacks):
    colleague = staff("jobcenter-hjoerring", "hj2")
    User.objects.filter(pk=sender.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(user=receiver, referral=referral, version=1)

    assert mail.outbox[0].to == [colleague.email]


# --- Who may act, and when -------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "ask", "decline"])
def test_only_the_receiving_side_answers(action, referral, sender):
    others = [
        sender,
        staff("aau"),
        staff("koordinationsgruppen", role=User.Role.COORDINATOR),
        staff("kkr-nordjylland", role=User.Role.STEERING_GROUP),
    ]
    calls = {
        "accept": lambda u: services.referral_accept(user=u, referral=referral, version=1),
        "ask": lambda u: services.referral_ask(user=u, referral=referral, version=1, question="?"),
        "decline": lambda u: services.referral_decline(user=u, referral=referral, version=1, alternative_text="x"),
    }
    for user in others:
        with pytest.raises(Forbidden):
            calls[action](user)
    assert Referral.objects.get(pk=referral.pk).version == 1


def test_jobcenter_aalborg_answers_for_its_central_matching_unit(referral):
    aalborg = staff("jobcenter-aalborg")

    accepted = services.referral_accept(user=aalborg, referral=referral, version=1)

    assert accepted.status == "accepted"


@pytest.mark.parametrize("action", ["answer", "withdraw"])
def test_only_the_referring_side_answers_questions_and_withdraws(action, referral, receiver):
    services.referral_ask(user=receiver, referral=referral, version=1, question="?")
    calls = {
        "answer": lambda u: services.referral_answer_question(user=u, referral=referral, version=2, answer="!"),
        "withdraw": lambda u: services.referral_withdraw(user=u, referral=referral, version=2),
    }
    for user in (receiver, staff("aau"), staff("koordinationsgruppen", role=User.Role.COORDINATOR)):
        with pytest.raises(Forbidden):
            calls[action](user)
    assert Referral.objects.get(pk=referral.pk).status == "question"


def test_a_stale_version_is_a_conflict_and_changes_nothing(referral, receiver):
    services.referral_ask(user=receiver, referral=referral, version=1, question="Hvornår?")

    with pytest.raises(Conflict):
        services.referral_decline(user=receiver, referral=referral, version=1, alternative_text="AAU")

    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("question", 2)


def test_an_answered_referral_cannot_be_answered_again(referral, sender, receiver):
    services.referral_accept(user=receiver, referral=referral, version=1)

    with pytest.raises(ValidationFailed) as decline:
        services.referral_decline(user=receiver, referral=referral, version=2, alternative_text="AAU")
    with pytest.raises(ValidationFailed) as withdraw:
        services.referral_withdraw(user=sender, referral=referral, version=2)

    assert decline.value.code == withdraw.value.code == "referral_not_open"
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


def test_a_question_can_only_be_answered_while_one_is_asked(referral, sender):
    with pytest.raises(ValidationFailed) as exc:
        services.referral_answer_question(user=sender, referral=referral, version=1, answer="Svar")

    assert exc.value.code == "referral_not_open"


def test_public_history_never_names_a_person(referral, sender, receiver):
    services.referral_ask(user=receiver, referral=referral, version=1, question="Spørgsmål fra Carl")
    services.referral_answer_question(user=sender, referral=referral, version=2, answer="Svar fra Hanne")
    services.referral_accept(user=receiver, referral=referral, version=3)

    public = list(NeedEvent.objects.filter(need=referral.need, public=True).values_list("text", flat=True))

    assert public == ["Henvist til Central Matchningsenhed", "Central Matchningsenhed har accepteret henvisningen"]
    for text in public:
        for name in ("Hanne", "Hansen", "Carl", "Carlsen"):
            assert name not in text


def test_organisation_slugs_used_here_exist():
    slugs = {"jobcenter-hjoerring", "central-matchningsenhed", "aau", "koordinationsgruppen", "kkr-nordjylland"}
    assert set(Organisation.objects.filter(slug__in=slugs).values_list("slug", flat=True)) == slugs
