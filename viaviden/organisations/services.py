"""Staff accounts: the TOTP second factor (enrolment, confirmation, demo secrets)."""

from __future__ import annotations

from base64 import b32encode

import django_otp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice, key_validator

from viaviden.core.errors import ValidationFailed

from .models import User

DEVICE_NAME = "Godkendelsesapp"


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device (the oldest if there are several), or None."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_device_ensure(user: User, secret_hex: str | None = None) -> TOTPDevice:
    """Give `user` a confirmed TOTP device; with `secret_hex` the device has exactly that secret, so demo
    users get known, reproducible codes."""
    if secret_hex is not None:
        secret_hex = secret_hex.strip().lower()
        try:
            key_validator(secret_hex)
        except ValidationError as exc:
            raise ValidationFailed(_("Hemmeligheden skal være hexadecimal."), code="invalid_secret") from exc
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=True)
        if secret_hex:
            device.key = secret_hex
        device.save()
    elif secret_hex and device.key != secret_hex:
        device.key = secret_hex
        device.last_t = -1
        device.drift = 0
        device.throttle_reset(commit=False)
        device.save()
    return device


def totp_now(device: TOTPDevice) -> str:
    """The device's current code as the authenticator app shows it (tests, demo, `totp_code`)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32 in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def totp_enrolment_start(user: User) -> TOTPDevice:
    """The pending (unconfirmed) device shown on the enrolment page; reloading keeps the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(user: User, token: str) -> TOTPDevice:
    """Confirm the pending device with a code from the app. It replaces any earlier device of the user."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None:
        raise ValidationFailed(
            _("Der er ingen godkendelsesapp under opsætning. Genindlæs siden."), code="no_pending_device"
        )
    device = django_otp.verify_token(user, pending.persistent_id, token.strip())
    if device is None:
        raise ValidationFailed(
            _("Koden er forkert eller udløbet. Indtast den kode, appen viser lige nu."), code="invalid_token"
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device
