"""The report's chart as a PNG: items by category per week (stacked bars) and the share
of first answers given in time (a line), drawn with matplotlib off-screen.

Chinese labels need a CJK font on the machine (e.g. the fonts-noto-cjk package); without
one the chart is labelled in English, so no label ever shows as empty boxes.
"""

from __future__ import annotations

import io
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
    categories = sorted({c for _, by, _ in weeks for c in by}, key=lambda c: labels.get(c, c))
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for category in categories:
        heights = [by.get(category, 0) for _, by, _ in weeks]
        axes.bar(positions, heights, bottom=bottom, label=labels.get(category, category))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xticks(positions, [f"{monday:%m-%d}" for monday, _, _ in weeks])
    axes.set_title(title)
    share = axes.twinx()
    share.set_ylim(0, 100)
    share.plot(
        positions,
        [s * 100 if s is not None else float("nan") for _, _, s in weeks],
        color="black",
        marker="o",
        label=met_label,
    )
    share.set_ylabel("%")
    if categories:
        axes.legend(loc="upper left", fontsize="small")
    share.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
