"""Notices become outbox rows: each rendered in its reader's language, in the caller's
transaction, so a message is owed exactly when the change that caused it is saved."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from bot.domain.permissions import staff_viewer
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from bot.domain.tickets import TicketFacts
from bot.services.notices import Label, Notice, NoticeKind, Value
from bot.views import Button, Screen, Views
from bot.views.card import card
from storage.uow import UnitOfWork


class Notifier:
    """Renders and queues notices inside the caller's unit of work."""

    def __init__(self, uow: UnitOfWork, views: Views) -> None:
        self.uow = uow
        self.views = views
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
        self._staff = {}
        for notice in notices:
            if notice.ticket_id not in items:
                items[notice.ticket_id] = await self.uow.tickets.facts(notice.ticket_id)
            item = items[notice.ticket_id]
            if item is None:
                continue
            if notice.kind is NoticeKind.STAFF_CARD:
                await self._to_staff(notice, item, now)
            else:
                await self._to_resident(notice, item, now)

    async def _to_staff(self, notice: Notice, item: TicketFacts, now: datetime) -> None:
        assert notice.staff_id is not None
        if not self._staff and item.estate_id is not None:
            # Notices go to a handful of an estate's dozens of staff: one read for all.
            self._staff = {p.id: p for p in await self.uow.staff.members(item.estate_id)}
        member = self._staff.get(notice.staff_id)
        if member is None or member.chat_id is None:
            return
        headline = self.render(member.language, notice)
        screen = card(self.views, member.language, item, staff_viewer(member), headline)
        screen = self._with_buttons(member.language, screen, notice)
        self.uow.outbox.add(
            chat_id=member.chat_id,
            text=screen.text,
            reply_markup=screen.keyboard(),
            purpose=notice.key,
            ticket_id=item.id,
            now=now,
        )

    async def _to_resident(self, notice: Notice, item: TicketFacts, now: datetime) -> None:
        if item.resident_id is None:
            return  # a caller registered by staff: the desk answers them by phone
        resident = self._resident
        if resident is None or resident.id != item.resident_id:
            resident = await self.uow.residents.card_by_id(item.resident_id)
        if resident is None or resident.chat_id is None:
            return
        text = self.render(resident.language, notice)
        if notice.about:
            about = self.views.t(resident.language, "resident.about", reference=item.reference)
            text = f"{about}\n{text}"
        screen = self._with_buttons(resident.language, Screen(text), notice)
        self.uow.outbox.add(
            chat_id=resident.chat_id,
            text=screen.text,
            reply_markup=screen.keyboard(),
            purpose=notice.key,
            ticket_id=item.id,
            now=now,
        )

    def _with_buttons(self, language: str, screen: Screen, notice: Notice) -> Screen:
        if not notice.buttons:
            return screen
        own = tuple(Button(self.views.t(language, key), data) for key, data in notice.buttons)
        return Screen(screen.text, (own, *screen.rows))

    def render(self, language: str, notice: Notice) -> str:
        values = {name: self._value(language, value) for name, value in notice.values.items()}
        signed = notice.values.get("name")
        if isinstance(signed, str) and "role" in values:
            values["role"] = f"{values['role']} {values.pop('name')}"
        return self.views.t(language, notice.key, **values)

    def _value(self, language: str, value: Value) -> str:
        if isinstance(value, Label):
            return " · ".join(self.views.t(language, key) for key in value.keys)
        if isinstance(value, datetime):
            return self.views.moment(language, value)
        if isinstance(value, date):
            return self.views.day(language, value)
        if isinstance(value, timedelta):
            return self.views.duration(language, value)
        return html.escape(value, quote=False)
