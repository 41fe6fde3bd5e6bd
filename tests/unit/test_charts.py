"""The report's chart draws only what its fonts have: emoji are left out of every label."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.charts import chart_label
from bot.i18n import load_catalogues
from bot.views import Views
from bot.views.report import report_chart

VIEWS = Views(load_catalogues(), ZoneInfo("Asia/Shanghai"))


def _emoji(text: str) -> list[str]:
    """Emoji by where they live, checked apart from the rule under test."""
    return [
        c
        for c in text
        if ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF or c in "\u200d\ufe0f\u20e3"
    ]


@pytest.mark.parametrize(
    ("label", "drawn"),
    [
        ("🚪 Doors & windows", "Doors & windows"),
        ("🔧 水管 Plumbing", "水管 Plumbing"),
        ("🧯 Safety facility", "Safety facility"),
        ("💧Water leak", "Water leak"),
        ("⚠️ Urgent ✅ done", "Urgent done"),
        ("👍🏻 Thanks 👨‍👩‍👧 1️⃣", "Thanks 1"),
        ("Facilities (lifts, lights, water, power, A/C)", None),
        ("设施设备（电梯、照明、水电、空调）", None),
        ("Lobby 50㎡ at 25°C, No. 3 — A/B", None),
        ("🎂", ""),
    ],
)
def test_a_chart_label_leaves_out_emoji_and_keeps_everything_else(
    label: str, drawn: str | None
) -> None:
    assert chart_label(label) == (label if drawn is None else drawn)
    assert not _emoji(chart_label(label))


def test_the_chart_hands_matplotlib_no_emoji(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    drawn: list[str] = []
    save = Figure.savefig

    def spy(figure: Figure, *args: Any, **kwargs: Any) -> None:
        drawn.extend(text.get_text() for text in figure.findobj(Text))
        save(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    weeks = [
        (date(2026, 11, 16), {"doors_windows": 2, "plumbing": 1, "facilities": 3}, 0.5),
        (date(2026, 11, 23), {"water_leak": 1, "plumbing": 2}, None),
    ]
    png = report_chart(VIEWS, "en", weeks)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert {"Doors & windows", "Plumbing", "Water leak"} <= set(drawn)  # the repair types
    assert [text for text in drawn if _emoji(text)] == []
