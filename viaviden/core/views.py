"""The front door (the audit log and the operations status are coordinator pages: organisations.views_operations)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .pagecache import public_page


# The public front page changes with the code and base.html's notice only (the site version).
@public_page()
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors get the public front page (companies, the public, staff login); logged-in
    staff go to the dashboard (which checks the second factor)."""
    if not request.user.is_authenticated:
        return render(request, "core/home_public.html")
    return redirect(reverse("dashboard"))
