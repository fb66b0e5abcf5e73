"""Login with password and a one-time code, and the enrolment of an authenticator app."""

from __future__ import annotations

import django_otp
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from .services import totp_device_confirmed


class LoginForm(AuthenticationForm):
    """Username, password and the 6-digit code from the authenticator app.

    Every failure (wrong password, wrong or missing code) gives the same message, so the form does not
    reveal whether the password was right, and every failure is counted by django-axes: authenticate()
    gets the request, and a wrong code sends `user_login_failed` for the same username.
    A user who has not yet set up an app logs in with the password only and is then sent to enrolment.
    """

    otp_token = forms.CharField(
        label=_("Engangskode"),
        help_text=_(
            "De 6 cifre, som din godkendelsesapp viser. Har du endnu ikke opsat en app, så lad feltet stå tomt."
        ),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "class": "form-input"}
        ),
    )

    error_messages = {
        "invalid_login": _("Brugernavn, adgangskode eller engangskode er forkert. Prøv igen."),
        "inactive": _("Kontoen er deaktiveret."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Brugernavn")
        self.fields["password"].label = _("Adgangskode")
        self.fields["username"].widget.attrs["class"] = "form-input"
        self.fields["password"].widget.attrs["class"] = "form-input"

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(user)
        device = totp_device_confirmed(user)
        if device is not None:
            token = "".join(self.cleaned_data.get("otp_token", "").split())
            verified = django_otp.verify_token(user, device.persistent_id, token) if token else None
            if verified is None:
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=self.request)
                raise self.get_invalid_login_error()
            # django_otp's user_logged_in handler stores the device in the session.
            user.otp_device = verified
        self.user_cache = user
        return self.cleaned_data


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Kode fra appen"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "class": "form-input"}
        ),
    )

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Koden består af 6 cifre."))
        return token
