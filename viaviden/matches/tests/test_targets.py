"""Targets: the largest-remainder split (properties), `targets --json`, loading an ERHV2 basis, editing
targets (coordinators only, audited), programme settings and activity registrations."""

from __future__ import annotations

import datetime as dt
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.matches.basis import parse_erhv2
from viaviden.matches.models import ActivityRegistration, ActivityTarget, Target
from viaviden.matches.targets import largest_remainder
from viaviden.matches.targets_services import activity_register, basis_load, programme_update, target_set_value
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import BasisDataset

FIXTURE = Path(__file__).parent / "data" / "synthetic_erhv2_2019.csv"

# The synthetic fixture's workplaces ("TOT Erhverv i alt", "Arbejdssteder") per municipality.
FIXTURE_WORKPLACES = {
    "773": 1500,
    "787": 3400,
    "810": 2600,
    "813": 4200,
    "820": 2900,
    "825": 300,
    "840": 2100,
    "846": 3000,
    "849": 2800,
    "851": 14000,
    "860": 4700,
}
# 1,400 split by the fixture's workplaces without Læsø, worked out by hand (floors 1,394; the six largest
# remainders — Morsø .97, Mariagerfjord .94, Aalborg .73, Frederikshavn .72, Hjørring .71, Vesthimmerland
# .54 — get one more each).
FIXTURE_SPLIT = {
    "773": 51,
    "787": 115,
    "810": 88,
    "813": 143,
    "820": 99,
    "825": 0,
    "840": 71,
    "846": 102,
    "849": 95,
    "851": 476,
    "860": 160,
}
# The same for the shipped population-2020 proxy (floors 1,395; Frederikshavn .997, Aalborg .713, Rebild
# .679, Mariagerfjord .498 and Hjørring .492 get one more).
POPULATION_SPLIT = {
    "773": 48,
    "787": 103,
    "810": 86,
    "813": 142,
    "820": 87,
    "825": 0,
    "840": 72,
    "846": 100,
    "849": 91,
    "851": 517,
    "860": 154,
}


# --- largest_remainder (pure) -----------------------------------------------------------------------------

weights_st = st.dictionaries(
    st.text(alphabet="abcdefghij", min_size=1, max_size=3), st.integers(0, 250_000), min_size=1, max_size=15
)


@given(total=st.integers(0, 5000), weights=weights_st)
def test_largest_remainder_sums_exactly_and_stays_within_one_of_quota(total, weights):
    parts = largest_remainder(total, weights)
    weight_sum = sum(weights.values())
    assert set(parts) == set(weights)
    if weight_sum == 0:
        assert set(parts.values()) == {0}
        return
    assert sum(parts.values()) == total
    for key, w in weights.items():
        assert abs(parts[key] - Fraction(total * w, weight_sum)) < 1


@given(total=st.integers(0, 5000), weights=weights_st)
def test_largest_remainder_is_monotone_in_weight_and_gives_zero_weight_nothing(total, weights):
    parts = largest_remainder(total, weights)
    for a, wa in weights.items():
        if wa == 0:
            assert parts[a] == 0
        for b, wb in weights.items():
            if wa > wb:
                assert parts[a] >= parts[b]


def test_largest_remainder_rejects_negative_input():
    with pytest.raises(ValueError):
        largest_remainder(-1, {"a": 1})
    with pytest.raises(ValueError):
        largest_remainder(10, {"a": -1})


# --- targets --json ---------------------------------------------------------------------------------------


