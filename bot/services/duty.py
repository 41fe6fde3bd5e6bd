"""Round the clock (24小时值班): the roster (/duty), who is on duty now, the night's routing
and promise, and the digest that replaces a pile of late cards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import CallbackData
from bot.domain.duty import Roster, ShiftNow, is_night, next_morning, on_duty, roster_of, shift_at
from bot.domain.routing import next_up
from bot.domain.staff import MANAGERS, Role, StaffMember
from bot.domain.tickets import OPEN_STATUSES, EventKind, TicketStatus
from bot.htmltext import escape, join
from bot.policy import Policy
from bot.services.actions import ActionContext, ItemContext
from bot.services.notices import Label, Notice, NoticeKind, staff_card, with_buttons
from bot.views import Button, Screen, Views
from storage.models import Ticket
from storage.uow import UnitOfWork

ROSTER_DAYS = 7  # managers set the roster a week at a time


@dataclass(frozen=True, slots=True)
class DutyTap(CallbackData, prefix="du"):
    """/duty's buttons: open a card from a digest, start or end a shift, toggle someone
    on a shift for the coming week (`arg`: the item or the staff member)."""

    what: str  # card / start / end / toggle
    arg: int = 0
    shift: str = ""


async def roster_at(
    uow: UnitOfWork, policy: Policy, tz: ZoneInfo, estate_id: int | None, when: datetime
) -> Roster:
    """The roster of the shift running at `when` (no roster that day: everyone)."""
    if estate_id is None:
        return Roster()
    shift = shift_at(policy.reports.shifts, when, tz)
    rows = await uow.duty.rostered(estate_id, shift.day)
    rostered = [staff_id for staff_id, name in rows if name == shift.name]
    marks = await uow.duty.marks(estate_id, shift.start)
    return roster_of(rostered, bool(rows), marks, shift)


async def roster_now(ctx: ItemContext, estate_id: int | None) -> Roster:
    """The roster at the change's moment, read once per change (ItemContext.rosters)."""
    if estate_id is None:
        return Roster()
    found = ctx.rosters.get(estate_id)
    if found is None:
        found = await roster_at(ctx.uow, ctx.policy, ctx.tz, estate_id, ctx.now)
        ctx.rosters[estate_id] = found
    return found


def on_duty_or_all(
    people: Iterable[StaffMember], roster: Roster, when: datetime
) -> list[StaffMember]:
    """Those of `people` on duty; if none of them is, all of them: nothing waits unseen."""
    everyone = [p for p in people if p.active]
    return on_duty(everyone, roster, when) or everyone


def night(policy: Policy, tz: ZoneInfo | None, when: datetime) -> bool:
    if tz is None:
        return False
    return is_night(policy.reports.shifts, policy.duty.day_shift, when, tz)


def morning_promise(ticket: Ticket, policy: Policy, tz: ZoneInfo) -> datetime | None:
    """Filed at night: the next morning's answer time for its kind and severity (none:
    the usual)."""
    at = policy.duty.morning_at(ticket.kind, ticket.severity)
    if at is None:
        return None
    return next_morning(ticket.created_at, at, tz)


def shift_now(policy: Policy, tz: ZoneInfo, when: datetime) -> ShiftNow:
    return shift_at(policy.reports.shifts, when, tz)


# --- the late digest ----------------------------------------------------------------------
@dataclass
class LateDigest:
    """Late cards a sweep would send, held until it ends: someone with more than the
    policy's number gets one list (each line a button to its card) instead."""

    held: dict[int, list[Notice]] = field(default_factory=lambda: defaultdict(list))

    def hold(self, notices: Iterable[Notice]) -> list[Notice]:
        """Keep the staff cards; return the rest, to be told now."""
        rest = []
        for notice in notices:
            if notice.kind is NoticeKind.STAFF_CARD and notice.staff_id is not None:
                self.held[notice.staff_id].append(notice)
            else:
                rest.append(notice)
        return rest

    async def flush(self, ctx: ItemContext) -> None:
        over = ctx.policy.duty.digest_over
        for staff_id, notices in self.held.items():
            if len({n.ticket_id for n in notices}) <= over:
                await ctx.notifier.tell(notices, ctx.now)
            else:
                await _digest(ctx, staff_id, notices)
        self.held.clear()


