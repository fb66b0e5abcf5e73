"""Issue 14 in a real browser, on the demo data: every staff and public page the demo links to, at 1280×800 and
390×844 — no page scrolls sideways, axe-core (vendored, 4.10) finds no violations — the menu is reachable on
both sizes (the phone's menu button opens the drawer), and screenshots of the main pages are saved under
test-results/interface/ for review (gitignored).

One browser for the whole module; one page per screen size, reused. axe is injected as an inline script,
which the site's CSP forbids; the contexts bypass the CSP for that reason only."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse

from viaviden.organisations.models import User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RESULTS = ROOT / "test-results" / "interface"
CHROMIUM = "/usr/bin/chromium"
NOT_LOCAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PASSWORD = "Nordjylland-e2e-interface-1!"
# Not pages: downloads, feeds, the API, Django's admin, logging out, the language switch.
SKIP = re.compile(r"(\.(csv|xlsx|ics|pdf|json|xml|css|js|svg|png)$)|^/(api|django-admin|i18n|static)/|log-?ud|logout"
                  r"|/eksport|/rss/|/(csv|xlsx|pdf)/$")


@pytest.fixture
def browser(live_server):
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


def _page(browser, size: str, storage_state=None):
    context = browser.new_context(locale="da-DK", bypass_csp=True, viewport=SIZES[size], storage_state=storage_state)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route(NOT_LOCAL, lambda route: route.abort())
    return page


def _login(page, base: str, user: User) -> None:
    device = totp_device_ensure(user)
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_now(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/fremdrift/")


try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # pragma: no cover - the browser fixture skips then
    PlaywrightError = Exception  # type: ignore[misc,assignment]


def _route(path: str) -> str | None:
    if SKIP.search(path):
        return None
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _crawl(page, base: str, starts: list[str], limit: int = 90) -> list[str]:
    """Same-site pages reachable by links from `starts`, one address per URL pattern, answering 200 with HTML."""
    queue, seen, pages = list(starts), set(), []
    while queue and len(pages) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        route = _route(parts.path)
        if route is None or route in seen:
            continue
        seen.add(route)
        try:
            response = page.goto(base + url)
        except PlaywrightError:  # a download (CSV, XLSX) rather than a page
            continue
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        if page.locator("main").count() == 0:  # a fragment that htmx loads into a page, not a page
            continue
        pages.append(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(href)
            if target.netloc and target.netloc != urlsplit(base).netloc:
                continue
            if target.path.startswith("/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]


def _sideways(page) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _check(page, base: str, urls: list[str], size: str, problems: dict) -> None:
    for url in urls:
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # charts size themselves to their box after the first frame
        wider = _sideways(page)
        if wider > 0:
            problems.setdefault(url, []).append(f"{size}: {wider}px wider than the screen")
        found = _violations(page)
        if found:
            problems.setdefault(url, []).append({size: found})


def _demo(tmp_users=("koordinator",)) -> dict[str, User]:
    load_reference_data()  # transactional tests start from an empty database
    call_command("load_demo_data", matches=300, companies=60, verbosity=0)
    users = {}
    for username in tmp_users:
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        users[username] = user
    return users


def _bourse_run_url() -> str:
    """The page of a computed bourse assignment: the demo's own run if it has one, else one computed now on the
    demo's first bourse that is ready to run (a synthetic one when the demo has none)."""
    from viaviden.events import bourse_services
    from viaviden.events.models import BOURSE_TYPES, BourseRun, Event
    from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank

    run = BourseRun.objects.order_by("-pk").first()
    ready = Event.objects.filter(type__in=BOURSE_TYPES, status=Event.Status.PUBLISHED,
                                 bourse_cases__status="published").order_by("pk").first()
    if run is None and ready is not None:
        run = bourse_services.bourse_run_create(user=User.objects.get(username="koordinator"), event=ready,
                                                mode="optimal", time_limit=5)
    if run is None:
        event = make_bourse()
        cases = [make_case(event, title=f"Syntetisk case {i}", capacity=2) for i in range(1, 4)]
        for i in range(5):
            rank(make_participant(event), *cases[i % 3:], *cases[: i % 3])
        run = bourse_services.bourse_run_create(user=User.objects.get(username="koordinator"), event=event,
                                                mode="optimal")
    return reverse("bourse_run_detail", args=[run.pk])


