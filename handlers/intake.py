"""/new: staff register an item received by phone, at the desk, by letter or online.

The item lands in the same registry through the same complaint dialogue; the registering
staff member is its first-ask owner. The caller may be a registered resident (found by
their unit) or someone not registered (name and phone are recorded on the item).
"""

from __future__ import annotations

from bot.domain.estate import parse_unit_input
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Channel
from bot.domain.validation import Invalid, clean_name, clean_phone
from bot.services.tickets import OnBehalf
from handlers import dialogue
from handlers.dialogue import Flow, Step, button, choice_step, goto, keep, reprompt, tapped
from handlers.keyboards import grid
from handlers.notices import card_markup, card_text
from handlers.runtime import Input, InputKind, Turn
from handlers.staff import current_staff

FLOW = "nw"
CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.LETTER, Channel.ONLINE)


def _data(turn: Turn) -> dict[str, object]:
    assert turn.dialogue is not None
    return turn.dialogue.data


async def new_command(turn: Turn) -> None:
    if await current_staff(turn) is None:
        turn.reply(turn.t("staff.not_allowed"))
        return
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
    if address is None:
        await reprompt(turn, "invalid.building")
        return
    building, unit = address
    card = await turn.uow.residents.card_at(turn.desk.estate.code, building.code, unit)
    if card is None:
        turn.reply(turn.t("intake.nobody_registered", home=f"{building.name} {unit}"))
        await goto(turn, "caller_name")
        return
    _data(turn)["resident"] = card.id
    turn.reply(turn.t("intake.found", name=turn.esc(card.name), home=turn.esc(card.home)))
    await _to_complaint(turn, home=card.home)


async def ask_caller_name(turn: Turn) -> None:
    turn.reply(turn.t("intake.ask_caller_name"))


async def on_caller_name(turn: Turn, inp: Input) -> None:
    name = clean_name(inp.text) if inp.kind is InputKind.TEXT else Invalid("invalid.need_text")
    if isinstance(name, Invalid):
        await reprompt(turn, name)
        return
    _data(turn)["caller_name"] = name
    await goto(turn, "caller_phone")


async def ask_caller_phone(turn: Turn) -> None:
    turn.reply(turn.t("intake.ask_caller_phone"))


async def on_caller_phone(turn: Turn, inp: Input) -> None:
    phone = clean_phone(inp.text) if inp.kind is InputKind.TEXT else Invalid("invalid.phone")
    if isinstance(phone, Invalid):
        await reprompt(turn, phone)
        return
    _data(turn)["caller_phone"] = phone
    await _to_complaint(turn, home="")


async def _to_complaint(turn: Turn, *, home: str) -> None:
    """Hand over to the resident's complaint dialogue, remembering for whom it is."""
    data = _data(turn)
    subject = {
        key: data.get(key) for key in ("channel", "resident", "caller_name", "caller_phone")
    }
    subject["home"] = home
    await dialogue.begin(turn, "cp", "category", photos=[], **{"for": subject})


async def on_behalf_of(turn: Turn, subject: dict[str, object]) -> OnBehalf | None:
    staff = await current_staff(turn)
    if staff is None:
        return None
    return OnBehalf(
        staff=staff,
        channel=Channel(str(subject.get("channel") or Channel.PHONE.value)),
        caller_name=str(subject["caller_name"]) if subject.get("caller_name") else None,
        caller_phone=str(subject["caller_phone"]) if subject.get("caller_phone") else None,
    )


async def resident_for(turn: Turn, subject: dict[str, object]) -> ResidentCard | None:
    resident_id = subject.get("resident")
    if not isinstance(resident_id, int):
        return None
    return await turn.uow.residents.card_by_id(resident_id)


async def show_card(turn: Turn, ticket_id: int) -> None:
    ticket = await turn.uow.tickets.get(ticket_id)
    if ticket is not None:
        turn.reply(
            card_text(turn.desk, turn.language, ticket, None),
            card_markup(turn.desk, turn.language, ticket),
        )


dialogue.register_flow(
    Flow(
        FLOW,
        {
            "channel": choice_step(
                "intake.ask_channel", _channels, keep("channel", "intake.channel_chosen", "who")
            ),
            "who": Step(ask_who, on_who),
            "caller_name": Step(ask_caller_name, on_caller_name),
            "caller_phone": Step(ask_caller_phone, on_caller_phone),
        },
    )
)
