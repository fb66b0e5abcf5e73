"""Issue 13: every page (every URL without path arguments) answers hostile query strings — page numbers past
any integer range, malformed dates, unknown choices, a NUL byte — with a page or a 4xx, never a 500."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

HUGE = "300404181820278308864"
HOSTILE = {
    "page": HUGE, "page_size": HUGE, "date_from": "0", "date_to": "2024-13-45", "from": "x", "to": HUGE,
    "programme": "findes-ikke", "status": "findes-ikke", "year": HUGE, "project_year": HUGE, "month": "13",
    "q": "'\"<>%", "sort": "-findes_ikke", "export": "findes-ikke", "organisation": "findes-ikke",
    "municipality": "0", "kind": "x", "level": "x", "type": "x", "half_year": HUGE, "next": "//evil.example",
}


def _names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _names(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield prefix + entry.name


def _pages():
    names = []
    for name in sorted(set(_names())):
        if name.startswith(("admin:", "api-", "api:")):
            continue
        try:
            path = reverse(name)
        except Exception:  # noqa: BLE001 - patterns that need arguments are not walked here
            continue
        if path.startswith("/api/") or path.startswith("/admin/") or "logout" in name:
            continue
        names.append(path)
    return names


@pytest.mark.parametrize("path", _pages())
def test_hostile_query_strings_never_give_a_server_error(path):
    client = login_verified(Client(raise_request_exception=False),
                            UserFactory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen"))
    for params in (HOSTILE, {"page": HUGE}, {"page": "-1"}, {"date_from": "0", "date_to": "0"}):
        response = client.get(path, params)
        assert response.status_code < 500, (path, params, response.status_code)
    nul = client.get(path, {"q": "a\x00b"})
    assert nul.status_code == 400


def test_a_unique_key_race_on_a_page_is_a_409_page():
    from django.contrib.auth.models import AnonymousUser
    from django.db import IntegrityError
    from django.test import RequestFactory

    from viaviden.core.middleware import InputHygieneMiddleware

    request = RequestFactory().post("/virksomheder/ny/")
    request.user = AnonymousUser()
    response = InputHygieneMiddleware(lambda r: None).process_exception(request, IntegrityError("duplicate key"))
    assert response.status_code == 409
    assert "samtidig af en anden" in response.content.decode()
    api_request = RequestFactory().post("/api/companies")
    assert InputHygieneMiddleware(lambda r: None).process_exception(api_request, IntegrityError()) is None
