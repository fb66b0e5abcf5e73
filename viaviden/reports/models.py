"""Issued status reports: the figures frozen as of the cut-off, who issued them and when (SPEC 3.7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IssuedReport(models.Model):
    """A report given to politicians or the steering group. `figures` is the canonical JSON text of the
    report's content (sorted keys, UTF-8) exactly as issued, and `sha256` its digest: a reprint renders
    from this text, so the JSON is byte-identical however registrations change afterwards."""

    class Kind(models.TextChoices):
        YEARLY = "yearly", _("Årlig status til KKR Nordjylland og BRN")
        STEERING = "steering", _("Styregruppens fremdriftsoversigt")
        MUNICIPALITY = "municipality", _("Kommuneark")
        PARTNER = "partner", _("Partnerark")

    kind = models.CharField(_("rapporttype"), max_length=20, choices=Kind.choices)
    # A municipality code or a partner's slug for the sheets; empty for the whole programme.
    subject = models.CharField(_("emne"), max_length=80, blank=True)
    subject_name = models.CharField(_("emnets navn"), max_length=200, blank=True)
    programme_slug = models.SlugField(max_length=60)
    as_of = models.DateField(_("opgjort pr."))
    language = models.CharField(_("sprog"), max_length=5, default="da")
    figures = models.TextField(_("tal (kanonisk JSON)"))
    sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("udstedt af"))
    issued_at = models.DateTimeField(_("udstedt"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("udstedt rapport")
        verbose_name_plural = _("udstedte rapporter")
        indexes = [models.Index(fields=["kind", "subject", "issued_at"], name="issued_report_lookup")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_name} {self.as_of:%d-%m-%Y} (nr. {self.pk})"