def test_demo_pages_fit_both_screens_with_a_reachable_menu_and_no_accessibility_violations(live_server, browser,
                                                                                           settings):
    settings.SETTINGS_MODULE = "config.settings.test"  # the demo loader refuses production settings
    users = _demo()
    base = live_server.url
    run_url = _bourse_run_url()
    RESULTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list] = {}

    # Public pages, as a visitor without login.
    public = _page(browser, "desktop")
    public_urls = _crawl(public, base, ["/"])
    assert "/cases/" in public_urls and "/login/" in public_urls
    _check(public, base, public_urls, "desktop", problems)
    public.set_viewport_size(SIZES["phone"])
    _check(public, base, public_urls, "phone", problems)
    public.context.close()

    # Staff pages, as the coordinator (who sees every menu entry).
    pages = {"desktop": _page(browser, "desktop")}
    _login(pages["desktop"], base, users["koordinator"])  # a one-time code works once: share the session
    pages["phone"] = _page(browser, "phone", storage_state=pages["desktop"].context.storage_state())
    menu = pages["desktop"].eval_on_selector_all(".navigation-menu a[href]", "els => els.map(e => e.getAttribute('href'))")
    staff_urls = _crawl(pages["desktop"], base, [*menu, run_url], limit=120)
    staff_urls = [u for u in staff_urls if u not in public_urls]
    assert {"/fremdrift/", "/match/", "/virksomheder/", "/vaekstpilot/"} <= set(staff_urls)
    for size, page in pages.items():
        _check(page, base, staff_urls, size, problems)

    print("checked pages:", len(public_urls), "public,", len(staff_urls), "staff")
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())

    # The menu: on a desktop the groups open their sub-pages; on a phone the menu button opens the drawer.
    desktop, phone = pages["desktop"], pages["phone"]
    desktop.goto(f"{base}/fremdrift/")
    desktop.click(".navigation-menu button:has-text('Virksomheder')")
    desktop.click(".navigation-menu a[href='/behov/']")
    desktop.wait_for_url("**/behov/")
    phone.goto(f"{base}/fremdrift/")
    assert not phone.is_visible(".navigation-menu")
    assert not phone.is_visible("#mobile-drawer")
    phone.click("[data-testid=menu-open]")
    assert phone.is_visible("#mobile-drawer")
    phone.click("#mobile-drawer button:has-text('Virksomheder')")
    phone.click("#mobile-drawer a[href='/henvisninger/']")
    phone.wait_for_url("**/henvisninger/")

    # A list's filters: on a phone folded behind one line (the list starts on the first screen) unless one is in use;
    # on a desktop always shown, without the line.
    phone.goto(f"{base}/match/")
    assert not phone.is_visible("details.filter-fold .filters")
    assert phone.eval_on_selector("#results-heading", "h => h.getBoundingClientRect().top") < SIZES["phone"]["height"]
    phone.click("details.filter-fold > summary")
    assert phone.is_visible("details.filter-fold .filters")
    phone.goto(f"{base}/match/?q=a")
    assert phone.is_visible("details.filter-fold .filters")
    desktop.goto(f"{base}/match/")
    assert desktop.is_visible("details.filter-fold .filters")
    assert not desktop.is_visible("details.filter-fold > summary")

    # Screenshots for review.
    company = desktop.goto(f"{base}/virksomheder/") and desktop.get_attribute("main table a[href^='/virksomheder/']",
                                                                              "href")
    shots = {"dashboard": "/fremdrift/", "match-list": "/match/", "company": company, "bourse-run": run_url,
             "vaekstpilot-list": "/vaekstpilot/"}
    for size, page in pages.items():
        for name, url in shots.items():
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(RESULTS / f"{name}-{size}.png"), full_page=True)
    assert len(list(RESULTS.glob("*.png"))) >= 10
