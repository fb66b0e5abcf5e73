"""Dates follow the active language (issue 14): 06-12-2026 in Danish, 6 Dec 2026 in English."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation


def _render(value) -> str:
    return Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ t|date:"SHORT_DATETIME_FORMAT" }}').render(
        Context({"d": value, "t": dt.datetime(2026, 12, 6, 14, 30)}))


def test_short_dates_are_danish_by_default_and_english_in_english():
    assert _render(dt.date(2026, 12, 6)) == "06-12-2026 06-12-2026 14:30"
    with translation.override("en"):
        assert _render(dt.date(2026, 12, 6)) == "6 Dec 2026 6 Dec 2026 14:30"
