from hypothesis import given
from hypothesis import strategies as st

from viaviden.companies.cvr import check_digit, is_valid_cvr, normalise_cvr


def test_known_valid_and_invalid_numbers():
    assert is_valid_cvr("12345674")
    assert not is_valid_cvr("12345678")
    assert not is_valid_cvr("02345674")  # no leading zero
    assert not is_valid_cvr("1234567")


def test_normalise_accepts_excel_and_prefixes():
    assert normalise_cvr(12345674.0) == "12345674"
    assert normalise_cvr("DK 1234 5674") == "12345674"
    assert normalise_cvr("12-34-56-74") == "12345674"


@given(st.integers(min_value=1_000_000, max_value=9_999_999))
def test_check_digit_makes_a_valid_number_or_none(prefix):
    digit = check_digit(str(prefix))
    if digit is None:
        assert not any(is_valid_cvr(f"{prefix}{d}") for d in range(10))
    else:
        assert is_valid_cvr(f"{prefix}{digit}")
        assert [d for d in range(10) if is_valid_cvr(f"{prefix}{d}")] == [digit]
