"""Pushing the weekly and monthly reports and the day's ledger, exactly once each (the
period is claimed in the same transaction that queues the messages), and signing them.

The reports go to the policy's roles with the analysis as text and buttons for the chart,
the spreadsheet and *Acknowledge*; the acknowledgement of `sign_off_by` is the sign-off
the house rules ask for, recorded with its time.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.kinds import Family, kinds
from bot.domain.ledger import DayLedger, LedgerSignatures, Slot
from bot.domain.permissions import Remit
from bot.domain.reports import DispatchKind, Period, PeriodKind, due_dispatches
from bot.domain.staff import Role, StaffMember
from bot.policy import Policy
from bot.services import reports
from bot.views import Screen, Views
from bot.views.dispatch import ledger_screen, report_buttons
from bot.views.report import report_text
from bot.webapp.launch import launch_url
from storage.models import Dispatch
from storage.uow import UnitOfWork

SUBJECT = "dispatch"


def estate_remit(estate_id: int) -> Remit:
    """The pushed reports cover the whole estate (they go to its managers)."""
    return Remit(estate_id=estate_id, staff_id=0, everything=True, department=None, zone=None)


def period_of(dispatch: Dispatch) -> Period:
    kind = {
        DispatchKind.WEEKLY.value: PeriodKind.WEEK,
        DispatchKind.MONTHLY.value: PeriodKind.MONTH,
    }.get(dispatch.kind, PeriodKind.RANGE)
    return Period(kind, dispatch.period_start, dispatch.period_end)


async def push_due(
    uow: UnitOfWork,
    estate_id: int,
    policy: Policy,
    views: Views,
    now: datetime,
    *,
    webapp: str | None = None,
) -> list[DispatchKind]:
    """Claim and queue whatever is due for one estate; what was sent already is skipped.
    `webapp`: the Mini App's address, for a button opening the report's chart there."""
    rules = policy.reports
    local = now.astimezone(views.tz)
    due = due_dispatches(
        local,
        weekly_day=rules.weekly_day,
        weekly_at=rules.weekly_at,
        monthly_day=rules.monthly_day,
        monthly_at=rules.monthly_at,
        ledger_at=rules.ledger_at,
    )
    recipients = {
        DispatchKind.WEEKLY: rules.weekly_to,
        DispatchKind.MONTHLY: rules.monthly_to,
        DispatchKind.LEDGER: [*rules.ledger_to, *rules.ledger_duty],
    }
    sent = []
    staff = await uow.staff.members(estate_id)
    for kind, period in due:
        readers = _readers(staff, recipients[kind])
        if not readers:
            continue  # nobody to send it to yet: it goes out once someone holds the role
        dispatch_id = await uow.dispatches.claim(
            kind.value, estate_id, period.start, period.end, now
        )
        if dispatch_id is None:
            continue
        if kind is DispatchKind.LEDGER:
            await _ledger(uow, estate_id, period, dispatch_id, readers, views, now)
        else:
            opens = (
                launch_url(webapp, view="chart", first=period.start, last=period.last_day)
                if webapp
                else None
            )
            await _report(uow, estate_id, period, dispatch_id, readers, policy, views, now, opens)
        sent.append(kind)
    return sent


def _readers(staff: list[StaffMember], roles: list[Role]) -> list[StaffMember]:
    return [p for p in staff if p.active and p.role in roles and p.chat_id is not None]


async def _report(
    uow: UnitOfWork,
    estate_id: int,
    period: Period,
    dispatch_id: int,
    readers: list[StaffMember],
    policy: Policy,
    views: Views,
    now: datetime,
    webapp: str | None = None,
) -> None:
    found = await reports.figures(uow, estate_remit(estate_id), period, policy, views.tz)
    for person in readers:
        assert person.chat_id is not None
        text = report_text(views, person.language, found)
        text += "\n\n" + views.t(person.language, "dispatch.sign_note")
        rows = report_buttons(views, person.language, dispatch_id, webapp)
        markup = Screen(text, rows).keyboard()
        uow.outbox.add(
            chat_id=person.chat_id, text=text, purpose="report", now=now, reply_markup=markup
        )


async def _ledger(
    uow: UnitOfWork,
    estate_id: int,
    period: Period,
    dispatch_id: int,
    readers: list[StaffMember],
    views: Views,
    now: datetime,
) -> None:
    ledger = await _day_ledger(uow, estate_id, period, views, now)
    for person in readers:
        assert person.chat_id is not None
        day = views.day(person.language, period.start)
        screen = ledger_screen(
            views, person.language, day, dispatch_id, ledger, LedgerSignatures()
        )
        uow.outbox.add(
            chat_id=person.chat_id,
            text=screen.text,
            purpose="ledger",
            now=now,
            reply_markup=screen.keyboard(),
        )


async def _day_ledger(
    uow: UnitOfWork, estate_id: int, period: Period, views: Views, now: datetime
) -> DayLedger:
    start, end = period.bounds(views.tz)
    internal = [k.code for k in kinds() if k.family is Family.INTERNAL]
    return await uow.dispatches.day_ledger(estate_id, start, end, now, internal)


def ledger_slot(member: StaffMember, policy: Policy) -> Slot | None:
    """Which of the ledger's two signatures this person gives: the supervisor's
    (`ledger_to`) or the staff on duty's (`ledger_duty`); None: neither."""
    if member.role in policy.reports.ledger_to:
        return Slot.SUPERVISOR
    if member.role in policy.reports.ledger_duty:
        return Slot.DUTY
    return None


