"""The contact log and hand-overs in the browser: permission matrix for every URL, the company page's
timeline (privacy of person-related notes), the quick-log and full forms, next steps, hand-overs and
query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from viaviden.companies import contact_services as services
from viaviden.companies.models import Company, ContactEntry, Handover
from viaviden.matches.tests.factories import CompanyFactory, next_cvr
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

SECRET = "Anna Jensen (cand.it.) vil gerne ansættes efter projektet"
HIDDEN = "Noten er kun synlig for Erhvervskontor Thisted"


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def thisted_bo():
    return UserFactory(organisation="erhvervskontor-thisted", first_name="Bo", last_name="Erhverv")


@pytest.fixture
def thisted_jc():
    return UserFactory(organisation="jobcenter-thisted")


@pytest.fixture
def aau_staff():
    return UserFactory(organisation="aau")


@pytest.fixture
def coordinator():
    return UserFactory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def steering():
    return UserFactory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")


@pytest.fixture
def company():
    return CompanyFactory(name="Thy Maskinfabrik ApS")


@pytest.fixture
def private_entry(thisted_bo, company):
    return services.contact_create(
        user=thisted_bo, company=company, topic="Studieprojekt afsluttet", note=SECRET, mentions_person=True,
        next_step="Ring om ansættelse", next_step_due=timezone.localdate() + dt.timedelta(days=2),
    )


@pytest.fixture
def handover(thisted_bo, company):
    return services.handover_create(user=thisted_bo, company=company, to_organisation=org("aau"),
                                    message="Vil gerne have en studerende i praktik.")


# --- Permission matrix ---------------------------------------------------------------------------

# (method, url name, object: None | "entry" | "handover", query string)
URLS = [
    ("get", "contact_create", None, "?company={company}"),
    ("get", "contact_edit", "entry", ""),
    ("post", "contact_done", "entry", ""),
    ("get", "next_steps", None, ""),
    ("get", "handover_list", None, ""),
    ("get", "handover_create", None, "?company={company}"),
    ("post", "handover_accept", "handover", ""),
    ("get", "handover_decline", "handover", ""),
    ("post", "handover_decline", "handover", ""),
]

# Expected status per role; the entry is Erhvervskontor Thisted's and the hand-over goes from it to AAU.
EXPECTED = {
    "own": [200, 200, 302, 200, 200, 200, 403, 403, 403],  # the sender cannot answer its own hand-over
    "colleague": [200, 200, 302, 200, 200, 200, 403, 403, 403],  # Jobcenter Thisted: same municipality
    "receiver": [200, 403, 403, 200, 200, 200, 302, 200, 302],  # AAU: receives the hand-over
    "other": [200, 403, 403, 200, 200, 200, 404, 404, 404],  # UCN: not involved
    "coordinator": [200, 403, 403, 200, 200, 200, 404, 404, 404],
}


def url_for(name, obj, query, entry, handover, company):
    args = {"entry": [entry.pk], "handover": [handover.pk]}.get(obj, [])
    return reverse(name, args=args) + query.format(company=company.pk)


@pytest.mark.parametrize(("method", "name", "obj", "query"), URLS)
def test_anonymous_is_sent_to_login(method, name, obj, query, private_entry, handover, company):
    response = getattr(Client(), method)(url_for(name, obj, query, private_entry, handover, company))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


@pytest.mark.parametrize(("method", "name", "obj", "query"), URLS)
def test_steering_group_gets_403_everywhere(method, name, obj, query, steering, private_entry, handover, company):
    response = getattr(client_for(steering), method)(
        url_for(name, obj, query, private_entry, handover, company), {"reason": "Nej tak"} if method == "post" else {}
    )

    assert response.status_code == 403
    private_entry.refresh_from_db()
    handover.refresh_from_db()
    assert (private_entry.next_step_done_at, handover.status) == (None, Handover.Status.PENDING)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(role, thisted_bo, thisted_jc, aau_staff, coordinator, company):
    users = {"own": thisted_bo, "colleague": thisted_jc, "receiver": aau_staff,
             "other": UserFactory(organisation="ucn"), "coordinator": coordinator}
    statuses = []
    for method, name, obj, query in URLS:
        # Fresh objects for every URL, so one POST does not change what the next one sees.
        entry = services.contact_create(user=thisted_bo, company=company, topic="Møde", next_step="Ring",
                                        next_step_due=timezone.localdate())
        handover = services.handover_create(user=thisted_bo, company=CompanyFactory(), to_organisation=org("aau"),
                                            message="Tag over.")
        data = {"reason": "Vi har ikke kapacitet."} if method == "post" else {}
        response = getattr(client_for(users[role]), method)(url_for(name, obj, query, entry, handover, company), data)
        statuses.append(response.status_code)

    assert statuses == EXPECTED[role]


def test_denied_answers_change_nothing(thisted_bo, aau_staff, private_entry, handover):
    ucn = client_for(UserFactory(organisation="ucn"))

    ucn.post(reverse("contact_done", args=[private_entry.pk]))
    ucn.post(reverse("handover_accept", args=[handover.pk]))
    client_for(thisted_bo).post(reverse("handover_decline", args=[handover.pk]), {"reason": "Selv"})

    private_entry.refresh_from_db()
    handover.refresh_from_db()
    assert (private_entry.next_step_done_at, handover.status, handover.response_note) == (None, "pending", "")


# --- Privacy on the company page -----------------------------------------------------------------


def render_timeline(user, company) -> str:
    request = RequestFactory().get(reverse("company_detail", args=[company.pk]))
    request.user = user
    template = Template("{% load contact_tags %}{% contact_timeline company %}")
    return template.render(Context({"request": request, "company": company}))


def test_person_related_note_is_hidden_from_another_organisation_on_the_company_page(
    aau_staff, private_entry, company
):
    page = client_for(aau_staff).get(reverse("company_detail", args=[company.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert SECRET not in html
    assert HIDDEN in html
    assert "Studieprojekt afsluttet" in html  # the topic and next step are shared
    assert "Ring om ansættelse" in html
    assert reverse("contact_edit", args=[private_entry.pk]) not in html


def test_person_related_note_is_hidden_from_a_coordinator_of_another_organisation(coordinator, private_entry, company):
    page = client_for(coordinator).get(reverse("company_detail", args=[company.pk]))
    tag = render_timeline(coordinator, company)

    assert SECRET not in page.content.decode()
    assert SECRET not in tag
    assert HIDDEN in tag


def test_person_related_note_is_visible_to_the_same_municipalitys_jobcentre(thisted_jc, private_entry, company):
    page = client_for(thisted_jc).get(reverse("company_detail", args=[company.pk]))
    tag = render_timeline(thisted_jc, company)

    assert SECRET in page.content.decode()
    assert SECRET in tag
    assert HIDDEN not in tag
    assert reverse("contact_edit", args=[private_entry.pk]) in tag


def test_timeline_tag_hides_the_note_from_another_organisation(aau_staff, private_entry, company):
    tag = render_timeline(aau_staff, company)

    assert SECRET not in tag
    assert HIDDEN in tag
    assert "Erhvervskontor Thisted" in tag


def test_timeline_tag_renders_nothing_for_the_steering_group(steering, private_entry, company):
    assert render_timeline(steering, company).strip() == ""


def test_timeline_shows_entries_of_all_partners_newest_first_with_handovers(
    thisted_bo, aau_staff, company, handover
):
    services.contact_create(user=aau_staff, company=company, topic="AAU: projektmøde",
                            contact_date=dt.date(2021, 3, 1))
    services.contact_create(user=thisted_bo, company=company, topic="EK: virksomhedsbesøg",
                            contact_date=dt.date(2021, 4, 1))

    tag = render_timeline(UserFactory(organisation="ucn"), company)

    assert tag.index("EK: virksomhedsbesøg") < tag.index("AAU: projektmøde")
    assert "Aalborg Universitet" in tag
    assert "Afventer modtager" in tag
    assert "Vil gerne have en studerende i praktik." not in tag  # the message is for sender and receiver
    assert "Beskeden er kun synlig for afsender og modtager." in tag


def test_timeline_query_count_does_not_grow_with_entries(thisted_bo, aau_staff, company,
                                                         django_assert_max_num_queries):
    receivers = iter(["ucn", "magistrenes-a-kasse", "akademikernes-a-kasse", "jobcenter-aalborg"])

    def add(n):
        for i in range(n):
            author = thisted_bo if i % 2 else aau_staff
            services.contact_create(user=author, company=company, topic=f"Kontakt {i}", note="Note",
                                    mentions_person=bool(i % 3), next_step="Ring",
                                    next_step_due=timezone.localdate(), next_step_owner=author)
        services.handover_create(user=thisted_bo, company=company, message="Tag over.",
                                 to_organisation=org(next(receivers)))

    reader = UserFactory(organisation="jobcenter-thisted")
    add(3)
    with django_assert_max_num_queries(9) as few:
        render_timeline(reader, company)
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        tag = render_timeline(reader, company)
    assert tag.count('id="kontakt-') == 15


# --- Logging a contact ---------------------------------------------------------------------------


def test_quick_log_from_the_company_page_saves_and_returns_to_it(thisted_bo, company):
    page = reverse("company_detail", args=[company.pk])
    client = client_for(thisted_bo)

    response = client.post(
        reverse("contact_create") + f"?company={company.pk}",
        {"contact_date": "2021-03-01", "channel": "visit", "topic": "Besøg", "note": SECRET, "mentions_person": "on",
         "next_step": "Send tilbud", "next_step_due": "2021-03-05", "next_step_owner": thisted_bo.pk, "next": page},
    )

    assert response.status_code == 302
    assert response["Location"] == page
    entry = ContactEntry.objects.get()
    assert (entry.company, entry.organisation.slug, entry.author, entry.channel) == (
        company, "erhvervskontor-thisted", thisted_bo, "visit"
    )
    assert (entry.mentions_person, entry.next_step_due, entry.next_step_owner) == (
        True, dt.date(2021, 3, 5), thisted_bo
    )


def test_full_form_defaults_to_today_phone_and_me(thisted_bo, company):
    response = client_for(thisted_bo).get(reverse("contact_create") + f"?company={company.pk}")

    form = response.context["form"]
    assert response.status_code == 200
    assert (form["contact_date"].value(), form["channel"].value(), form["next_step_owner"].value()) == (
        timezone.localdate(), "phone", thisted_bo.pk
    )
    assert "cvr" not in form.fields


def test_contact_for_a_company_picked_by_cvr(thisted_bo, company):
    response = client_for(thisted_bo).post(
        reverse("contact_create"),
        {"cvr": company.cvr, "contact_date": timezone.localdate().isoformat(), "channel": "phone",
         "topic": "Telefonopkald", "next_step_owner": thisted_bo.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("company_detail", args=[company.pk])
    assert ContactEntry.objects.get().company == company


def test_contact_for_an_unknown_cvr_creates_the_company_with_name_and_municipality(thisted_bo):
    cvr = next_cvr()

    response = client_for(thisted_bo).post(
        reverse("contact_create"),
        {"cvr": cvr, "company_name": "Ny Virksomhed ApS", "company_municipality": "787",
         "contact_date": timezone.localdate().isoformat(), "channel": "phone", "topic": "Første kontakt",
         "next_step_owner": thisted_bo.pk},
    )

    assert response.status_code == 302
    assert ContactEntry.objects.get().company == Company.objects.get(cvr=cvr)


def test_invalid_contact_shows_errors_and_saves_nothing(thisted_bo, company):
    response = client_for(thisted_bo).post(
        reverse("contact_create") + f"?company={company.pk}",
        {"contact_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "channel": "phone",
         "topic": "", "next_step": "Send tilbud", "next_step_owner": thisted_bo.pk},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["topic"] == ["Skriv emnet for kontakten."]
    assert ContactEntry.objects.count() == 0
    assert "error-summary" in response.content.decode()


def test_service_errors_are_shown_at_their_fields(thisted_bo, company):
    response = client_for(thisted_bo).post(
        reverse("contact_create") + f"?company={company.pk}",
        {"contact_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "channel": "phone",
         "topic": "Møde", "next_step": "Send tilbud", "next_step_owner": thisted_bo.pk},
    )

    errors = response.context["form"].errors
    assert errors["contact_date"] == ["Datoen for kontakten kan ikke ligge efter i dag."]
    assert errors["next_step_due"] == ["Angiv en dato for næste skridt."]
    assert ContactEntry.objects.count() == 0


def test_edit_with_a_stale_version_shows_a_conflict_and_keeps_the_other_edit(thisted_bo, private_entry):
    client = client_for(thisted_bo)
    form = client.get(reverse("contact_edit", args=[private_entry.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    services.contact_update(user=thisted_bo, entry=private_entry, changes={"topic": "Ændret imens"})

    response = client.post(reverse("contact_edit", args=[private_entry.pk]), {**data, "topic": "Min ændring"})

    assert response.status_code == 200
    assert response.context["conflict"] is True
    private_entry.refresh_from_db()
    assert private_entry.topic == "Ændret imens"


def test_edit_saves_for_the_authors_organisation(thisted_jc, private_entry, company):
    client = client_for(thisted_jc)
    form = client.get(reverse("contact_edit", args=[private_entry.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data["mentions_person"] = "on"

    response = client.post(reverse("contact_edit", args=[private_entry.pk]), {**data, "topic": "Møde aftalt"})

    assert response.status_code == 302
    private_entry.refresh_from_db()
    assert (private_entry.topic, private_entry.note, private_entry.mentions_person) == ("Møde aftalt", SECRET, True)


# --- Next steps ----------------------------------------------------------------------------------


def test_next_steps_page_shows_overdue_in_an_error_section(thisted_bo, company):
    today = timezone.localdate()
    services.contact_create(user=thisted_bo, company=company, topic="Gammel", contact_date=today - dt.timedelta(days=9),
                            next_step="Overskredet skridt", next_step_due=today - dt.timedelta(days=2))
    services.contact_create(user=thisted_bo, company=company, topic="I dag", next_step="Dagens skridt",
                            next_step_due=today)
    services.contact_create(user=thisted_bo, company=company, topic="Senere", next_step="Kommende skridt",
                            next_step_due=today + dt.timedelta(days=5))

    response = client_for(thisted_bo).get(reverse("next_steps"))

    html = response.content.decode()
    steps = response.context["steps"]
    assert [e.next_step for e in steps.overdue] == ["Overskredet skridt"]
    assert [e.next_step for e in steps.today] == ["Dagens skridt"]
    assert [e.next_step for e in steps.upcoming] == ["Kommende skridt"]
    error_section = html[html.index('class="alert alert-error'):html.index('id="today-heading"')]
    assert "Overskredet skridt" in error_section
    assert "Dagens skridt" not in error_section


def test_organisation_tab_shows_colleagues_steps(thisted_bo, thisted_jc, company):
    services.contact_create(user=thisted_jc, company=company, topic="Kollegas", next_step="Kollegas skridt",
                            next_step_due=timezone.localdate())
    client = client_for(thisted_bo)

    mine = client.get(reverse("next_steps"))
    organisation = client.get(reverse("next_steps") + "?scope=organisation")

    assert mine.context["steps"].total == 0
    assert [e.next_step for e in organisation.context["steps"].today] == ["Kollegas skridt"]
    assert 'aria-current="page"' in organisation.content.decode()


def test_marking_done_from_the_list_returns_to_it(thisted_bo, private_entry):
    back = reverse("next_steps") + "?scope=organisation"

    response = client_for(thisted_bo).post(reverse("contact_done", args=[private_entry.pk]), {"next": back})

    assert response["Location"] == back
    private_entry.refresh_from_db()
    assert private_entry.next_step_done_at is not None


def test_next_steps_query_count(thisted_bo, company, django_assert_max_num_queries):
    today = timezone.localdate()
    for i in range(10):
        services.contact_create(user=thisted_bo, company=CompanyFactory(), topic=f"K{i}", next_step=f"S{i}",
                                next_step_due=today + dt.timedelta(days=i - 3), contact_date=today - dt.timedelta(days=5))
    client = client_for(thisted_bo)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("next_steps") + "?scope=organisation")

    assert response.context["steps"].total == 10


# --- Hand-overs ----------------------------------------------------------------------------------


def test_handover_created_in_the_browser_is_pending_and_mails_the_receiver(
    thisted_bo, aau_staff, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(thisted_bo).post(
            reverse("handover_create") + f"?company={company.pk}",
            {"to_organisation": org("aau").pk, "message": "Den studerende vil ansættes; tag over."},
        )

    assert response.status_code == 302
    handover = Handover.objects.get()
    assert (handover.status, handover.to_organisation.slug) == ("pending", "aau")
    assert [m.to for m in mail.outbox] == [[aau_staff.email]]


def test_handover_form_offers_no_own_organisation(thisted_bo, company):
    response = client_for(thisted_bo).get(reverse("handover_create") + f"?company={company.pk}")

    slugs = {o.slug for o in response.context["form"].fields["to_organisation"].queryset}
    assert "aau" in slugs
    assert not slugs & {"erhvervskontor-thisted", "jobcenter-thisted", "kommune-thisted"}


def test_receiver_sees_pending_handover_first_and_accepts_it(aau_staff, handover, django_capture_on_commit_callbacks):
    client = client_for(aau_staff)
    listed = client.get(reverse("handover_list"))
    assert [h.pk for h in listed.context["lists"].received_pending] == [handover.pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("handover_accept", args=[handover.pk]), {"version": handover.version})

    assert response["Location"] == reverse("handover_list")
    handover.refresh_from_db()
    assert (handover.status, handover.responded_by) == ("accepted", aau_staff)
    assert len(mail.outbox) == 1


def test_decline_without_reason_is_refused_in_the_browser(aau_staff, handover, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(aau_staff).post(reverse("handover_decline", args=[handover.pk]), {"reason": " "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Skriv en begrundelse."]
    handover.refresh_from_db()
    assert (handover.status, handover.response_note) == ("pending", "")
    assert mail.outbox == []


def test_decline_with_reason(aau_staff, thisted_bo, handover, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(aau_staff).post(
            reverse("handover_decline", args=[handover.pk]), {"reason": "Vi har ikke kapacitet.", "version": 1}
        )

    assert response.status_code == 302
    handover.refresh_from_db()
    assert (handover.status, handover.response_note) == ("declined", "Vi har ikke kapacitet.")
    assert [m.to for m in mail.outbox] == [[thisted_bo.email]]


def test_handover_list_query_count(thisted_bo, aau_staff, django_assert_max_num_queries):
    for slug in ("aau", "ucn", "magistrenes-a-kasse", "akademikernes-a-kasse"):
        services.handover_create(user=thisted_bo, company=CompanyFactory(), to_organisation=org(slug), message="x")
    for _i in range(4):
        services.handover_create(user=aau_staff, company=CompanyFactory(), to_organisation=org("jobcenter-thisted"),
                                 message="y")
    client = client_for(thisted_bo)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("handover_list"))

    lists = response.context["lists"]
    assert (len(lists.received_pending), len(lists.sent)) == (4, 4)


def test_the_contact_log_address_opens_the_follow_up_overview(thisted_bo):
    """Issue 14: /kontakter/ (named in the README as the contact log) answered 404."""
    response = client_for(thisted_bo).get("/kontakter/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("next_steps"), 302)]
    assert Client().get("/kontakter/", follow=True).redirect_chain[-1][0].startswith(reverse("login"))