def _targets_json() -> dict:
    out = io.StringIO()
    call_command("targets", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_targets_json_splits_1400_over_ten_municipalities_and_600_over_partners():
    data = _targets_json()
    by_code = {m["code"]: m for m in data["municipalities"]}
    assert (data["total"], data["municipal_total"], data["partner_total"]) == (2000, 1400, 600)
    assert len(by_code) == 11
    assert {c: m["target"] for c, m in by_code.items()} == POPULATION_SPLIT
    assert sum(m["target"] for m in data["municipalities"]) == 1400 == data["municipal_sum"]
    assert len([m for m in data["municipalities"] if m["target"] > 0]) == 10
    assert by_code["825"]["name"] == "Læsø" and by_code["825"]["target"] == 0 and by_code["825"]["excluded"]
    assert by_code["851"] == {
        "code": "851",
        "name": "Aalborg",
        "basis": 217075,
        "target": 517,
        "computed": 517,
        "overridden": False,
        "excluded": False,
    }
    assert data["partner_sum"] == 600
    # 600 by the seed's activity match targets 450 / 570 / 90: 243.2, 308.1, 48.6 → the last unit to Akademikernes.
    assert {p["slug"]: p["target"] for p in data["partners"]} == {"aau": 243, "ucn": 308, "akademikernes-a-kasse": 49}
    assert data["basis"]["is_proxy"] is True


# --- ERHV2 parsing and loading ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_parse_erhv2_sums_total_rows_of_the_chosen_unit_and_ignores_other_areas():
    assert parse_erhv2(FIXTURE, kind="workplaces", year=2019) == FIXTURE_WORKPLACES


@pytest.mark.django_db
def test_parse_erhv2_picks_jobs_when_asked():
    jobs = parse_erhv2(FIXTURE, kind="jobs", year=2019)
    assert jobs["773"] == 1500 * 9 and jobs["787"] == 3400 * 9 + 1000 and jobs["851"] == 14000 * 9


@pytest.mark.django_db
def test_parse_erhv2_asks_which_unit_when_the_file_has_two():
    with pytest.raises(ValidationFailed) as exc:
        parse_erhv2(FIXTURE)
    assert exc.value.code == "basis_ambiguous"
    assert "Arbejdssteder (antal), Job (antal)" in str(exc.value.message)


@pytest.mark.django_db
def test_parse_erhv2_refuses_a_year_the_file_does_not_hold():
    with pytest.raises(ValidationFailed) as exc:
        parse_erhv2(FIXTURE, kind="workplaces", year=2020)
    assert exc.value.code == "basis_mismatch"


@pytest.mark.django_db
def test_parse_two_column_file_in_windows_1252_with_codes_and_names():
    text = "kommune;arbejdssteder\n" + "\n".join(
        f"{'Læsø Kommune' if code == '825' else code};{v}" for code, v in FIXTURE_WORKPLACES.items()
    )
    assert parse_erhv2(text.encode("cp1252")) == FIXTURE_WORKPLACES


@pytest.mark.django_db
def test_parse_without_branch_totals_sums_all_rows():
    rows = ["OMRÅDE;BRANCHE07;INDHOLD"]
    for code, v in FIXTURE_WORKPLACES.items():
        rows += [f"{code};A Landbrug;{v - 100}", f"{code};B Råstof;100"]
    assert parse_erhv2("\n".join(rows)) == FIXTURE_WORKPLACES


@pytest.mark.django_db
def test_parse_rejects_a_file_missing_municipalities_with_their_names():
    text = "\n".join(f"{code};{v}" for code, v in FIXTURE_WORKPLACES.items() if code not in ("825", "773"))
    with pytest.raises(ValidationFailed) as exc:
        parse_erhv2(text)
    assert exc.value.code == "basis_missing_municipality"
    assert str(exc.value.message) == (
        "Filen mangler tal for disse nordjyske kommuner: Læsø, Morsø. Alle 11 kommuner skal være med."
    )


@pytest.mark.django_db
def test_parse_rejects_non_numbers_with_line_numbers():
    text = "\n".join(f"{code};{'..' if code == '851' else v}" for code, v in FIXTURE_WORKPLACES.items())
    with pytest.raises(ValidationFailed) as exc:
        parse_erhv2(text)
    assert exc.value.code == "basis_bad_number" and exc.value.details == {"lines": [10]}


@pytest.mark.django_db
def test_load_basis_command_changes_the_split_and_marks_the_basis_not_proxy(programme):
    datasets_before = BasisDataset.objects.count()
    out = io.StringIO()
    call_command("load_basis", str(FIXTURE), "--year", "2019", stdout=out)
    data = _targets_json()
    assert {m["code"]: m["target"] for m in data["municipalities"]} == FIXTURE_SPLIT
    assert {m["code"]: m["basis"] for m in data["municipalities"]} == FIXTURE_WORKPLACES
    assert data["municipal_sum"] == 1400 and data["partner_sum"] == 600
    assert data["basis"]["is_proxy"] is False and data["basis"]["kind"] == "workplaces"
    assert data["basis"]["year"] == 2019
    assert BasisDataset.objects.count() == datasets_before + 1


@pytest.mark.django_db
def test_load_basis_keeps_hand_edited_targets(programme):
    thisted = Target.objects.get(programme=programme, municipality_id="787")
    target_set_value(user=None, target=thisted, value=120, note="Aftalt i styregruppen")
    basis_load(user=None, programme=programme, values=FIXTURE_WORKPLACES, year=2019)
    thisted.refresh_from_db()
    assert (thisted.value, thisted.computed, thisted.overridden) == (120, FIXTURE_SPLIT["787"], True)


@pytest.mark.django_db
def test_load_basis_command_with_bad_file_changes_nothing(programme, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Aalborg;14000\nThisted;3400\n", encoding="utf-8")
    before = list(Target.objects.order_by("pk").values_list("pk", "value", "computed", "basis"))
    with pytest.raises(CommandError, match="Filen mangler tal for disse nordjyske kommuner"):
        call_command("load_basis", str(bad), "--year", "2019")
    assert list(Target.objects.order_by("pk").values_list("pk", "value", "computed", "basis")) == before
    programme.refresh_from_db()
    assert programme.basis_dataset.slug == "population-2020"


@pytest.mark.django_db
def test_basis_load_refuses_partner_staff(user_factory, programme):
    staff = user_factory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-aalborg")
    with pytest.raises(Forbidden):
        basis_load(user=staff, programme=programme, values=FIXTURE_WORKPLACES, year=2019)
    programme.refresh_from_db()
    assert programme.basis_dataset.slug == "population-2020"


# --- The targets page ---------------------------------------------------------------------------------------


@pytest.fixture
def coordinator(user_factory):
    return user_factory(role=User.Role.COORDINATOR)


@pytest.fixture
def aalborg_staff(user_factory):
    return user_factory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-aalborg")


@pytest.mark.django_db
def test_targets_page_anonymous_goes_to_login(client):
    response = client.get(reverse("targets"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,org",
    [
        (User.Role.PARTNER_STAFF, "jobcenter-hjoerring"),
        (User.Role.STEERING_GROUP, "kkr-nordjylland"),
        (User.Role.COORDINATOR, "koordinationsgruppen"),
    ],
)
def test_targets_page_shows_split_basis_and_proxy_label_to_all_staff(staff_client, user_factory, role, org):
    user = user_factory(role=role, organisation=org)
    response = staff_client(user).get(reverse("targets"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "midlertidig erstatning (befolkningstal)" in body
    assert "Befolkning 1. januar 2020" in body and "Fakta om Nordjylland" in body
    assert "217.075" in body  # Aalborg's basis
    assert ("programme-form" in body) is (role == User.Role.COORDINATOR)
    assert ('action="/maal/maaltal/' in body) is (role == User.Role.COORDINATOR)


@pytest.mark.django_db
def test_partner_staff_cannot_edit_a_target(staff_client, aalborg_staff, programme):
    target = Target.objects.get(programme=programme, municipality_id="851")
    response = staff_client(aalborg_staff).post(
        reverse("target_edit", args=[target.pk]), {"value": "900", "note": "", "action": "save"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert (target.value, target.overridden) == (517, False)
    assert not LogEntry.objects.get_for_object(target).filter(action=LogEntry.Action.UPDATE).exists()


@pytest.mark.django_db
def test_coordinator_edits_a_target_and_the_audit_log_names_them(staff_client, coordinator, programme):
    target = Target.objects.get(programme=programme, municipality_id="851")
    response = staff_client(coordinator).post(
        reverse("target_edit", args=[target.pk]), {"value": "500", "note": "Aftalt 3. marts", "action": "save"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.computed, target.overridden, target.note) == (500, 517, True, "Aftalt 3. marts")
    entry = LogEntry.objects.get_for_object(target).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == coordinator
    assert entry.changes_dict["value"] == ["517", "500"]

    response = staff_client(coordinator).post(reverse("target_edit", args=[target.pk]), {"action": "reset"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.overridden, target.note) == (517, False, "")


@pytest.mark.django_db
def test_coordinator_edit_with_bad_value_saves_nothing(staff_client, coordinator, programme):
    target = Target.objects.get(programme=programme, municipality_id="851")
    response = staff_client(coordinator).post(
        reverse("target_edit", args=[target.pk]), {"value": "-3", "note": "", "action": "save"}
    )
    assert response.status_code == 422
    target.refresh_from_db()
    assert (target.value, target.overridden) == (517, False)


@pytest.mark.django_db
def test_coordinator_changes_excluded_municipalities_and_targets_are_recomputed(staff_client, coordinator, programme):
    response = staff_client(coordinator).post(
        reverse("programme_edit"),
        {
            "programme": programme.slug,
            "start_date": "2020-07-01",
            "end_date": "2023-06-30",
            "total_target": "2000",
            "municipal_target": "1400",
            "partner_target": "600",
            "duplicate_window_days": "31",
            "excluded_municipalities": [],  # Læsø back in
        },
    )
    assert response.status_code == 302
    targets = dict(
        Target.objects.filter(programme=programme, kind="municipality").values_list("municipality_id", "value")
    )
    assert sum(targets.values()) == 1400 and targets["825"] == 4  # 1786 / 589936 × 1400 = 4.24
    assert LogEntry.objects.get_for_object(programme).filter(actor=coordinator).exists()


@pytest.mark.django_db
def test_programme_update_refuses_parts_that_do_not_add_up(programme):
    with pytest.raises(ValidationFailed) as exc:
        programme_update(
            user=None,
            programme=programme,
            start_date=programme.start_date,
            end_date=programme.end_date,
            total_target=2000,
            municipal_target=1500,
            partner_target=600,
            duplicate_window_days=31,
            excluded_municipalities=["825"],
        )
    assert exc.value.code == "targets_do_not_add_up"
    programme.refresh_from_db()
    assert programme.municipal_target == 1400


@pytest.mark.django_db
def test_coordinator_uploads_erhv2_and_the_split_changes(staff_client, coordinator, programme):
    with FIXTURE.open("rb") as f:
        response = staff_client(coordinator).post(
            reverse("basis_upload"),
            {
                "programme": programme.slug,
                "file": f,
                "year": "2019",
                "kind": "workplaces",
                "label": "",
                "source": "",
            },
        )
    assert response.status_code == 302
    targets = dict(
        Target.objects.filter(programme=programme, kind="municipality").values_list("municipality_id", "value")
    )
    assert targets == FIXTURE_SPLIT
    programme.refresh_from_db()
    assert (programme.basis_dataset.kind, programme.basis_dataset.year) == ("workplaces", 2019)
    assert "midlertidig erstatning" not in staff_client(coordinator).get(reverse("targets")).content.decode()


@pytest.mark.django_db
def test_partner_staff_cannot_upload_a_basis(staff_client, aalborg_staff, programme):
    with FIXTURE.open("rb") as f:
        response = staff_client(aalborg_staff).post(
            reverse("basis_upload"), {"programme": programme.slug, "file": f, "year": "2019", "kind": "workplaces"}
        )
    assert response.status_code == 403
    programme.refresh_from_db()
    assert programme.basis_dataset.slug == "population-2020"


# --- Activity registrations ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_staff_registers_an_activity_for_their_own_partner(staff_client, user_factory, programme):
    # Erhvervskontor Aalborg and Jobcenter Aalborg are one partner (Aalborg Municipality).
    user = user_factory(role=User.Role.PARTNER_STAFF, organisation="erhvervskontor-aalborg")
    target = ActivityTarget.objects.create(
        programme=programme, code="jca-manual", organisation=Organisation.objects.get(slug="jobcenter-aalborg"),
        title_da="t", title_en="t", unit="people", value=700, measure="registrations", source="test",
    )
    response = staff_client(user).post(
        reverse("activity_register"),
        {
            "programme": programme.slug,
            "activity_target": target.pk,
            "date": "2021-03-01",
            "amount": "25",
            "note": "Forløb marts",
        },
    )
    assert response.status_code == 302
    reg = ActivityRegistration.objects.get()
    assert (reg.activity_target, reg.amount, reg.date, reg.registered_by) == (target, 25, dt.date(2021, 3, 1), user)


@pytest.mark.django_db
def test_partner_staff_cannot_register_for_another_partner(staff_client, aalborg_staff, programme):
    target = ActivityTarget.objects.get(programme=programme, code="aka-workshop-invited")
    response = staff_client(aalborg_staff).post(
        reverse("activity_register"),
        {"programme": programme.slug, "activity_target": target.pk, "date": "2021-03-01", "amount": "1"},
    )
    assert response.status_code == 403
    assert not ActivityRegistration.objects.exists()


@pytest.mark.django_db
def test_activity_register_refuses_targets_counted_from_matches_and_bad_percentages(user_factory, programme):
    coordinator = user_factory(role=User.Role.COORDINATOR)
    with pytest.raises(ValidationFailed) as exc:
        activity_register(
            user=coordinator,
            activity_target=ActivityTarget.objects.get(code="aau-bourse-matches"),
            date=dt.date(2021, 3, 1),
            amount=3,
        )
    assert exc.value.code == "measured_from_matches"
    # Derived from events (or surveys, Vækstpilot, cases): never also typed in by hand.
    for code in ("ucn-bourses-held", "aau-knowledge-gain", "vaekstpilot-continuing", "case-platform-partners"):
        with pytest.raises(ValidationFailed) as exc:
            activity_register(user=coordinator, activity_target=ActivityTarget.objects.get(code=code),
                              date=dt.date(2021, 3, 1), amount=3)
        assert exc.value.code == "measured_automatically"
    manual_pct = ActivityTarget.objects.create(
        programme=programme, code="manual-pct", title_da="t", title_en="t", unit="percent", value=50,
        measure="registrations", source="test",
    )
    with pytest.raises(ValidationFailed) as exc:
        activity_register(
            user=coordinator,
            activity_target=manual_pct,
            date=dt.date(2021, 3, 1),
            amount=101,
        )
    assert exc.value.code == "invalid_amount"
    with pytest.raises(Forbidden):
        activity_register(
            user=user_factory(role=User.Role.STEERING_GROUP),
            activity_target=ActivityTarget.objects.get(code="aka-workshop-invited"),
            date=dt.date(2021, 3, 1),
            amount=1,
        )
    assert not ActivityRegistration.objects.exists()
