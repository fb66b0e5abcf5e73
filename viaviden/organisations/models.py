"""Partner organisations, their staff users and roles, API tokens and the services overview."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import LONG_TEXT_MAX_LENGTH, TimeStampedModel, bounded_text
from viaviden.reference.models import Municipality


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommune")
        JOBCENTRE = "jobcentre", _("Jobcenter")
        BUSINESS_OFFICE = "business_office", _("Erhvervskontor")
        UNIT = "unit", _("Enhed")
        UNIVERSITY = "university", _("Uddannelsesinstitution")
        UNEMPLOYMENT_FUND = "unemployment_fund", _("A-kasse")
        BUSINESS_HOUSE = "business_house", _("Erhvervshus")
        COLLABORATION_PARTNER = "collaboration_partner", _("Samarbejdspartner")
        POLITICAL_PARTNER = "political_partner", _("Politisk partner")
        SECRETARIAT = "secretariat", _("Projektsekretariat")

    class TargetPart(models.TextChoices):
        """Which half of the programme target the organisation's matches count towards."""

        MUNICIPAL = "municipal", _("Kommunal andel")
        PARTNER = "partner", _("Øvrige projektpartnere")
        NONE = "none", _("Uden måltal")

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    short_name = models.CharField(_("kort navn"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("overordnet organisation"),
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    target_part = models.CharField(
        _("måltalsandel"), max_length=20, choices=TargetPart.choices, default=TargetPart.NONE
    )
    is_project_partner = models.BooleanField(_("projektpartner"), default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self) -> str:
        return self.name

    @property
    def partner(self) -> Organisation:
        """The partner a unit's matches count for: the municipality for its jobcentre and business
        office (and units below them), the organisation itself otherwise."""
        org = self
        while org.parent_id is not None and org.kind != self.Kind.MUNICIPALITY:
            org = org.parent  # type: ignore[assignment]
        return org


class User(AbstractUser):
    class Role(models.TextChoices):
        PARTNER_STAFF = "partner_staff", _("Medarbejder hos partner")
        PARTNER_LEAD = "partner_lead", _("Leadpartner / ansvarlig")
        COORDINATOR = "coordinator", _("Koordinationsgruppe")
        STEERING_GROUP = "steering_group", _("Styregruppe")
        ADMINISTRATOR = "administrator", _("Administrator")

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices, default=Role.PARTNER_STAFF)

    class Meta:
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")

    @property
    def sees_everything(self) -> bool:
        """Coordinators and administrators see and maintain all registrations."""
        return self.is_superuser or self.role in (self.Role.COORDINATOR, self.Role.ADMINISTRATOR)

    @property
    def aggregates_only(self) -> bool:
        return self.role == self.Role.STEERING_GROUP


class ApiToken(TimeStampedModel):
    """A bearer token for the API, issued to a user (and so to their organisation). Only a hash is
    stored; the token is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("navn"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API-nøgle")
        verbose_name_plural = _("API-nøgler")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=cls.hash(raw))
        return token, raw


class Service(models.Model):
    """An entry of the services overview (oversigtsskema): who can help with what."""

    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("navn"), max_length=200)
    description = bounded_text(_("hvad tilbydes"), max_length=LONG_TEXT_MAX_LENGTH)
    contact = models.CharField(_("kontakt"), max_length=200, blank=True)
    contact_email = models.EmailField(_("kontaktens e-mail"), blank=True)
    contact_phone = models.CharField(_("kontaktens telefon"), max_length=30, blank=True)
    # Match types and education levels the service helps with (empty: all); used to suggest services.
    match_types = models.ManyToManyField("reference.MatchType", blank=True, related_name="+",
                                         verbose_name=_("matchtyper"))
    serves_all_municipalities = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("ydelse")
        verbose_name_plural = _("ydelser")

    def __str__(self) -> str:
        return self.name
