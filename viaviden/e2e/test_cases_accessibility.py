"""Automated accessibility check (axe-core 4.10, vendored from npm in viaviden/e2e/vendor/) of the case platform
and the competence guides in headless Chromium: no serious or critical violations on the case list, a case
page, the guide index, a programme page (with its cases section loaded), a task-area page and the embedded
list — on a desktop and on a phone-sized screen.

axe is injected as an inline script, which the site's CSP forbids; this test's browser context bypasses the
CSP for that reason only (the other browser tests run under the real policy)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from viaviden.cases.tests.factories import make_case
from viaviden.reference.loader import load_reference_data

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
NOT_LOCAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_browser(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (test.sh installs it as root)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 800}],
                         ids=["desktop", "phone"])
def test_no_serious_or_critical_accessibility_violations(live_server, axe_browser, viewport):
    load_reference_data()  # transactional tests start from an empty database
    case = make_case(publish=True, persons=[("Syntetisk Dimittend", True)],
                     images=[("/static/cases/demo/vaerksted.svg", "Tegning af et værksted", "Illustration")],
                     video_url="https://vimeo.com/76979871", video_transcript="Smeden fortæller om samarbejdet.")
    make_case(publish=True, organisation="aau", title="Dataanalyse giver færre fejl i produktionen",
              programmes=["data-science-aau"], task_areas=["data-og-analyse", "markedsfoering"],
              images=[("/static/cases/demo/kontor.svg", "Tegning af et kontor", "")])
    context = axe_browser.new_context(locale="da-DK", bypass_csp=True, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route(NOT_LOCAL, lambda route: route.abort())
    base = live_server.url
    pages = {
        "case list": "/cases/?q=markedsføring&municipality=787",
        "case page": f"/cases/{case.slug}/",
        "guide index": "/kompetenceguide/",
        "programme page": "/kompetenceguide/uddannelser/markedsfoeringsoekonom-ucn/",
        "task-area page": "/kompetenceguide/opgaver/markedsfoering/",
        "embedded list": "/cases/indlejr/?partner=ucn",
    }

    found = {}
    for name, path in pages.items():
        page.goto(base + path)
        if "kompetenceguide/" in path and path != "/kompetenceguide/":
            page.wait_for_selector(".guide-cases .case-card")  # the cases section, loaded by htmx
        violations = _violations(page)
        if violations:
            found[name] = violations

    assert found == {}
    context.close()
