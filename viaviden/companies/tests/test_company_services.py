"""The company register's services and selectors: create/edit with CVR check and optimistic locking,
production units (postal code → municipality), merging two records, and the search."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from viaviden.companies.models import Company, CompanyMerge, ContactEntry, Handover, Need, ProductionUnit
from viaviden.companies.selectors import (
    company_by_cvr,
    company_filter,
    company_list,
    company_record_by_cvr,
    company_related_counts,
)
from viaviden.companies.services import (
    company_create,
    company_get_or_create,
    company_merge,
    company_update,
    production_unit_add,
    production_unit_delete,
    production_unit_update,
)
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import CompanyFactory, make_match, next_cvr
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import Industry, Municipality, SizeClass

pytestmark = pytest.mark.django_db

INVALID_CVR = "12345678"  # weighted sum 114, not divisible by 11


def muni(code: str) -> Municipality:
    return Municipality.objects.get(pk=code)


@pytest.fixture
def staff():
    return UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def lead():
    return UserFactory(organisation="erhvervskontor-thisted", role=User.Role.PARTNER_LEAD)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


# --- Create and edit -------------------------------------------------------------------------------


def test_create_registers_company_with_all_facts(staff):
    cvr = next_cvr()

    company = company_create(
        user=staff,
        cvr=f"DK {cvr[:4]} {cvr[4:]}",
        data={
            "name": "  Syntetisk Smedie ApS ",
            "municipality": muni("860"),
            "industry": Industry.objects.get(pk="C"),
            "size_class": SizeClass.objects.get(pk="small"),
            "has_highly_educated_staff": False,
        },
    )

    company.refresh_from_db()
    assert (company.cvr, company.name, company.municipality_id, company.industry_id, company.size_class_id) == (
        cvr,
        "Syntetisk Smedie ApS",
        "860",
        "C",
        "small",
    )
    assert (company.has_highly_educated_staff, company.version, company.merged_into) == (False, 1, None)


def test_create_with_wrong_check_digit_gives_danish_message_and_saves_nothing(staff):
    with pytest.raises(ValidationFailed) as exc:
        company_create(user=staff, cvr=INVALID_CVR, data={"name": "X", "municipality": muni("860")})

    assert exc.value.code == "invalid_cvr"
    assert str(exc.value.message) == "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."
    assert exc.value.details == {"cvr": ["CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."]}
    assert Company.objects.count() == 0


def test_create_with_known_cvr_is_refused(staff):
    known = CompanyFactory(name="Syntetisk Bageri ApS")

    with pytest.raises(ValidationFailed) as exc:
        company_create(user=staff, cvr=known.cvr, data={"name": "Andet navn", "municipality": muni("860")})

    assert exc.value.code == "company_exists"
    assert str(exc.value.message) == (
        f"Virksomheden med CVR-nummer {known.cvr} findes allerede i registret (Syntetisk Bageri ApS)."
    )
    assert Company.objects.count() == 1


def test_steering_group_cannot_create(steering):
    with pytest.raises(Forbidden):
        company_create(user=steering, cvr=next_cvr(), data={"name": "X", "municipality": muni("860")})
    assert Company.objects.count() == 0


def test_update_changes_facts_and_bumps_version(staff):
    company = CompanyFactory(name="Gammelt navn ApS")

    updated = company_update(
        user=staff,
        company=company,
        data={"name": "Nyt navn ApS", "has_highly_educated_staff": True, "industry": Industry.objects.get(pk="J")},
        version=1,
    )

    company.refresh_from_db()
    assert (company.name, company.has_highly_educated_staff, company.industry_id, company.version) == (
        "Nyt navn ApS",
        True,
        "J",
        2,
    )
    assert updated.version == 2
    entry = LogEntry.objects.get_for_object(company).filter(action=LogEntry.Action.UPDATE).get()
    assert set(entry.changes_dict) == {"name", "has_highly_educated_staff", "industry"}


def test_update_with_stale_version_is_a_conflict_and_changes_nothing(staff):
    company = CompanyFactory(name="Første ApS")
    company_update(user=staff, company=company, data={"name": "Anden ApS"}, version=1)

    with pytest.raises(Conflict):
        company_update(user=staff, company=company, data={"name": "Tredje ApS"}, version=1)

    company.refresh_from_db()
    assert (company.name, company.version) == ("Anden ApS", 2)


def test_update_of_a_tombstone_is_refused(lead):
    survivor, merged = CompanyFactory(), CompanyFactory(name="Dublet ApS")
    company_merge(user=lead, survivor=survivor, merged=merged)
    merged.refresh_from_db()

    with pytest.raises(ValidationFailed) as exc:
        company_update(user=lead, company=merged, data={"name": "X"}, version=merged.version)

    assert exc.value.code == "company_merged"
    assert Company.objects.get(pk=merged.pk).name == "Dublet ApS"


def test_get_or_create_follows_a_tombstone_and_fills_highly_educated(lead):
    survivor, merged = CompanyFactory(), CompanyFactory()
    company_merge(user=lead, survivor=survivor, merged=merged)

    company, created = company_get_or_create(cvr=merged.cvr, has_highly_educated_staff=True)

    assert (company.pk, created) == (survivor.pk, False)
    assert Company.objects.get(pk=survivor.pk).has_highly_educated_staff is True


# --- Production units ------------------------------------------------------------------------------


def test_unit_gets_municipality_from_postal_code_and_first_is_primary(staff):
    company = CompanyFactory()

    first = production_unit_add(
        user=staff, company=company, data={"address": "Havnevej 1", "postal_code": "9800", "city": "Hjørring"}
    )
    second = production_unit_add(
        user=staff,
        company=company,
        data={"address": "Toldbodgade 2", "postal_code": "7700", "city": "Thisted", "p_number": "1234567890"},
    )

    first.refresh_from_db()
    assert (first.municipality_id, first.is_primary) == ("860", True)
    assert (second.municipality_id, second.is_primary, second.p_number) == ("787", False, "1234567890")


def test_unknown_postal_code_gives_danish_message_and_saves_nothing(staff):
    company = CompanyFactory()

    with pytest.raises(ValidationFailed) as exc:
        production_unit_add(user=staff, company=company, data={"address": "Vej 1", "postal_code": "8000"})

    assert exc.value.code == "unknown_postal_code"
    assert exc.value.details == {
        "postal_code": ["Postnummeret 8000 findes ikke i referencedata for de nordjyske kommuner."]
    }
    assert ProductionUnit.objects.count() == 0


def test_postal_code_in_several_municipalities_needs_the_municipality(staff):
    company = CompanyFactory()

    with pytest.raises(ValidationFailed) as exc:
        production_unit_add(user=staff, company=company, data={"address": "Vej 1", "postal_code": "9330"})

    assert exc.value.code == "municipality_required"
    assert exc.value.details == {
        "municipality": ["Postnummeret 9330 ligger i flere kommuner (Brønderslev, Frederikshavn). Vælg kommunen."]
    }
    assert ProductionUnit.objects.count() == 0

    unit = production_unit_add(
        user=staff, company=company, data={"address": "Vej 1", "postal_code": "9330", "municipality": muni("813")}
    )
    assert unit.municipality_id == "813"


def test_municipality_outside_the_postal_code_is_refused(staff):
    company = CompanyFactory()

    with pytest.raises(ValidationFailed) as exc:
        production_unit_add(
            user=staff, company=company, data={"address": "Vej 1", "postal_code": "9800", "municipality": muni("851")}
        )

    assert exc.value.details == {
        "municipality": ["Postnummeret 9800 ligger ikke i Aalborg Kommune. Det ligger i: Hjørring."]
    }
    assert ProductionUnit.objects.count() == 0


def test_bad_p_number_and_duplicate_p_number_are_refused(staff):
    company = CompanyFactory()
    production_unit_add(
        user=staff, company=company, data={"address": "Vej 1", "postal_code": "9800", "p_number": "1000000001"}
    )

    with pytest.raises(ValidationFailed) as bad:
        production_unit_add(
            user=staff, company=company, data={"address": "Vej 2", "postal_code": "9800", "p_number": "12345"}
        )
    with pytest.raises(ValidationFailed) as duplicate:
        production_unit_add(
            user=staff, company=company, data={"address": "Vej 3", "postal_code": "9800", "p_number": "1000000001"}
        )

    assert bad.value.details == {"p_number": ["P-nummeret skal bestå af 10 cifre."]}
    assert duplicate.value.details == {
        "p_number": ["Virksomheden har allerede en produktionsenhed med P-nummer 1000000001."]
    }
    assert ProductionUnit.objects.count() == 1


def test_making_a_unit_primary_unsets_the_other(staff):
    company = CompanyFactory()
    first = production_unit_add(user=staff, company=company, data={"address": "Vej 1", "postal_code": "9800"})
    second = production_unit_add(user=staff, company=company, data={"address": "Vej 2", "postal_code": "9000"})

    production_unit_update(
        user=staff, unit=second, data={"address": "Vej 2", "postal_code": "9000", "is_primary": True}
    )

    assert list(company.units.filter(is_primary=True)) == [second]
    first.refresh_from_db()
    assert first.is_primary is False


def test_delete_unit(staff):
    company = CompanyFactory()
    unit = production_unit_add(user=staff, company=company, data={"address": "Vej 1", "postal_code": "9800"})

    production_unit_delete(user=staff, unit=unit)

    assert ProductionUnit.objects.count() == 0


# --- Merge -----------------------------------------------------------------------------------------


@pytest.fixture
def duplicate_pair(staff):
    """The same company registered twice: `merged` has history of every kind, `survivor` has a match."""
    survivor = CompanyFactory(name="Syntetisk Maskinfabrik A/S", municipality=muni("860"))
    merged = CompanyFactory(
        name="Syntetisk Maskinfabrik", municipality=muni("860"), industry_id="C", size_class_id="medium"
    )
    production_unit_add(user=staff, company=survivor, data={"address": "Havnevej 1", "postal_code": "9800"})
    production_unit_add(user=staff, company=merged, data={"address": "Industrivej 9", "postal_code": "9800"})
    make_match(organisation="jobcenter-hjoerring", company=survivor)
    make_match(organisation="aau", company=merged)
    make_match(organisation="jobcenter-hjoerring", company=merged, match_type="student_job")
    hjoerring = Organisation.objects.get(slug="jobcenter-hjoerring")
    need = Need.objects.create(
        company=merged, title="Studerende til dataprojekt", tasks="Dataanalyse", owner_organisation=hjoerring
    )
    ContactEntry.objects.create(company=merged, organisation=hjoerring, author=staff, topic="Første møde")
    Handover.objects.create(
        company=merged,
        need=need,
        from_organisation=hjoerring,
        to_organisation=Organisation.objects.get(slug="aau"),
        message="Virksomheden vil gerne have en studerende",
    )
    return survivor, merged


def test_merge_moves_everything_and_keeps_history(lead, duplicate_pair):
    survivor, merged = duplicate_pair
    merged_cvr = merged.cvr

    record = company_merge(user=lead, survivor=survivor, merged=merged, reason="Oprettet to gange")

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into == survivor
    assert Match.objects.filter(company=survivor).count() == 3
    assert Match.objects.filter(company=merged).count() == 0
    assert Need.objects.get().company == survivor
    assert ContactEntry.objects.get().company == survivor
    assert Handover.objects.get().company == survivor
    assert sorted(survivor.units.values_list("address", "is_primary")) == [
        ("Havnevej 1", True),
        ("Industrivej 9", False),
    ]
    # empty facts of the survivor are filled from the merged record; its own stay
    assert (survivor.name, survivor.industry_id, survivor.size_class_id) == ("Syntetisk Maskinfabrik A/S", "C", "medium")
    assert (record.survivor, record.merged, record.merged_cvr, record.merged_name, record.reason, record.merged_by) == (
        survivor,
        merged,
        merged_cvr,
        "Syntetisk Maskinfabrik",
        "Oprettet to gange",
        lead,
    )
    # every other relation to a company (other apps add their own) moved nothing
    assert record.moved == {
        **dict.fromkeys(record.moved, 0),
        "units": 1,
        "contact_entries": 1,
        "handovers": 1,
        "needs": 1,
        "matches": 2,
        "merged_records": 0,
        "filled": ["industry", "size_class"],
    }
    # the old CVR number finds the survivor; the list leaves the tombstone out
    assert company_by_cvr(merged_cvr) == survivor
    assert list(company_list().filter(pk__in=[survivor.pk, merged.pk])) == [survivor]
    # each moved match has its own audit entry
    moved_match = Match.objects.filter(registering_org__slug="aau").get()
    assert LogEntry.objects.get_for_object(moved_match).filter(action=LogEntry.Action.UPDATE).count() == 1


def test_merge_repoints_earlier_tombstones_so_there_are_no_chains(lead):
    a, b, c = CompanyFactory(), CompanyFactory(), CompanyFactory()
    company_merge(user=lead, survivor=b, merged=a)

    record = company_merge(user=lead, survivor=c, merged=b)

    a.refresh_from_db()
    assert a.merged_into == c
    assert record.moved["merged_records"] == 1
    assert company_by_cvr(a.cvr) == c


def test_merge_into_itself_is_refused(lead):
    company = CompanyFactory()

    with pytest.raises(ValidationFailed) as exc:
        company_merge(user=lead, survivor=company, merged=company)

    assert exc.value.code == "merge_same"
    assert CompanyMerge.objects.count() == 0


def test_merging_an_already_merged_record_is_refused(lead):
    survivor, merged, other = CompanyFactory(), CompanyFactory(name="Dublet ApS"), CompanyFactory()
    company_merge(user=lead, survivor=survivor, merged=merged)

    with pytest.raises(ValidationFailed) as exc:
        company_merge(user=lead, survivor=other, merged=merged)

    assert exc.value.code == "merge_already_merged"
    assert str(exc.value.message) == f"Dublet ApS (CVR {merged.cvr}) er allerede lagt sammen med en anden virksomhed."
    assert Company.objects.get(pk=merged.pk).merged_into_id == survivor.pk
    assert CompanyMerge.objects.count() == 1


def test_merging_into_a_tombstone_is_refused(lead):
    survivor, merged, other = CompanyFactory(), CompanyFactory(), CompanyFactory()
    company_merge(user=lead, survivor=survivor, merged=merged)

    with pytest.raises(ValidationFailed) as exc:
        company_merge(user=lead, survivor=merged, merged=other)

    assert exc.value.code == "merge_into_tombstone"
    assert Company.objects.get(pk=other.pk).merged_into_id is None
    assert CompanyMerge.objects.count() == 1


def test_partner_staff_may_not_merge_but_coordinator_may(staff, coordinator):
    a, b = CompanyFactory(), CompanyFactory()
    make_match(company=b)

    with pytest.raises(Forbidden):
        company_merge(user=staff, survivor=a, merged=b)
    assert (Company.objects.get(pk=b.pk).merged_into_id, Match.objects.get().company_id) == (None, b.pk)

    company_merge(user=coordinator, survivor=a, merged=b)
    assert Match.objects.get().company_id == a.pk


# --- Selectors -------------------------------------------------------------------------------------


def test_filter_by_name_cvr_p_number_municipality_industry_size_and_staff(staff, lead):
    smedie = CompanyFactory(
        name="Syntetisk Smedie ApS", municipality=muni("860"), industry_id="C", size_class_id="small",
        has_highly_educated_staff=False,
    )
    software = CompanyFactory(
        name="Syntetisk Software A/S", municipality=muni("851"), industry_id="J", has_highly_educated_staff=True
    )
    production_unit_add(
        user=staff, company=software, data={"address": "Vej 1", "postal_code": "7700", "p_number": "1017000001"}
    )
    old = CompanyFactory(name="Software (gammel post)")
    company_merge(user=lead, survivor=software, merged=old)

    def names(**kw):
        return sorted(c.name for c in company_filter(**kw))

    assert names(q="smedie") == ["Syntetisk Smedie ApS"]
    assert names(q=smedie.cvr[:5]) == sorted(c.name for c in company_list().filter(cvr__startswith=smedie.cvr[:5]))
    assert names(q=smedie.cvr) == ["Syntetisk Smedie ApS"]
    assert names(q="1017000") == ["Syntetisk Software A/S"]
    assert names(q=old.cvr) == ["Syntetisk Software A/S"]
    assert names(municipality="787") == ["Syntetisk Software A/S"]  # its unit is in Thisted
    assert names(municipality=muni("860")) == ["Syntetisk Smedie ApS"]
    assert names(industry="c") == ["Syntetisk Smedie ApS"]
    assert names(size_class="small") == ["Syntetisk Smedie ApS"]
    assert names(has_highly_educated_staff=True) == ["Syntetisk Software A/S"]
    assert names(has_highly_educated_staff=False) == ["Syntetisk Smedie ApS"]
    assert names(q="", municipality="", industry=None) == ["Syntetisk Smedie ApS", "Syntetisk Software A/S"]


def test_record_by_cvr_returns_the_tombstone_itself(lead):
    survivor, merged = CompanyFactory(), CompanyFactory()
    company_merge(user=lead, survivor=survivor, merged=merged)

    assert company_record_by_cvr(merged.cvr) == merged
    assert company_record_by_cvr(INVALID_CVR) is None


def test_related_counts_preview_what_a_merge_moves(duplicate_pair):
    _survivor, merged = duplicate_pair

    counts = company_related_counts(merged)

    assert counts == {
        **dict.fromkeys(counts, 0),  # other apps' relations to a company: nothing to move
        "units": 1,
        "contact_entries": 1,
        "handovers": 1,
        "needs": 1,
        "matches": 2,
        "merged_records": 0,
    }
