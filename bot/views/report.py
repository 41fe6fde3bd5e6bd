"""The weekly and monthly analysis as a message: repeat problems first, then the counts,
the times against the promise, satisfaction, quotas and the survey, with the trend."""

from __future__ import annotations

from datetime import timedelta

from bot.charts import chart_language, weekly_chart
from bot.domain.reports import Figures, Timing, Week, trend
from bot.htmltext import Html, join, plain
from bot.views import Views

TOP = 8  # values shown per dimension (the spreadsheet has them all)
DIMENSIONS = ("kind", "category", "building", "department", "severity", "channel")


def label(views: Views, language: str, prefix: str, value: str) -> str:
    """A value as read: its catalogue label when there is one, else itself."""
    if not value:
        return views.t(language, "report.none")
    for key in (f"{prefix}.{value}", f"repair.type_{value}"):
        if views.texts.has(language, key):
            return views.t(language, key)
    return value


def _counts(views: Views, language: str, prefix: str, counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown: list[str] = [
        Html("{} {}").format(label(views, language, prefix, k), n) for k, n in ranked[:TOP]
    ]
    if len(ranked) > TOP:
        shown.append("…")
    return join(" · ", shown) or "—"


def _share(value: float | None) -> str:
    return f"{value * 100:.0f}%" if value is not None else "—"


def _timing(views: Views, language: str, key: str, now: Timing, before: Timing) -> str:
    if not now.count or now.median_s is None or now.p90_s is None:
        return views.t(language, f"{key}_none")
    return views.t(
        language,
        key,
        count=now.count,
        median=views.duration(language, timedelta(seconds=round(now.median_s / 60) * 60)),
        p90=views.duration(language, timedelta(seconds=round(now.p90_s / 60) * 60)),
        share=_share(now.share_met),
        trend=trend(now.share_met, before.share_met),
    )


def report_text(views: Views, language: str, figures: Figures) -> Html:
    t = views.t
    period = figures.period
    lines = [
        t(
            language,
            f"report.title_{period.kind.value}",
            start=views.day(language, period.start),
            end=views.day(language, period.last_day),
        ),
        t(
            language,
            "report.total",
            total=figures.total,
            trend=trend(float(figures.total), float(figures.previous_total)),
            previous=figures.previous_total,
        ),
        "",
    ]
    if figures.repeats:
        lines.append(t(language, "report.repeats_title"))
        for repeat in figures.repeats:
            lines.append(
                t(
                    language,
                    "report.repeat",
                    category=label(views, language, "category", repeat.category),
                    place=repeat.place,
                    count=repeat.count,
                    references=", ".join(repeat.references),
                )
            )
    else:
        lines.append(t(language, "report.no_repeats"))
    lines.append("")
    for name, prefix, counts in (
        ("kind", "kind", figures.by_kind),
        ("category", "category", figures.by_category),
        ("building", "", figures.by_building),
        ("department", "department", figures.by_department),
        ("severity", "severity", figures.by_severity),
        ("channel", "channel", figures.by_channel),
    ):
        lines.append(
            t(language, f"report.by_{name}", counts=_counts(views, language, prefix, counts))
        )
    lines += [
        "",
        _timing(
            views,
            language,
            "report.first_answer",
            figures.first_answer,
            figures.previous_first_answer,
        ),
        _timing(
            views, language, "report.resolution", figures.resolution, figures.previous_resolution
        ),
        t(language, "report.reopened", count=figures.reopened, rate=_share(figures.reopen_rate)),
        t(language, "report.cancelled", count=figures.cancelled),
    ]
    if figures.emergencies[0] or figures.emergencies[1]:
        reported, misfired = figures.emergencies
        lines.append(t(language, "report.emergencies", count=reported, misfired=misfired))
    if figures.satisfaction is not None:
        stars = " ".join(f"★{r}:{figures.ratings.get(r, 0)}" for r in range(5, 0, -1))
        lines.append(
            t(
                language,
                "report.satisfaction",
                average=f"{figures.satisfaction:.1f}",
                count=figures.rated,
                stars=stars,
            )
        )
    else:
        lines.append(t(language, "report.no_ratings"))
    lines.append(t(language, "report.no_response", count=figures.no_response))
    lines.append(t(language, "report.suggestions", count=figures.suggestions))
    if figures.quotas:
        lines += ["", t(language, "report.quotas_title")]
        for quota in figures.quotas:
            lines.append(
                t(
                    language,
                    "report.quota",
                    name=quota.name,
                    role=t(language, f"role.{quota.role}"),
                    done=quota.done,
                    needed=quota.needed,
                    mark="✅" if quota.met else "❌",
                )
            )
    if figures.survey:
        lines += ["", t(language, "report.survey_title")]
        for name, (average, count) in figures.survey.items():
            lines.append(
                t(
                    language,
                    "report.survey_line",
                    question=label(views, language, "survey.q", name),
                    average=f"{average:.1f}",
                    count=count,
                )
            )
    return join("\n", lines)


def report_chart(views: Views, language: str, weeks: list[Week]) -> bytes:
    """The weekly chart, labelled in the reader's language when the machine can draw it."""
    drawn = chart_language(language)
    categories = {c for _, by, _ in weeks for c in by}
    return weekly_chart(
        weeks,
        {c: plain(label(views, drawn, "category", c)) for c in categories},
        title=views.texts.text(drawn, "report.chart_title"),
        met_label=views.texts.text(drawn, "report.chart_met"),
    )
