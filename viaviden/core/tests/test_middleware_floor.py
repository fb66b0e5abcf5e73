"""The trimmed middleware stack (issue 16): the same headers, language, messages, client address, audit context
and page-cache versions as the stack it replaced, with less work for an anonymous request without cookies."""

import pytest
from auditlog.cid import get_cid
from auditlog.middleware import AuditlogMiddleware as AuditlogsOwn
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils.functional import SimpleLazyObject, empty

from viaviden.core.middleware import AuditlogMiddleware, MessageMiddleware, anonymous_without_session
from viaviden.core.observability import RequestIdMiddleware
from viaviden.core.pagecache import site_version
from viaviden.matches.models import Match, Programme
from viaviden.matches.tests.factories import make_match


def test_anonymous_request_without_cookies_gets_every_header_and_no_session(db):
    response = Client().get("/healthz", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Content-Language"] == "da"  # Danish first: the browser's English is ignored on pages
    vary = [v.strip() for v in response["Vary"].split(",")]
    assert "Accept-Language" in vary
    assert "Cookie" not in vary  # neither the session nor the user was looked up
    assert "sessionid" not in response.cookies


def test_api_still_negotiates_english_and_the_cookie_switches_pages(db):
    assert Client().get("/healthz", headers={"Accept-Language": "en"})["Content-Language"] == "da"
    assert Client().get("/api/openapi.json", headers={"Accept-Language": "en"})["Content-Language"] == "en"
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.get("/healthz")["Content-Language"] == "en"


def test_request_id_middleware_believes_only_trusted_proxies(rf):
    seen = {}
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        middleware = RequestIdMiddleware(lambda r: seen.setdefault("ip", r.META["REMOTE_ADDR"]) and HttpResponse())
    response = middleware(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
                                 HTTP_X_REQUEST_ID="abcdef0123456789"))
    assert seen["ip"] == "203.0.113.9"
    assert response["X-Request-ID"] == "abcdef0123456789"
    seen.clear()
    middleware(rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert seen["ip"] == "198.51.100.1"


def _with_session(request):
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


def test_messages_added_in_one_request_are_shown_in_the_next(rf):
    def add(request):
        messages.info(request, "Gemt")
        return HttpResponse()

    first = _with_session(rf.get("/"))
    response = MessageMiddleware(add)(first)
    assert "messages" in response.cookies

    second = _with_session(rf.get("/"))
    second.COOKIES["messages"] = response.cookies["messages"].value
    shown = []
    MessageMiddleware(lambda r: shown.extend(str(m) for m in get_messages(r)) or HttpResponse())(second)
    assert shown == ["Gemt"]


def test_request_that_never_touches_messages_stores_nothing(rf):
    request = _with_session(rf.get("/"))
    response = MessageMiddleware(lambda r: HttpResponse())(request)
    assert "messages" not in response.cookies
    assert request._messages._wrapped is empty and not request.session.accessed


@pytest.mark.parametrize("meta", [
    {},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.1"},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.9:4711", "HTTP_X_FORWARDED_PORT": "443"},
    {"HTTP_X_FORWARDED_FOR": "[2001:db8::1]:4711", "HTTP_X_FORWARDED_PORT": "x"},
])
def test_audit_context_is_auditlogs_own(rf, db, user_factory, meta):
    user = user_factory(role="coordinator", organisation="koordinationsgruppen")
    for who in (user, AnonymousUser()):
        request = rf.get("/", REMOTE_ADDR="10.1.2.3", **meta)
        request.user = who
        ours = AuditlogMiddleware(lambda r: HttpResponse()).get_extra_data(request)
        assert ours == AuditlogsOwn(lambda r: HttpResponse()).get_extra_data(request)


def test_audit_correlation_id_from_the_header(rf):
    seen = {}
    middleware = AuditlogMiddleware(lambda r: seen.setdefault("cid", get_cid()) and HttpResponse())
    middleware(rf.get("/", HTTP_X_CORRELATION_ID="corr-123"))
    assert seen["cid"] == "corr-123"
    seen.clear()
    middleware(rf.get("/"))
    assert seen["cid"] is None


def test_user_is_looked_up_only_with_a_session_cookie(rf):
    request = rf.get("/")
    request.user = SimpleLazyObject(AnonymousUser)
    assert anonymous_without_session(request)
    request.COOKIES["sessionid"] = "abc"
    assert not anonymous_without_session(request)
    evaluated = rf.get("/")
    evaluated.user = AnonymousUser()  # set by someone else: the middleware asks it, as before
    assert not anonymous_without_session(evaluated)


def test_site_version_follows_synthetic_matches_and_the_demo_programme(db):
    without_notice = site_version()
    make_match(is_synthetic=True)
    Match.objects.update(is_synthetic=True)
    with_notice = site_version()
    assert with_notice != without_notice
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        programme = Programme.objects.first()
        Programme.objects.filter(pk=programme.pk).update(is_current=True)
    Programme.objects.filter(pk=programme.pk).update(is_synthetic=True)
    shown = site_version()
    assert shown != with_notice and programme.name in shown
    Programme.objects.filter(pk=programme.pk).update(name="Omdøbt periode")
    assert "Omdøbt periode" in site_version()
    Match.objects.update(is_synthetic=False)
    assert site_version() not in (with_notice, shown)
