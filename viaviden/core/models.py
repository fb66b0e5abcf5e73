from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english_active() -> bool:
    """Whether the request (or the command) is answered in English."""
    return (get_language() or "da").startswith("en")


def localized(name_da: str, name_en: str) -> str:
    """The name for the active language: English when English is active and the English name is known."""
    return name_en if name_en and english_active() else name_da


class BilingualName:
    """Reference rows with `name_da` and `name_en` (from data/reference/): `label` is the name users read,
    in the active language. Templates, choice labels, API labels and exports show `label`, never `name_da`."""

    name_da: str
    name_en: str

    @property
    def label(self) -> str:
        return localized(self.name_da, self.name_en)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RetentionPolicy(models.Model):
    """How long one kind of personal data is kept after its reference date, and how many days before the
    end its owner is warned (SPEC 3.9). Data, not code: the data-protection officer changes it in the admin."""

    key = models.CharField(_("type"), max_length=40, unique=True)
    days = models.PositiveIntegerField(_("opbevares i dage"))
    warning_days = models.PositiveIntegerField(_("advarsel dage før"), default=30)
    note = models.CharField(_("begrundelse"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("slettefrist")
        verbose_name_plural = _("slettefrister")
        constraints = [models.CheckConstraint(condition=models.Q(warning_days__lt=models.F("days")),
                                              name="retention_warning_before_end")]

    def __str__(self) -> str:
        return f"{self.key}: {self.days}"


class RetentionNotice(models.Model):
    """One object's way through retention: when its owner was warned and when it was anonymised."""

    key = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    warned_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "object_id"], name="retention_notice_once")]


class RetentionRun(models.Model):
    """Counts of one daily run for one kind of data: what was warned and anonymised (never who)."""

    key = models.CharField(max_length=40)
    ran_at = models.DateTimeField()
    warned = models.PositiveIntegerField(default=0)
    anonymised = models.PositiveIntegerField(default=0)
    dry_run = models.BooleanField(default=False)

    class Meta:
        ordering = ["-ran_at", "key"]


# --- Length limits for free text (issue 13) ----------------------------------------------------------
# A TextField's max_length only reaches forms; the validator makes full_clean (and so every service and the
# API) refuse longer text too. The API's input schemas use the same numbers.
NOTE_MAX_LENGTH = 2_000  # notes, reasons, comments, answers
TEXT_MAX_LENGTH = 5_000  # messages, task and need descriptions, justifications
LONG_TEXT_MAX_LENGTH = 50_000  # case bodies, transcripts, event and service descriptions


def bounded_text(verbose_name: object = None, *, max_length: int = NOTE_MAX_LENGTH, **kwargs: object) -> models.TextField:
    """A TextField limited to `max_length` characters in forms and in model validation."""
    from django.core.validators import MaxLengthValidator

    validators = [MaxLengthValidator(max_length), *kwargs.pop("validators", [])]  # type: ignore[misc]
    return models.TextField(verbose_name, max_length=max_length, validators=validators, **kwargs)  # type: ignore[arg-type]
