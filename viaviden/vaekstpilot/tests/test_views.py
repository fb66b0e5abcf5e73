"""Staff pages: the permission matrix for every URL, query counts on lists, the application form (Danish
errors, nothing saved on bad input), and every decision through the browser."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application, PaymentList, PilotMonth, SchemeRule

from .factories import lead_user, make_application, partner_user, set_quota

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "steering", "other", "own", "lead_staff", "lead", "coordinator")


def user_for(role: str) -> User | None:
    return {
        "anonymous": lambda: None,
        "steering": lambda: UserFactory(role=User.Role.STEERING_GROUP),
        "other": lambda: UserFactory(organisation="aau"),
        "own": lambda: UserFactory(organisation="jobcenter-thisted"),  # same municipality as the applicant
        "lead_staff": lambda: lead_user(role=User.Role.PARTNER_STAFF),
        "lead": lambda: lead_user(),
        "coordinator": lambda: UserFactory(role=User.Role.COORDINATOR),
    }[role]()


def client_for(user: User | None) -> Client:
    return Client() if user is None else login_verified(Client(), user)


@pytest.fixture
def world():
    """A pilot of Erhvervskontor Thisted: March approved and on payment list, April reported."""
    app = make_application(user=partner_user())
    lead = lead_user(username="world-lead")
    march, april = app.months.order_by("month")[:2]
    for month in (march, april):
        services.month_report(application=app, month_id=month.pk, wage_ore=3_000_000, employment_confirmed=True,
                              by_company=True)
    services.month_approve(user=lead, month=march)
    plist = services.payment_list_create(user=lead)
    return {"app": Application.objects.get(pk=app.pk), "plist": plist, "april": april,
            "rule": SchemeRule.objects.get()}


# name, needs → expected status per role (anonymous is always the login redirect)
PAGES = {
    "vaekstpilot_list": (None, dict.fromkeys(("other", "own", "lead_staff", "lead", "coordinator"), 200)),
    "vaekstpilot_create": (None, dict.fromkeys(("other", "own", "lead_staff", "lead", "coordinator"), 200)),
    "vaekstpilot_detail": ("app", {"other": 404, "own": 200, "lead_staff": 200, "lead": 200, "coordinator": 200}),
    "vaekstpilot_payments": (None, {"other": 403, "own": 403, "lead_staff": 200, "lead": 200, "coordinator": 200}),
    "vaekstpilot_payment_list": ("plist", {"other": 403, "own": 403, "lead_staff": 200, "lead": 200,
                                           "coordinator": 200}),
    "vaekstpilot_payment_csv": ("plist", {"other": 403, "own": 403, "lead_staff": 200, "lead": 200,
                                          "coordinator": 200}),
    "vaekstpilot_budget": (None, dict.fromkeys(("steering", "other", "own", "lead_staff", "lead", "coordinator"),
                                               200)),
    "vaekstpilot_scheme": (None, dict.fromkeys(("steering", "other", "own", "lead_staff", "lead", "coordinator"),
                                               200)),
    "vaekstpilot_figures_fragment": (None, dict.fromkeys(("steering", "other", "own", "lead_staff", "lead",
                                                         "coordinator"), 200)),
    "vaekstpilot_rule_edit": ("rule", {"other": 403, "own": 403, "lead_staff": 403, "lead": 200, "coordinator": 200}),
}


def page_url(name: str, world) -> str:
    needs = PAGES[name][0]
    return reverse(name, args=[world[needs].pk]) if needs else reverse(name)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_page_permission_matrix(name, role, world):
    expected = {"anonymous": 302, "steering": 403, **PAGES[name][1]}[role]

    response = client_for(user_for(role)).get(page_url(name, world))

    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login") + "?next=")


# POST actions on the application: name, data → own organisation's expected status.
ACTIONS = {
    "vaekstpilot_withdraw": {"version": "0", "reason": "x"},
    "vaekstpilot_reject": {"version": "0", "reason": "x"},
    "vaekstpilot_start": {"version": "0"},
    "vaekstpilot_terminate": {"version": "0", "last_day": "2021-04-10", "reason": "x"},
    "vaekstpilot_exception": {"version": "0", "justification": "x"},
    "vaekstpilot_exception_decide": {"version": "0", "decision": "approve"},
    "vaekstpilot_month_report": {"month": "0", "wage": "30000", "employment_confirmed": "on"},
    "vaekstpilot_follow_up": {"follow_up": "0", "outcome": "same_company"},
}


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("role", ("anonymous", "steering", "other"))
def test_actions_are_closed_to_outsiders_and_change_nothing(name, role, world):
    app = world["app"]
    expected = {"anonymous": 302, "steering": 403, "other": 404}[role]

    response = client_for(user_for(role)).post(reverse(name, args=[app.pk]), ACTIONS[name])

    assert response.status_code == expected
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.version) == (app.status, app.version)


@pytest.mark.parametrize("role", ("anonymous", "steering", "other", "own"))
def test_payment_actions_are_for_the_lead_partner(role, world):
    expected = {"anonymous": 302, "steering": 403, "other": 403, "own": 403}[role]
    client = client_for(user_for(role))

    assert client.post(reverse("vaekstpilot_month_approve", args=[world["april"].pk])).status_code == expected
    assert client.post(reverse("vaekstpilot_payments")).status_code == expected

    assert PilotMonth.objects.get(pk=world["april"].pk).status == PilotMonth.Status.REPORTED
    assert PaymentList.objects.count() == 1


@pytest.mark.parametrize("role", ("anonymous", "steering", "other", "own", "lead_staff"))
def test_only_the_lead_partners_leads_and_coordinators_edit_the_scheme(role, world):
    client = client_for(user_for(role))
    rule = world["rule"]

    quota = client.post(reverse("vaekstpilot_scheme"), {"project_year": "2020", "funded_pilots": "1",
                                                        "funded_amount": "1"})
    edit = client.post(reverse("vaekstpilot_rule_edit", args=[rule.pk]), {"version": rule.version, "name": "x"})

    expected = 302 if role == "anonymous" else 403
    assert (quota.status_code, edit.status_code) == (expected, expected)
    assert SchemeRule.objects.get().name == "Nordjysk Vækstpilot 2020–2023"


def test_another_organisation_does_not_see_the_application_in_the_list(world):
    other = client_for(user_for("other")).get(reverse("vaekstpilot_list"))
    own = client_for(user_for("own")).get(reverse("vaekstpilot_list"))

    assert world["app"].reference not in other.content.decode()
    assert world["app"].reference in own.content.decode()


def test_the_list_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    staff = partner_user()
    for _ in range(30):
        make_application(user=staff)
    client = client_for(lead_user())

    # 15: the retention section reads pilot_figures (grants and starts with the follow-ups, one query more).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("vaekstpilot_list"))

    assert response.content.decode().count("VP-") >= 30


def test_the_detail_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(user_for("coordinator"))

    with django_assert_max_num_queries(40):
        response = client.get(reverse("vaekstpilot_detail", args=[world["app"].pk]))

    assert response.status_code == 200


def test_the_payment_csv_is_utf8_with_bom_semicolons_and_decimal_commas(world):
    response = client_for(lead_user()).get(reverse("vaekstpilot_payment_csv", args=[world["plist"].pk]))

    body = response.content
    assert body.startswith("\ufeff".encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body.decode("utf-8-sig").splitlines()
    assert text[0].startswith("Udbetalingsliste;Ansøgning;CVR-nummer;")
    assert ";30000,00;12500,00;" in text[1]


# --- The application form ---------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    from viaviden.matches.tests.factories import next_cvr

    data = {
        "cvr": next_cvr(), "company_name": "Syntetisk Smedie ApS", "postal_code": "7700", "company_is_private": "on",
        "growth_task": "Automatisering af produktionen", "contact_name": "Syntetisk Direktør",
        "contact_email": "direktoer@smedie.example", "education": "Maskiningeniør", "institution": "AAU",
        "education_level": "MVU", "graduation_date": "2021-01-20", "unemployment_start": "2021-02-01",
        "monthly_wage": "32.000", "start_date": "2021-03-01",
    }
    data.update(overrides)
    return data


def test_a_partner_applies_and_the_application_is_granted():
    staff = partner_user()

    response = client_for(staff).post(reverse("vaekstpilot_create"), form_data())

    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("vaekstpilot_detail", args=[app.pk])
    assert (app.status, app.partner_organisation.slug, app.monthly_wage_ore, app.granted_amount_ore) == (
        Application.Status.GRANTED, "erhvervskontor-thisted", 3_200_000, 5_000_000)
    assert (app.company.name, app.workplace_municipality_id) == ("Syntetisk Smedie ApS", "787")


def test_bad_input_shows_danish_errors_and_saves_nothing():
    from viaviden.companies.models import Company

    response = client_for(partner_user()).post(reverse("vaekstpilot_create"), form_data(
        cvr="12345678", postal_code="9999", monthly_wage="mange penge", graduation_date="32-13-2021",
        growth_task="", education_level="PhD"))

    html = response.content.decode()
    assert response.status_code == 200
    for message in ("CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke).",
                    "Postnummeret 9999 findes ikke blandt de nordjyske postnumre.",
                    "Skriv beløbet i kroner, fx 28.500 eller 28.500,50.",
                    "Angiv datoen som dd-mm-åååå, fx 01-03-2021.",
                    "Beskriv den vækstopgave, vækstpiloten skal løse.",
                    "Vælg et af uddannelsesniveauerne KVU, MVU eller LVU."):
        assert message in html
    assert (Application.objects.count(), Company.objects.filter(name="Syntetisk Smedie ApS").count()) == (0, 0)


def test_service_errors_land_on_their_fields():
    response = client_for(partner_user()).post(reverse("vaekstpilot_create"), form_data(
        start_date="2024-03-01", person_name="Syntetisk Person"))

    html = response.content.decode()
    assert "Nordjysk Vækstpilot gælder ikke på startdatoen 01-03-2024." in html
    assert "Personens navn må kun registreres, når personen har givet samtykke." in html
    assert Application.objects.count() == 0


def test_an_ineligible_application_shows_every_reason_on_its_page():
    staff = partner_user()
    client_for(staff).post(reverse("vaekstpilot_create"), form_data(unemployment_start="2020-08-01"))
    app = Application.objects.get()

    html = client_for(staff).get(reverse("vaekstpilot_detail", args=[app.pk])).content.decode()

    assert app.status == Application.Status.INELIGIBLE
    assert "har dermed ret til løntilskud" in html
    assert "Bed leadpartneren om en undtagelse" in html


def test_exception_through_the_pages():
    staff, lead = partner_user(), lead_user()
    app = make_application(user=staff, company_is_private=False)

    empty = client_for(staff).post(reverse("vaekstpilot_exception", args=[app.pk]),
                                   {"version": app.version, "justification": ""})
    assert empty.status_code == 422
    assert "Begrund, hvorfor der bør gøres en undtagelse." in empty.content.decode()
    client_for(staff).post(reverse("vaekstpilot_exception", args=[app.pk]),
                           {"version": app.version, "justification": "Selvejende, men drives som privat"})
    app.refresh_from_db()
    response = client_for(lead).post(reverse("vaekstpilot_exception_decide", args=[app.pk]),
                                     {"version": app.version, "decision": "approve"})

    app.refresh_from_db()
    assert response.status_code == 302
    assert (app.status, app.exception_approved) == (Application.Status.GRANTED, True)


def test_a_stale_form_is_refused_with_a_message(world):
    app = world["app"]

    response = client_for(lead_user()).post(reverse("vaekstpilot_terminate", args=[app.pk]),
                                            {"version": app.version - 1, "last_day": "2021-04-10", "reason": "x"})

    assert response.status_code == 422
    assert "Ansøgningen er blevet ændret af en anden" in response.content.decode()
    assert Application.objects.get(pk=app.pk).status == Application.Status.STARTED


def test_withdraw_reject_start_terminate_report_and_follow_up_through_the_pages():
    set_quota(funded_pilots=1)
    staff, lead = partner_user(), lead_user()
    granted, waiting = make_application(user=staff), make_application(user=staff)
    client, lead_client = client_for(staff), client_for(lead)

    assert lead_client.post(reverse("vaekstpilot_reject", args=[granted.pk]),
                            {"version": granted.version, "reason": "Ikke en vækstopgave"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Application.Status.GRANTED
    assert client.post(reverse("vaekstpilot_start", args=[waiting.pk]), {"version": waiting.version}).status_code == 302
    march = waiting.months.order_by("month").first()
    assert client.post(reverse("vaekstpilot_month_report", args=[waiting.pk]),
                       {"month": march.pk, "wage": "31.000", "employment_confirmed": "on"}).status_code == 302
    assert lead_client.post(reverse("vaekstpilot_month_approve", args=[march.pk]), {"next": "detail"}).status_code == 302
    waiting.refresh_from_db()
    assert client.post(reverse("vaekstpilot_terminate", args=[waiting.pk]),
                       {"version": waiting.version, "last_day": "2021-04-30", "reason": "Sagde op"}).status_code == 302
    end = waiting.follow_ups.get(kind="end")
    assert client.post(reverse("vaekstpilot_follow_up", args=[waiting.pk]),
                       {"follow_up": end.pk, "outcome": "other_company"}).status_code == 302

    waiting.refresh_from_db()
    end.refresh_from_db()
    assert (waiting.status, waiting.terminated_on, end.outcome) == (
        Application.Status.TERMINATED, dt.date(2021, 4, 30), "other_company")
    assert PilotMonth.objects.get(pk=march.pk).status == PilotMonth.Status.APPROVED


def test_the_budget_page_shows_the_seeds_table_and_takes_other_numbers():
    client = client_for(user_for("steering"))

    html = client.get(reverse("vaekstpilot_budget")).content.decode()
    other = client.get(reverse("vaekstpilot_budget"), {"pilots": "10"}).content.decode()
    bad = client.get(reverse("vaekstpilot_budget"), {"pilots": "mange"}).content.decode()

    for amount in ("21.900.000 kr.", "32.850.000 kr.", "10.950.000 kr.", "16.425.000 kr.", "7.500.000 kr.",
                   "11.250.000 kr.", "3.450.000 kr.", "5.175.000 kr."):
        assert amount in html
    assert "1.460.000 kr." in other
    assert "Antal vækstpiloter skal være et helt tal" in bad and "21.900.000 kr." in bad


def test_a_quota_is_edited_on_the_scheme_page_and_bad_input_is_refused(world):
    client = client_for(lead_user())

    bad = client.post(reverse("vaekstpilot_scheme"), {"project_year": "2020", "funded_pilots": "0",
                                                      "funded_amount": "0"})
    good = client.post(reverse("vaekstpilot_scheme"), {"project_year": "2020", "funded_pilots": "60",
                                                       "funded_amount": "3.000.000"})

    assert bad.status_code == 422
    assert "Der er allerede bevilget 1 vækstpiloter i projektåret." in bad.content.decode()
    assert good.status_code == 302
    from viaviden.vaekstpilot.models import Quota

    assert Quota.objects.values_list("funded_pilots", "funded_amount_ore").get(project_year=2020) == (60, 300_000_000)


def test_a_rule_is_edited_in_kroner(world):
    rule = world["rule"]
    client = client_for(lead_user())
    data = dict(client.get(reverse("vaekstpilot_rule_edit", args=[rule.pk])).context["form"].initial)
    data.update({"monthly_cap": "13.000", "education_levels": ["KVU", "MVU", "LVU"],
                 "municipalities": [m.pk for m in rule.municipalities.all()], "budget_scenarios": "150, 225",
                 "internship_required": "", "private_only": "on", "valid_to": "2023-06-30"})
    data = {k: ("" if v is None else v) for k, v in data.items()}

    response = client.post(reverse("vaekstpilot_rule_edit", args=[rule.pk]), data)

    rule.refresh_from_db()
    assert response.status_code == 302
    assert (rule.monthly_cap_ore, rule.edited_in_ui, rule.private_only, rule.budget_scenarios) == (
        1_300_000, True, True, [150, 225])


def test_the_progress_dashboard_loads_the_vaekstpilot_section_and_the_figures_move(world):
    steering = client_for(user_for("steering"))
    dashboard = steering.get(reverse("dashboard")).content.decode()
    fragment_url = reverse("vaekstpilot_figures_fragment") + "?programme=vvv-2-0"
    before = steering.get(fragment_url, headers={"HX-Request": "true"}).content.decode()
    services.month_approve(user=lead_user(), month=world["april"])

    after = steering.get(fragment_url, headers={"HX-Request": "true"}).content.decode()

    # The section is loaded as of the dashboard's cut-off (today by default).
    assert f'hx-get="{fragment_url}&amp;as_of={timezone.localdate().isoformat()}"' in dashboard
    assert "<html" not in before and 'data-testid="vp-granted">1<' in before
    assert "12.500 kr. / 7.500.000 kr." in before and "25.000 kr. / 7.500.000 kr." in after
    assert f'href="{reverse("vaekstpilot_list")}"' not in after  # the steering group sees aggregates, unlinked
    # Opened directly (the placeholder's link without JavaScript) it is a page of its own, with its heading.
    page = steering.get(fragment_url).content.decode()
    assert "<html" in page and page.count("<h1") == 1


def test_the_list_keeps_each_date_on_one_line(world):
    """Issue 14: the start date wrapped onto three lines in the list's table."""
    from django.template.defaultfilters import date as date_filter

    html = client_for(user_for("own")).get(reverse("vaekstpilot_list")).content.decode()
    start = date_filter(world["app"].start_date, "SHORT_DATE_FORMAT")
    assert f'<td class="nowrap">{start}</td>' in html
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "viaviden.css").read_text()
    assert ".nowrap { white-space: nowrap; }" in css or ", .nowrap { white-space: nowrap; }" in css


def test_the_list_filters_are_in_english_on_english_pages(world):
    """Issue 14: "Alle" stayed Danish in the filters of English pages."""
    client = client_for(user_for("own"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("vaekstpilot_list")).content.decode()
    assert '<option value="">All</option>' in html or '<option value="" selected>All</option>' in html
    assert ">Alle<" not in html
