"""Notices become outbox rows: each rendered in its reader's language, in the caller's
transaction, so a message is owed exactly when the change that caused it is saved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.lifecycle import Action
from bot.domain.permissions import TicketScope, can, staff_viewer
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from bot.domain.tickets import TicketFacts
from bot.htmltext import Html, escape, join
from bot.services.notices import Label, Notice, NoticeKind, Value, from_json, to_json
from bot.views import Button, Screen, Views
from bot.views.card import card
from storage.models import OutboxMessage
from storage.uow import UnitOfWork


class Notifier:
    """Renders and queues notices inside the caller's unit of work.

    `deferred=True` (the clock's sweeps) queues each notice as data instead, to be rendered
    by the outbox sender just before it is sent: a sweep firing thousands of reminders then
    writes rows, not screens, and each card shows the item as it is when it arrives.
    """

    def __init__(self, uow: UnitOfWork, views: Views, *, deferred: bool = False) -> None:
        self.uow = uow
        self.views = views
        self.deferred = deferred
        self._resident: ResidentCard | None = None
        self._staff: dict[int, StaffMember] = {}

    async def tell(
        self,
        notices: Iterable[Notice],
        now: datetime,
        *,
        item: TicketFacts | None = None,
        resident: ResidentCard | None = None,
    ) -> None:
        """Queue each notice. The item is read once per call, after the change was made;
        a caller that has the item or its resident at hand (filing) passes them along."""
        items: dict[int, TicketFacts | None] = {item.id: item} if item is not None else {}
        self._resident = resident
        for notice in notices:
            if self.deferred:
                await self._defer(notice, now)
                continue
            if notice.ticket_id not in items:
                items[notice.ticket_id] = await self.uow.tickets.facts(notice.ticket_id)
            found = items[notice.ticket_id]
            if found is None:
                continue
            recipient = await self._recipient(notice, found.estate_id, found.resident_id)
            if recipient is None or _kept_from(found, recipient[1]):
                continue
            chat_id, _ = recipient
            wait = self.uow.outbox.wait_for(chat_id, now)
            if wait is not None:
                # The chat must wait its turn (a staff member's cards in a busy hour): the
                # notice is queued as data for then, rendered as the item stands when it
                # goes, not now in the reply's way.
                self._queue_as_data(notice, chat_id, found.id, now, not_before=wait)
                continue
            screen = self.screen(notice, found, recipient[1])
            self.uow.outbox.add(
                chat_id=chat_id,
                text=screen.text,
                reply_markup=screen.keyboard(),
                purpose=notice.key,
                ticket_id=found.id,
                now=now,
            )

    async def _defer(self, notice: Notice, now: datetime) -> None:
        """Queue the notice as data; only its reader's chat is needed now."""
        tickets = self.uow.tickets
        ticket = tickets.cached(notice.ticket_id) or await tickets.get(notice.ticket_id)
        if ticket is None:
            return
        recipient = await self._recipient(notice, ticket.estate_id, ticket.resident_id)
        if recipient is not None:
            self._queue_as_data(notice, recipient[0], ticket.id, now)

    def _queue_as_data(
        self,
        notice: Notice,
        chat_id: int,
        ticket_id: int,
        now: datetime,
        *,
        not_before: datetime | None = None,
    ) -> None:
        """Queued to be rendered by the sender when it goes, as the item then stands."""
        self.uow.outbox.add_notice(
            chat_id=chat_id,
            notice=to_json(notice),
            purpose=notice.key,
            ticket_id=ticket_id,
            now=now,
            not_before=not_before,
        )

    async def _recipient(
        self, notice: Notice, estate_id: int | None, resident_id: int | None
    ) -> tuple[int, StaffMember | ResidentCard] | None:
        """Who reads the notice, and their chat; None for someone who cannot be told."""
        if notice.kind is NoticeKind.STAFF_CARD:
            assert notice.staff_id is not None
            if notice.staff_id not in self._staff and estate_id is not None:
                # Notices go to a handful of an estate's dozens of staff: one read for all.
                self._staff = {p.id: p for p in await self.uow.staff.members(estate_id)}
            member = self._staff.get(notice.staff_id)
            if member is None or member.chat_id is None:
                return None
            return member.chat_id, member
        if resident_id is None:
            return None  # a caller registered by staff: the desk answers them by phone
        resident = self._resident
        if resident is None or resident.id != resident_id:
            resident = await self.uow.residents.card_by_id(resident_id)
        if resident is None or resident.chat_id is None:
            return None
        return resident.chat_id, resident

    def screen(
        self, notice: Notice, item: TicketFacts, reader: StaffMember | ResidentCard
    ) -> Screen:
        """The message as its reader sees it: a card under a headline, or a resident's note."""
        if isinstance(reader, StaffMember):
            headline = self.render(reader.language, notice)
            found = card(self.views, reader.language, item, staff_viewer(reader), headline)
        else:
            text = self.render(reader.language, notice)
            if notice.about:
                about = self.views.t(reader.language, "resident.about", reference=item.reference)
                text = join("\n", [about, text])
            found = Screen(text)
        return self._with_buttons(reader.language, found, notice)

    async def screen_later(self, notice: Notice) -> tuple[Screen, int] | None:
        """Render a notice queued as data (by a sweep): the item as it stands now."""
        item = await self.uow.tickets.facts(notice.ticket_id)
        if item is None:
            return None
        recipient = await self._recipient(notice, item.estate_id, item.resident_id)
        if recipient is None or _kept_from(item, recipient[1]):
            return None
        return self.screen(notice, item, recipient[1]), recipient[0]

    def _with_buttons(self, language: str, screen: Screen, notice: Notice) -> Screen:
        if not notice.buttons:
            return screen
        own = tuple(Button(self.views.t(language, key), data) for key, data in notice.buttons)
        return Screen(screen.text, (own, *screen.rows))

    def render(self, language: str, notice: Notice) -> Html:
        values = {name: self._value(language, value) for name, value in notice.values.items()}
        signed = notice.values.get("name")
        if isinstance(signed, str) and "role" in values:
            values["role"] = join(" ", [values["role"], values.pop("name")])
        if notice.relays is not None:  # the desk passes the resident's words on
            values["said"] = self.views.t(language, notice.relays, **values)
        return self.views.t(language, notice.key, **values)

    def _value(self, language: str, value: Value) -> str:
        if isinstance(value, Label):
            return join(" · ", (self.views.t(language, key) for key in value.keys))
        if isinstance(value, datetime):
            return self.views.moment(language, value)
        if isinstance(value, date):
            return self.views.day(language, value)
        if isinstance(value, timedelta):
            return self.views.duration(language, value)
        return escape(value)


def _kept_from(item: TicketFacts, reader: StaffMember | ResidentCard) -> bool:
    """A confidential resident's item: its card reaches only the people who may see it
    (those named on it, managers), not the whole department or zone."""
    if not item.confidential or not isinstance(reader, StaffMember):
        return False
    return not can(staff_viewer(reader), Action.VIEW, TicketScope.of(item))


async def render_queued(
    views: Views, uow: UnitOfWork, rows: list[OutboxMessage]
) -> dict[int, tuple[Html, dict[str, Any] | None, int]]:
    """For the outbox sender: screens for rows a sweep queued as notices (row id → text,
    keyboard, chat)."""
    notifier = Notifier(uow, views)
    rendered = {}
    for row in rows:
        if row.notice is None:
            continue
        found = await notifier.screen_later(from_json(row.notice))
        if found is not None:
            screen, chat_id = found
            rendered[row.id] = (screen.text, screen.keyboard(), chat_id)
    return rendered
