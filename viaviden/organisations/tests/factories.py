"""Test helpers for staff users. Organisations come from the reference data (by slug)."""

from __future__ import annotations

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure

DEFAULT_PASSWORD = "Nordjylland-test-2021"

# A typical organisation for each role, so UserFactory(role=...) alone gives a sensible user.
DEFAULT_ORGANISATION_FOR_ROLE = {
    User.Role.PARTNER_STAFF: "jobcenter-aalborg",
    User.Role.PARTNER_LEAD: "jobcenter-aalborg",
    User.Role.COORDINATOR: "koordinationsgruppen",
    User.Role.ADMINISTRATOR: "koordinationsgruppen",
    User.Role.STEERING_GROUP: "kkr-nordjylland",
}


class UserFactory(factory.django.DjangoModelFactory):
    """UserFactory(role="partner_lead", organisation="jobcenter-hjoerring"); `organisation` may be an
    Organisation, a slug, or left out (a typical organisation for the role). Password: DEFAULT_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruger{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Bruger {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.dk")
    role = User.Role.PARTNER_STAFF
    organisation = factory.LazyAttribute(lambda u: DEFAULT_ORGANISATION_FOR_ROLE[u.role])
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        org = kwargs.get("organisation")
        if isinstance(org, str):
            kwargs["organisation"] = Organisation.objects.get(slug=org)
        return super()._create(model_class, *args, **kwargs)


def login_verified(client: Client, user: User) -> Client:
    """Log `user` in on `client` with a verified second factor (creates a confirmed TOTP device if needed)."""
    device = totp_device_ensure(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
