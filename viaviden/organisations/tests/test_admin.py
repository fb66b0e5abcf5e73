"""The Django admin lists organisations, users, API tokens and services, behind the second factor."""

import pytest
from django.urls import reverse

from viaviden.organisations.models import ApiToken

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:organisations_organisation_changelist",
        "admin:organisations_user_changelist",
        "admin:organisations_apitoken_changelist",
        "admin:organisations_service_changelist",
        "admin:organisations_user_add",
    ],
)
def test_verified_administrator_opens_admin_pages(staff_client, url_name):
    admin_user = UserFactory(role="administrator", is_staff=True, is_superuser=True)
    ApiToken.issue(user=admin_user, name="Integration")

    response = staff_client(admin_user).get(reverse(url_name))

    assert response.status_code == 200


def test_user_change_page_shows_organisation_and_role(staff_client):
    admin_user = UserFactory(role="administrator", is_staff=True, is_superuser=True)
    other = UserFactory(role="partner_lead", organisation="aau")

    response = staff_client(admin_user).get(reverse("admin:organisations_user_change", args=[other.pk]))

    body = response.content.decode()
    assert 'name="organisation"' in body
    assert 'name="role"' in body


def test_admin_requires_second_factor(client):
    admin_user = UserFactory(role="administrator", is_staff=True, is_superuser=True)
    client.force_login(admin_user)  # password only

    response = client.get(reverse("admin:organisations_organisation_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_api_tokens_cannot_be_added_in_admin_and_can_be_revoked(staff_client):
    admin_user = UserFactory(role="administrator", is_staff=True, is_superuser=True)
    token, _raw = ApiToken.issue(user=admin_user, name="Integration")
    client = staff_client(admin_user)

    add = client.get(reverse("admin:organisations_apitoken_add"))
    revoke = client.post(
        reverse("admin:organisations_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert add.status_code == 403
    assert revoke.status_code == 302
    token.refresh_from_db()
    assert token.revoked is True
