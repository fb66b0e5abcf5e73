"""Issue 7 end to end in headless Chromium:

1. A case written by UCN goes through review to publication and is found on the public list by a Danish query
   using another inflection of its words ("markedsføringsøkonomer" finds "markedsføringsøkonom").
2. The video is privacy friendly: nothing is requested from YouTube until the visitor clicks "Vis video".
3. The embed snippet works on a page served from another origin (a registered partner website): the iframe
   shows the cases and a fetch() to the JSON API succeeds (CORS); from an unregistered origin both are refused.

The browser is kept on this machine: every request to another host is aborted (the video test answers the
player's address itself)."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from viaviden.cases.models import Case
from viaviden.cases.services import embed_site_add
from viaviden.cases.tests.factories import make_case
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

PASSWORD = "Nordjylland-e2e-2021"
NOT_LOCAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")


def _keep_local(page) -> None:
    page.route(NOT_LOCAL, lambda route: route.abort())


def _user(username: str, org_slug: str, role: str, secret_hex: str):
    user = User.objects.create_user(username, password=PASSWORD, role=role, email=f"{username}@example.dk",
                                    organisation=Organisation.objects.get(slug=org_slug))
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


def test_a_ucn_case_is_reviewed_published_and_found_by_another_inflection(live_server, browser_page):
    load_reference_data()  # transactional tests start from an empty database
    _author, author_device = _user("ucn.erhverv", "ucn", User.Role.PARTNER_STAFF, "41" * 20)
    _reviewer, reviewer_device = _user("koordinator", "koordinationsgruppen", User.Role.COORDINATOR, "42" * 20)
    page, base = browser_page, live_server.url
    _keep_local(page)

    # UCN writes the case.
    _login(page, base, "ucn.erhverv", author_device)
    page.goto(f"{base}/cases/redaktion/ny/")
    page.fill("#id_title", "Markedsføringsøkonom giver Thy Smedie nye kunder")
    page.fill("#id_summary", "En nyuddannet markedsføringsøkonom fra UCN fik smedjen på de sociale medier.")
    page.fill("#id_body", "Smedjen havde aldrig ansat en akademiker.\n\nNu kommer kunderne via Facebook.")
    page.select_option("#id_municipality", "787")
    page.select_option("#id_programmes", ["markedsfoeringsoekonom-ucn"])
    page.get_by_label("Markedsføring", exact=True).check()
    page.fill("#id_image_1_url", "/static/cases/demo/vaerksted.svg")
    page.fill("#id_image_1_alt", "Tegning af et værksted")
    page.click("main form button[type=submit]:has-text('Gem kladde')")
    page.wait_for_url(re.compile(r".*/cases/redaktion/\d+/$"))
    case = Case.objects.get()
    assert (case.status, case.owner_organisation.slug) == ("draft", "ucn")

    # The person shown, with consent; then to review.
    page.fill("#id_name", "Syntetisk Dimittend")
    page.fill("#id_role", "Markedsføringsøkonom")
    page.select_option("#id_consent_method", "written")
    page.click("button:has-text('Tilføj person')")
    page.wait_for_selector("text=Personen er registreret.")
    page.click("button:has-text('Send til godkendelse')")
    page.wait_for_selector("text=Casen er sendt til godkendelse hos koordinationsgruppen.")
    _logout(page)

    # The coordination group reviews and publishes.
    _login(page, base, "koordinator", reviewer_device)
    page.goto(f"{base}/cases/redaktion/{case.pk}/")
    page.check("#id_persons_confirmed")
    page.click("button:has-text('Offentliggør')")
    page.wait_for_selector("text=Casen er offentliggjort.")
    _logout(page)

    # Anyone finds it with another inflection of its words.
    page.goto(f"{base}/cases/")
    page.fill("#id_q", "markedsføringsøkonomer")
    page.click("main button[type=submit]:has-text('Søg')")
    page.wait_for_url("**/cases/?q=*")
    assert page.inner_text("#results-heading") == "1 case"
    page.click("text=Markedsføringsøkonom giver Thy Smedie nye kunder")
    assert page.inner_text("h1") == "Markedsføringsøkonom giver Thy Smedie nye kunder"
    assert page.get_attribute(".case-hero img", "alt") == "Tegning af et værksted"
    assert page.console_errors == []


def test_video_loads_only_after_the_visitor_asks(live_server, browser_page):
    load_reference_data()
    case = make_case(publish=True, kind="video", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page = browser_page
    _keep_local(page)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.route("https://www.youtube-nocookie.com/**",
               lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Afspiller</title>"))

    page.goto(f"{live_server.url}/cases/{case.slug}/")
    assert not [u for u in requested if "youtube" in u]
    page.click("button:has-text('Vis video')")
    frame = page.wait_for_selector(".case-video-frame iframe")

    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"
    assert frame.get_attribute("title") == f"Video: {case.title}"
    page.wait_for_function("() => window.frames.length === 1")
    page.frames[1].wait_for_load_state()
    assert any(u.startswith("https://www.youtube-nocookie.com/embed/") for u in requested)
    assert page.console_errors == []


PARTNER_PAGE = """<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>Partnerens hjemmeside</title></head>
<body>
<h1>UCN: cases</h1>
<iframe src="{embed}" title="Cases fra Vækst Via Viden" width="100%" height="300" data-vvv-cases></iframe>
<script src="{script}" async></script>
<p id="api-result">venter</p>
<script>
fetch("{api}").then(function (r) {{ return r.json(); }})
  .then(function (data) {{
    document.getElementById("api-result").textContent = data.count + ": " + data.items[0].title;
  }})
  .catch(function () {{ document.getElementById("api-result").textContent = "afvist"; }});
