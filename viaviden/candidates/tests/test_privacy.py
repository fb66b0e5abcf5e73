"""Privacy rules (SPEC 3.9): matching only with consent, masking of name and contact details, audit of
access, the person's export (JSON, PDF) and erasure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from viaviden.candidates import selectors, services
from viaviden.candidates.models import Candidate, Consent, Shortlist
from viaviden.companies.tests.test_needs_support import make_need
from viaviden.core.errors import Forbidden, NotFound, ValidationFailed
from viaviden.matches.models import Match
from viaviden.matches.services import person_key_for
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import Organisation
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import EducationLevel

from .factories import candidate_client, make_candidate

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Karen Syntetisk", "karen.syntetisk@example.dk", "+45 31 41 59 26"


def karen(**kwargs) -> Candidate:
    return make_candidate(name=NAME, email=EMAIL, phone=PHONE, experience="Praktik hos Syntetisk Revision", **kwargs)


def personal_data_in(text: str) -> bool:
    return any(value in text for value in (NAME, "Karen", EMAIL, PHONE, "Syntetisk Revision"))


# --- Matching ----------------------------------------------------------------------------------------


def test_only_candidates_with_an_active_matching_consent_are_for_matching():
    with_consent = make_candidate(consents=["matching"])
    make_candidate(consents=["sharing", "company_contact"])
    make_candidate()
    withdrawn = make_candidate(consents=["matching"])
    services.consent_withdraw(candidate=withdrawn, purpose="matching")

    assert list(selectors.candidates_for_matching()) == [with_consent]


def test_candidates_for_matching_loads_what_the_engine_reads_in_two_queries(django_assert_num_queries):
    for _ in range(5):
        make_candidate(consents=["matching"], match_types=("student_job", "ordinary_job"))

    with django_assert_num_queries(2):
        rows = [
            (c.programme.slug, c.programme.level_id, c.level_id, c.home_municipality.code,
             sorted(mt.code for mt in c.match_types.all()))
            for c in selectors.candidates_for_matching()
        ]

    assert rows[0] == ("datamatiker-ucn", "KVU", "KVU", "851", ["ordinary_job", "student_job"])
    assert len(rows) == 5


def test_an_anonymised_candidate_is_never_for_matching():
    candidate = make_candidate(consents=["matching"])

    services.candidate_anonymise(candidate=candidate)

    assert list(selectors.candidates_for_matching()) == []


# --- Who sees name and contact details ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_org", "role", "candidate_org", "consents", "revealed"),
    [
        ("jobcenter-aalborg", "partner_staff", "jobcenter-hjoerring", ["matching"], False),
        ("jobcenter-aalborg", "partner_staff", "jobcenter-hjoerring", ["matching", "sharing"], True),
        ("jobcenter-aalborg", "partner_staff", None, ["matching"], False),
        ("jobcenter-hjoerring", "partner_staff", "jobcenter-hjoerring", ["matching"], True),
        # a municipality's jobcentre and business office are one data controller
        ("erhvervskontor-hjoerring", "partner_lead", "jobcenter-hjoerring", [], True),
        ("koordinationsgruppen", "coordinator", "jobcenter-hjoerring", ["matching"], False),
        ("koordinationsgruppen", "coordinator", "jobcenter-hjoerring", ["matching", "sharing"], True),
        ("aau", "partner_staff", "jobcenter-hjoerring", ["company_contact"], None),  # not findable at all
    ],
)
def test_masking_rules(user_org, role, candidate_org, consents, revealed):
    user = UserFactory(organisation=user_org, role=role)
    candidate = karen(organisation=candidate_org, consents=consents)

    if revealed is None:
        with pytest.raises(NotFound):
            selectors.access_candidate(user, candidate.pk)
        return
    view = selectors.access_candidate(user, candidate.pk)

    assert view.revealed is revealed
    if revealed:
        assert (view.name, view.email, view.phone, view.display_name) == (NAME, EMAIL, PHONE, NAME)
    else:
        assert (view.name, view.email, view.phone, view.experience) == (None, None, None, None)
        assert view.display_name == f"Kandidat K-{candidate.pk}"
        assert view.competences == "Python, databaser og netværk"  # the pseudonymous profile stays useful
        assert view.programme.slug == "datamatiker-ucn" and view.home_municipality.code == "851"


def test_the_steering_group_and_users_without_an_organisation_see_no_candidates():
    candidate = karen(consents=["matching", "sharing"])
    steering = UserFactory(role="steering_group")
    no_org = UserFactory(organisation=None)

    for user in (steering, no_org):
        with pytest.raises(Forbidden):
            selectors.access_candidate(user, candidate.pk)
        with pytest.raises(Forbidden):
            selectors.candidate_list_for_staff(user)


def test_revealing_personal_data_is_audit_logged_without_it():
    user = UserFactory(organisation="jobcenter-aalborg")
    shared = karen(consents=["matching", "sharing"])
    masked = make_candidate(consents=["matching"])

    selectors.access_candidate(user, shared.pk)
    selectors.access_candidate(user, masked.pk)

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(e.object_pk, e.actor, e.object_repr) for e in entries] == [
        (str(shared.pk), user, f"Kandidat K-{shared.pk}")
    ]
    assert not personal_data_in(json.dumps(entries[0].additional_data))


def test_a_name_search_does_not_find_who_is_behind_a_pseudonym():
    user = UserFactory(organisation="jobcenter-aalborg")
    hidden = karen(consents=["matching"])
    shared = make_candidate(name="Karen Delt", consents=["matching", "sharing"])

    found = list(selectors.candidate_list_for_staff(user, {"q": "Karen"}))
    by_competence = list(selectors.candidate_list_for_staff(user, {"q": "databaser"}))

    assert found == [shared]
    assert set(by_competence) == {hidden, shared}


# --- Export ------------------------------------------------------------------------------------------


def _person_with_history():
    candidate = karen(organisation="jobcenter-hjoerring", consents=["matching", "sharing"])
    services.consent_withdraw(candidate=candidate, purpose="sharing")
    need = make_need(organisation="jobcenter-hjoerring", title="Studiejob i IT-support")
    Shortlist.objects.create(need=need, candidate=candidate, organisation=need.owner_organisation,
                             reasons=["matcher opgaven 'it-drift'"], note="Ringet op, interesseret")
    match = make_match(organisation="jobcenter-hjoerring", person_identifier=EMAIL, person_name=NAME,
                       person_email=EMAIL, person_consent=True)
    selectors.access_candidate(UserFactory(organisation="jobcenter-hjoerring"), candidate.pk)
    return candidate, need, match


def test_export_json_holds_everything_and_is_audited():
    candidate, need, match = _person_with_history()
    client = candidate_client(candidate)

    response = client.get(reverse("candidate_export_json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mine-data-')
    assert response["Cache-Control"] == "no-store, private"
    data = json.loads(response.content)
    profile = data["profile"]
    assert (profile["name"], profile["email"], profile["phone"]) == (NAME, EMAIL, PHONE)
    assert profile["programme"]["slug"] == "datamatiker-ucn"
    assert profile["match_types"] == [{"code": "student_job", "name": "Studiejob"}]
    assert profile["organisation"] == "Jobcenter Hjørring"
    assert sorted((c["purpose"], c["active"]) for c in data["consents"]) == [("matching", True), ("sharing", False)]
    assert all(c["given_at"] for c in data["consents"])
    assert [c["withdrawn_at"] is not None for c in data["consents"] if c["purpose"] == "sharing"] == [True]
    assert [(s["need"], s["company"], s["note"]) for s in data["shortlists"]] == [
        ("Studiejob i IT-support", need.company.name, "Ringet op, interesseret")
    ]
    assert [(m["company"], m["name"]) for m in data["matches"]] == [(match.company.name, NAME)]
    actions = [(a["object"], a["action"]) for a in data["audit_log"]]
    assert ("candidate", "vist") in actions and ("consent", "ændret") in actions
    assert any(a["by_organisation"] == "Jobcenter Hjørring" for a in data["audit_log"])
    exports = LogEntry.objects.filter(object_pk=str(candidate.pk), additional_data__via="export")
    assert [(e.action, e.additional_data["format"]) for e in exports] == [(LogEntry.Action.ACCESS, "json")]


def test_export_pdf_is_a_pdf_and_is_audited():
    candidate, _need, _match = _person_with_history()

    response = candidate_client(candidate).get(reverse("candidate_export_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 2000
    assert LogEntry.objects.filter(object_pk=str(candidate.pk), additional_data__format="pdf").count() == 1


def test_my_data_page_shows_everything_held():
    candidate, need, _match = _person_with_history()

    page = candidate_client(candidate).get(reverse("candidate_my_data")).content.decode()

    for text in (NAME, EMAIL, PHONE, "Studiejob i IT-support", need.company.name, "Jobcenter Hjørring",
                 "Hent mine data (JSON)", "Hent mine data (PDF)", "Slet min profil"):
        assert text in page, text


# --- Erasure -----------------------------------------------------------------------------------------


def test_erasure_removes_the_person_keeps_pseudonymous_matches_is_audited_and_mails_nothing_personal(
        django_capture_on_commit_callbacks):
    candidate, need, match = _person_with_history()
    pk = candidate.pk
    other_match = make_match(organisation="aau", person_identifier="en.anden@example.dk",
                             person_name="En Anden", person_email="en.anden@example.dk", person_consent=True)
    client = candidate_client(candidate)
    assert client.get(reverse("candidate_erase")).status_code == 200  # the confirmation page
    assert client.post(reverse("candidate_erase"), {}).status_code == 200  # not confirmed: nothing happens
    assert Candidate.objects.filter(pk=pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidate_erase"), {"confirm": "on"})

    assert response.status_code == 302 and response["Location"] == reverse("candidate_erased")
    assert not Candidate.objects.filter(pk=pk).exists()
    assert not Consent.objects.filter(candidate_id=pk).exists()
    assert not Shortlist.objects.filter(candidate_id=pk).exists()
    match.refresh_from_db()
    assert (match.person_name, match.person_email, match.person_consent_at) == ("", "", None)
    assert match.person_key == person_key_for(EMAIL)  # the pseudonymous row stays for statistics
    assert (match.version, match.status) == (2, "registered")
    other_match.refresh_from_db()
    assert other_match.person_name == "En Anden"
    erasure = LogEntry.objects.get(object_pk=str(pk), action=LogEntry.Action.DELETE)
    assert erasure.object_repr == f"Kandidat K-{pk}"
    assert erasure.additional_data == {"erasure": True, "by": "candidate", "consents_deleted": 2,
                                       "shortlists_deleted": 1, "matches_cleared": 1}
    for entry in LogEntry.objects.all():
        text = f"{entry.object_repr} {json.dumps(entry.changes)} {entry.changes_text} {json.dumps(entry.additional_data)}"
        assert not personal_data_in(text), text
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not personal_data_in(mail.outbox[0].subject + mail.outbox[0].body)
    assert client.get(reverse("candidate_profile"))["Location"] == reverse("candidate_start")
    assert Match.objects.count() == 2


def test_erasure_by_staff_of_the_candidates_organisation(django_capture_on_commit_callbacks):
    candidate = karen(organisation="jobcenter-hjoerring", consents=["matching"])
    user = UserFactory(organisation="erhvervskontor-hjoerring")

    with django_capture_on_commit_callbacks(execute=True):
        result = services.candidate_erase(candidate=selectors.access_candidate_for_erasure(user, candidate.pk), by=user)

    assert result.consents_deleted == 1
    assert not Candidate.objects.exists()
    entry = LogEntry.objects.get(object_pk=str(candidate.pk), action=LogEntry.Action.DELETE)
    assert (entry.actor, entry.additional_data["by"]) == (user, "staff")
    assert len(mail.outbox) == 1 and not personal_data_in(mail.outbox[0].body)


def test_other_organisations_may_not_erase():
    candidate = karen(organisation="jobcenter-hjoerring", consents=["matching", "sharing"])

    with pytest.raises(NotFound):
        selectors.access_candidate_for_erasure(UserFactory(organisation="jobcenter-aalborg"), candidate.pk)
    assert Candidate.objects.filter(pk=candidate.pk).exists()


# --- Created by a partner ----------------------------------------------------------------------------


def test_a_partner_creates_a_profile_with_recorded_consent(django_capture_on_commit_callbacks):
    user = UserFactory(organisation="jobcenter-thisted")
    day = timezone.localdate() - dt.timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        candidate = services.candidate_create_by_partner(
            user=user, data={"name": NAME, "email": EMAIL.upper(), "education_text": "Cand.scient.pol.",
                             "level": EducationLevel.objects.get(pk="LVU"), "kind": "unemployed"},
            consents=["matching", "company_contact"], consent_method="mundtligt ved samtale", consent_date=day,
        )

    assert (candidate.email, candidate.organisation.slug, candidate.created_by) == (EMAIL, "jobcenter-thisted", user)
    consents = list(candidate.consents.order_by("purpose"))
    assert [(c.purpose, c.recorded_by, c.method) for c in consents] == [
        ("company_contact", user, "mundtligt ved samtale"), ("matching", user, "mundtligt ved samtale"),
    ]
    assert {timezone.localtime(c.given_at).date() for c in consents} == {day}
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert "Jobcenter Thisted har oprettet en profil til dig" in mail.outbox[0].body
    assert "/kandidat/" in mail.outbox[0].body
    assert list(selectors.candidates_for_matching()) == [candidate]


def test_creating_on_behalf_needs_consent_and_a_free_address(django_capture_on_commit_callbacks):
    user = UserFactory(organisation="jobcenter-thisted")
    karen()
    data = {"name": "Ny Person", "email": "ny.person@example.dk", "education_text": "Cand.scient.pol.",
            "level": EducationLevel.objects.get(pk="LVU")}

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed) as no_consent:
            services.candidate_create_by_partner(user=user, data=data, consents=[], consent_method="skriftligt")
        with pytest.raises(ValidationFailed) as taken:
            services.candidate_create_by_partner(user=user, data={**data, "email": EMAIL}, consents=["matching"],
                                                 consent_method="skriftligt")

    assert "consents" in no_consent.value.details
    assert "email" in taken.value.details
    assert Candidate.objects.count() == 1
    assert mail.outbox == []


def test_the_organisation_of_a_created_profile_is_the_partners():
    user = UserFactory(organisation="jobcenter-thisted")

    candidate = services.candidate_create_by_partner(
        user=user, data={"name": NAME, "email": EMAIL, "education_text": "Cand.scient.pol.",
                         "level": EducationLevel.objects.get(pk="LVU")},
        consents=["matching"], consent_method="skriftligt",
    )

    assert candidate.organisation == Organisation.objects.get(slug="jobcenter-thisted")
    assert candidate.created_by == user and candidate.created_via == "partner"
    consent = candidate.consents.get()
    assert (consent.purpose, consent.recorded_by, consent.method) == ("matching", user, "skriftligt")
