"""TOTP device services and the totp_code command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from viaviden.core.errors import ValidationFailed
from viaviden.organisations.services import totp_device_ensure, totp_now

from .factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "3132333435363738393031323334353637383930"


def test_totp_device_ensure_with_secret_is_deterministic():
    user = UserFactory()

    first = totp_device_ensure(user, SECRET)
    second = totp_device_ensure(user, SECRET.upper())

    assert first.pk == second.pk
    assert second.key == SECRET
    assert second.confirmed is True
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_totp_device_ensure_replaces_secret_of_existing_device():
    user = UserFactory()
    device = totp_device_ensure(user)

    again = totp_device_ensure(user, SECRET)

    assert again.pk == device.pk
    assert TOTPDevice.objects.get(pk=device.pk).key == SECRET


def test_totp_device_ensure_rejects_non_hex_secret():
    user = UserFactory()

    with pytest.raises(ValidationFailed):
        totp_device_ensure(user, "not-hex!")

    assert not TOTPDevice.objects.filter(user=user).exists()


def test_totp_now_is_accepted_by_the_device():
    device = totp_device_ensure(UserFactory(), SECRET)

    code = totp_now(device)

    assert len(code) == 6 and code.isdigit()
    assert device.verify_token(code) is True


def test_totp_code_command_prints_current_code():
    user = UserFactory(username="demo.koordinator")
    device = totp_device_ensure(user, SECRET)
    out = StringIO()

    before = totp_now(device)
    call_command("totp_code", "demo.koordinator", stdout=out)
    after = totp_now(device)

    assert out.getvalue().strip() in {before, after}


def test_totp_code_command_refuses_unknown_user_and_user_without_device():
    UserFactory(username="uden.app")

    with pytest.raises(CommandError, match="Ukendt bruger"):
        call_command("totp_code", "findes.ikke")
    with pytest.raises(CommandError, match="ingen bekræftet"):
        call_command("totp_code", "uden.app")


def test_user_factory_resolves_organisation_slug():
    user = UserFactory(role="partner_lead", organisation="jobcenter-hjoerring")

    assert user.organisation.slug == "jobcenter-hjoerring"
    assert user.check_password("Nordjylland-test-2021")
