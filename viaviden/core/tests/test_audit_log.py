"""The audit-log page (coordinators only) and the per-object history."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from viaviden.companies.services import company_get_or_create
from viaviden.core.audit import acting_as, object_history
from viaviden.matches.models import Match
from viaviden.matches.services import MatchData, match_register
from viaviden.organisations.models import Organisation
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reference.models import EducationLevel, MatchType, Municipality

pytestmark = pytest.mark.django_db

CVRS = ["10000009", "10000017", "10000025", "10000033", "10000041", "10000068"]


def register_match(user, *, cvr="10000009", person_name="", start=dt.date(2021, 3, 1)) -> Match:
    with acting_as(user):
        company, _ = company_get_or_create(
            cvr=cvr, name=f"Testfirma {cvr}", municipality=Municipality.objects.get(code="860")
        )
        result = match_register(
            user=user,
            organisation=Organisation.objects.get(slug="jobcenter-hjoerring"),
            data=MatchData(
                company=company,
                match_type=MatchType.objects.get(code="ordinary_job"),
                start_date=start,
                education_level=EducationLevel.objects.get(code="LVU"),
                education="Cand.merc.",
                person_name=person_name,
                person_consent=bool(person_name),
            ),
        )
    return result.match


@pytest.fixture
def coordinator():
    return UserFactory(role="coordinator", first_name="Karin", last_name="Koordinator")


def test_audit_log_sends_anonymous_to_login(client):
    response = client.get(reverse("audit_log"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/revision/"


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        ("partner_staff", "jobcenter-hjoerring"),
        ("partner_lead", "jobcenter-hjoerring"),
        ("partner_lead", "aau"),
        ("steering_group", "kkr-nordjylland"),
    ],
)
def test_audit_log_is_forbidden_for_non_coordinators(staff_client, role, organisation):
    client = staff_client(UserFactory(role=role, organisation=organisation))

    response = client.get(reverse("audit_log"))

    assert response.status_code == 403


def test_coordinator_sees_match_creation_with_actor(staff_client, coordinator):
    match = register_match(coordinator)
    client = staff_client(coordinator)

    response = client.get(reverse("audit_log"))

    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    match_entries = [e for e in entries if e.content_type.model == "match"]
    assert len(match_entries) == 1
    entry = match_entries[0]
    assert entry.object_pk == str(match.pk)
    assert entry.actor == coordinator
    assert entry.action_label == "Oprettet"
    body = response.content.decode()
    assert f"Match #{match.pk}" in body
    assert "Karin Koordinator" in body
    assert "Koordinationsgruppe" in body or "koordination" in body.lower()
    # Foreign keys are shown by name, choices by label.
    rows = {row.field: row for row in entry.change_rows}
    assert rows["matchtype"].new == "Ordinært job"
    assert rows["matchtype"].old == "—"
    assert rows["status"].new == "Registreret"
    assert rows["startdato"].new == "01-03-2021"
    assert rows["uden for Aalborg"].new == "Ja"
    # A new object lists only the values it was created with; no reverse relations, no empty fields.
    assert "contributions" not in rows
    assert "id" not in rows
    assert "begrundelse for afvisning" not in rows


def test_administrator_may_see_audit_log(staff_client):
    response = staff_client(UserFactory(role="administrator")).get(reverse("audit_log"))

    assert response.status_code == 200


def test_audit_log_filters(staff_client, coordinator):
    other = UserFactory(role="coordinator")
    first = register_match(coordinator, cvr=CVRS[0])
    second = register_match(other, cvr=CVRS[1])
    client = staff_client(coordinator)

    def objects(query):
        response = client.get(reverse("audit_log"), query)
        assert response.status_code == 200
        return [(e.content_type.model, e.object_pk) for e in response.context["page"].object_list]

    assert objects({"type": "match"}) == [("match", str(second.pk)), ("match", str(first.pk))]
    assert objects({"type": "company"}) == [
        ("company", str(second.company_id)),
        ("company", str(first.company_id)),
    ]
    assert objects({"type": "match", "actor": coordinator.pk}) == [("match", str(first.pk))]
    assert objects({"type": "match", "object_id": str(second.pk)}) == [("match", str(second.pk))]
    assert objects({"action": "delete"}) == []
    assert objects({"type": "match", "action": "create"}) == [("match", str(second.pk)), ("match", str(first.pk))]


def test_audit_log_invalid_filter_shows_error_and_no_rows(staff_client, coordinator):
    register_match(coordinator)

    response = staff_client(coordinator).get(reverse("audit_log"), {"type": "nonsense"})

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert response.context["form"].errors["type"]


def test_audit_log_shows_updates_with_old_and_new_value(staff_client, coordinator):
    match = register_match(coordinator)
    with acting_as(coordinator):
        match.activity_note = "Fra jobmessen"
        match.save()

    response = staff_client(coordinator).get(reverse("audit_log"), {"type": "match", "action": "update"})

    entries = list(response.context["page"].object_list)
    assert len(entries) == 1
    rows = {row.field: (row.old, row.new) for row in entries[0].change_rows}
    assert rows == {"aktivitet, uddybning": ("—", "Fra jobmessen")}
    assert "Fra jobmessen" in response.content.decode()


def test_audit_log_is_paginated_by_50(staff_client, coordinator):
    match = register_match(coordinator)
    with acting_as(coordinator):
        for i in range(55):
            match.activity_note = f"note {i}"
            match.save()
    client = staff_client(coordinator)

    first = client.get(reverse("audit_log"), {"type": "match"})
    second = client.get(reverse("audit_log"), {"type": "match", "page": 2})

    assert first.context["page"].paginator.count == 56
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 6
    assert first.context["page"].object_list[0].changes_dict["activity_note"][1] == "note 54"


def test_audit_log_query_count_does_not_grow_with_rows(staff_client, coordinator):
    register_match(coordinator, cvr=CVRS[0])
    client = staff_client(coordinator)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("audit_log")).status_code == 200
    for cvr in CVRS[1:]:
        register_match(UserFactory(role="coordinator"), cvr=cvr)

    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("audit_log")).status_code == 200

    assert len(many) <= len(few)


def test_object_history_lists_one_objects_entries_and_masks_person_data(coordinator):
    match = register_match(coordinator, person_name="Karen Hansen")
    register_match(coordinator, cvr=CVRS[1])

    history = object_history(match)
    html = render_to_string("core/partials/object_history.html", {"entries": history})

    assert [(e.object_pk, e.action) for e in history] == [(str(match.pk), LogEntry.Action.CREATE)]
    assert "Karen Hansen" not in html
    assert "personoplysning – vises ikke" in html
    assert "Oprettet" in html
    assert "Karin Koordinator" in html


def test_object_history_of_object_without_entries_renders_empty_state(coordinator):
    html = render_to_string("core/partials/object_history.html", {"entries": object_history(coordinator)})

    assert "Der er ingen historik for dette objekt." in html


def test_audit_field_names_read_as_words_in_danish_and_english():
    """Issue 14: the audit log showed raw field names such as "granted at" and "reserved amount ore"."""
    from django.utils import translation

    from viaviden.core.audit import FIELD_LABELS

    assert str(FIELD_LABELS["granted_at"]) == "bevilget"
    with translation.override("en"):
        assert str(FIELD_LABELS["reserved_amount_ore"]) == "reserved amount (øre)"
        assert str(FIELD_LABELS["granted_at"]) == "granted at"
