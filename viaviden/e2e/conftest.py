"""Headless-browser tests: Playwright driving Debian's Chromium against Django's live server."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (test.sh installs it as root)")
    # Playwright's sync API runs an event loop in this thread; the Django calls in the test itself are
    # synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        context = browser.new_context(locale="da-DK")
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.console_errors = errors  # type: ignore[attr-defined]
        yield page
        browser.close()
        # Playwright's sync API keeps an event loop running in this thread, so Django keeps the test's database
        # connections apart from the thread's own (asgiref's Local, per context while a loop runs): closed here,
        # or the test database could not be dropped at the end of the run ("being accessed by other users").
        from django.db import connections

        connections.close_all()
