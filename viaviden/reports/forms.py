from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.organisations.models import Organisation
from viaviden.reference.models import Municipality

from .content import Kind
from .render import FORMATS


def subject_choices() -> list:
    municipalities = [(m.code, f"{m.name} ({m.code})") for m in Municipality.objects.filter(in_region=True)
                      .order_by("name")]
    partners = [(o.slug, o.name) for o in Organisation.objects.filter(parent__isnull=True, is_project_partner=True)
                .exclude(kind__in=[Organisation.Kind.SECRETARIAT, Organisation.Kind.POLITICAL_PARTNER])
                .order_by("name")]
    return [("", _("Hele programmet (årlig status og styregruppe)")), (_("Kommuner"), municipalities),
            (_("Partnere"), partners)]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rapport"), choices=[
        (Kind.YEARLY, _("Årlig status til KKR Nordjylland og BRN")),
        (Kind.STEERING, _("Styregruppens fremdriftsoversigt")),
        (Kind.MUNICIPALITY, _("Kommuneark")),
        (Kind.PARTNER, _("Partnerark")),
    ], widget=forms.Select(attrs={"class": "form-select"}))
    subject = forms.ChoiceField(label=_("Kommune eller partner"), required=False,
                                help_text=_("Kun for kommune- og partnerark."),
                                widget=forms.Select(attrs={"class": "form-select"}))
    as_of = forms.DateField(label=_("Opgjort pr."), widget=forms.DateInput(attrs={"type": "date",
                                                                                    "class": "form-input"}))
    language = forms.ChoiceField(label=_("Sprog"), choices=[("da", _("Dansk")), ("en", _("Engelsk"))],
                                 widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subject_choices()
        self.fields["as_of"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        kind, subject = data.get("kind"), data.get("subject") or ""
        if kind in Kind.WITH_SUBJECT and not subject:
            self.add_error("subject", _("Vælg en kommune eller partner for et kommune- eller partnerark."))
        elif kind == Kind.MUNICIPALITY and not subject.isdigit():
            self.add_error("subject", _("Et kommuneark skal have en kommune."))
        elif kind == Kind.PARTNER and subject.isdigit():
            self.add_error("subject", _("Et partnerark skal have en partner."))
        elif kind not in Kind.WITH_SUBJECT and subject:
            data["subject"] = ""
        as_of = data.get("as_of")
        if as_of and as_of > timezone.localdate() + dt.timedelta(days=366 * 5):
            self.add_error("as_of", _("Opgørelsesdatoen ligger for langt ude i fremtiden."))
        return data


class DownloadForm(ReportForm):
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
