"""A consultant logs in with password + TOTP, registers a match and sees the dashboard change."""

import pytest

from viaviden.matches.models import Match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Nordjylland-e2e-2021!"


def _total(page) -> int:
    text = page.locator("[data-testid=headline] dd strong").first.inner_text()
    return int(text.replace(".", "").strip())


def test_login_with_totp_register_match_and_dashboard_changes(live_server, browser_page):
    load_reference_data()  # transactional tests start from an empty database
    user = User.objects.create_user(
        "thisted.e2e", password=PASSWORD, role=User.Role.PARTNER_STAFF,
        organisation=Organisation.objects.get(slug="erhvervskontor-thisted"),
    )
    device = totp_device_ensure(user, secret_hex="3132333435363738393031323334353637383930")
    page = browser_page

    page.goto(f"{live_server.url}/")
    page.click("main a[href='/login/']")  # the public front page links to the staff login
    page.fill("#id_username", "thisted.e2e")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_now(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/fremdrift/")
    before = _total(page)

    page.goto(f"{live_server.url}/match/ny/")
    # The CVR lookup (htmx) answers "unknown company" and shows the fields to create it.
    with page.expect_response(lambda r: "/match/virksomhed/opslag/" in r.url):
        page.fill("#id_cvr", "12345674")
        page.press("#id_cvr", "Tab")
    page.wait_for_timeout(200)  # let htmx settle the swapped fragment
    page.fill("#id_company_name", "Syntetisk Thy Maskinfabrik ApS")
    page.select_option("#id_company_municipality", "787")
    page.check("input[name=match_type][value=ordinary_job]")
    page.fill("#id_start_date", "2022-03-01")
    page.check("input[name=education_level][value=KVU]")
    page.fill("#id_education", "Produktionsteknolog")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: url.rstrip("/").rsplit("/", 1)[-1].isdigit())
    assert "Syntetisk Thy Maskinfabrik ApS" in page.inner_text("main")

    page.goto(f"{live_server.url}/fremdrift/")
    assert _total(page) == before + 1
    match = Match.objects.get()
    assert (match.municipality_id, match.registering_org.slug, match.created_by) == ("787", "erhvervskontor-thisted", user)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
