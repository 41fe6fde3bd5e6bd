"""The handover book (交接班): the outgoing shift writes it, the open items it worked on
are attached and carried over (on the next shift's /status until done), the incoming
shift's staff read it and acknowledge; a night note becomes an item with one tap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.handover import Book, CarriedItem, shift_span
from bot.domain.registry import Today
from bot.domain.repairs import RepairType
from bot.domain.staff import Role, StaffMember
from bot.domain.tickets import Channel, Draft, LocationKind, TicketKind
from bot.policy import Policy
from bot.services import repairs
from bot.services.notifier import Notifier
from bot.services.tickets import Filed, OnBehalf, file_ticket
from bot.views import Screen, Views
from bot.views.handover import handover_screen
from storage.models import Handover
from storage.repositories.handovers import book_of
from storage.uow import UnitOfWork

SUBJECT = "handover"
INCOMING = frozenset({Role.AGENT, Role.BUTLER, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Writing:
    shift: str
    people: str
    matters: str
    notes: tuple[str, ...]


async def touched(
    uow: UnitOfWork, member: StaffMember, shift: str, policy: Policy, tz: ZoneInfo, now: datetime
) -> list[tuple[int, str, str]]:
    start, _ = shift_span(policy.reports.shifts[shift], now.astimezone(tz))
    return await uow.handovers.touched_open(member.estate_id, start, now)


async def write(
    uow: UnitOfWork,
    member: StaffMember,
    draft: Writing,
    policy: Policy,
    views: Views,
    now: datetime,
) -> Book:
    """Save the book with the shift's open items, and send it to the incoming shift."""
    start, end = shift_span(policy.reports.shifts[draft.shift], now.astimezone(views.tz))
    items = await uow.handovers.touched_open(member.estate_id, start, now)
    row = Handover(
        estate_id=member.estate_id,
        written_by_staff_id=member.id,
        shift=draft.shift,
        shift_start=start,
        shift_end=end,
        people=draft.people,
        matters=draft.matters,
        notes=list(draft.notes),
        made={},
        created_at=now,
    )
    await uow.handovers.add(row, [i for i, _, _ in items])
    book = book_of(row)
    listed = [(ref, text) for _, ref, text in items]
    signer = policy.reports.handover_signed_by
    for person in await uow.staff.members(member.estate_id):
        if person.id == member.id or not person.active or person.chat_id is None:
            continue
        if person.role not in INCOMING and person.role is not signer:
            continue
        screen = handover_screen(
            views, person.language, book, member.name, listed, signs=person.role is signer
        )
        uow.outbox.add(
            chat_id=person.chat_id,
            text=screen.text,
            purpose="handover",
            now=now,
            reply_markup=screen.keyboard(),
        )
    return book


async def _book(uow: UnitOfWork, member: StaffMember, handover_id: int) -> Handover | None:
    row = await uow.handovers.get(handover_id)
    return row if row is not None and row.estate_id == member.estate_id else None


class Signed(StrEnum):
    SIGNED = "signed"
    ALREADY = "already"  # someone signed it before


async def sign(
    uow: UnitOfWork, member: StaffMember, handover_id: int, policy: Policy, now: datetime
) -> Signed | None:
    """The senior butler's signature on the day's book (the policy's role); None when the
    book is not theirs to sign."""
    if member.role is not policy.reports.handover_signed_by:
        return None
    if await _book(uow, member, handover_id) is None:
        return None
    if await uow.handovers.sign(handover_id, member.id, now):
        return Signed.SIGNED
    return Signed.ALREADY


async def unsigned(
    uow: UnitOfWork, member: StaffMember, policy: Policy, tz: ZoneInfo, now: datetime
) -> list[tuple[Book, str]] | None:
    """The books of earlier days still unsigned, for the one who signs them (None for
    anyone else): on their /status from the next morning."""
    if member.role is not policy.reports.handover_signed_by:
        return None
    before = Today.of(now, tz).start
    return [(book_of(r), w) for r, w in await uow.handovers.unsigned(member.estate_id, before)]


async def count_unsigned(
    uow: UnitOfWork, member: StaffMember, policy: Policy, tz: ZoneInfo, now: datetime
) -> int | None:
    if member.role is not policy.reports.handover_signed_by:
        return None
    return await uow.handovers.count_unsigned(member.estate_id, Today.of(now, tz).start)


async def acknowledge(
    uow: UnitOfWork, member: StaffMember, handover_id: int, now: datetime
) -> bool:
    """The reader's signature; False when the book is not theirs to read."""
    if await _book(uow, member, handover_id) is None:
        return False
    await uow.dispatches.acknowledge(SUBJECT, handover_id, member.id, now)
    return True


async def carried(
    uow: UnitOfWork, member: StaffMember, handover_id: int
) -> list[CarriedItem] | None:
    if await _book(uow, member, handover_id) is None:
        return None
    return await uow.handovers.carried(handover_id)


async def make_item(
    uow: UnitOfWork,
    notifier: Notifier,
    member: StaffMember,
    handover_id: int,
    note: int,
    kind: TicketKind,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
) -> Filed | None:
    """A night note becomes a work order or a complaint, registered by whoever taps; None
    if the note is gone or was made an item already (a second tap changes nothing)."""
    row = await _book(uow, member, handover_id)
    notes = row.notes if row is not None else []
    if row is None or not 0 <= note < len(notes) or str(note) in (row.made or {}):
        return None
    categories = policy.categories.complaint
    category = "other" if "other" in categories else categories[-1]
    draft = Draft(
        kind=kind,
        description=notes[note],
        category=RepairType.OTHER.value if kind is TicketKind.REPAIR else category,
        photos=(),
        location_kind=LocationKind.COMMON_AREA,
        location_text=notes[note][:200],
    )
    repair = kind is TicketKind.REPAIR
    work = repairs.work_order(RepairType.OTHER, [], may_enter=False) if repair else None
    filed = await file_ticket(
        uow,
        notifier,
        resident=None,
        draft=draft,
        policy=policy,
        tz=tz,
        now=now,
        on_behalf=OnBehalf(member, Channel.VISIT),
        work=work,
    )
    row.made = {**(row.made or {}), str(note): filed.reference}
    uow.handovers.add_item(handover_id, filed.ticket_id)
    return filed


async def screen_of(
    uow: UnitOfWork, member: StaffMember, handover_id: int, views: Views, policy: Policy
) -> Screen | None:
    """The book as it stands now (a note made an item, signed), for this reader."""
    row = await _book(uow, member, handover_id)
    if row is None:
        return None
    writer = await uow.staff.get(row.written_by_staff_id)
    signer = await uow.staff.get(row.signed_by_staff_id) if row.signed_by_staff_id else None
    items = await uow.handovers.carried(handover_id)
    return handover_screen(
        views,
        member.language,
        book_of(row, signer),
        writer.name if writer else "—",
        [(i.reference, i.description) for i in items],
        signs=member.role is policy.reports.handover_signed_by,
    )
