"""Retention of event registrations (viaviden.core.retention): name, e-mail and phone are anonymised a
period after the event ended; the registration stays, so attendance figures do not change."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from viaviden.core.retention import Target

from .models import Registration

ANONYMISED_DOMAIN = "anonymiseret.invalid"


def _live():
    return (Registration.objects.select_related("event").exclude(email__endswith="@" + ANONYMISED_DOMAIN)
            .annotate(retention_from=F("event__ends_at")))


def _contact(registration: Registration) -> tuple[str, str]:
    return registration.email, str(_("tilmelding til arrangementet %(event)s") % {"event": registration.event.title})


def _anonymise(registration: Registration) -> None:
    Registration.objects.filter(pk=registration.pk).update(
        name=str(_("Anonymiseret")), email=f"anonym-{registration.pk}@{ANONYMISED_DOMAIN}", phone="")


TARGET = Target(key="event_registration", label=_("Tilmeldinger til arrangementer"), live=_live,
                contact=_contact, anonymise=_anonymise)
