"""Issue 3 end to end: a company asks through the public form; its municipality's business office refers
the need to the Central Matching Unit; the unit accepts and registers a match from the need, which closes
it; the company's private status link shows every step."""

import re

from django.core import mail

from viaviden.companies import selfservice
from viaviden.companies.models import Need
from viaviden.matches.models import Match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

PASSWORD = "Nordjylland-e2e-2021"


def _staff(username: str, org_slug: str, secret_hex: str):
    user = User.objects.create_user(username, password=PASSWORD, role=User.Role.PARTNER_STAFF,
                                    organisation=Organisation.objects.get(slug=org_slug), email=f"{username}@example.dk")
    return user, totp_device_ensure(user, secret_hex=secret_hex)


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


def _link(pattern: str) -> str:
    for message in mail.outbox:
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail with {pattern}")


def test_company_request_is_referred_accepted_matched_and_visible_on_the_status_link(
    live_server, browser_page, monkeypatch
):
    load_reference_data()  # transactional tests start from an empty database
    monkeypatch.setattr(selfservice, "MIN_FILL_SECONDS", 0)  # the spam timer would otherwise add 3 s
    _office, office_device = _staff("thisted.erhverv", "erhvervskontor-thisted", "31" * 20)
    _unit, unit_device = _staff("cme.konsulent", "central-matchningsenhed", "32" * 20)
    page, base = browser_page, live_server.url

    # The company describes its need on the public form (no login).
    page.goto(f"{base}/")
    page.click("text=Fortæl os om jeres behov >> nth=0")
    page.fill("#id_cvr", "12345674")
    page.fill("#id_company_name", "Syntetisk Thy Smedie ApS")
    page.fill("#id_postal_code", "7700")
    page.fill("#id_tasks", "Vi vil gerne have hjælp til at digitalisere vores produktionsplanlægning.")
    page.check("input[name=match_types][value=student_project]")
    page.check("input[name=education_levels][value=MVU]")
    page.fill("#id_submitter_name", "Syntetisk Kontaktperson")
    page.fill("#id_submitter_email", "kontakt@thysmedie.example")
    page.check("#id_consent")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/sendt/")

    # It confirms its e-mail address through the link in the mail.
    page.goto(live_server.url + _link(r"/virksomhed/behov/bekraeft/[^/\s]+/").replace(live_server.url, ""))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/virksomhed/status/**")
    need = Need.objects.get()
    assert (need.status, need.owner_organisation.slug) == ("new", "erhvervskontor-thisted")
    status_url = f"/virksomhed/status/{need.public_token}/"

    # The business office of Thisted sees it and refers it to the Central Matching Unit.
    _login(page, base, "thisted.erhverv", office_device)
    page.click(".navigation-menu button:has-text('Virksomheder')")  # the menu group, then its page
    page.click(".navigation-menu a:has-text('Behov')")
    page.click("main a:has-text('Vi vil gerne have hjælp') >> nth=0")
    page.click("main a:text-is('Henvis')")
    page.locator("label", has_text="Central Matchningsenhed").first.click()
    page.click("main form button[type=submit]:has-text('Send henvisning')")
    page.wait_for_url("**/henvisninger/*/")
    assert need.referrals.get().status == "sent"
    _logout(page)

    # The unit accepts the referral and registers a match from the need.
    _login(page, base, "cme.konsulent", unit_device)
    page.click(".navigation-menu button:has-text('Virksomheder')")
    page.click(".navigation-menu a:has-text('Henvisninger')")
    page.click(f"main a[href='/henvisninger/{need.referrals.get().pk}/'] >> nth=0")
    page.click("main form button[type=submit]:has-text('Acceptér henvisningen')")
    page.wait_for_selector("text=Accepteret")
    assert need.referrals.get().status == "accepted"
    page.goto(f"{base}/behov/{need.pk}/")
    page.click("text=Registrér match fra behovet")
    page.fill("#id_start_date", "2022-03-01")
    page.check("input[name=education_level][value=MVU]")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: url.rstrip("/").rsplit("/", 1)[-1].isdigit())
    need.refresh_from_db()
    assert need.status == "matched"
    assert Match.objects.get().need == need
    _logout(page)

    # The company follows every step on its private status link.
    page.goto(f"{base}{status_url}")
    steps = page.inner_text("main")
    for text in ("Henvist til Central Matchningsenhed", "Der er registreret et match"):
        assert text in steps
    assert "Syntetisk Kontaktperson" not in steps and "cme.konsulent" not in steps
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
