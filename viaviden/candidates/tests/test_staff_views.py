"""Staff candidate pages: the permission matrix for every URL, masking in list and detail, creating a
profile on a person's behalf with recorded consent, erasure on request, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.candidates.models import Candidate
from viaviden.organisations.tests.factories import UserFactory

from .factories import make_candidate

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Karen Syntetisk", "karen.syntetisk@example.dk", "+45 31 41 59 26"


@pytest.fixture
def candidate():
    """Jobcenter Hjørring works with Karen; she agreed to matching, not to sharing with everyone."""
    return make_candidate(name=NAME, email=EMAIL, phone=PHONE, organisation="jobcenter-hjoerring",
                          consents=["matching"])


USERS = {
    "other_org": {"organisation": "jobcenter-aalborg", "role": "partner_staff"},
    "own_org": {"organisation": "jobcenter-hjoerring", "role": "partner_staff"},
    "own_municipality": {"organisation": "erhvervskontor-hjoerring", "role": "partner_lead"},
    "coordinator": {"organisation": "koordinationsgruppen", "role": "coordinator"},
    "steering": {"organisation": "kkr-nordjylland", "role": "steering_group"},
    "no_org": {"organisation": None, "role": "partner_staff"},
}


def shows_person(response) -> bool:
    body = response.content.decode()
    return NAME in body or EMAIL in body or PHONE in body


@pytest.mark.parametrize("url_name", ["candidate_list", "candidate_detail", "candidate_create",
                                      "candidate_staff_erase"])
def test_anonymous_visitors_go_to_the_login_page(url_name, candidate):
    args = [candidate.pk] if url_name in ("candidate_detail", "candidate_staff_erase") else []

    response = Client().get(reverse(url_name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "url_name", "status", "revealed"),
    [
        ("steering", "candidate_list", 403, False),
        ("steering", "candidate_detail", 403, False),
        ("steering", "candidate_create", 403, False),
        ("steering", "candidate_staff_erase", 403, False),
        ("no_org", "candidate_list", 403, False),
        ("no_org", "candidate_detail", 403, False),
        ("no_org", "candidate_create", 403, False),
        ("other_org", "candidate_list", 200, False),
        ("other_org", "candidate_detail", 200, False),
        ("other_org", "candidate_create", 200, False),
        ("other_org", "candidate_staff_erase", 403, False),
        ("own_org", "candidate_list", 200, True),
        ("own_org", "candidate_detail", 200, True),
        ("own_org", "candidate_create", 200, False),
        ("own_org", "candidate_staff_erase", 200, True),
        ("own_municipality", "candidate_list", 200, True),
        ("own_municipality", "candidate_detail", 200, True),
        ("coordinator", "candidate_list", 200, False),
        ("coordinator", "candidate_detail", 200, False),
        ("coordinator", "candidate_create", 200, False),
        ("coordinator", "candidate_staff_erase", 200, False),
    ],
)
def test_permission_matrix(who, url_name, status, revealed, candidate, staff_client):
    client = staff_client(UserFactory(**USERS[who]))
    args = [candidate.pk] if url_name in ("candidate_detail", "candidate_staff_erase") else []

    response = client.get(reverse(url_name, args=args))

    assert response.status_code == status
    assert shows_person(response) is revealed
    if status == 200 and url_name in ("candidate_list", "candidate_detail"):
        assert f"Kandidat K-{candidate.pk}" in response.content.decode()


@pytest.mark.parametrize("who", ["other_org", "coordinator"])
def test_with_a_sharing_consent_every_partner_sees_name_and_contact_details(who, candidate, staff_client):
    from viaviden.candidates.services import consent_give

    consent_give(candidate=candidate, purpose="sharing")
    client = staff_client(UserFactory(**USERS[who]))

    for url in (reverse("candidate_list"), reverse("candidate_detail", args=[candidate.pk])):
        assert shows_person(client.get(url)), url


def test_a_candidate_without_consent_is_invisible_to_other_organisations(staff_client):
    private = make_candidate(name=NAME, email=EMAIL, organisation="jobcenter-hjoerring")
    client = staff_client(UserFactory(**USERS["other_org"]))

    assert client.get(reverse("candidate_detail", args=[private.pk])).status_code == 404
    assert f"K-{private.pk}" not in client.get(reverse("candidate_list")).content.decode()
    own = staff_client(UserFactory(**USERS["own_org"]))
    assert own.get(reverse("candidate_detail", args=[private.pk])).status_code == 200


def test_viewing_a_revealed_detail_page_is_audit_logged(candidate, staff_client):
    user = UserFactory(**USERS["own_org"])

    staff_client(user).get(reverse("candidate_detail", args=[candidate.pk]))
    staff_client(UserFactory(**USERS["other_org"])).get(reverse("candidate_detail", args=[candidate.pk]))

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(candidate.pk))
    assert [(e.actor, e.object_repr, e.additional_data["via"]) for e in entries] == [
        (user, f"Kandidat K-{candidate.pk}", "web")
    ]


def test_names_shown_in_the_list_are_audit_logged(candidate, staff_client):
    masked = make_candidate(consents=["matching"])
    user = UserFactory(**USERS["own_org"])

    staff_client(user).get(reverse("candidate_list"))

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(e.object_pk, e.actor, e.additional_data["via"]) for e in entries] == [(str(candidate.pk), user, "web-list")]
    assert str(masked.pk) not in {e.object_pk for e in entries}


def test_the_list_query_count_does_not_grow_with_candidates(staff_client, django_assert_max_num_queries):
    user = UserFactory(**USERS["own_org"])
    client = staff_client(user)
    for i in range(3):
        make_candidate(organisation="jobcenter-hjoerring" if i % 2 else None, consents=["matching", "sharing"][:1 + i % 2],
                       match_types=("student_job", "ordinary_job"))

    with django_assert_max_num_queries(20) as few:
        first = client.get(reverse("candidate_list"))
    for i in range(20):
        make_candidate(organisation="jobcenter-hjoerring" if i % 2 else None, consents=["matching", "sharing"][:1 + i % 2],
                       match_types=("student_job", "ordinary_job"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        second = client.get(reverse("candidate_list"))

    assert first.status_code == second.status_code == 200
    assert "23 kandidater" in second.content.decode()


def test_list_filters(candidate, staff_client):
    other = make_candidate(programme="cand-merc-finance-aau", municipality="787", consents=["matching"],
                           match_types=("ordinary_job",))
    client = staff_client(UserFactory(**USERS["other_org"]))

    by_level = client.get(reverse("candidate_list"), {"level": "LVU"}).content.decode()
    by_place = client.get(reverse("candidate_list"), {"home_municipality": "851"}).content.decode()
    by_type = client.get(reverse("candidate_list"), {"match_type": "ordinary_job"}).content.decode()

    assert f"K-{other.pk}" in by_level and f"K-{candidate.pk}" not in by_level
    assert f"K-{candidate.pk}" in by_place and f"K-{other.pk}" not in by_place
    assert f"K-{other.pk}" in by_type and f"K-{candidate.pk}" not in by_type


# --- Create on behalf --------------------------------------------------------------------------------


def create_data(**overrides) -> dict:
    data = {
        "email": "ny.person@example.dk",
        "kind": "unemployed",
        "name": "Ny Syntetisk Person",
        "phone": "",
        "programme": "",
        "education_text": "Cand.scient.pol.",
        "institution": "AAU",
        "level": "LVU",
        "competences": "Analyse og kommunikation",
        "match_types": ["ordinary_job", "wage_subsidy"],
        "home_municipality": "860",
        "consent_matching": "on",
        "consent_company_contact": "on",
        "consent_method": "mundtligt ved samtale",
        "consent_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    data.update(overrides)
    return data


def test_create_on_behalf_records_who_how_and_when(staff_client, django_capture_on_commit_callbacks):
    user = UserFactory(**USERS["own_org"])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(user).post(reverse("candidate_create"), create_data())

    candidate = Candidate.objects.get(email="ny.person@example.dk")
    assert response.status_code == 302 and response["Location"] == reverse("candidate_detail", args=[candidate.pk])
    assert (candidate.organisation.slug, candidate.created_by, candidate.created_via) == (
        "jobcenter-hjoerring", user, "partner")
    assert sorted(candidate.match_types.values_list("code", flat=True)) == ["ordinary_job", "wage_subsidy"]
    consents = list(candidate.consents.order_by("purpose"))
    assert [(c.purpose, c.recorded_by, c.method, timezone.localtime(c.given_at).date()) for c in consents] == [
        ("company_contact", user, "mundtligt ved samtale", timezone.localdate() - dt.timedelta(days=1)),
        ("matching", user, "mundtligt ved samtale", timezone.localdate() - dt.timedelta(days=1)),
    ]
    assert [m.to for m in mail.outbox] == [["ny.person@example.dk"]]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent_matching": "", "consent_company_contact": ""}, "Personen skal have givet samtykke"),
        ({"consent_method": ""}, "Vælg, hvordan personen gav samtykke."),
        ({"consent_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "kan ikke ligge i fremtiden"),
        ({"email": EMAIL}, "Personen har allerede en profil"),
        ({"education_text": "", "level": ""}, "Vælg din uddannelse på listen"),
    ],
)
def test_create_on_behalf_refuses_and_saves_nothing(overrides, message, candidate, staff_client,
                                                    django_capture_on_commit_callbacks):
    client = staff_client(UserFactory(**USERS["own_org"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidate_create"), create_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(Candidate.objects.all()) == [candidate]
    assert mail.outbox == []


def test_the_steering_group_cannot_create(staff_client):
    response = staff_client(UserFactory(**USERS["steering"])).post(reverse("candidate_create"), create_data())

    assert response.status_code == 403
    assert not Candidate.objects.exists()


# --- Erasure on request ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["own_org", "coordinator"])
def test_erasure_on_request(who, candidate, staff_client, django_capture_on_commit_callbacks):
    client = staff_client(UserFactory(**USERS[who]))
    url = reverse("candidate_staff_erase", args=[candidate.pk])
    assert client.post(url, {}).status_code == 200  # not confirmed
    assert Candidate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302 and response["Location"] == reverse("candidate_list")
    assert not Candidate.objects.exists()
    assert LogEntry.objects.filter(object_pk=str(candidate.pk), additional_data__erasure=True).count() == 1
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert NAME not in mail.outbox[0].body


def test_other_organisations_cannot_erase(candidate, staff_client):
    response = staff_client(UserFactory(**USERS["other_org"])).post(
        reverse("candidate_staff_erase", args=[candidate.pk]), {"confirm": "on"})

    assert response.status_code == 403
    assert Candidate.objects.filter(pk=candidate.pk).exists()
