"""Test data for referrals and the answer promise (no tests here; imported by the referral tests).

    need = make_need(owner="jobcenter-hjoerring")
    referral = make_referral(need=need, service="central-matchningsenhed", user=hjoerring_user)
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from viaviden.companies.models import Company, Need, Referral
from viaviden.companies.referral_services import referral_create
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.models import Organisation, Service, User
from viaviden.organisations.tests.factories import UserFactory

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware datetime on `day` in Danish time."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


def make_need(*, owner: str | Organisation = "jobcenter-hjoerring", company: Company | None = None,
              status: str = Need.Status.NEW, requested_at: dt.datetime | None = None,
              answer_due: dt.date | None = None, title: str = "Projektsamarbejde om energidata", **fields) -> Need:
    org = owner if isinstance(owner, Organisation) else Organisation.objects.get(slug=owner)
    return Need.objects.create(
        company=company or CompanyFactory(),
        title=title,
        tasks="Analyse af energiforbrug i produktionen",
        owner_organisation=org,
        status=status,
        requested_at=requested_at,
        answer_due=answer_due,
        **fields,
    )


def service(slug: str = "central-matchningsenhed", *, contact_email: str = "") -> Service:
    svc = Service.objects.select_related("organisation").get(slug=slug)
    if contact_email:
        svc.contact_email = contact_email
        svc.save(update_fields=["contact_email"])
    return svc


def staff(organisation: str, username: str | None = None, role: str = User.Role.PARTNER_STAFF, **kw) -> User:
    extra = {"username": username} if username else {}
    return UserFactory(organisation=organisation, role=role, **extra, **kw)


def make_referral(*, need: Need | None = None, service_slug: str = "central-matchningsenhed", user: User | None = None,
                  message: str = "Virksomheden søger en dataanalytiker", created: dt.datetime | None = None,
                  monkeypatch=None) -> Referral:
    """A referral sent through the service. With `created` (and pytest's monkeypatch) it is sent at that
    moment, so its deadline is computed from that day."""
    need = need or make_need()
    user = user or staff(need.owner_organisation.slug)
    if created is None:
        return referral_create(user=user, need=need, service=service(service_slug), message=message)
    assert monkeypatch is not None, "pass monkeypatch to send at a fixed time"
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: created)
        return referral_create(user=user, need=need, service=service(service_slug), message=message)
