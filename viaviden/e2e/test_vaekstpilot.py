"""Issue 6 end to end: a company applies for a Vækstpilot on the public form and confirms its e-mail; it is
granted first come, first served; it reports the wage for the 4 months on its private status link; the lead
partner approves the months and makes the payment list (right amounts, CSV for the finance system); the
follow-up marks ordinary employment; and the dashboard's Vækstpilot figures move."""

import re

import pytest
from django.core import mail

from viaviden.companies import selfservice
from viaviden.matches.models import Match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import DATA_DIR, load_reference_data
from viaviden.vaekstpilot.loader import load_vaekstpilot_config
from viaviden.vaekstpilot.models import Application, FollowUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Nordjylland-e2e-2021!"


def _login(page, base: str, username: str, device) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_now(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/fremdrift/")


def _logout(page) -> None:
    page.click("header form button[type=submit]:has-text('Log af')")
    page.wait_for_load_state()


def _figures(page, base: str) -> dict[str, str]:
    """The dashboard's Vækstpilot section (fetched by htmx after the page has loaded)."""
    page.goto(f"{base}/fremdrift/")
    page.wait_for_selector("[data-testid=vp-granted]")
    return {key: page.inner_text(f"[data-testid=vp-{key}]").strip()
            for key in ("granted", "started", "spent", "continuing")}


def _link(pattern: str) -> str:
    for message in mail.outbox:
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail with {pattern}")


def test_company_applies_is_granted_reports_wages_is_paid_and_followed_up(live_server, browser_page, monkeypatch):
    load_reference_data()  # transactional tests start from an empty database
    load_vaekstpilot_config(DATA_DIR)
    monkeypatch.setattr(selfservice, "MIN_FILL_SECONDS", 0)  # the spam timer would otherwise add 3 s
    lead = User.objects.create_user("erhvervshus.e2e", password=PASSWORD, role=User.Role.PARTNER_LEAD,
                                    organisation=Organisation.objects.get(slug="erhvervshus-nordjylland"),
                                    email="leder@erhvervshus.example")
    device = totp_device_ensure(lead, secret_hex="41" * 20)
    # A one-time code cannot be used twice, so the figures before are read by another user.
    coordinator = User.objects.create_user("koordinator.e2e", password=PASSWORD, role=User.Role.COORDINATOR,
                                           organisation=Organisation.objects.get(slug="koordinationsgruppen"))
    coordinator_device = totp_device_ensure(coordinator, secret_hex="42" * 20)
    page, base = browser_page, live_server.url

    _login(page, base, "koordinator.e2e", coordinator_device)
    before = _figures(page, base)
    _logout(page)

    # The company applies on the public form (no login).
    page.goto(f"{base}/vaekstpilot/ansoeg/")
    page.fill("#id_cvr", "12345674")
    page.fill("#id_company_name", "Syntetisk Hanstholm Fisk ApS")
    page.fill("#id_postal_code", "7730")
    page.fill("#id_growth_task", "Eksport af fiskeprodukter til Tyskland og en ny webshop.")
    page.fill("#id_education", "Cand.merc.")
    page.check("input[name=education_level][value=LVU]")
    page.fill("#id_graduation_date", "2021-01-20")
    page.fill("#id_unemployment_start", "2021-02-01")
    page.fill("#id_start_date", "2021-03-01")
    page.fill("#id_monthly_wage", "35.000")
    page.fill("#id_contact_name", "Syntetisk Ejer")
    page.fill("#id_contact_email", "ejer@fisk.example")
    page.check("#id_consent")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/ansoeg/sendt/")

    # It confirms its e-mail address: the application is checked and granted (first come, first served).
    page.goto(base + _link(r"/vaekstpilot/ansoeg/bekraeft/[^/\s]+/"))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/vaekstpilot/status/**")
    assert page.inner_text("[data-testid=public-status]") == "Bevilget"
    app = Application.objects.get()
    assert (app.status, app.sequence, app.granted_amount_ore) == ("granted", 1, 5_000_000)

    # It reports the wage and confirms the employment for each of the 4 months on its status link.
    for month in ("2021-03", "2021-04", "2021-05", "2021-06"):
        form = page.locator(f"[data-testid=report-{month}]")
        form.locator("input[name=wage]").fill("35.000")
        form.locator("input[name=employment_confirmed]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=Tak. Lønnen er indberettet.")
    assert page.inner_text("[data-testid=subsidy-total]") == "50.000,00 kr."
    app.refresh_from_db()
    assert app.status == "started" and app.match.match_type_id == "ordinary_job_vaekstpilot"

    # The lead partner approves the months and makes the payment list for the finance system.
    _login(page, base, "erhvervshus.e2e", device)
    page.goto(f"{base}/vaekstpilot/udbetaling/")
    for _ in range(4):
        page.locator("[data-testid=to-approve] button:has-text('Godkend')").first.click()
        page.wait_for_selector("text=Måneden er godkendt til udbetaling.")
    page.click("main form button:has-text('Lav udbetalingsliste')")
    page.wait_for_url(re.compile(r".*/vaekstpilot/udbetaling/\d+/$"))
    assert page.inner_text("[data-testid=payment-total]") == "50.000,00 kr."
    assert page.locator("[data-testid=payment-rows] tbody tr").count() == 4
    assert page.locator("[data-testid=payment-rows] tbody td:has-text('12.500,00 kr.')").count() == 4
    csv_url = page.get_attribute("main a:has-text('Hent CSV')", "href")
    csv = page.request.get(base + csv_url).body().decode("utf-8-sig").splitlines()
    assert len(csv) == 5 and all(line.split(";")[9] == "12500,00" for line in csv[1:])

    # The follow-up at the end of the pilot: the person is in ordinary employment in the same company.
    page.goto(f"{base}/vaekstpilot/{app.pk}/")
    page.select_option("#staff_follow_up", str(FollowUp.objects.get(application=app, kind="end").pk))
    page.check("#staff_outcome_same")
    page.click("main form button:has-text('Registrér opfølgning')")
    page.wait_for_selector("text=Opfølgningen er registreret.")
    assert FollowUp.objects.get(application=app, kind="end").outcome == "same_company"

    # The dashboard's Vækstpilot figures moved.
    after = _figures(page, base)
    assert (before["granted"], before["started"], before["continuing"]) == ("0", "0", "–")
    assert (after["granted"], after["started"]) == ("1", "1")
    assert after["spent"].startswith("50.000 kr. / ")
    assert after["continuing"].startswith("100,0 % (1 af 1)")
    assert Match.objects.get().activity == "vaekstpilot"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
