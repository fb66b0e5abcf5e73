"""core.middleware.CSPMiddleware: the same headers as django-csp's, the plain policy built once (issue 16)."""

from unittest import mock

import pytest
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from viaviden.core.middleware import CSPMiddleware

HEADER = "Content-Security-Policy"


def both(prepare=lambda response: None, path="/"):
    out = []
    for cls in (CSPMiddleware, DjangoCSPMiddleware):
        request = RequestFactory().get(path)
        response = HttpResponse("x")
        prepare(response)
        middleware = cls(lambda r, response=response: response)
        middleware.process_request(request)
        out.append(middleware.process_response(request, response))
    return out


def test_plain_policy_equals_django_csp_and_is_built_once():
    CSPMiddleware._plain = None
    with mock.patch("viaviden.core.middleware.build_policy", wraps=__import__("csp.utils").utils.build_policy) as b:
        ours, theirs = both()
        both()
    assert ours[HEADER] == theirs[HEADER]
    assert "default-src 'self'" in ours[HEADER]
    assert b.call_count == 2  # the policy and the (empty) report-only policy, once


def test_per_response_update_goes_through_django_csp():
    def update(response):
        response._csp_update = {"img-src": ["https://img.example"]}

    ours, theirs = both(update)
    assert ours[HEADER] == theirs[HEADER]
    assert "https://img.example" in ours[HEADER]


def test_exempt_response_gets_no_header():
    def exempt(response):
        response._csp_exempt = True

    ours, theirs = both(exempt)
    assert HEADER not in ours and HEADER not in theirs


def test_settings_change_rebuilds_the_policy():
    both()
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        ours, theirs = both()
        assert ours[HEADER] == theirs[HEADER] == "default-src 'none'"
    assert "default-src 'self'" in both()[0][HEADER]


@pytest.mark.django_db
def test_pages_still_carry_the_policy():
    response = Client().get("/")
    assert "default-src 'self'" in response[HEADER]
    assert "frame-ancestors 'none'" in response[HEADER]
