"""Bourse services: cases (public and staff), review, registration, rankings with deadlines, the companies'
ranks and vetoes, the instance built from the database, runs, locks and the confirmation into matches."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from viaviden.companies.models import Company
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.events import bourse_selectors as sel
from viaviden.events import bourse_services as svc
from viaviden.events.models import (
    AssignmentLock,
    BourseCase,
    BourseParticipant,
    BourseRun,
    CompanyPreference,
    Preference,
    Survey,
)
from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank
from viaviden.matches.models import Match, MatchContribution
from viaviden.matches.tests.factories import CompanyFactory, next_cvr

pytestmark = pytest.mark.django_db


def _data(**overrides) -> svc.CaseData:
    values = {"title": "Digital produktionsplan", "challenge": "Vi vil planlægge bedre.", "collaboration_kind": "project",
              "capacity": 4, "min_group_size": 1, "max_group_size": 4, "submitter_name": "Syntetisk Kontakt",
              "submitter_email": "kontakt@thysmedie.example", "level_codes": ["MVU", "LVU"]}
    values.update(overrides)
    return svc.CaseData(**values)


# --- Cases ------------------------------------------------------------------------------------------


def test_public_case_creates_company_and_submitted_case_and_mails_the_private_link(django_capture_on_commit_callbacks):
    event = make_bourse()
    cvr = next_cvr()
    with django_capture_on_commit_callbacks(execute=True):
        case = svc.bourse_case_submit_public(event=event, cvr=cvr, company_name="Syntetisk Thy Smedie ApS",
                                             postal_code="7700", data=_data(), consent=True)
    assert (case.status, case.company.cvr, case.company.name) == ("submitted", cvr, "Syntetisk Thy Smedie ApS")
    assert case.location_municipality_id == "787"
    assert sorted(case.wished_levels.values_list("code", flat=True)) == ["LVU", "MVU"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kontakt@thysmedie.example"]
    assert f"/arrangementer/boers/virksomhed/{case.token}/" in mail.outbox[0].body


def test_public_case_with_bad_cvr_and_no_consent_saves_nothing(django_capture_on_commit_callbacks):
    event = make_bourse()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as exc:
        svc.bourse_case_submit_public(event=event, cvr="12345678", company_name="X", postal_code="7700",
                                      data=_data(capacity=2, max_group_size=3), consent=False)
    assert set(exc.value.details) == {"cvr", "consent", "max_group_size"}
    assert (BourseCase.objects.count(), Company.objects.filter(name="X").count(), len(mail.outbox)) == (0, 0, 0)


def test_public_case_after_the_case_deadline_is_refused_with_the_deadline():
    event = make_bourse(case_deadline=dt.datetime(2022, 2, 1, 12, 0, tzinfo=dt.UTC))
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_case_submit_public(event=event, cvr=next_cvr(), company_name="Y", postal_code="7700",
                                      data=_data(), consent=True)
    assert exc.value.code == "case_deadline_passed"
    assert "01-02-2022 kl. 13:00" in str(exc.value.message)
    assert BourseCase.objects.count() == 0


def test_staff_submit_on_behalf_sets_helping_partner_and_only_organisers_publish(user_factory):
    event = make_bourse(organiser="aau", co_organisers=())
    company = CompanyFactory()
    helper = user_factory(organisation="erhvervskontor-thisted")
    case = svc.bourse_case_submit_staff(user=helper, event=event, company=company, data=_data())
    assert (case.status, case.organisation.slug, case.submitted_by) == ("submitted", "erhvervskontor-thisted", helper)
    with pytest.raises(Forbidden):
        svc.bourse_case_submit_staff(user=helper, event=event, company=company, data=_data(), publish=True)
    published = svc.bourse_case_submit_staff(user=user_factory(organisation="aau"), event=event, company=company,
                                             data=_data(), publish=True)
    assert published.status == "published"
    assert BourseCase.objects.count() == 2


def test_review_publishes_and_refuses_other_organisations_and_stale_versions(user_factory):
    event = make_bourse()
    case = make_case(event, status="submitted")
    with pytest.raises(Forbidden):
        svc.bourse_case_set_status(user=user_factory(organisation="jobcenter-aalborg"), case=case, status="published",
                                   version=case.version)
    staff = user_factory(organisation="ucn")  # co-organiser
    published = svc.bourse_case_set_status(user=staff, case=case, status="published", version=case.version)
    assert (published.status, published.version) == ("published", 2)
    with pytest.raises(Conflict):
        svc.bourse_case_set_status(user=staff, case=case, status="rejected", version=1)
    case.refresh_from_db()
    assert case.status == "published"


# --- Participants and rankings ----------------------------------------------------------------------


def _members(n: int, level: str = "LVU") -> list[dict]:
    return [{"name": f"Syntetisk Studerende {i}", "email": f"s{i}@example.dk", "level": level, "programme": ""}
            for i in range(1, n + 1)]


def test_group_registers_with_members_size_and_gets_the_private_link(django_capture_on_commit_callbacks):
    event = make_bourse()
    make_case(event, capacity=4, max_group_size=4)
    with django_capture_on_commit_callbacks(execute=True):
        p = svc.bourse_participant_register(event=event, kind="group", name="Gruppe Nord", members=_members(3),
                                            consent=True)
    assert (p.kind, p.size, p.contact_email, p.name) == ("group", 3, "s1@example.dk", "Gruppe Nord")
    assert p.consent_at is not None
    assert [m["level"] for m in p.members] == ["LVU", "LVU", "LVU"]
    assert mail.outbox[0].to == ["s1@example.dk"]
    assert f"/arrangementer/boers/deltager/{p.token}/" in mail.outbox[0].body


def test_registration_errors_are_per_member_and_nothing_is_saved():
    event = make_bourse()
    members = _members(2)
    members[1].update(email="ikke-en-mail", level="")
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_participant_register(event=event, kind="group", name="G", members=members, consent=True)
    assert exc.value.details == {"member_2": ["Skriv en gyldig e-mailadresse.",
                                              "Vælg uddannelsesniveau (KVU, MVU eller LVU)."]}
    assert BourseParticipant.objects.count() == 0


def test_registration_refuses_a_group_no_case_takes_and_a_known_e_mail():
    event = make_bourse()
    make_case(event, capacity=4, max_group_size=2)
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_participant_register(event=event, kind="group", name="G", members=_members(3), consent=True)
    assert exc.value.details["kind"] == ["Ingen af børsens cases tager grupper på 3 personer."]
    make_participant(event, members=_members(1))
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_participant_register(event=event, kind="individual", name="", members=_members(1), consent=True)
    assert "s1@example.dk er allerede tilmeldt børsen" in exc.value.details["member_1"][0]
    assert BourseParticipant.objects.count() == 1


def test_registration_and_ranking_close_at_the_preference_deadline_with_a_clear_message():
    deadline = timezone.now() - dt.timedelta(hours=1)
    event = make_bourse(preference_deadline=deadline)
    case = make_case(event)
    p = make_participant(event)
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_preferences_set(participant=p, case_ids=[case.pk])
    assert exc.value.code == "deadline_passed"
    assert str(exc.value.message).startswith("Fristen for at tilmelde sig og prioritere cases var ")
    assert timezone.localtime(deadline).strftime("%d-%m-%Y kl. %H:%M") in str(exc.value.message)
    with pytest.raises(ValidationFailed):
        svc.bourse_participant_register(event=event, kind="individual", name="", members=_members(1), consent=True)
    assert Preference.objects.count() == 0


def test_ranking_replaces_the_old_one_and_checks_limit_duplicates_and_group_sizes():
    event = make_bourse(max_ranked_choices=3)
    a, b, c, d = (make_case(event, capacity=4, max_group_size=4) for _ in range(4))
    small = make_case(event, capacity=4, max_group_size=2, title="Lille case")
    group = make_participant(event, size=3)
    svc.bourse_preferences_set(participant=group, case_ids=[c.pk, a.pk])
    svc.bourse_preferences_set(participant=group, case_ids=[b.pk, c.pk, a.pk])
    assert list(group.preferences.order_by("rank").values_list("case_id", flat=True)) == [b.pk, c.pk, a.pk]
    for ids, message in (
        ([a.pk, b.pk, c.pk, d.pk], "Du kan højst prioritere 3 cases."),
        ([a.pk, a.pk], "Du har valgt den samme case flere gange. Vælg forskellige cases."),
        ([small.pk], "Casen »Lille case« tager grupper på 1–2 personer; I er 3."),
    ):
        with pytest.raises(ValidationFailed) as exc:
            svc.bourse_preferences_set(participant=group, case_ids=ids)
        assert exc.value.message == message
    assert list(group.preferences.order_by("rank").values_list("case_id", flat=True)) == [b.pk, c.pk, a.pk]


def test_company_ranks_and_vetoes_its_applicants_only():
    event = make_bourse()
    case = make_case(event)
    p1, p2, outsider = make_participant(event), make_participant(event), make_participant(event)
    rank(p1, case)
    rank(p2, case)
    assert svc.bourse_company_preferences_set(case=case, ranks={p2.pk: 1}, vetoes={p1.pk}) == 2
    assert sorted(CompanyPreference.objects.values_list("participant_id", "rank", "veto")) == sorted(
        [(p2.pk, 1, False), (p1.pk, None, True)])
    for ranks, vetoes in (({outsider.pk: 1}, set()), ({p1.pk: 1, p2.pk: 1}, set()), ({p1.pk: 1}, {p1.pk})):
        with pytest.raises(ValidationFailed):
            svc.bourse_company_preferences_set(case=case, ranks=ranks, vetoes=vetoes)
    assert CompanyPreference.objects.count() == 2


# --- The instance -----------------------------------------------------------------------------------


def test_instance_uses_published_cases_requirements_company_ranks_vetoes_and_locks():
    event = make_bourse()
    lvu = make_case(event, capacity=3, levels=("MVU", "LVU"))
    kvu_only = make_case(event, capacity=3, levels=("KVU",))
    hidden = make_case(event, status="submitted")
    mixed = make_participant(event, members=[{"name": "A", "email": "a@x.dk", "level": "MVU", "programme": ""},
                                             {"name": "B", "email": "b@x.dk", "level": "LVU", "programme": ""}])
    single = make_participant(event, level="KVU")
    rank(mixed, hidden, lvu, kvu_only)
    rank(single, kvu_only, lvu)
    CompanyPreference.objects.create(case=lvu, participant=single, veto=True)
    CompanyPreference.objects.create(case=kvu_only, participant=single, rank=1)
    AssignmentLock.objects.create(event=event, participant=single, case=kvu_only)
    data = sel.build_instance(event)
    inst = data.instance
    m, s = str(mixed.pk), str(single.pk)
    assert set(inst.cases) == {str(lvu.pk), str(kvu_only.pk)}
    assert inst.participants[m].ranking == (str(lvu.pk), str(kvu_only.pk))
    assert inst.participants[m].level == "LVU+MVU"
    # The mixed group meets MVU|LVU (both members do) but not KVU.
    assert inst.exclusion(m, str(lvu.pk)) is None
    assert inst.exclusion(m, str(kvu_only.pk)) == "requirements"
    assert inst.exclusion(s, str(lvu.pk)) == "vetoed"
    assert inst.company_prefs == {str(kvu_only.pk): (s,)}
    assert inst.locks == {s: str(kvu_only.pk)}
    assert sel.instance_from_snapshot(data.snapshot).participants == inst.participants


# --- Runs, locks, confirmation ----------------------------------------------------------------------


@pytest.fixture
def bourse(user_factory):
    """A bourse by AAU with UCN: two cases, a group of three and two individuals ranking them."""
    event = make_bourse(organiser="aau", co_organisers=("ucn",), title="Syntetisk Projektbørs AAU 2022")
    big = make_case(event, title="Stor case", capacity=3, max_group_size=3, kind="project")
    job = make_case(event, title="Studiejob", capacity=1, kind="student_job")
    group = make_participant(event, name="Gruppe Nord", size=3)
    ann, bo = make_participant(event, name="Ann"), make_participant(event, name="Bo")
    rank(group, big)
    rank(ann, big, job)
    rank(bo, job, big)
    return {"event": event, "big": big, "job": job, "group": group, "ann": ann, "bo": bo,
            "lead": user_factory(organisation="aau"), "co": user_factory(organisation="ucn")}


def test_stable_and_optimal_runs_are_stored_with_figures(bourse):
    run = svc.bourse_run_create(user=bourse["co"], event=bourse["event"], mode="stable")
    g, a, b = (str(bourse[k].pk) for k in ("group", "ann", "bo"))
    assert run.mode == "stable"
    # The group proposes first (natural id order) and fills the big case; Ann falls back to the job, and Bo
    # (ranked below Ann by the job's tie-break) is left without a case.
    assert run.result["placement"] == {g: str(bourse["big"].pk), a: str(bourse["job"].pk)}
    assert [(u["participant_id"], u["reason"]) for u in run.result["unassigned"]] == [(b, "no_room")]
    assert (run.result["seated_students"], run.result["total_rank"]) == (4, 5)
    optimal = svc.bourse_run_create(user=bourse["co"], event=bourse["event"], mode="optimal")
    assert optimal.result["placement"] == {g: str(bourse["big"].pk), b: str(bourse["job"].pk)}
    assert (optimal.result["seated_students"], optimal.result["total_rank"]) == (4, 4)
    assert BourseRun.objects.count() == 2


def test_runs_are_refused_for_other_organisations_and_without_cases(bourse, user_factory):
    with pytest.raises(Forbidden):
        svc.bourse_run_create(user=user_factory(organisation="jobcenter-aalborg"), event=bourse["event"], mode="stable")
    empty = make_bourse()
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_run_create(user=user_factory(organisation="aau"), event=empty, mode="stable")
    assert exc.value.code == "no_cases"
    assert BourseRun.objects.count() == 0


def test_lock_must_be_acceptable_and_runs_keep_it(bourse):
    with pytest.raises(ValidationFailed) as exc:
        svc.bourse_lock_set(user=bourse["co"], event=bourse["event"], participant=bourse["group"], case=bourse["job"])
    assert exc.value.code == "invalid_instance"
    assert AssignmentLock.objects.count() == 0
    svc.bourse_lock_set(user=bourse["co"], event=bourse["event"], participant=bourse["group"], case=bourse["big"])
    run = svc.bourse_run_create(user=bourse["co"], event=bourse["event"], mode="stable")
    assert run.result["placement"][str(bourse["group"].pk)] == str(bourse["big"].pk)
    assert run.result["locked"] == [str(bourse["group"].pk)]


def test_confirm_registers_one_match_per_student_credited_to_the_bourse_and_is_idempotent(
    bourse, django_capture_on_commit_callbacks
):
    run = svc.bourse_run_create(user=bourse["lead"], event=bourse["event"], mode="optimal")
    result = svc.bourse_run_confirm(user=bourse["lead"], run=run)
    assert (result.created, result.merged, result.already) == (4, 0, 0)
    matches = Match.objects.order_by("id")
    assert [m.match_type_id for m in matches] == ["student_project"] * 3 + ["student_job"]
    assert {m.activity for m in matches} == {"bourse"}
    assert {m.activity_note for m in matches} == {"Syntetisk Projektbørs AAU 2022"}
    assert {m.registering_org.slug for m in matches} == {"aau"}
    assert {m.start_date for m in matches} == {dt.date(2022, 3, 10)}
    assert {m.education_level_id for m in matches} == {"LVU"}
    assert all(m.person_key and not m.person_name and not m.person_email for m in matches)
    roles = sorted(MatchContribution.objects.filter(match=matches[0]).values_list("organisation__slug", "role"))
    assert roles == [("aau", "registered"), ("ucn", "contributed")]
    run.refresh_from_db()
    assert run.is_confirmed and run.confirmed_by == bourse["lead"]
    assert Survey.objects.filter(respondent_kind="participant").count() == 4
    assert Survey.objects.filter(respondent_kind="company").count() == 2

    again = svc.bourse_run_confirm(user=bourse["lead"], run=run)
    assert (again.created, again.already) == (0, 4)
    assert (Match.objects.count(), Survey.objects.count()) == (4, 6)


def test_confirm_is_for_the_lead_organiser_and_refuses_an_outdated_run(bourse):
    run = svc.bourse_run_create(user=bourse["co"], event=bourse["event"], mode="stable")
    with pytest.raises(Forbidden):
        svc.bourse_run_confirm(user=bourse["co"], run=run)
    rank(bourse["bo"], bourse["big"])
    with pytest.raises(Conflict) as exc:
        svc.bourse_run_confirm(user=bourse["lead"], run=run)
    assert exc.value.code == "run_outdated"
    assert Match.objects.count() == 0
    run.refresh_from_db()
    assert not run.is_confirmed


def test_after_confirmation_nothing_that_feeds_the_assignment_changes(bourse):
    run = svc.bourse_run_create(user=bourse["lead"], event=bourse["event"], mode="optimal")
    svc.bourse_run_confirm(user=bourse["lead"], run=run)
    with pytest.raises(ValidationFailed):
        svc.bourse_preferences_set(participant=bourse["ann"], case_ids=[bourse["job"].pk])
    with pytest.raises(ValidationFailed):
        svc.bourse_run_create(user=bourse["lead"], event=bourse["event"], mode="stable")
    with pytest.raises(ValidationFailed):
        svc.bourse_case_set_status(user=bourse["lead"], case=bourse["big"], status="withdrawn", version=None)
    other = BourseRun.objects.create(event=bourse["event"], mode="stable", input_snapshot=run.input_snapshot,
                                     result=run.result)
    with pytest.raises(Conflict):
        svc.bourse_run_confirm(user=bourse["lead"], run=other)
    assert Match.objects.count() == 4
