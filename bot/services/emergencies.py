"""Emergencies (突发事件): filed at once from what someone typed (registered or not), the
staff on duty paged again and again until one taps *On my way*, up the chain when nobody
answers; *Not an emergency* stops the paging and makes it the ordinary item its words
look like (a complaint, a repair, a suggestion).

The reporter may have no registration, so what they hear goes straight to the chat they
wrote from, in their language (`Emergency` row), not through a resident's notices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from bot.callbacks import CallbackData
from bot.domain.emergencies import KIND, Emergency, by_code, ordinary, paged, paged_groups
from bot.domain.item import Item
from bot.domain.kinds import request_type
from bot.domain.lifecycle import Action
from bot.domain.permissions import TicketScope, can, staff_viewer
from bot.domain.repairs import RepairType
from bot.domain.residents import ResidentCard
from bot.domain.routing import serving
from bot.domain.staff import Department, StaffMember
from bot.domain.tickets import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    LocationKind,
    Severity,
    TicketKind,
    TicketStatus,
)
from bot.services import duty, repairs
from bot.services.actions import ItemContext, Refused
from bot.services.clocks import replan, set_promises
from bot.services.notices import Label, Notice, Value, staff_card, with_buttons
from bot.services.tickets import first_event, next_reference, route_item
from storage.models import Emergency as EmergencyRow
from storage.models import Ticket
from storage.repositories.tickets import facts_of


@dataclass(frozen=True, slots=True)
class EmergencyTap(CallbackData, prefix="em"):
    """*🏃 On my way* (staff, on a page) and *Not an emergency* (the reporter)."""

    what: str  # way / no
    ticket: int


WAY, NOT = "way", "no"


@dataclass(frozen=True, slots=True)
class Reported:
    ticket_id: int
    reference: str
    where_needed: bool  # nobody knows where: the reporter is asked, after filing
    paged: int  # how many people the first page reached


async def report(
    ctx: ItemContext,
    emergency: Emergency,
    *,
    text: str,
    user_id: int,
    chat_id: int,
    language: str,
    resident: ResidentCard | None,
    estate_id: int | None,
) -> Reported:
    """File the emergency at once (no questions) and page the staff on duty."""
    policy, now = ctx.policy, ctx.now
    rules = policy.emergencies
    terms = policy.promise(Severity.GENERAL)
    home = resident.home if resident is not None and resident.unit_id else None
    ticket = Ticket(
        reference=await next_reference(ctx.uow, policy.prefix(KIND), ctx.tz, now),
        kind=KIND,
        category=emergency.code,
        status=TicketStatus.NEW.value,
        channel=Channel.BOT.value,
        resident_id=resident.id if resident else None,
        unit_id=resident.unit_id if resident else None,
        estate_id=(resident.estate_id if resident and resident.estate_id else estate_id),
        zone=(resident.zone or None) if resident else None,
        location_kind=LocationKind.OWN_UNIT.value if home else None,
        description=text[: policy.dialogue.max_text_chars],
        department=Department.SECURITY.value,
        created_at=now,
        updated_at=now,
        first_answer_due_at=now + rules.answer,
        resolve_due_at=now + terms.resolve,
        clock_started_at=now,
        paused_s=0,
        reopen_count=0,
        attachments=[],
        page_next_at=now + rules.paging().every,
    )
    created = first_event(EventKind.CREATED, TicketStatus.NEW, resident, None, now)
    await ctx.uow.tickets.add(ticket, [created])
    row = EmergencyRow(
        ticket_id=ticket.id,
        code=emergency.code,
        reporter_user_id=user_id,
        reporter_chat_id=chat_id,
        language=language,
        pages=0,
        paged_staff=[],
        where_asked=home is None,
        created_at=now,
    )
    ctx.uow.session.add(row)
    notices = await _page(ctx, ticket, row)
    await replan(ctx.uow, ticket, ctx.rules, now=now, new_item=True)
    await ctx.notifier.tell(notices, now, item=facts_of(ticket, home=home), resident=resident)
    return Reported(ticket.id, ticket.reference, home is None, len(notices))


async def find(ctx: ItemContext, ticket_id: int) -> EmergencyRow | None:
    return await ctx.uow.session.scalar(
        select(EmergencyRow).where(EmergencyRow.ticket_id == ticket_id)
    )


async def _page(ctx: ItemContext, ticket: Ticket, row: EmergencyRow) -> list[Notice]:
    """The next page: each of the policy's departments and roles on its own — its staff
    on duty, or all of it when the roster has none of it on (as the night duty is
    reached) — and the chain's rungs reached so far."""
    rules = ctx.policy.emergencies.paging()
    row.pages += 1
    staff = await ctx.staff(ticket)
    roster = await duty.roster_now(ctx, ticket.estate_id)
    people: list[StaffMember] = []
    for group in paged_groups(paged(staff, rules, ticket.zone), rules):
        people += duty.on_duty_or_all(group, roster, ctx.now)
    rungs = rules.rungs(row.pages)
    if ticket.zone:
        people += serving(staff, rungs, ticket.zone)
    else:  # nobody knows where yet: the chain of every zone
        people += [p for p in staff if p.active and p.role in rungs]
    ids = sorted({p.id for p in people})
    row.paged_staff = sorted({*row.paged_staff, *ids})
    ticket.page_next_at = rules.next_page(ticket.created_at, row.pages)
    key = "emergency.page" if row.pages == 1 else "emergency.page_again"
    tap = EmergencyTap(WAY, ticket.id).pack()
    what = Label.of(f"emergency.name_{row.code}")
    return [
        with_buttons(
            staff_card(i, ticket.id, key, what=what, pages=str(row.pages)),
            (("emergency.on_my_way", tap),),
        )
        for i in ids
    ]


