from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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