async def _digest(ctx: ItemContext, staff_id: int, notices: Sequence[Notice]) -> None:
    first = ctx.uow.tickets.cached(notices[0].ticket_id) or await ctx.uow.tickets.get(
        notices[0].ticket_id
    )
    if first is None or first.estate_id is None:
        return
    member = next(
        (p for p in await ctx.uow.staff.members(first.estate_id) if p.id == staff_id), None
    )
    if member is None or member.chat_id is None:
        return
    language = member.language
    views = ctx.notifier.views
    items = len({n.ticket_id for n in notices})
    lines = [views.t(language, "duty.digest_title", count=items)]
    buttons: list[tuple[Button, ...]] = []
    seen: set[int] = set()
    for notice in notices:
        if notice.ticket_id not in seen and len(seen) == DIGEST_SHOWN:
            break  # the rest are counted, and listed by /overdue
        ticket = ctx.uow.tickets.cached(notice.ticket_id) or await ctx.uow.tickets.get(
            notice.ticket_id
        )
        if ticket is None:
            continue
        said = ctx.notifier.render(language, notice)
        lines.append(views.t(language, "duty.digest_line", reference=ticket.reference, said=said))
        if ticket.id not in seen:
            seen.add(ticket.id)
            buttons.append((Button(ticket.reference, DutyTap("card", ticket.id).pack()),))
    if items > len(seen):
        lines.append(views.t(language, "duty.digest_more", count=items - len(seen)))
    screen = Screen(join("\n", lines), tuple(buttons))
    ctx.uow.outbox.add(
        chat_id=member.chat_id,
        text=screen.text,
        reply_markup=screen.keyboard(),
        purpose="duty.digest",
        now=ctx.now,
    )


# --- /duty --------------------------------------------------------------------------------
def week_of(policy: Policy, tz: ZoneInfo, now: datetime) -> list[date]:
    start = shift_now(policy, tz, now).day
    return [start + timedelta(days=i) for i in range(ROSTER_DAYS)]


async def toggle(
    uow: UnitOfWork,
    policy: Policy,
    tz: ZoneInfo,
    manager: StaffMember,
    staff_id: int,
    shift: str,
    now: datetime,
) -> bool | None:
    """A manager puts someone on a shift for the coming week, or takes them off it.
    None: refused (not a manager, not of the estate, an unknown shift)."""
    if manager.role not in MANAGERS or shift not in policy.reports.shifts:
        return None
    members = {p.id: p for p in await uow.staff.members(manager.estate_id)}
    if staff_id not in members or not members[staff_id].active:
        return None
    days = week_of(policy, tz, now)
    current = await uow.duty.week(manager.estate_id, days[0], days[-1])
    on = not any(s == staff_id and name == shift for s, _, name in current)
    await uow.duty.set(manager.estate_id, staff_id, days, shift, on=on, by=manager.id, now=now)
    return on


async def week_roster(
    uow: UnitOfWork, policy: Policy, tz: ZoneInfo, estate_id: int, now: datetime
) -> dict[str, set[int]]:
    """Shift → who is rostered on it this week (on any of its days)."""
    days = week_of(policy, tz, now)
    found: dict[str, set[int]] = {name: set() for name in policy.reports.shifts}
    for staff_id, _, shift in await uow.duty.week(estate_id, days[0], days[-1]):
        found.setdefault(shift, set()).add(staff_id)
    return found


def mark(uow: UnitOfWork, member: StaffMember, *, on: bool, now: datetime) -> None:
    uow.duty.mark(member.estate_id, member.id, on=on, now=now)


# --- escalations acknowledged -------------------------------------------------------------
def seen_window(policy: Policy) -> timedelta:
    return timedelta(minutes=policy.duty.seen_minutes)


def expect_seen(ctx: ItemContext, ticket: Ticket, notice: Notice) -> Notice:
    """An escalation to a manager carries *Seen*; until it is tapped the item climbs the
    chain a rung every `seen_minutes`."""
    ticket.escalation_climb_at = ctx.now + seen_window(ctx.policy)
    return with_buttons(notice, (("duty.seen", DutyTap("seen", ticket.id).pack()),))


async def seen(ctx: ActionContext, ticket_id: int) -> bool:
    """The manager it was escalated to saw it: it stays with them. False: not theirs."""
    ticket = await ctx.uow.tickets.get(ticket_id)
    if ticket is None or ticket.escalated_to_staff_id != ctx.me.id:
        return False
    ticket.escalation_climb_at = None
    ctx.record(ticket, EventKind.REMINDED, note="seen", touch=False)
    await ctx.done(ticket, [])
    return True


async def climb(ctx: ItemContext, ticket: Ticket) -> None:
    """Unseen in time: the next rung of the chain gets it (with Seen), the one who did
    not see it is told it went on."""
    if (
        ticket.escalated_to_staff_id is None
        or ticket.escalation_climb_at is None
        or ticket.status not in {s.value for s in OPEN_STATUSES}
    ):
        return
    staff = await ctx.staff(ticket)
    current = next((p for p in staff if p.id == ticket.escalated_to_staff_id), None)
    chain = ctx.policy.deadlines.escalation_chain
    above = next_up(staff, chain, current.role, ticket.zone) if current is not None else None
    if above is None or current is None:
        ticket.escalation_climb_at = None  # the top of the chain: it stays there
        await ctx.done(ticket, [])
        return
    ticket.escalated_to_staff_id = above.id
    ctx.record(ticket, EventKind.ESCALATED, note=f"{above.role.value}:{above.id}: unseen")
    role = Label.of(f"role_word.{current.role.value}")
    notice = staff_card(above.id, ticket.id, "notice.escalation_unseen", role=role)
    notices = [
        expect_seen(ctx, ticket, notice),
        staff_card(current.id, ticket.id, "notice.escalation_passed_on"),
    ]
    await ctx.done(ticket, notices)


