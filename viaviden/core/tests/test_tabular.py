"""The importers' shared reading helpers: blank rows, and the collector paused while an import runs."""

import datetime as dt
import gc

import pytest

from viaviden.core.tabular import blank, collector_paused


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["", "", ""], True),
        ([" ", "\t", "\u00a0"], True),  # whitespace only, a non-breaking space from Excel included
        ([], True),
        (["", " x ", ""], False),
        (["0"], False),
        ([None, None], True),  # an XLSX row
        ([None, " "], True),
        ([None, 0], False),
        ([False], False),  # a boolean cell reads as "nej"
        ([None, dt.date(2022, 2, 15)], False),
        ([0.0, None], False),
    ],
)
def test_blank_rows_from_csv_and_xlsx(row, expected):
    assert blank(row) is expected


@pytest.fixture
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_paused_inside_and_switched_back_on_after_also_after_an_error(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()

    @collector_paused()
    def work():
        return gc.isenabled()

    assert work() is False and gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_nested_pauses_leave_it_on(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one found it off: it leaves it to the outer one
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