async def ledger_of(uow: UnitOfWork, member: StaffMember, dispatch_id: int) -> Dispatch | None:
    """The daily ledger of the member's estate with this id (None: not a ledger of theirs)."""
    dispatch = await uow.dispatches.get(dispatch_id)
    if dispatch is None or dispatch.estate_id != member.estate_id:
        return None
    return dispatch if dispatch.kind == DispatchKind.LEDGER.value else None


async def sign_ledger(
    uow: UnitOfWork, member: StaffMember, ledger: Dispatch, policy: Policy, now: datetime
) -> bool | None:
    """The member's signature on the day's ledger, in their slot (on duty, supervisor);
    None: they sign no ledger; False: their slot was signed already."""
    slot = ledger_slot(member, policy)
    if slot is None:
        return None
    signed = await uow.dispatches.sign_ledger(ledger.id, slot is Slot.DUTY, member.id, now)
    if signed:  # also in the acknowledgements, with every other signature
        await uow.dispatches.acknowledge(SUBJECT, ledger.id, member.id, now)
    return signed


async def ledger_view(
    uow: UnitOfWork, member: StaffMember, ledger: Dispatch, views: Views, now: datetime
) -> Screen:
    """The ledger as it stands, with its signatures, for this reader."""
    period = period_of(ledger)
    found = await _day_ledger(uow, ledger.estate_id, period, views, now)
    signed = (await uow.dispatches.ledger_signatures([ledger.id])).get(ledger.id)
    day = views.day(member.language, period.start)
    return ledger_screen(
        views, member.language, day, ledger.id, found, signed or LedgerSignatures()
    )


async def acknowledge(
    uow: UnitOfWork,
    member: StaffMember,
    dispatch_id: int,
    policy: Policy,
    views: Views,
    now: datetime,
) -> Dispatch | None:
    """None: not theirs to sign (another estate's, or no such dispatch). The sign-off role's
    first acknowledgement of a report signs it off: its other readers are told."""
    dispatch = await uow.dispatches.get(dispatch_id)
    if dispatch is None or dispatch.estate_id != member.estate_id or not member.is_manager:
        return None
    first = await uow.dispatches.acknowledge(SUBJECT, dispatch_id, member.id, now)
    rules = policy.reports
    if first and member.role is rules.sign_off_by and dispatch.kind != DispatchKind.LEDGER.value:
        period = period_of(dispatch)
        roles = (
            rules.monthly_to if dispatch.kind == DispatchKind.MONTHLY.value else rules.weekly_to
        )
        for person in _readers(await uow.staff.members(member.estate_id), roles):
            if person.id == member.id or person.chat_id is None:
                continue
            text = views.t(
                person.language,
                "dispatch.signed_off",
                name=member.name,
                start=views.day(person.language, period.start),
                end=views.day(person.language, period.last_day),
            )
            uow.outbox.add(chat_id=person.chat_id, text=text, purpose="report_signed", now=now)
    return dispatch


async def readable(uow: UnitOfWork, member: StaffMember, dispatch_id: int) -> Dispatch | None:
    dispatch = await uow.dispatches.get(dispatch_id)
    if dispatch is None or dispatch.estate_id != member.estate_id or not member.is_manager:
        return None
    return dispatch


async def archive(
    uow: UnitOfWork, estate_id: int, start: date, end: date
) -> list[tuple[date, LedgerSignatures]]:
    """The daily ledgers of a month, each with its two signatures (on duty, supervisor)."""
    found = await uow.dispatches.month(DispatchKind.LEDGER.value, estate_id, start, end)
    signed = await uow.dispatches.ledger_signatures([d.id for d in found])
    return [(d.period_start, signed.get(d.id, LedgerSignatures())) for d in found]