def _still_paging(ticket: Ticket, row: EmergencyRow | None) -> bool:
    return (
        row is not None
        and row.on_way_at is None
        and row.misfire_at is None
        and ticket.kind == KIND
        and ticket.status in OPEN_STATUSES
    )


async def page_again(ctx: ItemContext, ticket: Ticket) -> None:
    """The clock: nobody is on the way yet, so page again (higher up after M pages)."""
    row = await find(ctx, ticket.id)
    if row is None or not _still_paging(ticket, row):
        ticket.page_next_at = None
        await ctx.done(ticket, [])
        return
    notices = await _page(ctx, ticket, row)
    ctx.record(ticket, EventKind.REMINDED, note=f"page {row.pages}", touch=False)
    await ctx.done(ticket, notices)


@dataclass(frozen=True, slots=True)
class OnTheWay:
    reference: str
    first: bool  # False: someone else was on the way already
    who: str  # the name of whoever is on the way


async def on_my_way(ctx: ItemContext, me: StaffMember, ticket_id: int) -> OnTheWay:
    """A paged member of staff is on the way: paging stops, they work the item, the
    reporter hears who is coming and the others paged that someone is."""
    ticket = await ctx.uow.tickets.get(ticket_id, for_update=True)
    row = await find(ctx, ticket_id)
    if ticket is None or row is None:
        raise Refused("emergency")
    allowed = me.id in row.paged_staff or can(
        staff_viewer(me), Action.VIEW, TicketScope.of(ticket)
    )
    if not allowed or row.misfire_at is not None:
        raise Refused("emergency")
    if row.on_way_staff_id is not None:
        first = await ctx.uow.staff.get(row.on_way_staff_id)
        return OnTheWay(ticket.reference, False, first.name if first else "")
    row.on_way_staff_id, row.on_way_at = me.id, ctx.now
    ticket.page_next_at = None
    if ticket.assignee_staff_id is None:
        ticket.assignee_staff_id = me.id
    if ticket.status == TicketStatus.NEW:
        ctx.record(ticket, EventKind.ACCEPTED, status=TicketStatus.ACCEPTED)
    Item.of(ticket).answer(ctx.now)
    role = Label.of(f"role_word.{me.role.value}")  # inside a sentence: "our butler Li"
    _to_reporter(ctx, ticket, row, "emergency.coming", role=role, name=me.name)
    others = [i for i in row.paged_staff if i != me.id]
    notices = [staff_card(i, ticket.id, "emergency.on_way_others", role=role) for i in others]
    await ctx.done(ticket, notices)
    return OnTheWay(ticket.reference, True, me.name)


@dataclass(frozen=True, slots=True)
class Misfire:
    reference: str
    kind: str  # what it became: a complaint, a repair or a suggestion


