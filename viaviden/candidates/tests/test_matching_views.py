"""Matching suggestions in the browser: permission matrix for every URL, the suggestions page (ranked, reasons,
masked identity, buttons), the shortlist, contact (only with consent), registering a match from a suggestion,
the candidate's own page, and bounded query counts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from viaviden.candidates.models import Shortlist
from viaviden.candidates.services import consents_set
from viaviden.candidates.shortlist_services import shortlist_add
from viaviden.matches.models import Match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified

from .factories import candidate_client
from .matching_support import (  # noqa: F401
    AALBORG,
    THISTED,
    fresh_matching_index,
    partner_candidate,
    register_student,
    support_need,
)

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def own():
    """Staff of the need's owner organisation (Jobcenter Thisted)."""
    return UserFactory(organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF, email="own@thisted.dk")


@pytest.fixture
def other():
    return UserFactory(organisation="aau", role=User.Role.PARTNER_STAFF)


@pytest.fixture
def coordinator():
    return UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR, email="koord@example.dk")


@pytest.fixture
def steering():
    return UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)


@pytest.fixture
def need():
    return support_need(organisation="jobcenter-thisted")


@pytest.fixture
def student():
    return register_student(consents=["matching", "company_contact"])


@pytest.fixture
def entry(need, student, own):
    return shortlist_add(user=own, need=need, candidate=student, reasons=["Grund"])


# --- Permission matrix ---------------------------------------------------------------------------------

# (method, url name, argument, POST data, answer for own / other / coordinator)
URLS = [
    ("get", "need_suggestions", "need", None, (200, 200, 200)),
    ("get", "need_shortlist", "need", None, (200, 200, 200)),
    ("post", "shortlist_add", "need", "candidate", (302, 403, 302)),
    ("post", "shortlist_status", "entry", {"status": "interested"}, (302, 403, 302)),
    ("get", "shortlist_contact", "entry", None, (200, 403, 200)),
    ("get", "shortlist_match", "entry", None, (302, 302, 302)),
    ("get", "candidate_suggested_needs", "candidate", None, (200, 200, 200)),
]


def _call(client, method, name, arg, data, *, need, entry, student, extra):
    pk = {"need": need.pk, "entry": entry.pk, "candidate": student.pk}[arg]
    if data == "candidate":
        data = {"candidate": extra.pk}
    return getattr(client, method)(reverse(name, args=[pk]), data or {})


@pytest.fixture
def extra():
    """Another consenting candidate (one not on the shortlist yet)."""
    return register_student()


@pytest.mark.parametrize(("method", "name", "arg", "data", "answers"), URLS)
def test_anonymous_is_sent_to_login(method, name, arg, data, answers, need, entry, student, extra):
    response = _call(Client(), method, name, arg, data, need=need, entry=entry, student=student, extra=extra)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("method", "name", "arg", "data", "answers"), URLS)
def test_a_candidate_session_gives_no_access_to_staff_pages(
    method, name, arg, data, answers, need, entry, student, extra
):
    response = _call(
        candidate_client(student), method, name, arg, data, need=need, entry=entry, student=student, extra=extra
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("method", "name", "arg", "data", "answers"), URLS)
def test_steering_group_gets_403(method, name, arg, data, answers, need, entry, student, extra, steering):
    response = _call(
        client_for(steering), method, name, arg, data, need=need, entry=entry, student=student, extra=extra
    )

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "name", "arg", "data", "answers"), URLS)
@pytest.mark.parametrize("who", [0, 1, 2], ids=["own", "other", "coordinator"])
def test_staff_answers(method, name, arg, data, answers, who, need, entry, student, extra, own, other, coordinator):
    user = (own, other, coordinator)[who]

    response = _call(client_for(user), method, name, arg, data, need=need, entry=entry, student=student, extra=extra)

    assert response.status_code == answers[who]


def test_my_suggestions_needs_a_candidate_session(own):
    assert Client().get(reverse("my_suggestions"))["Location"] == reverse("candidate_start")
    assert client_for(own).get(reverse("my_suggestions"))["Location"] == reverse("candidate_start")


