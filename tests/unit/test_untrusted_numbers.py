"""Numbers from outside (callback data, what people type) are read without ever raising,
and only as numbers the database and `int` can take."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import INT_RANGE, as_int
from bot.domain.validation import whole_number
from bot.views.card import CardAction, CardTap

ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.sampled_from("0123456789٠١٢٣３９①²⑳Ⅻ-")),  # digits of many kinds
    st.integers().map(str),
)


@given(ANY_TEXT)
def test_callback_numbers_never_raise_and_fit_an_integer_column(text: str) -> None:
    value = as_int(text)
    assert value is None or (value in INT_RANGE and text.isascii())
    tap = CardTap.unpack(f"t:acc:{text}")
    assert tap is None or tap.ticket in INT_RANGE


def test_callback_numbers_are_ascii_and_within_range() -> None:
    assert as_int("12") == 12
    assert as_int("-3") == -3
    assert as_int(str(2**31 - 1)) == 2**31 - 1
    for forged in (str(2**31), "10000000000000000000", "²", "١٢", "", " 1", "1.0"):
        assert as_int(forged) is None, forged
    assert CardTap.unpack("t:acc:2147483648") is None
    assert CardTap.unpack("t:acc:7") == CardTap(CardAction.ACCEPT, 7)


@given(ANY_TEXT)
def test_typed_whole_numbers_never_raise(text: str) -> None:
    value = whole_number(text)
    assert value is None or 0 <= value < 10**9


def test_typed_whole_numbers_in_any_script() -> None:
    assert whole_number(" 8 ") == 8
    assert whole_number("３") == 3  # full width, as a Chinese keyboard types it
    assert whole_number("٣") == 3
    for typed in ("①", "²", "9" * 5000, "-2", "2.5", ""):
        assert whole_number(typed) is None, typed[:5]
