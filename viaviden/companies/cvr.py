"""CVR numbers: 8 digits whose weighted sum (2,7,6,5,4,3,2,1) is divisible by 11."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def normalise_cvr(value: object) -> str:
    """Strip spaces, a 'DK' prefix and separators; Excel may give the number as an int or float."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value or "").strip().upper()
    if text.startswith("DK"):
        text = text[2:]
    return re.sub(r"[\s\-.]", "", text)


def is_valid_cvr(value: str) -> bool:
    if not re.fullmatch(r"[1-9]\d{7}", value):
        return False
    return sum(int(d) * w for d, w in zip(value, WEIGHTS, strict=True)) % 11 == 0


def validate_cvr(value: str) -> None:
    if not re.fullmatch(r"\d{8}", value or ""):
        raise ValidationError(_("CVR-nummeret skal bestå af 8 cifre."), code="cvr_format")
    if not is_valid_cvr(value):
        raise ValidationError(
            _("CVR-nummeret %(cvr)s er ikke gyldigt (kontrolcifferet passer ikke)."),
            code="cvr_checksum",
            params={"cvr": value},
        )


def check_digit(first7: str) -> int | None:
    """The eighth digit that makes `first7` a valid CVR number, or None if no digit can."""
    partial = sum(int(d) * w for d, w in zip(first7, WEIGHTS[:7], strict=True))
    digit = (-partial) % 11
    return None if digit == 10 else digit