def test_my_suggestions_for_a_logged_in_candidate(need, student):
    response = candidate_client(student).get(reverse("my_suggestions"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_forbidden_writes_change_nothing(need, entry, extra, other):
    client = client_for(other)

    client.post(reverse("shortlist_add", args=[need.pk]), {"candidate": extra.pk})
    client.post(reverse("shortlist_status", args=[entry.pk]), {"status": "interested"})
    client.post(reverse("shortlist_contact", args=[entry.pk]), {"message": "Hej"})

    assert list(Shortlist.objects.values_list("candidate_id", "status")) == [(entry.candidate_id, "shortlisted")]
    assert not [m for m in mail.outbox if "søger en som dig" in m.subject]


def test_unknown_need_or_entry_is_404(own):
    client = client_for(own)

    assert client.get(reverse("need_suggestions", args=[999999])).status_code == 404
    assert client.get(reverse("shortlist_contact", args=[999999])).status_code == 404


# --- The suggestions page ------------------------------------------------------------------------------


def test_suggestions_page_lists_ranked_candidates_with_reasons_and_masked_identity(need, own):
    # given a masked candidate and one who shares their details
    masked = register_student(name="Maja Skjult", programme="datalogi-aau")
    register_student(name="Sofie Delt", consents=["matching", "sharing"])

    # when
    response = client_for(own).get(reverse("need_suggestions", args=[need.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Kandidat K-{masked.pk}" in html
    assert "Maja Skjult" not in html
    assert masked.email not in html
    assert "Sofie Delt" in html
    assert html.index("Sofie Delt") < html.index(f"Kandidat K-{masked.pk}")  # datamatiker before datalog
    assert "Matcher opgaveområdet &#x27;IT-drift og support&#x27; via uddannelsen Datamatiker" in html
    assert "Sæt på kortlisten" in html
    assert f"{reverse('match_create')}?need={need.pk}&amp;candidate={masked.pk}" in html
    assert response["Cache-Control"] == "no-store, private"


def test_contact_button_only_for_candidates_who_consented_to_contact(need, own):
    register_student(consents=["matching"])
    contactable = register_student(consents=["matching", "company_contact"])

    html = client_for(own).get(reverse("need_suggestions", args=[need.pk])).content.decode()

    assert html.count('name="then" value="contact"') == 1
    assert html.count("Kan ikke kontaktes") == 1
    assert f'value="{contactable.pk}">\n            <input type="hidden" name="then"' in html


def test_other_organisation_sees_suggestions_without_shortlist_buttons(need, other):
    register_student()

    html = client_for(other).get(reverse("need_suggestions", args=[need.pk])).content.decode()

    assert "Sæt på kortlisten" not in html
    assert "Registrér match" in html


def test_withdrawn_consent_disappears_from_the_page_at_once(need, own):
    student = register_student(name="Ida Forsvinder", consents=["matching", "sharing"])
    client = client_for(own)
    assert "Ida Forsvinder" in client.get(reverse("need_suggestions", args=[need.pk])).content.decode()

    consents_set(candidate=student, purposes=["sharing"])

    assert "Ida Forsvinder" not in client.get(reverse("need_suggestions", args=[need.pk])).content.decode()


def test_suggestions_page_query_count_does_not_grow_with_the_candidates(need, own, django_assert_max_num_queries):
    # given a warm index and two candidates
    client = client_for(own)
    for _ in range(2):
        register_student(consents=["matching", "sharing"])
    client.get(reverse("need_suggestions", args=[need.pk]))
    client.get(reverse("need_suggestions", args=[need.pk]))
    with django_assert_max_num_queries(25) as captured:
        client.get(reverse("need_suggestions", args=[need.pk]))
    few = len(captured.captured_queries)
    # when there are five times as many
    for _ in range(8):
        register_student(consents=["matching", "sharing"])
    client.get(reverse("need_suggestions", args=[need.pk]))

    # then the page costs the same number of queries (the top k are read in one query plus prefetches)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("need_suggestions", args=[need.pk]))
    assert response.content.decode().count('<h2 class="h3 mb-2">') == 10


# --- Shortlist, contact, match -------------------------------------------------------------------------


def test_shortlist_add_from_the_page_stores_the_reasons_of_the_suggestion(need, own, student):
    response = client_for(own).post(reverse("shortlist_add", args=[need.pk]), {"candidate": student.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("need_shortlist", args=[need.pk])
    entry = Shortlist.objects.get()
    assert entry.candidate == student
    assert entry.reasons[0].startswith("Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker")


def test_shortlist_add_then_contact_goes_to_the_contact_form(need, own, student):
    response = client_for(own).post(
        reverse("shortlist_add", args=[need.pk]), {"candidate": student.pk, "then": "contact"}
    )

    assert response["Location"] == reverse("shortlist_contact", args=[Shortlist.objects.get().pk])


def test_a_candidate_without_matching_consent_is_not_added(need, own):
    hidden = register_student(consents=["sharing"])

    response = client_for(own).post(reverse("shortlist_add", args=[need.pk]), {"candidate": hidden.pk})

    assert response["Location"] == reverse("need_suggestions", args=[need.pk])
    assert not Shortlist.objects.exists()


def test_shortlist_page_shows_entries_masked(need, entry, other):
    html = client_for(other).get(reverse("need_shortlist", args=[need.pk])).content.decode()

    assert f"Kandidat K-{entry.candidate_id}" in html
    assert entry.candidate.name not in html
    assert "Grund" in html


def test_contact_form_sends_the_email(entry, own, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(own).post(reverse("shortlist_contact", args=[entry.pk]), {"message": "Vil du høre mere?"})

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[entry.candidate.email]]
    entry.refresh_from_db()
    assert entry.status == "contacted"


def test_contact_form_refuses_without_consent_and_sends_nothing(need, own, django_capture_on_commit_callbacks):
    student = register_student(consents=["matching"])
    entry = shortlist_add(user=own, need=need, candidate=student, reasons=[])
    client = client_for(own)
    mail.outbox.clear()

    page = client.get(reverse("shortlist_contact", args=[entry.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shortlist_contact", args=[entry.pk]), {"message": "Hej"})

    assert "Kandidaten kan ikke kontaktes" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert response.status_code == 422
    assert "Kandidaten har ikke givet samtykke til at blive kontaktet" in response.content.decode()
    assert mail.outbox == []
    entry.refresh_from_db()
    assert entry.contacted_at is None


def test_shortlist_match_redirects_to_the_prefilled_match_form(entry, own):
    response = client_for(own).get(reverse("shortlist_match", args=[entry.pk]))

    assert response["Location"] == f"{reverse('match_create')}?need={entry.need_id}&candidate={entry.candidate_id}"


def test_match_form_is_prefilled_from_need_and_candidate_masked(need, other):
    student = register_student(name="Maja Skjult")

    response = client_for(other).get(reverse("match_create"), {"need": need.pk, "candidate": student.pk})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["cvr"] == need.company.cvr
    assert form.initial["need"] == need.pk
    assert form.initial["education"] == "Datamatiker"
    assert form.initial["education_level"] == "KVU"
    assert form.initial["person_identifier"] == f"K-{student.pk}"
    assert "person_name" not in form.initial and "person_email" not in form.initial
    assert "Maja Skjult" not in response.content.decode()


def test_match_form_is_prefilled_with_name_and_email_when_visible(need, other):
    student = register_student(name="Sofie Delt", consents=["matching", "sharing"])

    form = client_for(other).get(reverse("match_create"), {"need": need.pk, "candidate": student.pk}).context["form"]

    assert (form.initial["person_name"], form.initial["person_email"]) == ("Sofie Delt", student.email)
    assert not form.initial.get("person_consent")


def test_match_form_with_an_unknown_candidate_is_404(need, own):
    hidden = register_student(consents=[])

    response = client_for(own).get(reverse("match_create"), {"need": need.pk, "candidate": hidden.pk})

    assert response.status_code == 404
    assert not Match.objects.exists()


# --- Needs for a candidate -----------------------------------------------------------------------------


def test_my_suggestions_lists_fitting_open_needs_without_staff_data(need, student, own):
    need.owner = own
    need.save()

    html = candidate_client(student).get(reverse("my_suggestions")).content.decode()

    assert need.title in html
    assert need.company.name in html
    assert "Thisted" in html
    assert "Matcher opgaveområdet" in html
    assert "own@thisted.dk" not in html and own.username not in html
    assert "Jobcenter Thisted" not in html


def test_my_suggestions_tells_a_candidate_without_matching_consent(need):
    student = register_student(consents=[])

    html = candidate_client(student).get(reverse("my_suggestions")).content.decode()

    assert "Du har ikke givet samtykke til matchning" in html
    assert need.title in html


def test_staff_see_needs_for_a_candidate_only_with_matching_consent(need, own):
    creator = UserFactory(organisation="jobcenter-thisted", role=User.Role.PARTNER_STAFF)
    without = partner_candidate(creator, consents=["sharing"])
    with_consent = register_student()
    client = client_for(own)

    shown = client.get(reverse("candidate_suggested_needs", args=[with_consent.pk])).content.decode()
    hidden = client.get(reverse("candidate_suggested_needs", args=[without.pk])).content.decode()

    assert reverse("need_detail", args=[need.pk]) in shown
    assert "Kandidaten har ikke givet samtykke til matchning" in hidden
    assert reverse("need_detail", args=[need.pk]) not in hidden


def test_need_detail_links_to_the_suggestions(need, own):
    html = client_for(own).get(reverse("need_detail", args=[need.pk])).content.decode()

    assert reverse("need_suggestions", args=[need.pk]) in html
    assert "Se forslag til kandidater" in html


def test_shortlist_page_marks_a_candidate_who_withdrew_matching_consent(need, entry, own):
    consents_set(candidate=entry.candidate, purposes=["company_contact"])

    html = client_for(own).get(reverse("need_shortlist", args=[need.pk])).content.decode()

    assert f"Kandidat K-{entry.candidate_id}" in html
    assert "Har trukket samtykket til matchning tilbage" in html
