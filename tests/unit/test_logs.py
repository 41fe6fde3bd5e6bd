"""Logs never show a phone number, a person's name or the token in clear; LOG_FORMAT=json
writes one JSON object per line."""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import LogFormat
from bot.logs import JsonFormatter, Masker, MaskingFormatter, formatter_for
from tests.conftest import TEST_TOKEN, make_settings


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    "phone",
    ["+8613800138000", "+86 138 0013 8000", "13800138000", "138-0013-8000", "021-6123-4567",
     "+1 (415) 555-0100"[:3] + "4155550100", "(021) 6123 4567"],
)  # fmt: skip
def test_phone_numbers_are_masked_in_both_formats(phone: str) -> None:
    record = _record("resident %s typed %s", 4242, phone)
    for formatter in (MaskingFormatter(masker=Masker()), JsonFormatter(Masker())):
        line = formatter.format(record)
        assert phone not in line
        assert "[phone]" in line
        assert "4242" in line  # an id stays readable


def test_ids_dates_and_group_chats_are_left_alone() -> None:
    text = "chat -1001234567890 user 1234567890 at 2026-11-24 02:00:00 item 2026-000123"
    assert Masker().mask(text) == text


def test_names_given_as_extras_are_masked_there_and_wherever_they_appear_later() -> None:
    masker = Masker()
    formatter = JsonFormatter(masker)
    first = json.loads(
        formatter.format(_record("profile saved", full_name="Li Lei", unit="3-1202"))
    )
    assert first["full_name"] == "[name]"
    assert first["unit"] == "3-1202"
    later = json.loads(formatter.format(_record("Li Lei and 韩梅梅 wrote", resident="韩梅梅")))
    assert later["message"] == "[name] and [name] wrote"
    assert "Lift" in masker.mask("Lift for Li")  # whole words only for Latin names
    plain = MaskingFormatter(masker=masker).format(_record("call Li Lei", contact_phone="1"))
    assert "Li Lei" not in plain
    assert "contact_phone=[phone]" in plain


def test_tracebacks_and_tokens_are_masked_too() -> None:
    try:
        raise ValueError(f"bad +8613800138000 at https://api.telegram.org/bot{TEST_TOKEN}/x")
    except ValueError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "boom", None, None)
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter(Masker()).format(record))
    assert "ValueError" in entry["exception"]
    assert "13800138000" not in entry["exception"]
    assert TEST_TOKEN not in entry["exception"]
    assert {"time", "level", "logger", "message"} <= entry.keys()


def test_log_format_is_a_setting() -> None:
    settings = make_settings("sqlite://", log_format="json")
    assert settings.log_format is LogFormat.JSON
    assert isinstance(formatter_for(settings.log_format), JsonFormatter)
    assert isinstance(formatter_for(make_settings("sqlite://").log_format), MaskingFormatter)


def test_the_operators_list_shows_what_an_unknown_message_said_without_phones() -> None:
    """`python -m bot outbox` quotes a message of unknown fate on one line, cut short,
    with phone numbers masked as in the logs; other rows are listed without their words."""
    from bot.__main__ import _words
    from storage.models import OutboxMessage, OutboxStatus

    said = "New complaint <b>TS-1</b>\nFrom 3-1202, phone +86 138 0013 8000\n" + "x" * 200
    unknown = OutboxMessage(status=OutboxStatus.UNKNOWN.value, text=said)
    shown = _words(unknown)
    assert shown.startswith(" — “New complaint TS-1 From 3-1202, phone [phone] xxx")
    assert "138" not in shown
    assert shown.endswith("…”")
    assert len(shown) < 130
    assert _words(OutboxMessage(status=OutboxStatus.FAILED.value, text=said)) == ""
    assert _words(OutboxMessage(status=OutboxStatus.UNKNOWN.value, text=None)) == ""
