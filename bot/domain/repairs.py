"""A repair request's way from the resident's form to their sign-off (报修).

Engineering schedules the visit (the resident confirms the time or picks another), works
it, and reports what was done, in or out of warranty, and the cost; the resident signs it
off or says it is not fixed, which reopens it. A water leak has its own leak test, and the
follow-up comes after it; every repair is followed up, at the policy's window.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.tickets import TicketStatus


class RepairType(StrEnum):
    PLUMBING = "plumbing"
    ELECTRICAL = "electrical"
    DOORS_WINDOWS = "doors_windows"
    APPLIANCE = "appliance"
    PUBLIC_FACILITY = "public_facility"
    SAFETY_FACILITY = "safety_facility"
    WATER_LEAK = "water_leak"
    OTHER = "other"


# Inside the resident's home: the profile says where, and engineering needs a time to come
# and whether it may enter. The others are in common areas: the place is asked instead.
IN_THE_HOME = (
    RepairType.PLUMBING,
    RepairType.ELECTRICAL,
    RepairType.DOORS_WINDOWS,
    RepairType.APPLIANCE,
    RepairType.WATER_LEAK,
    RepairType.OTHER,
)


class RepairStage(StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"  # a visit time proposed to the resident
    CONFIRMED = "confirmed"  # the resident agreed to it
    WORKING = "working"
    DONE = "done"  # reported done: waiting for the resident's sign-off
    SIGNED_OFF = "signed_off"


class RepairStep(StrEnum):
    SCHEDULE = "schedule"
    START = "start"
    LEAK_TEST = "leak_test"
    DONE = "done"


# A repair reopened (the resident says it is not fixed, at sign-off or at the follow-up)
# needs a new visit: back to the start, with *Schedule visit* offered again.
REOPENED_AT = RepairStage.REQUESTED
STATUS = {
    RepairStage.REQUESTED: TicketStatus.NEW,
    RepairStage.SCHEDULED: TicketStatus.ACCEPTED,
    RepairStage.CONFIRMED: TicketStatus.ACCEPTED,
    RepairStage.WORKING: TicketStatus.IN_PROGRESS,
    RepairStage.DONE: TicketStatus.RESOLVED,
    RepairStage.SIGNED_OFF: TicketStatus.RESOLVED,
}
# Which steps each stage allows (rescheduling is allowed until work starts).
STEPS: dict[RepairStage, tuple[RepairStep, ...]] = {
    RepairStage.REQUESTED: (RepairStep.SCHEDULE,),
    RepairStage.SCHEDULED: (RepairStep.SCHEDULE, RepairStep.START),
    RepairStage.CONFIRMED: (RepairStep.SCHEDULE, RepairStep.START),
    RepairStage.WORKING: (RepairStep.LEAK_TEST, RepairStep.DONE),
}


class StageError(ValueError):
    """The repair is not at a stage where this step can be taken (a stale card)."""


def steps(stage: RepairStage, repair_type: RepairType) -> tuple[RepairStep, ...]:
    found = STEPS.get(stage, ())
    if repair_type is not RepairType.WATER_LEAK:
        found = tuple(step for step in found if step is not RepairStep.LEAK_TEST)
    return found


def advance(stage: RepairStage, step: RepairStep, repair_type: RepairType) -> RepairStage:
    if step not in steps(stage, repair_type):
        raise StageError(f"{step.value} on a {stage.value} repair")
    return {
        RepairStep.SCHEDULE: RepairStage.SCHEDULED,
        RepairStep.START: RepairStage.WORKING,
        RepairStep.LEAK_TEST: RepairStage.WORKING,
        RepairStep.DONE: RepairStage.DONE,
    }[step]


class Reply(StrEnum):
    """The resident's answers along the way: to a proposed visit, and to the work done."""

    AGREE = "agree"  # to the proposed visit
    OTHER_TIME = "other_time"  # asks for another window: the visit stays to be agreed
    FIXED = "fixed"  # signs the work off
    NOT_FIXED = "not_fixed"  # reopens it (bot.domain.item: reopened)


# Which replies each stage waits for, and the stage a reply leads to (None: it stays).
REPLIES: dict[RepairStage, dict[Reply, RepairStage | None]] = {
    RepairStage.SCHEDULED: {Reply.AGREE: RepairStage.CONFIRMED, Reply.OTHER_TIME: None},
    RepairStage.DONE: {Reply.FIXED: RepairStage.SIGNED_OFF, Reply.NOT_FIXED: None},
}


def replied(stage: RepairStage, reply: Reply) -> RepairStage | None:
    """The stage after the resident's reply (None: unchanged); StageError if the repair
    is not waiting for it (a stale or forged tap)."""
    waited = REPLIES.get(stage, {})
    if reply not in waited:
        raise StageError(f"{reply.value} on a {stage.value} repair")
    return waited[reply]


def followup_at(
    repair_type: RepairType,
    *,
    done_at: datetime,
    leak_test_on: date | None,
    days: dict[str, int],
    at: time,
    tz: ZoneInfo,
) -> datetime:
    """Safety facilities 2 days after, a water leak 3 days after its leak test, others 2
    days after (the days are the policy's) — asked at the policy's follow-up time of that
    day, never at night, and never before the work was reported done."""
    done_day = done_at.astimezone(tz).date()
    if repair_type is RepairType.WATER_LEAK:
        day = (leak_test_on or done_day) + timedelta(days=days.get(repair_type.value, 3))
    else:
        key = repair_type.value if repair_type.value in days else "other"
        day = done_day + timedelta(days=days.get(key, 2))
    moment = datetime.combine(max(day, done_day), at, tz)
    if moment < done_at:  # that day's time has passed: the next morning
        moment = datetime.combine(moment.date() + timedelta(days=1), at, tz)
    return moment
