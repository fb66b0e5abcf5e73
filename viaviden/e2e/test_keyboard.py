"""Keyboard only (issue 14): a company's public request and a staff member's match registration, done with Tab,
typing, Space and Enter — no mouse. Each field is reached by tabbing in page order from the one before."""

from __future__ import annotations

import pytest

from viaviden.companies import selfservice
from viaviden.companies.models import Need
from viaviden.matches.models import Match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Nordjylland-e2e-keys-1!"


def _tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    target = page.locator(selector).first
    for _i in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_into(page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _tick(page, selector: str) -> None:
    _tab_to(page, selector)
    page.keyboard.press("Space")
    assert page.is_checked(selector)


def _choose_radio(page, name: str, value: str) -> None:
    """Tab into the radio group, then move with the arrow key (which selects) to the wanted option."""
    _tab_to(page, f"input[name={name}]:focus, input[name={name}] >> nth=0")
    for _i in range(30):
        if page.is_checked(f"input[name={name}][value={value}]"):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the option {value} of {name} cannot be chosen with the arrow keys")


def test_public_company_request_with_the_keyboard_only(live_server, browser_page, monkeypatch):
    load_reference_data()  # transactional tests start from an empty database
    monkeypatch.setattr(selfservice, "MIN_FILL_SECONDS", 0)
    page = browser_page
    page.goto(f"{live_server.url}/")

    _tab_to(page, "a:has-text('Fortæl os om jeres behov')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_cvr")
    _type_into(page, "#id_cvr", "12345674")
    _type_into(page, "#id_company_name", "Syntetisk Tastatur ApS")
    _type_into(page, "#id_postal_code", "7700")
    _type_into(page, "#id_tasks", "Vi vil gerne have hjælp til at planlægge vores produktion bedre.")
    _tick(page, "input[name=match_types][value=student_project]")
    _tick(page, "input[name=education_levels][value=MVU]")
    _type_into(page, "#id_submitter_name", "Syntetisk Kontaktperson")
    _type_into(page, "#id_submitter_email", "kontakt@tastatur.example")
    _tick(page, "#id_consent")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sendt/")
    assert Need.objects.filter(company__name="Syntetisk Tastatur ApS").count() == 1


def test_match_registration_with_the_keyboard_only(live_server, browser_page):
    load_reference_data()
    user = User.objects.create_user("thisted.keys", password=PASSWORD, role=User.Role.PARTNER_STAFF,
                                    organisation=Organisation.objects.get(slug="erhvervskontor-thisted"))
    device = totp_device_ensure(user, secret_hex="33" * 20)
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    _type_into(page, "#id_username", "thisted.keys")
    _type_into(page, "#id_password", PASSWORD)
    _type_into(page, "#id_otp_token", totp_now(device))
    page.keyboard.press("Enter")
    page.wait_for_url("**/fremdrift/")

    # The menu: the group button opens with Enter, its page follows with Tab and Enter.
    _tab_to(page, ".navigation-menu button:has-text('Overblik')")
    page.keyboard.press("Enter")
    _tab_to(page, ".navigation-menu a:has-text('Registrér match')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/match/ny/")

    with page.expect_response(lambda r: "/match/virksomhed/opslag/" in r.url):
        _type_into(page, "#id_cvr", "12345674")
        page.keyboard.press("Tab")
    page.wait_for_timeout(200)  # let htmx settle the swapped fragment
    _type_into(page, "#id_company_name", "Syntetisk Tastatur Maskinfabrik ApS")
    _tab_to(page, "#id_company_municipality")
    page.keyboard.type("Thisted")
    assert page.input_value("#id_company_municipality") == "787"
    _choose_radio(page, "match_type", "ordinary_job")
    _type_into(page, "#id_start_date", "01032022")
    # The date field's segment order follows the browser's locale (dd-mm or mm/dd): either is a date typed in.
    typed = page.input_value("#id_start_date")
    assert typed in ("2022-03-01", "2022-01-03")
    _choose_radio(page, "education_level", "KVU")
    _type_into(page, "#id_education", "Produktionsteknolog")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.rstrip("/").rsplit("/", 1)[-1].isdigit())
    match = Match.objects.get()
    assert (match.municipality_id, match.start_date.isoformat(), match.created_by) == ("787", typed, user)
