"""Friendly 403/404 pages, also in the demo that run.sh starts (debug pages off there)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_an_unknown_address_gets_the_friendly_404_page_without_the_url_list(client, settings):
    settings.DEBUG = False
    response = client.get("/findes-ikke/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Siden findes ikke" in text and 'class="footer"' in text
    assert "URLconf" not in text and "fremdrift/" not in text


@pytest.mark.django_db
def test_another_organisations_object_and_a_forbidden_page_get_friendly_pages(user_factory, staff_client, settings):
    settings.DEBUG = False
    client = staff_client(user_factory(organisation="aau"))
    missing = client.get(reverse("vaekstpilot_detail", args=[999999]))
    assert missing.status_code == 404 and "Siden findes ikke" in missing.content.decode()
    forbidden = client.get(reverse("audit_log"))
    assert forbidden.status_code == 403
    assert "Ingen adgang" in forbidden.content.decode()
    assert "Traceback" not in forbidden.content.decode()


def _dev_debug(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    if value is not None:
        env["DEBUG"] = value
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    code = "import django; from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_run_sh_starts_the_demo_without_debug_pages_but_with_static_files():
    script = (ROOT / "run.sh").read_text()
    assert "export DEBUG=0" in script
    # static files with DEBUG off: collected (the manifest the templates need), served by WhiteNoise
    assert "manage.py collectstatic" in script and "runserver --nostatic" in script
    assert _dev_debug("0") == "False"
    assert _dev_debug(None) == "True"
