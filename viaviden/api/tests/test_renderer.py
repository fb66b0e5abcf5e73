"""The API's orjson renderer writes the JSON values ninja's own renderer wrote (issue 16)."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.db import models
from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.renderers import JSONRenderer

from viaviden.api.common import RENDERER


class Colour(models.TextChoices):
    RED = "red", "Rød"


class Level(models.IntegerChoices):
    HIGH = 3, "Høj"


class Item(Schema):
    name: str
    at: dt.datetime


CET = dt.timezone(dt.timedelta(hours=1))

VALUES = [
    {"when": dt.datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=dt.UTC)},
    {"when": dt.datetime(2026, 12, 7, 10, 0, 0, tzinfo=CET), "naive": dt.datetime(2026, 1, 2, 3, 4, 5, 6000)},
    {"day": dt.date(2026, 2, 28), "time": dt.time(8, 30, 15, 500000), "span": dt.timedelta(days=2, seconds=3)},
    {"amount": Decimal("25000.50"), "id": uuid.UUID(int=7), "lazy": gettext_lazy("Ugyldig værdi.")},
    {"colour": Colour.RED, "level": Level.HIGH},
    {1: "int key", 2.5: "float key", None: "none key", False: "bool key"},
    {"text": "Æblegrød på Østerbro — “citat” \u2028 \x00", "nested": [[1, 2.5, None, False], {"a": []}]},
    {"schema": Item(name="x", at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))},
    {"floats": [0.1, 1e-7, 123456789.125, -0.0, 1e300]},
    {"huge": 10**30, "negative_huge": -(10**25)},
]


@pytest.mark.parametrize("data", VALUES)
def test_same_values_as_ninjas_renderer(data):
    request = RequestFactory().get("/api/x")
    ours = RENDERER.render(request, data, response_status=200)
    ninjas = JSONRenderer().render(request, data, response_status=200)
    assert isinstance(ours, bytes)
    assert json.loads(ours) == json.loads(ninjas)


def test_datetimes_as_django_writes_them():
    at = dt.datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=dt.UTC)
    body = RENDERER.render(None, {"at": at}, response_status=200)
    assert body == b'{"at":"2026-12-07T10:00:00.123Z"}'


def test_text_is_utf8_not_escaped():
    assert RENDERER.render(None, {"by": "Ærø"}, response_status=200) == '{"by":"Ærø"}'.encode()


def test_plain_enum_member_is_its_value():
    # ninja wrote str(member) ("Plain.A"); the API's schemas hold Django's choices only (str and int members).
    import enum

    class Plain(enum.Enum):
        A = "a"

    assert RENDERER.render(None, {"p": Plain.A}, response_status=200) == b'{"p":"a"}'


def test_unwritable_value_is_still_an_error():
    with pytest.raises(TypeError):
        RENDERER.render(None, {"s": {1, 2}}, response_status=200)
