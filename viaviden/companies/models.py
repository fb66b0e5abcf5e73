"""The company register (SPEC 3.2). Company data is shared between all partners."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import TimeStampedModel
from viaviden.reference.models import Industry, Municipality, SizeClass

from .cvr import validate_cvr


class Company(TimeStampedModel):
    cvr = models.CharField(_("CVR-nummer"), max_length=8, unique=True, validators=[validate_cvr])
    name = models.CharField(_("navn"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="companies",
        verbose_name=_("kommune (arbejdssted)"),
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("branche (DB07)")
    )
    size_class = models.ForeignKey(
        SizeClass, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("størrelse")
    )
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("virksomhed")
        verbose_name_plural = _("virksomheder")
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.cvr})"