async def not_an_emergency(ctx: ItemContext, user_id: int, ticket_id: int) -> Misfire:
    """The reporter's tap: the keywords misfired. Paging stops, whoever was paged is told,
    and the item becomes the ordinary item its words look like (`ordinary`: "my gas bill
    is wrong" a fees complaint; nothing named, a complaint of the emergency's category),
    routed as one (counted as a misfire in the reports)."""
    ticket = await ctx.uow.tickets.get(ticket_id, for_update=True)
    row = await find(ctx, ticket_id)
    if ticket is None or row is None or row.reporter_user_id != user_id:
        raise Refused("emergency")
    if row.misfire_at is not None or ticket.kind != KIND:
        return Misfire(ticket.reference, ticket.kind)
    row.misfire_at = ctx.now
    ticket.page_next_at = None
    policy = ctx.policy
    entry = by_code(policy.emergencies.listed()).get(row.code)
    becomes = ordinary(
        ticket.description, entry, policy.free_text.keywords, policy.categories.complaint
    )
    ticket.kind, ticket.category = becomes.kind.value, becomes.category
    department = None
    if becomes.kind is TicketKind.REPAIR:
        work = repairs.work_order(RepairType(becomes.category or "other"), [], False)
        ticket.service, ticket.stage, ticket.details = work.service, work.stage, work.details
        department = work.department
    set_promises(ticket, policy, ctx.tz, start=ctx.now)
    if not request_type(ticket.kind).resolves:
        ticket.resolve_due_at = None  # a suggestion promises an answer only
    ctx.record(ticket, EventKind.CLASSIFIED, note="not an emergency")
    told = set(row.paged_staff)
    kind = Label.of(f"kind.{ticket.kind}")
    notices = [
        staff_card(i, ticket.id, "emergency.misfire_staff", kind=kind) for i in sorted(told)
    ]
    routed = await route_item(ctx.uow, ticket, policy, None, department=department)
    notices += [
        Notice(n.kind, ticket.id, n.key, n.staff_id, n.values)
        for n in routed
        if n.staff_id not in told
    ]
    await ctx.done(ticket, notices)
    return Misfire(ticket.reference, ticket.kind)


# Asked of every message a resident types outside a form: built once, as building a
# statement and its cache key costs more than the database takes to run it.
WAITING_FOR_PLACE = (
    select(EmergencyRow)
    .where(
        EmergencyRow.reporter_user_id == bindparam("user_id"),
        EmergencyRow.where_asked.is_(True),
        EmergencyRow.misfire_at.is_(None),
    )
    .order_by(EmergencyRow.id.desc())
    .limit(1)
)


async def waiting_for_place(ctx: ItemContext, user_id: int) -> EmergencyRow | None:
    """The reporter's emergency still waiting to hear where they are (the latest)."""
    return await ctx.uow.session.scalar(WAITING_FOR_PLACE, {"user_id": user_id})


async def tell_place(ctx: ItemContext, row: EmergencyRow, place: str) -> str:
    """Where the reporter is: on the item, and to everyone paged. Returns its reference."""
    ticket = await ctx.uow.tickets.get(row.ticket_id, for_update=True)
    row.where_asked = False
    if ticket is None:
        return ""
    ticket.location_kind = LocationKind.COMMON_AREA.value
    ticket.location_text = place[:200]
    ctx.record(ticket, EventKind.NOTE, note=place[:200])
    notices = [
        staff_card(i, ticket.id, "emergency.place_staff", place=place[:200])
        for i in row.paged_staff
    ]
    await ctx.done(ticket, notices)
    return ticket.reference


def _to_reporter(
    ctx: ItemContext, ticket: Ticket, row: EmergencyRow, key: str, **values: Value
) -> None:
    """A message to whoever reported it, registered or not, in their language."""
    views = ctx.notifier.views
    rendered = {
        name: views.t(row.language, v.keys[0]) if isinstance(v, Label) else v
        for name, v in values.items()
    }
    text = views.t(row.language, key, reference=ticket.reference, **rendered)
    ctx.uow.outbox.add(
        chat_id=row.reporter_chat_id,
        text=text,
        reply_markup=None,
        purpose=key,
        ticket_id=ticket.id,
        now=ctx.now,
    )
