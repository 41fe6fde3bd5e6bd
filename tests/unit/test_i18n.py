"""Texts in the reader's language: plural forms from the catalogue, dates and spans by Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import load_catalogues

TEXTS = load_catalogues()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("count", "english"),
    [(1, "That makes 1 photo, the most"), (5, "That makes 5 photos, the most")],
)
def test_counts_take_the_languages_plural_form(count: int, english: str) -> None:
    assert TEXTS.t("en", "complaint.photos_full", count=count).startswith(english)
    assert (
        TEXTS.t("zh_Hans", "complaint.photos_full", count=count)
        == f"已收到{count}张照片，这是上限。"
    )


def test_a_plural_text_without_a_count_is_a_bug_not_a_guess() -> None:
    with pytest.raises(KeyError, match="count"):
        TEXTS.t("en", "complaint.photos_full")
    with pytest.raises(KeyError, match="no catalogue"):
        TEXTS.t("en", "no.such.text")


@pytest.mark.parametrize(
    ("span", "english", "chinese"),
    [
        (timedelta(hours=1), "1 hour", "1小时"),
        (timedelta(hours=3), "3 hours", "3小时"),
        (timedelta(hours=24), "24 hours", "24小时"),
        (timedelta(hours=48), "2 days", "2天"),
        (timedelta(hours=168), "7 days", "7天"),
        (timedelta(minutes=30), "30 minutes", "30分钟"),
        (timedelta(minutes=90), "1.5 hours", "1.5小时"),
    ],
)
def test_promised_spans_read_naturally(span: timedelta, english: str, chinese: str) -> None:
    assert TEXTS.duration("en", span) == english
    assert TEXTS.duration("zh_Hans", span) == chinese


def test_times_are_local_and_in_the_readers_language() -> None:
    moment = datetime(2026, 11, 24, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai
    assert TEXTS.moment("en", moment, SHANGHAI) == "Tue, Nov 24, 19:30"
    assert TEXTS.moment("zh_Hans", moment, SHANGHAI) == "11月24日周二 19:30"
    assert TEXTS.day("en", date(2026, 12, 1)) == "Tue, Dec 1, 2026"
    assert TEXTS.day("zh_Hans", date(2026, 12, 1)) == "2026年12月1日周二"
