"""A coordinator chooses a report on /rapporter/, reads it, issues it, and downloads the frozen PDF and JSON."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data
from viaviden.reports.models import IssuedReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Nordjylland-e2e-2021!"


def test_coordinator_issues_a_report_and_downloads_it(live_server, browser_page):
    import datetime as dt

    from viaviden.matches.tests.factories import make_match

    load_reference_data()  # transactional tests start from an empty database
    make_match(start_date=dt.date(2021, 3, 1))
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 4, 1))
    user = User.objects.create_user(
        "koord.e2e", password=PASSWORD, role=User.Role.COORDINATOR,
        organisation=Organisation.objects.get(slug="koordinationsgruppen"),
    )
    device = totp_device_ensure(user, secret_hex="3132333435363738393031323334353637383930")
    page = browser_page
    page.goto(f"{live_server.url}/login/?next=/rapporter/")
    page.fill("#id_username", "koord.e2e")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_now(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/rapporter/")

    page.select_option("#id_kind", "yearly")
    page.fill("#id_as_of", "2021-12-31")
    page.click("[data-testid=report-form] button[type=submit]")
    page.wait_for_selector("[data-testid=status-report]")
    assert "Årlig status til KKR Nordjylland og BRN" in page.inner_text("[data-testid=status-report]")
    assert page.locator("[data-key='summary.actual']").inner_text() == "2"

    page.click("[data-testid=issue]")
    page.wait_for_url(lambda url: url.rstrip("/").rsplit("/", 1)[-1].isdigit())
    issued = IssuedReport.objects.get()
    assert f"nr. {issued.pk}" in page.inner_text("main")

    with page.expect_download() as info:
        page.click("[data-testid=reprint-pdf]")
    pdf = PdfReader(io.BytesIO(open(info.value.path(), "rb").read()))
    assert "/StructTreeRoot" in pdf.trailer["/Root"]
    assert "Årlig status" in pdf.pages[0].extract_text()
    with page.expect_download() as info:
        page.click("[data-testid=reprint-json]")
    assert hashlib.sha256(open(info.value.path(), "rb").read()).hexdigest() == issued.sha256

    page.goto(f"{live_server.url}/rapporter/")
    assert str(issued.pk) in page.inner_text("[data-testid=issued-list]")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
