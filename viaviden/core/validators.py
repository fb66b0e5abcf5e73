"""Checks on free text shared by the apps."""

from __future__ import annotations

import re

# A Danish CPR number (ddmmyy-xxxx): never stored, so free text that looks like one is refused
# (Vækstpilot applications, cohort participants and notes).
CPR_PATTERN = re.compile(r"(?<!\d)[0-3]\d[01]\d\d\d[- ]?\d{4}(?!\d)")
