"""The report's chart as a PNG: items by category per week (stacked bars) and the share
of first answers given in time (a line), drawn with matplotlib off-screen.

Chinese labels need a CJK font on the machine (e.g. the fonts-noto-cjk package); without
one the chart is labelled in English; emoji (the repair types have them) are left out, as
no chart font has them. So no label ever shows as empty boxes.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from functools import cache

WIDTH_IN, HEIGHT_IN, DPI = 8, 4.5, 100  # 800 × 450 pixels
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "PingFang SC")


@cache
def cjk_font() -> str | None:
    """A font that can draw Chinese, if the machine has one."""
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def chart_language(language: str) -> str:
    return language if language != "zh_Hans" or cjk_font() else "en"


# Where emoji and other pictographs live: technical symbols (⌛), miscellaneous symbols and
# dingbats (☎ ✅), miscellaneous symbols and arrows (⭐), and the emoji planes (🚪 🔧).
_PICTOGRAPHS = ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
# What glues emoji sequences together: the zero-width joiner, the keycap, the text and
# emoji variation selectors.
_EMOJI_GLUE = frozenset({0x200D, 0x20E3, 0xFE0E, 0xFE0F})


def _pictograph(char: str) -> bool:
    code = ord(char)
    if code in _EMOJI_GLUE or 0xE0020 <= code <= 0xE007F:  # the last: emoji flag tags
        return True
    symbol = unicodedata.category(char) in ("So", "Sk")  # Sk: the skin-tone modifiers
    return symbol and any(low <= code <= high for low, high in _PICTOGRAPHS)


def chart_label(text: str) -> str:
    """A label as the chart can draw it: emoji and other pictographs left out (the chart's
    fonts have none, and each would show as an empty box), the spaces around them closed
    up. "🔧 水管 Plumbing" → "水管 Plumbing"; letters, CJK and ordinary signs stay."""
    kept = "".join(" " if _pictograph(char) else char for char in text)
    return " ".join(kept.split())


def weekly_chart(
    weeks: list[tuple[date, dict[str, int], float | None]],
    labels: dict[str, str],
    *,
    title: str,
    met_label: str,
) -> bytes:
    """`weeks`: (Monday, items by category, share answered in time); `labels`: category
    names as the reader reads them. Matplotlib is loaded on the first chart, not with the
    bot: most processes never draw one, and it weighs some 50 MB."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    if cjk_font():
        matplotlib.rcParams["font.sans-serif"] = [cjk_font(), "DejaVu Sans"]
    axes = figure.add_subplot()
    drawn = {c: chart_label(labels.get(c, c)) or c for _, by, _ in weeks for c in by}
    categories = sorted(drawn, key=lambda c: (drawn[c], c))
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for category in categories:
        heights = [by.get(category, 0) for _, by, _ in weeks]
        axes.bar(positions, heights, bottom=bottom, label=drawn[category])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xticks(positions, [f"{monday:%m-%d}" for monday, _, _ in weeks])
    axes.set_title(chart_label(title))
    share = axes.twinx()
    share.set_ylim(0, 100)
    share.plot(
        positions,
        [s * 100 if s is not None else float("nan") for _, _, s in weeks],
        color="black",
        marker="o",
        label=chart_label(met_label),
    )
    share.set_ylabel("%")
    if categories:
        axes.legend(loc="upper left", fontsize="small")
    share.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
