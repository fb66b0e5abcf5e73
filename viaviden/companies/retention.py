"""Retention of self-service requesters (viaviden.core.retention): the name, e-mail and phone of whoever
sent a company's request through the public form are removed a period after the request was closed;
the request, its answer and its deadline figures stay."""

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from viaviden.core.retention import Target

from .models import Need


def _live():
    return (Need.objects.select_related("company").filter(source=Need.Source.SELF_SERVICE,
                                                           status__in=[Need.Status.MATCHED, Need.Status.CLOSED])
            .exclude(submitter_email="").annotate(retention_from=Coalesce(F("closed_at"), F("updated_at"))))


def _contact(need: Need) -> tuple[str, str]:
    return need.submitter_email, str(_("henvendelse fra %(company)s: %(title)s")
                                     % {"company": need.company.name, "title": need.title})


def _anonymise(need: Need) -> None:
    Need.objects.filter(pk=need.pk).update(submitter_name=str(_("Anonymiseret")), submitter_email="",
                                           submitter_phone="")


TARGET = Target(key="selfservice_requester", label=_("Afsendere af selvbetjeningshenvendelser"), live=_live,
                contact=_contact, anonymise=_anonymise)
