"""The analysis behind /report and the pushed weekly and monthly reports: every figure
from SQL (storage/repositories/reports.py), put together with the previous period's for
the trend, the month's follow-up quotas, and the latest survey."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.permissions import Remit
from bot.domain.registry import NO_FILTERS, Filters
from bot.domain.reports import Figures, Period, Quota
from bot.domain.tickets import EventKind, TicketKind
from bot.policy import Policy
from storage.uow import UnitOfWork

CHART_WEEKS = 12


async def figures(
    uow: UnitOfWork, remit: Remit, period: Period, policy: Policy, tz: ZoneInfo
) -> Figures:
    counts = await uow.reports.counts(remit, period, tz)
    before = period.previous()
    _, end = period.bounds(tz)
    rules = policy.reports
    return Figures(
        period=period,
        total=sum(counts["kind"].values()),
        by_kind=counts["kind"],
        by_category=counts["category"],
        by_building=counts["building"],
        by_department=counts["department"],
        by_severity=counts["severity"],
        by_channel=counts["channel"],
        first_answer=await uow.reports.timing(remit, period, tz, first_answer=True),
        resolution=await uow.reports.timing(remit, period, tz, first_answer=False),
        reopened=await uow.reports.reopened(remit, period, tz),
        cancelled=await uow.reports.cancelled(remit, period, tz),
        emergencies=await uow.reports.emergencies(remit, period, tz),
        ratings=await uow.reports.ratings(remit, period, tz),
        no_response=await uow.reports.events(remit, period, tz, EventKind.FOLLOWUP_NO_RESPONSE),
        suggestions=counts["kind"].get(TicketKind.SUGGESTION.value, 0),
        repeats=await uow.reports.repeats(
            remit, end, timedelta(days=rules.repeat_days), rules.repeat_times
        ),
        quotas=await quotas(uow, remit.estate_id, period, policy, tz),
        previous_total=await uow.reports.total(remit, before, tz),
        previous_first_answer=await uow.reports.timing(remit, before, tz, first_answer=True),
        previous_resolution=await uow.reports.timing(remit, before, tz, first_answer=False),
        weekly=await weekly(uow, remit, period, tz),
        survey=await _survey(uow, remit.estate_id),
    )


async def quotas(
    uow: UnitOfWork, estate_id: int, period: Period, policy: Policy, tz: ZoneInfo
) -> list[Quota]:
    """The month of the period's last day, to that day: quotas are monthly."""
    last = period.last_day
    start = datetime.combine(last.replace(day=1), time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    wanted = policy.reports.followup_quotas
    done = await uow.reports.followups_by(estate_id, [r.value for r in wanted], start, end)
    return [
        Quota(staff_id, name, role, count, wanted[next(r for r in wanted if r.value == role)])
        for staff_id, name, role, count in done
    ]


async def weekly(
    uow: UnitOfWork,
    remit: Remit,
    period: Period,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
) -> list[tuple[date, dict[str, int], float | None]]:
    """What the chart draws: the period's last weeks, by category, and answers in time
    (the Mini App's `filters` narrow it within the remit)."""
    return await uow.reports.weekly(remit, _weeks(period), tz, filters.any_time())


def _weeks(period: Period) -> list[date]:
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = []
    while monday < period.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks[-CHART_WEEKS:]


async def _survey(uow: UnitOfWork, estate_id: int) -> dict[str, tuple[float, int]]:
    """The latest survey's average per question, by the question's name."""
    latest = await uow.surveys.latest(estate_id)
    survey = await uow.surveys.get(latest) if latest is not None else None
    if survey is None:
        return {}
    found = await uow.reports.survey(estate_id, survey.id)
    names = list(survey.questions)
    return {names[q]: value for q, value in found.items() if 0 <= q < len(names)}
