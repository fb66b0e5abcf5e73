"""The synthetic demo data: deterministic, idempotent, realistic spread, demo logins, no person data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from viaviden.companies.cvr import is_valid_cvr
from viaviden.companies.models import Company
from viaviden.demo import loader as demo
from viaviden.matches.models import ActivityRegistration, Match, MatchContribution
from viaviden.matches.services import MatchData, match_register, person_key_for
from viaviden.organisations.models import ApiToken, Organisation, User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import EducationLevel, MatchType, Municipality

pytestmark = pytest.mark.django_db

N = 300


def generated(programme: str | None = None):
    """The match generator's synthetic matches: all have a person key. (The Vækstpilot demo registers
    its started pilots as matches too, pseudonymous without a key.)"""
    qs = Match.objects.filter(is_synthetic=True).exclude(person_key="")
    return qs.filter(programme__slug=programme) if programme else qs


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", "--matches", str(N), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def fingerprint() -> dict:
    synthetic = generated("vvv-2-0")
    return {
        **demo.demo_summary(),
        "by_level": Counter(synthetic.values_list("education_level_id", flat=True)),
        "by_status": Counter(synthetic.values_list("status", flat=True)),
        "by_partner": Counter(synthetic.values_list("partner__slug", flat=True)),
        "by_half_year": Counter(synthetic.values_list("half_year", flat=True)),
        "company_names": sorted(Company.objects.filter(is_synthetic=True).values_list("name", flat=True)),
        "contributions": Counter(
            MatchContribution.objects.filter(match__in=generated()).values_list("role", flat=True)
        ),
        "activity_amounts": sorted(
            ActivityRegistration.objects.filter(note__startswith=demo.SYNTHETIC_NOTE).values_list(
                "activity_target__code", "date", "amount"
            )
        ),
    }


def test_same_seed_gives_identical_data_after_reset():
    load()
    first = fingerprint()

    load("--reset")

    assert fingerprint() == first
    # N from the match generator in Vækst Via Viden 2.0, those of the synthetic current period, plus the
    # matches the Vækstpilot demo's started pilots registered.
    started_pilots = Match.objects.filter(is_synthetic=True, person_key="").count()
    current = generated().filter(programme__is_synthetic=True).count()
    assert generated().filter(programme__slug="vvv-2-0").count() == N
    assert first["matches"] == N + current + started_pilots


def test_another_seed_gives_other_data():
    load()
    first = fingerprint()

    load("--reset", "--seed", "7")

    assert fingerprint()["by_municipality"] != first["by_municipality"]


def test_second_run_changes_nothing_and_says_so():
    load()
    before = (
        Match.objects.count(),
        Company.objects.count(),
        User.objects.count(),
        MatchContribution.objects.count(),
        ActivityRegistration.objects.count(),
        TOTPDevice.objects.count(),
        ApiToken.objects.count(),
        sorted(User.objects.values_list("username", "password", "last_login")),
    )

    output = load()

    after = (
        Match.objects.count(),
        Company.objects.count(),
        User.objects.count(),
        MatchContribution.objects.count(),
        ActivityRegistration.objects.count(),
        TOTPDevice.objects.count(),
        ApiToken.objects.count(),
        sorted(User.objects.values_list("username", "password", "last_login")),
    )
    assert after == before
    assert "allerede indlæst" in output
    assert "intet ændret" in output


def test_spread_over_municipalities_types_levels_and_time():
    load()
    synthetic = generated("vvv-2-0")

    assert synthetic.count() == N
    assert Match.objects.filter(is_synthetic=False).count() == 0
    by_municipality = Counter(synthetic.values_list("municipality_id", flat=True))
    for municipality in Municipality.objects.filter(in_region=True).exclude(code=demo.LAESOE_CODE):
        assert by_municipality[municipality.code] > 0, municipality.name
    outside = synthetic.filter(outside_aalborg=True).count() / N
    assert 0.35 <= outside <= 0.5
    # Every type but the Vækstpilot one: those come only from the started synthetic pilots (matches.rules).
    assert set(synthetic.values_list("match_type_id", flat=True)) == set(
        MatchType.objects.exclude(code="ordinary_job_vaekstpilot").values_list("code", flat=True)
    )
    assert len(MatchType.objects.all()) == 7
    assert set(synthetic.values_list("education_level_id", flat=True)) == {"KVU", "MVU", "LVU"}
    assert synthetic.filter(start_date__lt=dt.date(2020, 7, 1)).count() == 0
    assert synthetic.filter(start_date__gt=dt.date(2023, 6, 30)).count() == 0
    by_year = Counter(synthetic.values_list("project_year", flat=True))
    assert by_year[2022] > by_year[2020]
    municipal_share = synthetic.filter(target_part=Organisation.TargetPart.MUNICIPAL).count() / N
    assert 0.55 <= municipal_share <= 0.75


def test_student_matches_peak_in_february_and_september():
    load()
    months = Counter(
        d.month
        for d in Match.objects.filter(
            is_synthetic=True, match_type__group=MatchType.Group.STUDENT_COLLABORATION
        ).values_list("start_date", flat=True)
    )

    assert months[2] + months[9] > 2 * (months[6] + months[7])


def test_levels_fit_institutions_and_activities_fit_types():
    load()
    synthetic = generated("vvv-2-0")

    assert set(
        synthetic.filter(institution="University College Nordjylland").values_list("education_level_id", flat=True)
    ) == {"KVU", "MVU"}
    assert set(synthetic.filter(institution="Aalborg Universitet").values_list("education_level_id", flat=True)) == {
        "MVU",
        "LVU",
    }
    assert synthetic.exclude(education="").count() == N
    assert not synthetic.filter(match_type_id="ordinary_job_vaekstpilot").exists()
    pilots = Match.objects.filter(is_synthetic=True, match_type_id="ordinary_job_vaekstpilot")
    assert pilots.count() > 0
    assert set(pilots.values_list("activity", flat=True)) == {"vaekstpilot"}
    # Each points to its granted application (matches.rules; the pilots that started).
    assert not pilots.filter(vaekstpilot_application__isnull=True).exists()
    assert Match.objects.filter(is_synthetic=True, activity="vaekstpilot").exclude(
        match_type_id="ordinary_job_vaekstpilot").count() == 0
    assert set(synthetic.filter(activity="bourse").values_list("match_type__group", flat=True)) == {
        MatchType.Group.STUDENT_COLLABORATION
    }


def test_statuses_duplicates_and_contributors():
    load()
    synthetic = generated("vvv-2-0")

    verified = synthetic.filter(status=Match.Status.VERIFIED).count() / N
    rejected = synthetic.filter(status=Match.Status.REJECTED)
    assert 0.6 <= verified <= 0.8
    assert 0 < rejected.count() <= 0.06 * N
    assert rejected.filter(rejection_reason="").count() == 0
    assert synthetic.filter(status=Match.Status.REGISTERED, verified_at__isnull=False).count() == 0
    contributions = MatchContribution.objects.filter(match__in=generated("vvv-2-0"))
    assert contributions.filter(role=MatchContribution.Role.REGISTERED).count() == N
    assert contributions.filter(role=MatchContribution.Role.DUPLICATE).count() > 0
    assert (
        contributions.filter(
            role=MatchContribution.Role.CONTRIBUTED, organisation__slug="central-matchningsenhed"
        ).count()
        > 0
    )


def test_no_person_names_or_emails_but_person_keys_for_duplicate_detection():
    load()
    synthetic = generated("vvv-2-0")

    assert synthetic.exclude(person_name="").count() == 0
    assert synthetic.exclude(person_email="").count() == 0
    assert synthetic.filter(person_consent_at__isnull=False).count() == 0
    assert synthetic.filter(person_key="").count() == 0
    assert {len(k) for k in synthetic.values_list("person_key", flat=True)} == {64}


def test_a_second_partner_registering_a_demo_match_is_merged():
    load()
    match = (
        generated().filter(status=Match.Status.VERIFIED, registering_org__slug="aau")
        .order_by("id")
        .first()
    )
    person_key = match.person_key
    ucn = Organisation.objects.get(slug="ucn")
    count = Match.objects.count()

    # The synthetic person id behind the key is "demo-<seed>-person-<n>": find it to re-register.
    identifier = next(
        f"demo-2020-person-{i}" for i in range(1, N + 1) if person_key_for(f"demo-2020-person-{i}") == person_key
    )
    result = match_register(
        user=None,
        organisation=ucn,
        data=MatchData(
            company=match.company,
            match_type=match.match_type,
            start_date=match.start_date,
            education_level=match.education_level,
            person_identifier=identifier,
        ),
    )

    assert result.merged is True
    assert result.match.pk == match.pk
    assert Match.objects.count() == count


def test_companies_are_synthetic_with_valid_cvr_and_realistic_sizes():
    load()
    companies = Company.objects.filter(is_synthetic=True)

    assert companies.count() == demo.DEFAULT_COMPANIES
    assert all(is_valid_cvr(c) for c in companies.values_list("cvr", flat=True))
    assert companies.filter(industry__isnull=True).count() == 0
    sizes = Counter(companies.values_list("size_class_id", flat=True))
    assert sizes["micro"] + sizes["small"] > 0.6 * demo.DEFAULT_COMPANIES
    assert sizes["large"] > 0
    by_municipality = Counter(companies.values_list("municipality_id", flat=True))
    assert by_municipality[demo.LAESOE_CODE] >= 2
    assert by_municipality["851"] == max(by_municipality.values())


def test_demo_users_have_roles_organisations_and_confirmed_totp_devices():
    output = load()

    for spec in demo.DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.role == spec.role
        assert user.organisation.slug == spec.organisation
        assert user.check_password(demo.DEMO_PASSWORD)
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed is True
        assert device.key == demo.demo_totp_secret_hex(spec.username)
        assert spec.username in output
        assert demo.hex_to_base32(device.key) in output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.filter(username__in=demo.DEMO_USERNAMES, is_superuser=True).count() == 1
    assert len(demo.DEMO_PASSWORD) >= 12
    assert demo.DEMO_PASSWORD in output
    assert "python manage.py totp_code" in output


def test_demo_api_token_is_stored_only_as_hash():
    output = load()

    token = ApiToken.objects.get(user__username="aalborg.konsulent")
    assert token.key_hash == ApiToken.hash(demo.DEMO_API_TOKEN)
    assert token.prefix == demo.DEMO_API_TOKEN[:8]
    assert ApiToken.objects.filter(key_hash=demo.DEMO_API_TOKEN).count() == 0
    assert demo.DEMO_API_TOKEN in output


def test_activity_registrations_for_event_and_people_targets():
    load()
    synthetic = ActivityRegistration.objects.filter(note__startswith=demo.SYNTHETIC_NOTE)
    regs = synthetic.filter(activity_target__programme__slug="vvv-2-0")
    codes = Counter(regs.values_list("activity_target__code", flat=True))

    # Only the manual targets take registrations; events, surveys, pilots and cases are measured.
    assert set(codes) == {"aka-workshop-invited"}
    assert codes["aka-workshop-invited"] > 3
    assert regs.filter(date__gt=dt.date(2023, 6, 30)).count() == 0
    # The synthetic current period has registrations up to today, none later.
    current = synthetic.filter(activity_target__programme__is_synthetic=True)
    assert current.exists()
    assert not current.filter(date__gt=timezone.localdate()).exists()


def test_reset_removes_only_synthetic_data_and_never_takes_over_a_real_user():
    real_admin = UserFactory(username="admin", role=User.Role.ADMINISTRATOR)
    real_password = real_admin.password
    load()
    level = EducationLevel.objects.get(code="LVU")
    real_company = Company.objects.create(cvr="10000009", name="Rigtig Virksomhed ApS", municipality_id="860")
    synthetic_company = Company.objects.filter(is_synthetic=True).order_by("cvr").first()
    real_match = match_register(
        user=None,
        organisation=Organisation.objects.get(slug="jobcenter-hjoerring"),
        data=MatchData(
            company=synthetic_company,
            match_type=MatchType.objects.get(code="ordinary_job"),
            start_date=dt.date(2022, 3, 1),
            education_level=level,
            education="cand.merc.",
        ),
    ).match

    output = load("--reset")

    assert Match.objects.filter(pk=real_match.pk).exists()
    assert Company.objects.filter(pk=real_company.pk).exists()
    assert Company.objects.filter(pk=synthetic_company.pk).exists()  # still used by a real match
    assert generated("vvv-2-0").count() == N
    real_admin.refresh_from_db()
    assert real_admin.password == real_password
    assert TOTPDevice.objects.filter(user=real_admin, key=demo.demo_totp_secret_hex("admin")).count() == 0
    assert "Slettet:" in output


def test_refuses_to_run_under_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"

    with pytest.raises(CommandError):
        load()

    assert generated().count() == 0
    assert User.objects.filter(username__in=demo.DEMO_USERNAMES).count() == 0


def test_work_space_has_needs_in_every_state_with_history_all_synthetic():
    from viaviden.companies.models import ContactEntry, Handover, Need, NeedEvent, Referral

    load()

    needs = Need.objects.all()
    assert needs.count() == needs.filter(is_synthetic=True).count() > 20
    assert {"new", "in_progress", "matched", "closed"} <= set(needs.values_list("status", flat=True))
    assert {"sent", "accepted", "question", "declined"} <= set(Referral.objects.values_list("status", flat=True))
    assert not needs.filter(events__isnull=True).exists()  # every need has its history
    assert NeedEvent.objects.filter(kind="referred").count() == Referral.objects.count()
    assert ContactEntry.objects.filter(is_synthetic=False).count() == 0
    assert ContactEntry.objects.filter(next_step_done_at__isnull=True).exclude(next_step="").exists()
    assert set(Handover.objects.values_list("status", flat=True)) == {"pending", "accepted"}
    assert needs.filter(status="matched", matches__isnull=False).exists()


def test_reset_removes_the_synthetic_work_space():
    from viaviden.companies.models import ContactEntry, Need, Referral

    load()
    demo.demo_data_delete()

    assert (Need.objects.count(), Referral.objects.count(), ContactEntry.objects.count()) == (0, 0, 0)
    assert not Company.objects.filter(is_synthetic=True).exists()
