"""Retention of consented match persons (viaviden.core.retention): the name and e-mail registered with
consent are removed a period after the consent was given; the match stays pseudonymous (education, level,
person key), so every target and progress figure is unchanged."""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from viaviden.core.retention import Target

from .models import Match


def _live():
    return (Match.objects.filter(person_consent_at__isnull=False).filter(~Q(person_name="") | ~Q(person_email=""))
            .annotate(retention_from=F("person_consent_at")))


def _contact(match: Match) -> tuple[str, str]:
    return match.person_email, str(_("navn og e-mail registreret på et match (startdato %(date)s)")
                                   % {"date": match.start_date.strftime("%d-%m-%Y")})


def _anonymise(match: Match) -> None:
    Match.objects.filter(pk=match.pk).update(person_name="", person_email="")


TARGET = Target(key="match_person", label=_("Navngivne personer på match"), live=_live, contact=_contact,
                anonymise=_anonymise)
