"""Issue 13: the login lock-out also counts per address across usernames and per username across
addresses; the client address behind a trusted proxy; idle and absolute session timeouts."""

import time

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from viaviden.core.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY, client_ip
from viaviden.organisations.services import totp_device_ensure, totp_now

from .factories import DEFAULT_PASSWORD, UserFactory, login_verified

pytestmark = pytest.mark.django_db

SECRET = "3132333435363738393031323334353637383930"


def post_login(client, username, password=DEFAULT_PASSWORD, code="", address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password, "otp_token": code},
                       REMOTE_ADDR=address)


def test_one_password_against_many_usernames_from_one_address_is_stopped():
    users = [UserFactory() for _ in range(12)]
    client = Client()
    statuses = [post_login(client, u.username, password="Sommer2031!!").status_code
                for _ in range(3) for u in users]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    # The address is locked for an account it never tried, even with the right password and code.
    victim = UserFactory()
    device = totp_device_ensure(victim, SECRET)
    assert post_login(client, victim.username, code=totp_now(device)).status_code == 429
    # Another address is not.
    assert post_login(Client(), victim.username, code=totp_now(device), address="10.0.0.2").status_code == 302


def test_one_username_tried_from_many_addresses_is_stopped():
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    statuses = [post_login(Client(), user.username, password="forkert-kodeord", address=f"10.0.1.{i}").status_code
                for i in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert post_login(Client(), user.username, code=totp_now(device), address="10.0.2.1").status_code == 429


@pytest.mark.parametrize("count,forwarded,expected", [
    (0, "6.6.6.6", "10.9.9.9"),                # no proxy: the header is ignored
    (1, "6.6.6.6, 192.0.2.7", "192.0.2.7"),     # one proxy appended the client's address; the rest is forged
    (1, "192.0.2.7", "192.0.2.7"),
    (2, "6.6.6.6, 192.0.2.7, 10.1.1.1", "192.0.2.7"),
    (1, "", "10.9.9.9"),                        # header missing: the direct peer
])
def test_client_ip_behind_trusted_proxies(count, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip(request) == expected


def _age_session(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED_KEY] = now - started_ago
    session[SESSION_SEEN_KEY] = now - seen_ago
    session.save()


def test_an_active_session_stays_and_its_last_request_is_remembered():
    client = login_verified(Client(), UserFactory())
    assert client.get(reverse("dashboard")).status_code == 200
    _age_session(client, started_ago=3 * 3600, seen_ago=30 * 60)
    assert client.get(reverse("dashboard")).status_code == 200
    assert "_auth_user_id" in client.session
    assert int(time.time()) - client.session[SESSION_SEEN_KEY] < 5


def test_two_idle_hours_log_out():
    client = login_verified(Client(), UserFactory())
    client.get(reverse("dashboard"))
    _age_session(client, started_ago=2 * 3600 + 61, seen_ago=2 * 3600 + 1)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_ten_hours_after_login_the_session_ends_however_active():
    client = login_verified(Client(), UserFactory())
    client.get(reverse("dashboard"))
    _age_session(client, started_ago=10 * 3600 + 1, seen_ago=10)
    assert client.get(reverse("dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_expired_session_is_401_in_the_api():
    client = login_verified(Client(), UserFactory())
    client.get(reverse("dashboard"))
    _age_session(client, started_ago=11 * 3600, seen_ago=11 * 3600)
    response = client.get("/api/organisations")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
