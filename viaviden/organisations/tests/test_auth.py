"""Staff login with password and TOTP, lockout after failed attempts, enrolment of the authenticator app."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from viaviden.organisations.services import totp_device_ensure, totp_now

from .factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "3132333435363738393031323334353637383930"  # RFC 6238 test secret


def wrong_code(device) -> str:
    """A code that no time step in the device's tolerance window accepts."""
    window = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6, drift=d):06d}"
        for d in range(device.drift - device.tolerance - 1, device.drift + device.tolerance + 2)
    }
    return next(c for c in ("000000", "111111", "222222") if c not in window)


def post_login(client, username, password=DEFAULT_PASSWORD, code="", next_url=""):
    data = {"username": username, "password": password, "otp_token": code}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_shows_username_password_and_code_fields(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'name="password"' in body
    assert 'name="otp_token"' in body
    assert 'autocomplete="one-time-code"' in body


def test_login_without_code_fails_for_user_with_device(client):
    user = UserFactory()
    totp_device_ensure(user, SECRET)

    response = post_login(client, user.username)

    assert response.status_code == 200
    assert "Brugernavn, adgangskode eller engangskode er forkert" in response.content.decode()
    assert not is_logged_in(client)


def test_login_with_wrong_code_fails_and_counts_as_failed_attempt(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)

    code = wrong_code(device)

    response = post_login(client, user.username, code=code)

    assert response.status_code == 200
    assert "Brugernavn, adgangskode eller engangskode er forkert" in response.content.decode()
    assert not is_logged_in(client)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 1
    assert code not in attempt.post_data  # the code is masked like the password


def test_login_with_wrong_password_and_correct_code_fails(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)

    response = post_login(client, user.username, password="forkert-kodeord", code=totp_now(device))

    assert response.status_code == 200
    assert not is_logged_in(client)
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 1


def test_login_with_correct_code_succeeds_and_verifies_session(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)

    response = post_login(client, user.username, code=totp_now(device))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_login_code_with_spaces_is_accepted(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    code = totp_now(device)

    response = post_login(client, user.username, code=f"{code[:3]} {code[3:]}")

    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_same_code_cannot_be_used_twice(client, django_user_model):
    from django.test import Client

    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    code = totp_now(device)
    assert post_login(client, user.username, code=code).status_code == 302

    other = Client()
    response = post_login(other, user.username, code=code)

    assert response.status_code == 200
    assert not is_logged_in(other)


def test_login_redirects_to_safe_next_only(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)

    response = post_login(client, user.username, code=totp_now(device), next_url="https://evil.example/")

    assert response["Location"] == reverse("home")


def test_login_redirects_to_local_next(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)

    response = post_login(client, user.username, code=totp_now(device), next_url="/revision/?type=match")

    assert response["Location"] == "/revision/?type=match"


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    device = totp_device_ensure(user, SECRET)

    response = post_login(client, user.username, code=totp_now(device))

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_five_failed_attempts_lock_the_account(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    for _ in range(4):
        assert post_login(client, user.username, password="forkert-kodeord").status_code == 200

    fifth = post_login(client, user.username, password="forkert-kodeord")
    sixth = post_login(client, user.username, code=totp_now(device))

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    body = sixth.content.decode()
    assert "Kontoen er midlertidigt spærret" in body
    assert "5 mislykkede forsøg" in body
    assert not is_logged_in(client)
    # The refused sixth attempt is recorded too (and restarts the cool-off).
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 6


def test_successful_login_resets_failed_attempts(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    post_login(client, user.username, password="forkert-kodeord")

    response = post_login(client, user.username, code=totp_now(device))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.username).exists()


def test_user_without_device_is_sent_to_enrolment(client):
    user = UserFactory()

    response = post_login(client, user.username, next_url="/revision/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_security") + "?next=%2Frevision%2F"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_unenrolled_user_cannot_reach_staff_pages(client):
    user = UserFactory(role="coordinator")
    post_login(client, user.username)

    response = client.get(reverse("audit_log"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_security") + "?next=%2Frevision%2F"


def test_enrolment_page_shows_qr_code_and_secret(client):
    user = UserFactory()
    post_login(client, user.username)

    response = client.get(reverse("account_security"))

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    body = response.content.decode()
    assert 'src="data:image/svg+xml' in body
    assert response.context["secret"].replace(" ", "") in body.replace(" ", "")
    # Reloading keeps the same secret.
    client.get(reverse("account_security"))
    assert list(TOTPDevice.objects.filter(user=user).values_list("key", flat=True)) == [device.key]


def test_enrolment_with_correct_code_confirms_device_and_verifies_session(client):
    user = UserFactory()
    post_login(client, user.username)
    client.get(reverse("account_security"))
    device = TOTPDevice.objects.get(user=user)

    response = client.post(reverse("account_security"), {"otp_token": totp_now(device), "next": "/revision/"})

    assert response.status_code == 302
    assert response["Location"] == "/revision/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_enrolment_with_wrong_code_confirms_nothing(client):
    user = UserFactory()
    post_login(client, user.username)
    client.get(reverse("account_security"))
    device = TOTPDevice.objects.get(user=user)

    response = client.post(reverse("account_security"), {"otp_token": wrong_code(device)})

    assert response.status_code == 200
    assert "Koden er forkert eller udløbet" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_account_security_requires_login(client):
    response = client.get(reverse("account_security"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/konto/sikkerhed/"
    assert not TOTPDevice.objects.exists()


def test_password_only_session_cannot_enrol_over_an_existing_device(client):
    user = UserFactory()
    device = totp_device_ensure(user, SECRET)
    client.force_login(user)  # password-only session, e.g. the app was added in another session

    response = client.get(reverse("account_security"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not is_logged_in(client)
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


def test_verified_user_replaces_device(staff_client):
    user = UserFactory()
    old = totp_device_ensure(user, SECRET)
    client = staff_client(user)

    page = client.get(reverse("account_security") + "?skift=1")
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("account_security"), {"otp_token": totp_now(new)})

    assert page.status_code == 200
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_logout_requires_post_and_ends_session(staff_client):
    client = staff_client(UserFactory())

    get_response = client.get(reverse("logout"))
    assert get_response.status_code == 200
    assert is_logged_in(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not is_logged_in(client)
