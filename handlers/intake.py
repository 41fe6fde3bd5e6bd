"""/new: staff register an item received by phone, at the desk, by letter or online.

The item lands in the same registry through the same complaint dialogue; the registering
staff member is its first-ask owner. The caller may be a registered resident (found by
their unit, within the staff member's remit, and the look-up is logged) or someone not
registered (name and phone are recorded on the item).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from bot.domain.estate import parse_unit_input
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Channel
from bot.domain.validation import Invalid, clean_name, clean_phone
from bot.services import items
from bot.services.directory import OutsideRemit, resident_at
from bot.services.residents import resident_card
from bot.services.tickets import OnBehalf
from handlers import dialogue
from handlers.common import PRIVATE, refuse, remind_dialogue
from handlers.dialogue import (
    Flow,
    Step,
    button,
    choice_step,
    goto,
    keep,
    reprompt,
    tapped,
    text_step,
)
from handlers.dialogue import data as _data
from handlers.keyboards import grid, show
from handlers.runtime import Input, Turn, entry

FLOW = "intake"
CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.LETTER, Channel.ONLINE)


@entry
async def new_command(turn: Turn) -> None:
    """Register an item received by phone, visit, letter or online (staff)."""
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif turn.staff is None:
        refuse(turn)
    else:
        await dialogue.begin(turn, FLOW, "channel")


def _channels(turn: Turn) -> list[tuple[str, str]]:
    return [(c.value, turn.t(f"channel.{c.value}")) for c in CHANNELS]


async def ask_who(turn: Turn) -> None:
    markup = grid([button(turn, turn.t("intake.not_registered"), "caller")], 1)
    turn.reply(turn.t("intake.ask_unit"), markup)


async def on_who(turn: Turn, inp: Input) -> None:
    if tapped(turn, inp) == "caller":
        turn.edit(turn.t("intake.ask_unit"))
        await goto(turn, "caller_name")
        return
    address = parse_unit_input(inp.text or "", turn.desk.estate) if inp.text else None
    if address is None or turn.staff is None:
        await reprompt(turn, "invalid.building")
        return
    building, unit = address
    home = f"{building.name} {unit}"
    try:
        card = await resident_at(
            turn.uow,
            turn.staff,
            estate=turn.desk.estate,
            building=building,
            unit=unit,
            now=turn.now,
        )
    except OutsideRemit:
        turn.reply(turn.t("intake.outside_remit", home=turn.esc(home)))
        await goto(turn, "caller_name")
        return
    if card is None:
        turn.reply(turn.t("intake.nobody_registered", home=turn.esc(home)))
        await goto(turn, "caller_name")
        return
    _data(turn)["resident"] = card.id
    turn.reply(turn.t("intake.found", name=turn.esc(card.name), home=turn.esc(card.home)))
    await _to_complaint(turn, home=card.home)


async def on_caller_name(turn: Turn, name: str) -> None:
    _data(turn)["caller_name"] = name
    await goto(turn, "caller_phone")


async def on_caller_phone(turn: Turn, phone: str) -> None:
    _data(turn)["caller_phone"] = phone
    await _to_complaint(turn, home="")


async def _to_complaint(turn: Turn, *, home: str) -> None:
    """Hand over to the resident's complaint dialogue, remembering for whom it is."""
    values = _data(turn)
    subject = {
        key: values.get(key) for key in ("channel", "resident", "caller_name", "caller_phone")
    }
    subject["home"] = home
    await dialogue.begin(turn, "complaint", "category", photos=[], **{"for": subject})


def on_behalf_of(turn: Turn, subject: dict[str, object]) -> OnBehalf | None:
    if turn.staff is None:
        return None
    return OnBehalf(
        staff=turn.staff,
        channel=Channel(str(subject.get("channel") or Channel.PHONE.value)),
        caller_name=str(subject["caller_name"]) if subject.get("caller_name") else None,
        caller_phone=str(subject["caller_phone"]) if subject.get("caller_phone") else None,
    )


async def resident_for(turn: Turn, subject: dict[str, object]) -> ResidentCard | None:
    """The resident found at the start of /new (looked up, checked and logged then)."""
    resident_id = subject.get("resident")
    if not isinstance(resident_id, int):
        return None
    return await resident_card(turn.uow, resident_id)


async def filed_by_staff(turn: Turn, ticket_id: int) -> None:
    """The new item's card, ready to work on, for whoever registered it."""
    assert turn.staff is not None
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    if screen is not None:
        show(turn, screen)


def _clean_name(turn: Turn, text: str | None) -> str | Invalid:
    return clean_name(text)


def _clean_phone(turn: Turn, text: str | None) -> str | Invalid:
    return clean_phone(text)


dialogue.register_flow(
    Flow(
        FLOW,
        {
            "channel": choice_step(
                "intake.ask_channel", _channels, keep("channel", "intake.channel_chosen", "who")
            ),
            "who": Step(ask_who, on_who),
            "caller_name": text_step("intake.ask_caller_name", on_caller_name, clean=_clean_name),
            "caller_phone": text_step(
                "intake.ask_caller_phone", on_caller_phone, clean=_clean_phone
            ),
        },
        staff_only=True,
    )
)

HANDLERS: list[BaseHandler] = [CommandHandler("new", new_command, filters=PRIVATE)]
