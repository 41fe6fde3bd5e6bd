"""Turn notices into outbox rows, and draw the staff card: the item with its action buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.desk import Desk
from bot.domain.tickets import TicketStatus
from bot.services.notices import Notice, NoticeKind
from handlers.runtime import Turn
from storage.models import Staff, Ticket
from storage.uow import UnitOfWork

CARD_ACTIONS = (
    ("acc", "card.accept"),
    ("rep", "card.reply"),
    ("note", "card.note"),
    ("cls", "card.classify"),
    ("trf", "card.transfer"),
    ("wait", "card.waiting"),
    ("res", "card.resolve"),
    ("ph", "card.phone"),
    ("pic", "card.photos"),
)
CLOSED = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)


def _t(desk: Desk, language: str, key: str, **values: object) -> str:
    return desk.t(language, key, **values)


def card_text(desk: Desk, language: str, ticket: Ticket, headline: str | None) -> str:
    esc = Turn.esc
    tz = desk.settings.tz
    place = (
        f"{ticket.unit.building.name} {ticket.unit.code}"
        if ticket.location_kind == "own_unit" and ticket.unit
        else ticket.location_text or "—"
    )
    lines = [headline] if headline else []
    lines.append(
        _t(
            desk,
            language,
            "card.body",
            reference=ticket.reference,
            kind=_t(desk, language, f"kind.{ticket.kind}"),
            status=_t(desk, language, f"status.{ticket.status}"),
            category=_t(desk, language, f"category.{ticket.category}") if ticket.category else "—",
            severity=_t(desk, language, f"severity.{ticket.severity or 'unset'}"),
            place=esc(place),
            requested=desk.texts.day(language, ticket.requested_by)
            if ticket.requested_by
            else "—",
            due=desk.texts.moment(language, ticket.first_answer_due_at, tz)
            if ticket.first_answer_due_at
            else "—",
            photos=len(ticket.attachments),
            description=esc(ticket.description[:1500]),
        )
    )
    return "\n".join(lines)


def card_markup(desk: Desk, language: str, ticket: Ticket) -> InlineKeyboardMarkup | None:
    if ticket.status in CLOSED:
        return None
    buttons = [
        InlineKeyboardButton(_t(desk, language, key), callback_data=f"t:{code}:{ticket.id}")
        for code, key in CARD_ACTIONS
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    if ticket.status == TicketStatus.REVIEW:
        rows.insert(
            0,
            [
                InlineKeyboardButton(
                    _t(desk, language, "card.accept_result"), callback_data=f"t:ok:{ticket.id}"
                ),
                InlineKeyboardButton(
                    _t(desk, language, "card.send_back"), callback_data=f"t:back:{ticket.id}"
                ),
            ],
        )
    return InlineKeyboardMarkup(rows)


def headline(desk: Desk, language: str, notice: Notice) -> str:
    values = {k: Turn.esc(v) for k, v in notice.values.items()}
    if "role" in values:
        values["role"] = _t(desk, language, f"role.{notice.values['role']}")
        if "name" in values:  # only when the policy lets staff sign with their name
            values["role"] += f" {values['name']}"
    return _t(desk, language, notice.key, **values)


async def queue(desk: Desk, uow: UnitOfWork, notices: list[Notice], turn: Turn) -> None:
    """Write each notice to the outbox in the caller's transaction, in its reader's language."""
    for notice in notices:
        ticket = await uow.tickets.get(notice.ticket_id)
        if ticket is None:
            continue
        if notice.kind is NoticeKind.STAFF_CARD and notice.staff_id is not None:
            staff = await uow.staff.get(notice.staff_id)
            if staff is None or not staff.active or staff.chat_id is None:
                continue
            await _to_staff(desk, uow, staff, ticket, notice, turn)
        elif notice.kind is NoticeKind.RESIDENT and ticket.resident_id is not None:
            resident = await uow.residents.get(ticket.resident_id)
            if resident is None or resident.chat_id is None:
                continue
            text = headline(desk, resident.language, notice)
            uow.outbox.add(
                chat_id=resident.chat_id,
                text=_t(desk, resident.language, "resident.about", reference=ticket.reference)
                + "\n"
                + text,
                purpose=notice.key,
                ticket_id=ticket.id,
                now=turn.now,
            )


async def _to_staff(
    desk: Desk, uow: UnitOfWork, staff: Staff, ticket: Ticket, notice: Notice, turn: Turn
) -> None:
    assert staff.chat_id is not None
    markup = card_markup(desk, staff.language, ticket)
    uow.outbox.add(
        chat_id=staff.chat_id,
        text=card_text(desk, staff.language, ticket, headline(desk, staff.language, notice)),
        reply_markup=markup.to_dict() if markup else None,
        purpose=notice.key,
        ticket_id=ticket.id,
        now=turn.now,
    )
