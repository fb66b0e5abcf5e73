"""Match registry services: registration, duplicates, consent, optimistic locking, verify/reject."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import override_settings

from viaviden.companies.models import Company
from viaviden.core.audit import acting_as
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.models import Match, MatchContribution
from viaviden.matches.services import (
    MatchData,
    match_register,
    match_reject,
    match_update,
    match_verify,
    person_key_for,
    person_keyer,
)
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

pytestmark = pytest.mark.django_db


def _user(username, org_slug, role=User.Role.PARTNER_STAFF):
    return User.objects.create_user(username, password="x" * 14, role=role,
                                    organisation=Organisation.objects.get(slug=org_slug))


def _company(cvr="12345674", municipality="787"):
    return Company.objects.create(cvr=cvr, name="Syntetisk Smedie ApS", municipality_id=municipality)


def _data(company, **kw):
    defaults = {
        "company": company, "match_type": MatchType.objects.get(code="ordinary_job"),
        "start_date": dt.date(2021, 3, 1), "education_level": EducationLevel.objects.get(code="KVU"),
        "education": "Datamatiker", "institution": "UCN",
    }
    return MatchData(**{**defaults, **kw})


def test_register_derives_fields_from_workplace_and_date():
    user = _user("hj", "jobcenter-hjoerring")
    result = match_register(user=user, organisation=user.organisation, data=_data(_company()))
    m = result.match
    assert not result.merged
    assert (m.municipality_id, m.outside_aalborg, m.project_year, m.half_year) == ("787", True, 2020, "2021-H1")
    assert m.partner.slug == "kommune-hjoerring"
    assert m.target_part == "municipal"
    assert list(m.contributions.values_list("organisation__slug", "role")) == [("jobcenter-hjoerring", "registered")]


def test_register_in_aalborg_for_university_counts_in_partner_part():
    user = _user("aau", "aau")
    m = match_register(user=user, organisation=user.organisation,
                       data=_data(_company(municipality="851"), start_date=dt.date(2022, 9, 1))).match
    assert (m.outside_aalborg, m.project_year, m.half_year, m.target_part, m.partner.slug) == (
        False, 2022, "2022-H2", "partner", "aau")


def test_same_person_company_type_in_window_merges_and_keeps_contributor():
    company = _company()
    hj, cme = _user("hj", "jobcenter-hjoerring"), _user("cme", "central-matchningsenhed")
    first = match_register(user=hj, organisation=hj.organisation, data=_data(company, person_identifier="p-17")).match
    second = match_register(user=cme, organisation=cme.organisation,
                            data=_data(company, person_identifier=" P-17 ", start_date=dt.date(2021, 3, 20)))
    assert second.merged and second.match.pk == first.pk
    assert Match.objects.count() == 1
    assert set(MatchContribution.objects.values_list("organisation__slug", "role")) == {
        ("jobcenter-hjoerring", "registered"), ("central-matchningsenhed", "duplicate")}


def test_same_person_outside_window_is_a_new_match():
    company = _company()
    hj = _user("hj", "jobcenter-hjoerring")
    match_register(user=hj, organisation=hj.organisation, data=_data(company, person_identifier="p-17"))
    later = match_register(user=hj, organisation=hj.organisation,
                           data=_data(company, person_identifier="p-17", start_date=dt.date(2021, 6, 1)))
    assert not later.merged and Match.objects.count() == 2


def test_without_person_key_similar_match_is_flagged_not_merged():
    company = _company()
    hj = _user("hj", "jobcenter-hjoerring")
    first = match_register(user=hj, organisation=hj.organisation, data=_data(company)).match
    second = match_register(user=hj, organisation=hj.organisation, data=_data(company)).match
    assert second.pk != first.pk and second.possible_duplicate_of_id == first.pk


def test_person_name_without_consent_is_refused_and_nothing_saved():
    hj = _user("hj", "jobcenter-hjoerring")
    with pytest.raises(ValidationFailed) as exc:
        match_register(user=hj, organisation=hj.organisation, data=_data(_company(), person_name="Anna Jensen"))
    assert exc.value.code == "consent_required"
    assert Match.objects.count() == 0 and MatchContribution.objects.count() == 0


def test_start_date_outside_every_programme_is_refused():
    hj = _user("hj", "jobcenter-hjoerring")
    with pytest.raises(ValidationFailed) as exc:
        match_register(user=hj, organisation=hj.organisation, data=_data(_company(), start_date=dt.date(2019, 1, 1)))
    assert exc.value.code == "outside_programme" and Match.objects.count() == 0


def test_cannot_register_for_another_partner():
    hj = _user("hj", "jobcenter-hjoerring")
    with pytest.raises(Forbidden):
        match_register(user=hj, organisation=Organisation.objects.get(slug="jobcenter-aalborg"), data=_data(_company()))
    assert Match.objects.count() == 0


def test_stale_version_is_refused_and_other_edit_kept():
    hj = _user("hj", "jobcenter-hjoerring")
    m = match_register(user=hj, organisation=hj.organisation, data=_data(_company())).match
    match_update(user=hj, match=Match.objects.get(pk=m.pk), version=1, changes={"education": "Multimediedesigner"})
    with pytest.raises(Conflict):
        match_update(user=hj, match=Match.objects.get(pk=m.pk), version=1, changes={"education": "Finansøkonom"})
    m.refresh_from_db()
    assert (m.education, m.version) == ("Multimediedesigner", 2)


def test_edit_moving_workplace_recomputes_derived_fields():
    hj = _user("hj", "jobcenter-hjoerring")
    m = match_register(user=hj, organisation=hj.organisation, data=_data(_company())).match
    m = match_update(user=hj, match=m, version=m.version,
                     changes={"municipality": Municipality.objects.get(code="851"), "start_date": dt.date(2021, 8, 2)})
    assert (m.outside_aalborg, m.project_year, m.half_year) == (False, 2021, "2021-H2")


def test_only_lead_of_the_partner_verifies_and_audit_names_the_actor():
    staff, lead = _user("hj", "jobcenter-hjoerring"), _user("hjl", "erhvervskontor-hjoerring", User.Role.PARTNER_LEAD)
    other_lead = _user("aal", "jobcenter-aalborg", User.Role.PARTNER_LEAD)
    m = match_register(user=staff, organisation=staff.organisation, data=_data(_company())).match
    with pytest.raises(Forbidden):
        match_verify(user=staff, match=m, version=m.version)
    with pytest.raises(Forbidden):
        match_verify(user=other_lead, match=m, version=m.version)
    with acting_as(lead):
        m = match_verify(user=lead, match=m, version=m.version)
    assert m.status == Match.Status.VERIFIED and m.verified_by == lead
    entry = LogEntry.objects.get_for_object(m).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == lead and entry.changes_dict["status"] == ["registered", "verified"]


def test_reject_needs_reason():
    lead = _user("hjl", "jobcenter-hjoerring", User.Role.PARTNER_LEAD)
    m = match_register(user=lead, organisation=lead.organisation, data=_data(_company())).match
    with pytest.raises(ValidationFailed):
        match_reject(user=lead, match=m, version=m.version, reason="  ")
    m.refresh_from_db()
    assert m.status == Match.Status.REGISTERED
    m = match_reject(user=lead, match=m, version=m.version, reason="Personen er ikke højtuddannet")
    assert m.status == Match.Status.REJECTED


def test_a_person_key_is_the_same_however_the_identifier_is_spaced_or_cased_and_follows_the_pepper():
    key = person_key_for("Mette.Syntetisk@Example.org")
    assert len(key) == 64 and key == person_key_for("  mette.syntetisk@example.org\t")
    assert person_key_for("anne  marie") == person_key_for("Anne Marie") != person_key_for("annemarie")
    assert person_key_for("   ") == ""
    # An import's keyer reads the pepper once, when it is made, and gives the same keys.
    keyer = person_keyer()
    assert keyer("MetTe.syntetisk@example.org ") == key and keyer("") == ""
    with override_settings(PERSON_KEY_PEPPER="another-pepper-0123456789"):
        assert person_key_for("mette.syntetisk@example.org") != key
        assert person_keyer()("mette.syntetisk@example.org") == person_key_for("mette.syntetisk@example.org")
        assert keyer("mette.syntetisk@example.org") == key  # made before: the pepper it read
