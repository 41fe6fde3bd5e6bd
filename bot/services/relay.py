"""Message relay (留言服务): a caller asking about a resident learns nothing about them;
the desk takes a message, the resident reads it in the bot and may answer through the desk.

The staff member who relays is told only whether the message could be passed on; the
resident's answer goes back to them alone. Every relay and every answer is logged in the
access log (`sensitive_views`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.estate import BuildingPlan, EstatePlan
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from bot.views import Button, Screen, Views
from storage.models import Relay
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Passed:
    """A message on its way to the resident (its id names the resident's Reply button)."""

    relay_id: int


class NotYours(PermissionError):
    """Not the resident's message, already answered, or unknown."""


async def take_message(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    *,
    estate: EstatePlan,
    building: BuildingPlan,
    unit: str,
    message: str,
    reply_button: Callable[[int], str],
    now: datetime,
) -> Passed | None:
    """Pass a caller's message to whoever is registered at the unit; None: nobody there can
    read it in the bot (the desk tells the caller the message cannot be passed on, and
    nothing else)."""
    found = await uow.residents.card_at(estate.code, building.code, unit)
    if found is None or found.chat_id is None or estate.id is None:
        return None
    relay = Relay(
        estate_id=estate.id,
        resident_id=found.id,
        staff_id=member.id,
        message=message,
        created_at=now,
    )
    uow.privacy.add_relay(relay)
    await uow.flush()
    role = views.t(found.language, f"role_word.{member.role.value}")
    screen = Screen(
        views.t(found.language, "relay.to_resident", message=message, role=role),
        ((Button(views.t(found.language, "relay.reply"), reply_button(relay.id)),),),
    )
    uow.outbox.add(
        chat_id=found.chat_id,
        text=screen.text,
        reply_markup=screen.keyboard(),
        purpose="relay",
        now=now,
    )
    uow.access_log.record(
        staff_id=member.id, resident_id=found.id, ticket_id=None, what="relay", now=now
    )
    return Passed(relay.id)


async def may_answer(uow: UnitOfWork, resident: ResidentCard, relay_id: int) -> Relay:
    relay = await uow.privacy.relay(relay_id)
    if relay is None or relay.resident_id != resident.id or relay.answered_at is not None:
        raise NotYours(str(relay_id))
    return relay


async def answer(
    uow: UnitOfWork,
    views: Views,
    resident: ResidentCard,
    relay_id: int,
    text: str,
    now: datetime,
) -> None:
    """The resident's answer reaches the staff member who relayed (and nobody else)."""
    relay = await may_answer(uow, resident, relay_id)
    relay.answer, relay.answered_at = text, now
    member = await uow.staff.member(relay.staff_id)
    if member is None or member.chat_id is None or not member.active:
        return  # they left: the message stays on record for the desk
    uow.outbox.add(
        chat_id=member.chat_id,
        text=views.t(
            member.language,
            "relay.answered",
            home=resident.home,
            message=relay.message[:200],
            answer=text,
        ),
        purpose="relay.answer",
        now=now,
    )
    uow.access_log.record(
        staff_id=member.id,
        resident_id=resident.id,
        ticket_id=None,
        what="relay_answer",
        now=now,
    )