</script>
</body></html>
"""


@pytest.fixture
def partner_site(tmp_path: Path):
    """A tiny web server on another port (another origin) that serves one partner page."""
    servers = []

    def start(html: str) -> str:
        directory = tmp_path / f"site{len(servers)}"
        directory.mkdir()
        (directory / "index.html").write_text(html, encoding="utf-8")

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_embed_snippet_works_on_a_registered_partner_website(live_server, browser_page, partner_site):
    load_reference_data()
    case = make_case(publish=True)
    make_case(publish=True, organisation="aau", title="AAU-case, som UCN ikke viser")
    base = live_server.url
    page_html = PARTNER_PAGE.format(embed=f"{base}/cases/indlejr/?partner=ucn&color=%23e30613",
                                    script=f"{base}/static/js/cases_embed.js", api=f"{base}/api/cases?partner=ucn")
    registered = partner_site(page_html)
    unregistered = partner_site(page_html)
    coordinator = User.objects.create_user("koordinator", role=User.Role.COORDINATOR,
                                           organisation=Organisation.objects.get(slug="koordinationsgruppen"))
    embed_site_add(user=coordinator, organisation=Organisation.objects.get(slug="ucn"), origin=registered)
    page = browser_page
    _keep_local(page)

    page.goto(f"{registered}/index.html")
    embedded = page.frame_locator("iframe[data-vvv-cases]")
    embedded.get_by_role("link", name=re.compile(case.title)).wait_for()
    page.wait_for_function("() => document.getElementById('api-result').textContent !== 'venter'")

    assert page.inner_text("#api-result") == f"1: {case.title}"
    assert embedded.get_by_text("AAU-case, som UCN ikke viser").count() == 0
    assert embedded.locator(".case-embed-count").inner_text() == "1 case"
    # The partner's colour reaches the search button; the host script fits the iframe to its content.
    color = embedded.locator("button.button-primary").evaluate("b => getComputedStyle(b).backgroundColor")
    assert color == "rgb(227, 6, 19)"
    page.wait_for_function("() => document.querySelector('iframe').style.height.endsWith('px')")
    # The visitor searches inside the embedded list; the partner's filter stays.
    embedded.locator("#embed-q").fill("smedjen")
    embedded.locator("button:has-text('Søg')").click()
    embedded.locator(".case-embed-count").filter(has_text="1 case").wait_for()
    assert "partner=ucn" in page.frames[1].url

    # A website that is not registered gets neither the iframe nor the API.
    page.goto(f"{unregistered}/index.html")
    page.wait_for_function("() => document.getElementById('api-result').textContent === 'afvist'")
    page.wait_for_timeout(500)
    assert page.frames[1].query_selector(".case-embed") is None
