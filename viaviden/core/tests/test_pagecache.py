"""core.pagecache: public pages from the cache for anonymous visitors, with ETags and a fresh CSRF token
(issue 16)."""

import re

import pytest
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import reverse

from viaviden.candidates.models import StudyProgramme
from viaviden.core.pagecache import CSRF_PLACEHOLDER, public_page

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def make_view(calls, version=lambda request: "v1"):
    @public_page(lambda request: version(request))
    def view(request):
        calls.append(1)
        response = render(request, "core/home_public.html")
        response._csp_update = {"img-src": ["https://img.example"]}
        return response

    return view


def anonymous(path="/forside"):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_second_request_is_served_without_the_view_and_keeps_csp_changes():
    calls = []
    view = make_view(calls)
    first, second = view(anonymous()), view(anonymous())
    assert len(calls) == 1
    assert first.status_code == second.status_code == 200
    assert second._csp_update == {"img-src": ["https://img.example"]}
    assert second["Cache-Control"] == "private, no-cache"
    assert CSRF_PLACEHOLDER not in second.content.decode()


def test_each_response_gets_its_own_csrf_token():
    view = make_view([])
    tokens = [TOKEN.search(view(anonymous()).content.decode()).group(1) for _ in range(3)]
    assert len(set(tokens)) == 3


def test_new_version_renders_again():
    calls, state = [], {"v": "1"}
    view = make_view(calls, lambda request: state["v"])
    view(anonymous())
    state["v"] = "2"
    view(anonymous())
    view(anonymous())
    assert len(calls) == 2


def test_query_string_and_language_are_part_of_the_key():
    from django.utils import translation

    calls = []
    view = make_view(calls)
    view(anonymous("/x?q=a"))
    view(anonymous("/x?q=b"))
    with translation.override("en"):
        view(anonymous("/x?q=a"))
    assert len(calls) == 3


def test_session_cookie_or_pending_messages_bypass_the_cache():
    calls = []
    view = make_view(calls)
    with_session = anonymous()
    with_session.COOKIES["sessionid"] = "abc"
    view(with_session)
    view(with_session)
    with_message = anonymous()
    from django.contrib import messages

    messages.info(with_message, "Hej")
    view(with_message)
    assert len(calls) == 3


def test_error_responses_are_not_stored():
    calls = []

    @public_page(lambda request: "v")
    def view(request):
        calls.append(1)
        return HttpResponse("nej", status=404)

    view(anonymous())
    view(anonymous())
    assert len(calls) == 2


def test_guide_page_etag_gives_304_and_the_token_from_the_cache_passes_csrf():
    client = Client(enforce_csrf_checks=True)
    url = reverse("guide_index")
    client.get(url)  # sets the CSRF cookie
    response = client.get(url)
    etag = response["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    token = TOKEN.search(client.get(url).content.decode()).group(1)
    switched = client.post(reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token})
    assert switched.status_code == 302


def test_guide_edit_shows_at_once(client):
    url = reverse("guide_index")
    client.get(url)
    programme = StudyProgramme.objects.filter(active=True).first()
    programme.name_da = "Helt ny uddannelsestitel"
    programme.save()
    assert "Helt ny uddannelsestitel" in client.get(url).content.decode()


def test_logged_in_staff_are_never_served_from_the_cache(staff_client, user_factory):
    url = reverse("guide_index")
    Client().get(url)
    coordinator = staff_client(user_factory(role="coordinator", organisation="koordinationsgruppen"))
    response = coordinator.get(url)
    assert response.status_code == 200
    assert "ETag" not in response
