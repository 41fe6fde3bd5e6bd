"""What every change to an item shares: loading it under the rules, recording the change in
its timeline, keeping its alarms in step, and queueing the notices it owes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.deadlines import Rules
from bot.domain.duty import Roster
from bot.domain.item import Item
from bot.domain.lifecycle import Action, IllegalMove
from bot.domain.permissions import TicketScope, Viewer, can, staff_viewer
from bot.domain.staff import DESK_ROLES, StaffMember
from bot.domain.tickets import EventKind, TicketStatus
from bot.policy import Policy
from bot.services.clocks import replan
from bot.services.notices import Label, Notice, Value, staff_card
from bot.services.notifier import Notifier
from storage.models import Ticket
from storage.uow import UnitOfWork


class Refused(Exception):
    """Not allowed, not found, or no longer possible: the caller answers politely."""


async def load(uow: UnitOfWork, viewer: Viewer, ticket_id: int, action: Action) -> Ticket:
    """The item, locked for the change; Refused unless the viewer may do this now."""
    ticket = await uow.tickets.get(ticket_id, for_update=action is not Action.VIEW)
    if ticket is None or not can(viewer, action, TicketScope.of(ticket)):
        raise Refused(action.value)
    return ticket


def role_label(member: StaffMember) -> Label:
    """A role as a title (on its own: "Transferred to Butler")."""
    return Label.of(f"role.{member.role.value}")


def role_word(member: StaffMember) -> Label:
    """A role as a word inside a sentence ("our butler has accepted …")."""
    return Label.of(f"role_word.{member.role.value}")


def owner_and_assignee(ticket: Ticket) -> list[int]:
    """The item's first-ask owner and whoever works it, each once: who hears what the
    resident says or does about it."""
    return sorted({i for i in (ticket.owner_staff_id, ticket.assignee_staff_id) if i is not None})


@dataclass
class ItemContext:
    """One change to items, inside one unit of work, by someone or by the clock."""

    uow: UnitOfWork
    now: datetime
    policy: Policy
    tz: ZoneInfo
    notifier: Notifier
    actor: StaffMember | None = None  # None: the clock (a sweep) made the change
    _rules: Rules | None = field(default=None, repr=False)
    # Who is on duty at `now`, by estate (bot.services.duty.roster_now): a sweep asks for
    # each of thousands of late items, and the answer is the same for all of them.
    rosters: dict[int, Roster] = field(default_factory=dict, repr=False)

    @property
    def rules(self) -> Rules:
        """The policy's numbers for alarm plans (a sweep replans thousands of items)."""
        if self._rules is None:
            self._rules = self.policy.alarm_rules(self.tz)
        return self._rules

    def record(
        self,
        ticket: Ticket,
        kind: EventKind,
        *,
        status: TicketStatus | None = None,
        note: str | None = None,
        touch: bool = True,
    ) -> None:
        """Append to the timeline, entering `status` if given. `touch` False: the item
        itself did not change (a reminder about it went out)."""
        if status is not None:
            self.enter(ticket, status)
        if touch or status is not None:
            ticket.updated_at = self.now
        self.uow.tickets.add_event(
            ticket_id=ticket.id,
            created_at=self.now,
            kind=kind.value,
            actor_kind="staff" if self.actor else "system",
            actor_id=self.actor.id if self.actor else None,
            actor_role=self.actor.role.value if self.actor else None,
            status=ticket.status,
            note=note,
        )

    def enter(self, ticket: Ticket, status: TicketStatus) -> None:
        """The item enters `status`, with what comes with it (bot.domain.item)."""
        Item.of(ticket).enter(status, self.now)

    def resident_said(self, ticket: Ticket, resident_id: int, kind: EventKind, note: str) -> None:
        """Append what the resident did (a message, an answer, a cancellation)."""
        self.uow.tickets.add_event(
            ticket_id=ticket.id,
            created_at=self.now,
            kind=kind.value,
            actor_kind="resident",
            actor_id=resident_id,
            status=ticket.status,
            note=note,
        )

    async def staff(self, ticket: Ticket) -> list[StaffMember]:
        """The estate's active staff (read once per unit of work)."""
        if ticket.estate_id is None:
            return []
        return await self.uow.staff.members(ticket.estate_id)

    async def done(self, ticket: Ticket, notices: list[Notice]) -> None:
        """Bring the item's alarms in step with its new state, then queue its notices."""
        await replan(self.uow, ticket, self.rules, now=self.now)
        await self.notifier.tell(notices, self.now)


@dataclass
class ActionContext(ItemContext):
    """A change made by a member of staff from a card."""

    actor: StaffMember | None = None

    @property
    def me(self) -> StaffMember:
        assert self.actor is not None
        return self.actor

    @property
    def viewer(self) -> Viewer:
        return staff_viewer(self.me)

    async def load(self, ticket_id: int, action: Action) -> Ticket:
        return await load(self.uow, self.viewer, ticket_id, action)

    def others(self, ticket: Ticket, key: str, **values: Value) -> list[Notice]:
        """Owner and assignee both hear of changes, except from themselves."""
        ids = owner_and_assignee(ticket)
        return [staff_card(i, ticket.id, key, **values) for i in ids if i != self.me.id]

    def signature(self) -> dict[str, Value]:
        """How staff sign to residents: their role, and their name if the policy says so."""
        signed: dict[str, Value] = {"role": role_word(self.me)}
        if self.policy.staff.sign_with_name:
            signed["name"] = self.me.name
        return signed

    async def advance(self, ticket_id: int, step: str) -> tuple[Ticket, TicketStatus]:
        """An order's or a repair's next step, by whoever may work on the item: the item at
        its new stage, and the status that stage reads as (to enter with the step's record);
        Refused for a step its kind or stage does not have (a stale or forged tap)."""
        ticket = await self.load(ticket_id, Action.ADVANCE)
        try:
            _, status = Item.of(ticket).advance(step)
        except IllegalMove as exc:
            raise Refused(str(exc)) from None
        self.take_ownership(ticket)
        if ticket.assignee_staff_id is None:
            ticket.assignee_staff_id = self.me.id
        return ticket, status

    def take_ownership(self, ticket: Ticket) -> None:
        """On an item nobody owns, the desk member who acts takes first-ask responsibility."""
        if ticket.owner_staff_id is None and self.me.role in DESK_ROLES:
            ticket.owner_staff_id = self.me.id
