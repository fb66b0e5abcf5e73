"""The editors' pages: permission matrix for every URL, writing and editing a case in the browser, the
workflow with its consent check, persons, coverage report and CSV, and setting up embedding."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from viaviden.cases.models import Case, CaseImage, CasePerson, EmbedSite
from viaviden.cases.services import case_submit
from viaviden.cases.tests.factories import coordinator, make_case, staff
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import login_verified

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    return login_verified(Client(), user)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def draft():
    return make_case(persons=[("Syntetisk Person", False)])


@pytest.fixture
def site():
    return EmbedSite.objects.create(organisation=Organisation.objects.get(slug="ucn"), origin="https://www.ucn.dk")


# --- Permission matrix -----------------------------------------------------------------------

ROLES = {
    "steering": ("kkr-nordjylland", User.Role.STEERING_GROUP),
    "other": ("aau", User.Role.PARTNER_STAFF),
    "own": ("ucn", User.Role.PARTNER_STAFF),
    "coordinator": ("koordinationsgruppen", User.Role.COORDINATOR),
}

# (method, url name, argument: None | "case" | "person" | "site", expected answer per role)
MATRIX = [
    ("get", "case_staff_list", None, {"steering": 403, "other": 200, "own": 200, "coordinator": 200}),
    ("get", "case_staff_create", None, {"steering": 403, "other": 200, "own": 200, "coordinator": 200}),
    ("get", "case_staff_detail", "case", {"steering": 403, "other": 404, "own": 200, "coordinator": 200}),
    ("get", "case_staff_edit", "case", {"steering": 403, "other": 404, "own": 200, "coordinator": 200}),
    ("get", "case_staff_coverage", None, {"steering": 403, "other": 403, "own": 403, "coordinator": 200}),
    ("get", "case_staff_coverage_csv", None, {"steering": 403, "other": 403, "own": 403, "coordinator": 200}),
    ("get", "case_staff_embed", None, {"steering": 403, "other": 200, "own": 200, "coordinator": 200}),
    ("post", "case_staff_step", "case", {"steering": 403, "other": 404, "own": 302, "coordinator": 302}),
    ("post", "case_staff_person_add", "case", {"steering": 403, "other": 404, "own": 302, "coordinator": 302}),
    ("post", "case_staff_person_consent", "person",
     {"steering": 403, "other": 404, "own": 302, "coordinator": 302}),
    ("post", "case_staff_person_withdraw", "person",
     {"steering": 403, "other": 404, "own": 302, "coordinator": 302}),
    ("post", "case_staff_person_remove", "person",
     {"steering": 403, "other": 404, "own": 302, "coordinator": 302}),
    ("post", "case_staff_embed_remove", "site", {"steering": 403, "other": 404, "own": 403, "coordinator": 302}),
]


def _url(name: str, arg: str | None, draft: Case, site: EmbedSite) -> str:
    if arg == "case":
        return reverse(name, args=[draft.pk, "submit"] if name == "case_staff_step" else [draft.pk])
    if arg == "person":
        return reverse(name, args=[draft.persons.get().pk])
    if arg == "site":
        return reverse(name, args=[site.pk])
    return reverse(name)


@pytest.mark.parametrize("method,name,arg,answers", MATRIX)
def test_anonymous_is_sent_to_login(client, draft, site, method, name, arg, answers):
    url = _url(name, arg, draft, site)

    response = getattr(client, method)(url, {"name": "X", "consent_method": "written"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("method,name,arg,answers", MATRIX)
def test_permission_matrix(draft, site, method, name, arg, answers, role):
    organisation, user_role = ROLES[role]
    url = _url(name, arg, draft, site)

    response = getattr(client_for(staff(organisation, role=user_role)), method)(
        url, {"name": "Syntetisk Ny", "consent_method": "written"})

    assert response.status_code == answers[role]


def test_other_partners_see_published_cases_but_cannot_edit_them():
    case = make_case(publish=True)
    other = client_for(staff("aau"))

    assert other.get(reverse("case_staff_detail", args=[case.pk])).status_code == 200
    assert other.get(reverse("case_staff_edit", args=[case.pk])).status_code == 403


# --- Writing and editing -------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    data = {
        "title": "Markedsføringsøkonom giver smedjen nye kunder", "summary": "Kort resumé.", "kind": "article",
        "body": "Første afsnit.\n\nAndet afsnit.", "municipality": "787", "industry": "C", "size_class": "small",
        "match_type": "student_internship", "programmes": ["markedsfoeringsoekonom-ucn"], "task_areas": [],
        "benefits": ["growth"], "audiences": ["companies"], "tags": "sociale medier, eksport",
        "image_1_url": "https://www.ucn.dk/smedje.jpg", "image_1_alt": "Smeden ved essen", "image_1_caption": "",
    }
    data.update(overrides)
    return data


def test_ucn_staff_write_a_case_in_the_browser():
    company = CompanyFactory(name="Syntetisk Thy Smedie ApS")
    author = staff("ucn")

    response = client_for(author).post(reverse("case_staff_create"), _form(cvr=company.cvr))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_staff_detail", args=[case.pk])
    assert (case.status, case.owner_organisation.slug, case.created_by, case.company) == ("draft", "ucn", author,
                                                                                        company)
    assert case.body == "<p>Første afsnit.</p><p>Andet afsnit.</p>"
    assert sorted(t.name for t in case.tags.all()) == ["eksport", "sociale medier"]
    assert list(case.images.values_list("url", "alt_text")) == [("https://www.ucn.dk/smedje.jpg", "Smeden ved essen")]
    assert case.shown_company_name == "Syntetisk Thy Smedie ApS"


def test_form_errors_are_shown_and_nothing_is_saved():
    response = client_for(staff("ucn")).post(reverse("case_staff_create"), _form(
        title="", image_1_alt="", cvr="12345674"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Der er problemer med formularen" in body
    assert "Titel: Skriv en titel." in body
    assert "Virksomheden findes ikke i registret." in body
    assert (Case.objects.count(), CaseImage.objects.count()) == (0, 0)


def test_missing_alt_text_is_shown_at_its_field():
    response = client_for(staff("ucn")).post(reverse("case_staff_create"), _form(image_1_alt=" "))

    assert response.status_code == 200
    assert response.context["form"].errors["image_1_alt"] == [
        "Skriv en alternativ tekst, der beskriver billedet for dem, der ikke kan se det."]
    assert not Case.objects.exists()


def test_coordinators_choose_the_owner_organisation():
    response = client_for(coordinator()).post(reverse("case_staff_create"), _form(
        owner_organisation=Organisation.objects.get(slug="aau").pk))

    assert response.status_code == 302
    assert Case.objects.get().owner_organisation.slug == "aau"


def test_edit_keeps_the_input_on_a_conflict(draft):
    author = client_for(staff("ucn"))
    author.post(reverse("case_staff_edit", args=[draft.pk]), _form(title="Første ændring", version=draft.version))

    response = author.post(reverse("case_staff_edit", args=[draft.pk]), _form(title="Anden", version=draft.version))

    assert response.status_code == 200
    assert response.context["conflict"] is True
    assert 'value="Anden"' in response.content.decode()
    assert Case.objects.get(pk=draft.pk).title == "Første ændring"


# --- Workflow ------------------------------------------------------------------------------------------


def test_publish_in_the_browser_is_refused_while_a_shown_person_lacks_consent(draft):
    case_submit(user=staff("ucn"), case=draft, version=draft.version)
    draft.refresh_from_db()

    response = client_for(coordinator()).post(reverse("case_staff_step", args=[draft.pk, "publish"]),
                                              {"version": draft.version, "persons_confirmed": "on"})

    assert response.status_code == 302
    assert _messages(response) == [
        "Der mangler registreret samtykke fra: Syntetisk Person. En case kan kun offentliggøres, når alle personer, "
        "der vises, har givet samtykke."
    ]
    assert Case.objects.get(pk=draft.pk).status == "review"


def test_submit_record_consent_and_publish_in_the_browser(draft):
    author, reviewer = client_for(staff("ucn")), client_for(coordinator())
    person = draft.persons.get()

    author.post(reverse("case_staff_step", args=[draft.pk, "submit"]), {"version": draft.version})
    author.post(reverse("case_staff_person_consent", args=[person.pk]), {"consent_method": "written"})
    detail = reviewer.get(reverse("case_staff_detail", args=[draft.pk])).content.decode()
    response = reviewer.post(reverse("case_staff_step", args=[draft.pk, "publish"]),
                             {"version": Case.objects.get(pk=draft.pk).version, "persons_confirmed": "on"})

    assert "Godkend og offentliggør" in detail
    assert _messages(response) == ["Casen er offentliggjort."]
    assert Case.objects.get(pk=draft.pk).status == "published"
    assert Client().get(reverse("case_detail", args=[draft.slug])).status_code == 200


def test_a_reviewer_sends_a_case_back_with_a_note(draft):
    case_submit(user=staff("ucn"), case=draft, version=draft.version)

    response = client_for(coordinator()).post(reverse("case_staff_step", args=[draft.pk, "withdraw"]),
                                              {"version": draft.version + 1, "note": "Mangler billede."})

    assert _messages(response) == ["Casen er tilbage som kladde."]
    assert Case.objects.get(pk=draft.pk).review_note == "Mangler billede."


def test_an_unknown_step_is_404(draft):
    response = client_for(coordinator()).post(reverse("case_staff_step", args=[draft.pk, "slet"]))

    assert response.status_code == 404


def test_the_author_cannot_publish(draft):
    case_submit(user=staff("ucn"), case=draft, version=draft.version)

    response = client_for(staff("ucn", role=User.Role.PARTNER_LEAD)).post(
        reverse("case_staff_step", args=[draft.pk, "publish"]), {"persons_confirmed": "on"})

    assert response.status_code == 403
    assert Case.objects.get(pk=draft.pk).status == "review"


def test_persons_are_added_and_their_consent_withdrawn_in_the_browser(draft):
    author = client_for(staff("ucn"))

    author.post(reverse("case_staff_person_add", args=[draft.pk]),
                {"name": "Syntetisk Direktør", "role": "Direktør", "consent_method": "email"})
    added = CasePerson.objects.get(name="Syntetisk Direktør")
    response = author.post(reverse("case_staff_person_withdraw", args=[added.pk]))

    added.refresh_from_db()
    assert (added.consent_method, added.consent_withdrawn_at is not None) == ("email", True)
    assert _messages(response)[-1] == "Samtykket er tilbagekaldt. En offentliggjort case er taget af siden."


def test_a_person_without_a_name_is_not_added(draft):
    response = client_for(staff("ucn")).post(reverse("case_staff_person_add", args=[draft.pk]), {"name": ""})

    assert _messages(response) == ["Skriv personens navn."]
    assert CasePerson.objects.count() == 1


def test_staff_list_shows_own_drafts_and_published_cases_only(draft):
    published = make_case(organisation="aau", publish=True, title="AAU offentliggjort")
    make_case(organisation="aau", title="AAU kladde")

    response = client_for(staff("ucn")).get(reverse("case_staff_list"))

    assert [c.title for c in response.context["cases"]] == [published.title, draft.title]


def test_staff_list_query_count(draft, django_assert_max_num_queries):
    for _ in range(3):
        make_case()
    user = staff("ucn")
    client = client_for(user)

    with django_assert_max_num_queries(12):
        assert client.get(reverse("case_staff_list")).status_code == 200


# --- Coverage ------------------------------------------------------------------------------------------


def test_coverage_shows_who_has_no_case_yet():
    make_case(publish=True)  # UCN, Thisted, industry C, student internship, KVU
    make_case(organisation="aau", municipality="851")  # a draft: in progress

    response = client_for(coordinator()).get(reverse("case_staff_coverage"))

    tables = {t.dimension: {r.key: (r.published, r.in_progress) for r in t.rows} for t in response.context["tables"]}
    assert tables["partner"]["ucn"] == (1, 0)
    assert tables["partner"]["aau"] == (0, 1)
    assert tables["partner"]["kommune-thisted"] == (0, 0)
    assert "koordinationsgruppen" not in tables["partner"]
    assert len(tables["partner"]) == 16
    assert tables["municipality"]["787"] == (1, 0)
    assert tables["industry"]["C"] == (1, 1)
    assert tables["match_type"]["student_internship"] == (1, 1)
    assert tables["level"] == {"KVU": (1, 1), "MVU": (0, 0), "LVU": (0, 0)}
    assert [r.key for r in response.context["missing_partners"]][:2] == ["kommune-aalborg", "aau"]
    assert "1 af 16 partnere har mindst én offentliggjort case." in response.content.decode()


def test_coverage_csv():
    make_case(publish=True)

    response = client_for(coordinator()).get(reverse("case_staff_coverage_csv"))

    text = response.content.decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="case-daekning.csv"'
    assert text.startswith("\ufeffdimension;kode;navn;offentliggjorte;under arbejde;mangler\r\n")
    assert "partner;ucn;University College Nordjylland;1;0;nej\r\n" in text
    assert "municipality;860;Hjørring;0;0;ja\r\n" in text


# --- Embedding -----------------------------------------------------------------------------------------


def test_embed_builder_makes_the_snippet():
    response = client_for(staff("ucn")).get(reverse("case_staff_embed"), {
        "municipality": "787", "partner": "ucn", "color": "#005b7f", "search": "on"})

    body = response.content.decode()
    assert response.context["embed_url"] == (
        "http://testserver/cases/indlejr/?municipality=787&partner=ucn&color=%23005b7f")
    assert ("&lt;iframe src=&quot;http://testserver/cases/indlejr/?municipality=787&amp;partner=ucn&amp;color="
            "%23005b7f&quot;" not in body)  # the snippet is shown as text, escaped once
    assert ('&lt;iframe src="http://testserver/cases/indlejr/?municipality=787&amp;partner=ucn&amp;color=%23005b7f" '
            'title="Cases fra Vækst Via Viden"') in body
    assert response.context["api_url"] == "http://testserver/api/cases?municipality=787&partner=ucn"


def test_a_partner_lead_adds_the_partners_website():
    lead = client_for(staff("ucn", role=User.Role.PARTNER_LEAD))
    ucn = Organisation.objects.get(slug="ucn")

    response = lead.post(reverse("case_staff_embed"), {
        "site-organisation": ucn.pk, "site-origin": "https://www.ucn.dk/", "site-name": "ucn.dk",
        "site-color": "#e30613"})

    assert response.status_code == 302
    assert list(EmbedSite.objects.values_list("origin", "color", "organisation__slug")) == [
        ("https://www.ucn.dk", "#e30613", "ucn")]


def test_a_bad_origin_is_shown_and_nothing_saved():
    lead = client_for(staff("ucn", role=User.Role.PARTNER_LEAD))

    response = lead.post(reverse("case_staff_embed"), {
        "site-organisation": Organisation.objects.get(slug="ucn").pk, "site-origin": "http://www.ucn.dk/cases",
        "site-color": "#e30613"})

    assert response.status_code == 200
    assert response.context["site_form"].errors["origin"] == [
        "Skriv hjemmesidens adresse som https://www.eksempel.dk (uden sti)."]
    assert not EmbedSite.objects.exists()


def test_partner_staff_cannot_add_websites():
    response = client_for(staff("ucn")).post(reverse("case_staff_embed"), {
        "site-organisation": Organisation.objects.get(slug="ucn").pk, "site-origin": "https://www.ucn.dk"})

    assert response.status_code == 403
    assert not EmbedSite.objects.exists()
