"""Staff login (password + one-time code), logout and the enrolment of an authenticator app."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from viaviden.core.errors import AppError

from .access import is_staff_verified
from .forms import LoginForm, TokenForm
from .services import (
    totp_device_confirmed,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_secret_base32,
)


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@sensitive_post_parameters("password", "otp_token")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if is_staff_verified(request.user):
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        if getattr(user, "otp_device", None) is None:
            query = urlencode({"next": next_url}) if next_url else ""
            return redirect(reverse("account_security") + (f"?{query}" if query else ""))
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


@never_cache
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only, like Django's LogoutView); GET shows a confirmation button."""
    if request.method == "POST":
        auth_logout(request)
        messages.info(request, _("Du er logget af."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "registration/logout_confirm.html")


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app: QR code and secret, confirmed with a code."""
    user = request.user
    verified = is_staff_verified(user)
    if not verified and totp_device_confirmed(user) is not None:
        # The password alone is not enough once an app exists: log in again with the code.
        auth_logout(request)
        messages.info(request, _("Log ind med din engangskode for at fortsætte."))
        return redirect("login")

    next_url = _safe_next(request)
    show_setup = not verified or request.GET.get("skift") == "1" or request.method == "POST"
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_enrolment_confirm(user, form.cleaned_data["otp_token"])
        except AppError as exc:
            form.add_error("otp_token", str(exc.message))
        else:
            django_otp.login(request, device)
            messages.success(request, _("Din godkendelsesapp er opsat. Fremover logger du ind med kode fra appen."))
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)

    context = {"verified": verified, "show_setup": show_setup, "form": form, "next": next_url}
    if show_setup:
        device = totp_enrolment_start(user)
        qr = segno.make(device.config_url, error="m")
        context.update(
            qr_data_uri=qr.svg_data_uri(scale=5, border=2),
            secret=totp_secret_base32(device),
            issuer=getattr(settings, "OTP_TOTP_ISSUER", ""),
        )
    return render(request, "organisations/account_security.html", context)
