import pytest
from django.urls import reverse

from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_shows_anonymous_the_public_front_page(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("need_public_form") in html
    assert reverse("services_public") in html
    assert reverse("login") in html


def test_home_sends_staff_to_dashboard(staff_client):
    response = staff_client(UserFactory()).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
