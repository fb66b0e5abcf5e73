"""core.pagecache: public pages from the cache for anonymous visitors, with ETags and a fresh CSRF token
(issue 16)."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.shortcuts import render
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from viaviden.candidates.models import ProgrammeTaskArea, StudyProgramme
from viaviden.cases.models import SearchState
from viaviden.cases.search import bump_generation, generation_columns
from viaviden.cases.tests.factories import make_case
from viaviden.core.pagecache import csrf_token, public_page, read_version, site_version, version_statement
from viaviden.matches.models import Match
from viaviden.matches.tests.factories import make_match

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def make_view(calls, version=lambda: ["'v1'"]):
    @public_page(version)
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
    assert TOKEN.search(first.content.decode()).group(1) != TOKEN.search(second.content.decode()).group(1)


def test_each_response_gets_its_own_csrf_token():
    view = make_view([])
    tokens = [TOKEN.search(view(anonymous()).content.decode()).group(1) for _ in range(3)]
    assert len(set(tokens)) == 3


def test_new_version_renders_again():
    calls = []
    view = make_view(calls, generation_columns)
    view(anonymous())
    bump_generation()
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

    @public_page(lambda: ["'v'"])
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


PAGES = [("home", {}), ("case_list", {"q": "energi", "kind": "article"}), ("guide_index", {}),
         ("guide_index", {"q": "salg", "task_area": "salg"})]


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_a_hit_costs_exactly_one_query(client, name, params):
    # The site's and the page's versions are read in one statement (one round trip on PostgreSQL).
    url = reverse(name)
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200 and "ETag" in response and "Cookie" in response["Vary"]
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert queries.captured_queries[0]["sql"].startswith("SELECT ")


def test_a_queryset_update_of_a_fit_renders_the_guide_again(client, django_assert_max_num_queries):
    # No signal, no save(): only the data changed, as when another worker wrote them.
    url = reverse("guide_index")
    client.get(url)
    with django_assert_max_num_queries(1):
        client.get(url)
    fit = ProgrammeTaskArea.objects.order_by("pk").first()
    ProgrammeTaskArea.objects.filter(pk=fit.pk).update(weight=fit.weight / 2)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries.captured_queries) > 1  # the view ran


def test_a_bumped_case_index_renders_the_case_list_again_and_a_published_case_shows(client):
    url = reverse("case_list")
    assert "Hestevognsrestaurering" not in client.get(url, {"q": "hestevognsrestaurering"}).content.decode()
    make_case(publish=True, title="Hestevognsrestaurering i Thy")
    assert "Hestevognsrestaurering" in client.get(url, {"q": "hestevognsrestaurering"}).content.decode()
    client.get(url)
    SearchState.objects.update(generation=F("generation") + 1)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries.captured_queries) > 1


def test_synthetic_matches_written_by_a_queryset_update_show_the_notice_on_the_cached_front_page(client):
    notice = "Platformen indeholder syntetiske demodata"
    make_match(is_synthetic=False)
    Match.objects.update(is_synthetic=False)
    assert notice not in client.get(reverse("home")).content.decode()
    assert notice not in client.get(reverse("home")).content.decode()
    Match.objects.update(is_synthetic=True)
    assert notice in client.get(reverse("home")).content.decode()


def test_the_site_version_comes_from_the_setting_and_joins_the_page_statement():
    with override_settings(PAGE_CACHE_SITE_VERSION=""):
        assert version_statement() == ""
        assert site_version() == ""
        assert version_statement(lambda: ["1", "'a'"]) == "SELECT 1, 'a'"
    statement = version_statement(lambda: ["'page'"])
    assert statement.startswith("SELECT EXISTS") and statement.endswith(", 'page'")
    assert read_version(statement).endswith("|page")


def test_csrf_token_masks_the_cookie_secret_afresh_and_renews_the_cookie():
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret
    tokens = {csrf_token(request) for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) == CSRF_TOKEN_LENGTH and _unmask_cipher_token(t) == secret for t in tokens)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    fresh = RequestFactory().get("/")  # no cookie yet: Django's get_token makes the secret
    assert _unmask_cipher_token(csrf_token(fresh)) == fresh.META["CSRF_COOKIE"]


def test_a_hit_sets_the_csrf_cookie_and_varies_on_cookie(client):
    url = reverse("guide_index")
    client.get(url)
    response = client.get(url)
    assert "Cookie" in response["Vary"] and response["ETag"]
    assert response.cookies["csrftoken"].value == client.cookies["csrftoken"].value


def test_a_pending_message_in_its_cookie_is_shown_by_the_view_not_the_cache(client):
    url = reverse("guide_index")
    client.get(url)
    client.get(url)
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[CookieStorage.cookie_name] = storage._encode([Message(constants.INFO, "Besked til dig")])
    response = client.get(url)
    assert "Besked til dig" in response.content.decode()
    assert "ETag" not in response
