"""Retention of Vækstpilot applicants' personal data (viaviden.core.retention): the company's contact
person and the named person are anonymised a period after the application ended; the application, its
amounts and its months stay for the accounts and the figures."""

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from viaviden.core.retention import Target

from .models import Application

ANONYMISED_DOMAIN = "anonymiseret.invalid"
ENDED = [Application.Status.INELIGIBLE, Application.Status.COMPLETED, Application.Status.TERMINATED,
         Application.Status.WITHDRAWN, Application.Status.REJECTED]


def _live():
    return (Application.objects.filter(status__in=ENDED).exclude(contact_email__endswith="@" + ANONYMISED_DOMAIN)
            .annotate(retention_from=Coalesce(F("closed_at"), F("updated_at"))))


def _contact(app: Application) -> tuple[str, str]:
    return app.contact_email, str(_("kontaktperson på en ansøgning om en vækstpilot (%(company)s)")
                                  % {"company": app.company.name})


def _anonymise(app: Application) -> None:
    Application.objects.filter(pk=app.pk).update(
        contact_name=str(_("Anonymiseret")), contact_email=f"anonym-{app.pk}@{ANONYMISED_DOMAIN}", contact_phone="",
        person_name="",
    )


TARGET = Target(key="vaekstpilot_applicant", label=_("Vækstpilot-ansøgere"), live=_live, contact=_contact,
                anonymise=_anonymise)
