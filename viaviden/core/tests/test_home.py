import pytest
from django.urls import reverse

from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_sends_anonymous_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_home_sends_staff_to_dashboard(staff_client):
    response = staff_client(UserFactory()).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
