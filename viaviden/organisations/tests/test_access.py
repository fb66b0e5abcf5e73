"""staff_required / coordinator_required: who passes, where the others are sent."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.views import View

from viaviden.organisations.access import (
    CoordinatorRequiredMixin,
    StaffRequiredMixin,
    coordinator_required,
    staff_required,
)
from viaviden.organisations.services import totp_device_ensure

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@staff_required
def staff_view(request):
    return HttpResponse("ok")


@coordinator_required
def coordinator_view(request):
    return HttpResponse("ok")


class StaffView(StaffRequiredMixin, View):
    def get(self, request):
        return HttpResponse("ok")


class CoordinatorView(CoordinatorRequiredMixin, View):
    def get(self, request):
        return HttpResponse("ok")


def make_request(rf, user, *, verified: bool):
    request = rf.get("/side/?a=1")
    if not isinstance(user, AnonymousUser):
        user.is_verified = lambda: verified
    request.user = user
    request.session = {}
    return request


@pytest.mark.parametrize("view", [staff_view, StaffView.as_view()])
def test_staff_required_sends_anonymous_to_login(rf, view):
    response = view(make_request(rf, AnonymousUser(), verified=False))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/side/%3Fa%3D1"


@pytest.mark.parametrize("view", [staff_view, StaffView.as_view()])
def test_staff_required_sends_user_without_device_to_enrolment(rf, view):
    response = view(make_request(rf, UserFactory(), verified=False))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_security") + "?next=%2Fside%2F%3Fa%3D1"


@pytest.mark.parametrize("view", [staff_view, StaffView.as_view()])
def test_staff_required_sends_unverified_user_with_device_to_login(rf, view):
    user = UserFactory()
    totp_device_ensure(user)

    response = view(make_request(rf, user, verified=False))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/side/%3Fa%3D1"


@pytest.mark.parametrize("view", [staff_view, StaffView.as_view()])
def test_staff_required_refuses_inactive_user(rf, view):
    response = view(make_request(rf, UserFactory(is_active=False), verified=True))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", [staff_view, StaffView.as_view()])
def test_staff_required_lets_verified_active_user_through(rf, view):
    response = view(make_request(rf, UserFactory(role="steering_group"), verified=True))

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize("view", [coordinator_view, CoordinatorView.as_view()])
@pytest.mark.parametrize("role", ["partner_staff", "partner_lead", "steering_group"])
def test_coordinator_required_forbids_other_roles(rf, view, role):
    with pytest.raises(PermissionDenied):
        view(make_request(rf, UserFactory(role=role), verified=True))


@pytest.mark.parametrize("view", [coordinator_view, CoordinatorView.as_view()])
@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_coordinator_required_lets_coordinators_through(rf, view, role):
    response = view(make_request(rf, UserFactory(role=role), verified=True))

    assert response.status_code == 200


@pytest.mark.parametrize("view", [coordinator_view, CoordinatorView.as_view()])
def test_coordinator_required_still_needs_second_factor(rf, view):
    response = view(make_request(rf, UserFactory(role="coordinator"), verified=False))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_security"))
