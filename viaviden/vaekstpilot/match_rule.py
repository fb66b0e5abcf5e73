"""A match of the type "ordinary job with Vækstpilot" must point to its granted application (issue 11).

Registered in `matches.rules` by VaekstpilotConfig.ready(), so the match registry (forms, API, import,
services) enforces it without importing this app. The link itself is `Application.match` (one-to-one):
an application is a match once, either when the pilot starts (services._start registers it) or when a
partner registers the match with the application's reference (the start then keeps that match)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from viaviden.core.errors import ValidationFailed
from viaviden.matches.rules import TypeRule

from .models import PLACE_STATUSES, Application

_REFERENCE = re.compile(r"^\s*(?:VP-?)?0*(\d+)\s*$", re.IGNORECASE)


def _label() -> str:
    return _("Vækstpilot-ansøgning")


def check(*, reference: str, cvr: str, match: Any = None) -> Application:
    """The granted application with this reference (VP-00012, or 12) for the company with this CVR number."""
    if not reference:
        raise ValidationFailed(
            _("Et match af typen 'Ordinært job med Vækstpilot' skal pege på en bevilget Vækstpilot-ansøgning. "
              "Angiv ansøgningens referencenummer (fx VP-00012)."),
            code="vaekstpilot_application_required",
        )
    found = _REFERENCE.match(reference)
    app = (Application.objects.select_related("company").filter(pk=int(found.group(1))).first()
           if found else None)
    if app is None:
        raise ValidationFailed(_("Vækstpilot-ansøgningen %(ref)s findes ikke.") % {"ref": reference},
                               code="vaekstpilot_application_unknown")
    if app.status not in PLACE_STATUSES:
        raise ValidationFailed(
            _("Vækstpilot-ansøgningen %(ref)s er ikke bevilget (status: %(status)s). Kun en bevilget ansøgning "
              "kan blive et match.") % {"ref": app.reference, "status": app.get_status_display()},
            code="vaekstpilot_application_not_granted",
        )
    if cvr and app.company.cvr != cvr:
        raise ValidationFailed(
            _("Vækstpilot-ansøgningen %(ref)s gælder en anden virksomhed (CVR-nummer %(cvr)s).")
            % {"ref": app.reference, "cvr": app.company.cvr},
            code="vaekstpilot_application_other_company",
        )
    if app.match_id is not None and (match is None or app.match_id != match.pk):
        raise ValidationFailed(
            _("Vækstpilot-ansøgningen %(ref)s er allerede registreret som et match.") % {"ref": app.reference},
            code="vaekstpilot_application_taken",
        )
    return app


def link(match_id: int, app: Application) -> None:
    # A plain update: the application's version (optimistic locking of its own edits) is not touched.
    Application.objects.filter(pk=app.pk, match__isnull=True).update(match_id=match_id)


def linked(match: Any) -> bool:
    return Application.objects.filter(match_id=match.pk).exists()


RULE = TypeRule(check=check, link=link, linked=linked, label=_label)