# --- the morning digest -------------------------------------------------------------------
MORNING = "morning"  # its row in `dispatches`: one a day per estate, whoever runs the sweep
MORNING_READERS = frozenset({Role.BUTLER, Role.SUPERVISOR})
MORNING_SHOWN = 8  # lines per section (each a button to its card)
# Items a late digest lists, each a line and a button: Telegram takes 4,096 characters and
# 100 buttons a message, and a long list is read no better (the title counts them all).
DIGEST_SHOWN = 30


def _in_remit(ticket: Ticket, reader: StaffMember) -> bool:
    if reader.role is Role.BUTLER and ticket.owner_staff_id == reader.id:
        return True
    return not reader.zone or ticket.zone == reader.zone


def _sections(
    tickets: Sequence[Ticket],
    reader: StaffMember,
    night_from: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, list[Ticket]]:
    today = now.astimezone(tz).date()
    found: dict[str, list[Ticket]] = {k: [] for k in ("late", "today", "waiting", "reopened")}
    found["night"] = []
    for t in tickets:
        if not _in_remit(t, reader):
            continue
        if t.created_at >= night_from:
            found["night"].append(t)
        if t.status not in {s.value for s in OPEN_STATUSES}:
            continue
        answer_late = t.first_answered_at is None and (
            t.first_answer_due_at is not None and t.first_answer_due_at < now
        )
        resolve_late = t.resolve_due_at is not None and t.resolve_due_at < now
        if t.status == TicketStatus.WAITING.value:
            found["waiting"].append(t)
        elif answer_late or resolve_late:
            found["late"].append(t)
        elif t.resolve_due_at is not None and t.resolve_due_at.astimezone(tz).date() == today:
            found["today"].append(t)
        if t.status == TicketStatus.REOPENED.value:
            found["reopened"].append(t)
    return found


def night_began(policy: Policy, tz: ZoneInfo, now: datetime) -> datetime:
    """The end of yesterday's day shift: the night the morning digest reports on."""
    span = policy.reports.shifts[policy.duty.day_shift]
    _, ends = span.split("-")
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(yesterday, time.fromisoformat(ends), tz)


async def morning_digests(
    uow: UnitOfWork, estate_id: int, policy: Policy, views: Views, tz: ZoneInfo, now: datetime
) -> int:
    """Each butler and supervisor, once a day at the policy's time: what is late, due
    today, waiting, reopened, and what the night duty did in their zone."""
    local = now.astimezone(tz)
    if local.time() < policy.duty.morning_digest_at:
        return 0
    day = local.date()
    if await uow.dispatches.claim(MORNING, estate_id, day, day + timedelta(days=1), now) is None:
        return 0
    readers = [
        p
        for p in await uow.staff.members(estate_id)
        if p.active and p.role in MORNING_READERS and p.chat_id is not None
    ]
    night_from = night_began(policy, tz, now)
    tickets = await uow.duty.morning_items(estate_id, night_from)
    sent = 0
    for reader in readers:
        sections = _sections(tickets, reader, night_from, now, tz)
        if not any(sections.values()):
            continue
        language = reader.language
        lines = [views.t(language, "duty.morning_title")]
        buttons: list[tuple[Button, ...]] = []
        for name, found in sections.items():
            if not found:
                continue
            lines.append(views.t(language, f"duty.morning_{name}", count=len(found)))
            for t in found[:MORNING_SHOWN]:
                status = views.t(language, f"status.{t.status}")
                what = escape((t.description or "")[:40])
                lines.append(
                    views.t(
                        language,
                        "duty.morning_line",
                        reference=t.reference,
                        what=what,
                        status=status,
                    )
                )
                if len(buttons) < 40 and all(b.label != t.reference for (b,) in buttons):
                    buttons.append((Button(t.reference, DutyTap("card", t.id).pack()),))
        screen = Screen(join("\n", lines), tuple(buttons))
        assert reader.chat_id is not None
        uow.outbox.add(
            chat_id=reader.chat_id,
            text=screen.text,
            reply_markup=screen.keyboard(),
            purpose="duty.morning",
            now=now,
        )
        sent += 1
    return sent
