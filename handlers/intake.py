"""/new: staff register an item received by phone, at the desk, by letter or online.

Staff say how it came, which kind it is (any kind residents file: a complaint, a
suggestion, a repair, a service order), and for whom; then the resident's own form for
that kind runs, so the item gets its kind's whole flow (a repair its visit and follow-up
window, an order its steps). The registering staff member is its first-ask owner. The
caller may be a registered resident (found by their unit, within the staff member's
remit, and the look-up is logged) or someone not registered (name and phone are recorded
on the item) — except for an order, whose commission form the resident signs: that needs
a registered resident.

The forms read who they are for through `for_whom`, `resident_of` and `filer`, so a
resident filing for themselves and staff filing for them share every step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from telegram.ext import CommandHandler

from bot.domain.estate import parse_unit_input
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Channel, TicketKind
from bot.domain.validation import Invalid, clean_name, clean_phone
from bot.services import items
from bot.services.directory import OutsideRemit, resident_at
from bot.services.residents import resident_card
from bot.services.tickets import OnBehalf
from handlers import dialogue
from handlers.common import PRIVATE, refuse, remind_dialogue
from handlers.dialogue import (
    Flow,
    StaleState,
    Step,
    button,
    choice_step,
    goto,
    keep,
    keep_state,
    reprompt,
    state,
    tapped,
    text_step,
)
from handlers.dialogue import data as _data
from handlers.feature import Feature, IntakeForm, IntakeProvider, Start
from handlers.keyboards import grid, show
from handlers.runtime import Input, Turn, entry

FLOW = "intake"
CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.LETTER, Channel.ONLINE)
CARRIED = "for"  # where a form's dialogue keeps for whom it is
S = TypeVar("S", bound=Start)


@dataclass(frozen=True, slots=True)
class Subject:
    """For whom staff file: how it came, and the resident found by their unit or the
    caller who is not registered (and the home the item is about)."""

    channel: Channel | None = None
    resident: int | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    home: str = ""


_SUBJECT: TypeAdapter[Subject] = TypeAdapter(Subject)


@dataclass(slots=True)
class Intake:
    """What /new keeps while staff say how it came, which kind, and for whom."""

    channel: Channel | None = None
    kind: str | None = None  # a TicketKind's value (kinds may be added as data)
    resident: int | None = None
    caller_name: str | None = None
    caller_phone: str | None = None


# --- the forms /new can run: each feature's `intake_forms`, installed by handlers.register ---
FORMS: dict[TicketKind, IntakeForm] = {}
_PROVIDERS: list[IntakeProvider] = []


def install(forms: Iterable[IntakeForm] = (), providers: Iterable[IntakeProvider] = ()) -> None:
    """Add features' forms, and providers of forms known only when /new asks (the kinds of
    request defined as data). Installing the same ones again changes nothing."""
    for found in forms:
        FORMS[found.kind] = found
    for provider in providers:
        if provider not in _PROVIDERS:
            _PROVIDERS.append(provider)


def forms() -> dict[TicketKind, IntakeForm]:
    found = dict(FORMS)
    for provider in _PROVIDERS:
        found.update((f.kind, f) for f in provider())
    return found


def carrying(subject: Subject | None) -> dict[str, Any]:
    """What a form's dialogue starts with besides its own fields: for whom it is."""
    return {} if subject is None else {CARRIED: _SUBJECT.dump_python(subject, mode="json")}


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


def _kinds(turn: Turn) -> list[tuple[str, str]]:
    """The kinds residents file, in their menu's order, where the desk offers them."""
    found = sorted(forms().items(), key=lambda pair: pair[1].order)
    return [
        (kind.value, turn.views.kind(turn.language, kind.value))
        for kind, entry in found
        if entry.offered(turn)
    ]


def _form(turn: Turn) -> IntakeForm:
    """The chosen kind's form (a /new begun before kinds were asked: a complaint)."""
    kind = state(turn, Intake).kind or TicketKind.COMPLAINT.value
    found = forms()
    return next((f for k, f in found.items() if k.value == kind), found[TicketKind.COMPLAINT])


async def ask_who(turn: Turn) -> None:
    if _form(turn).needs_resident:
        turn.reply(turn.t("intake.ask_unit_resident"))
        return
    markup = grid([button(turn, turn.t("intake.not_registered"), "caller")], 1)
    turn.reply(turn.t("intake.ask_unit"), markup)


async def _no_resident(turn: Turn, key: str, home: str) -> None:
    """Nobody to file for by unit: take the caller's details, or, for a kind that needs a
    registered resident, stop and say why."""
    if _form(turn).needs_resident:
        turn.end()
        turn.reply(turn.t("intake.needs_resident", home=turn.esc(home)))
        return
    turn.reply(turn.t(key, home=turn.esc(home)))
    await goto(turn, "caller_name")


async def on_who(turn: Turn, inp: Input) -> None:
    if tapped(turn, inp) == "caller" and not _form(turn).needs_resident:
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
            turn.views,
            turn.staff,
            estate=turn.desk.estate,
            building=building,
            unit=unit,
            now=turn.now,
        )
    except OutsideRemit:
        await _no_resident(turn, "intake.outside_remit", home)
        return
    if card is None:
        await _no_resident(turn, "intake.nobody_registered", home)
        return
    kept = state(turn, Intake)
    kept.resident = card.id
    keep_state(turn, kept)
    turn.reply(turn.t("intake.found", name=turn.esc(card.name), home=turn.esc(card.home)))
    await _to_form(turn, kept, home=card.home)


async def on_caller_name(turn: Turn, name: str) -> None:
    kept = state(turn, Intake)
    kept.caller_name = name
    keep_state(turn, kept)
    await goto(turn, "caller_phone")


async def on_caller_phone(turn: Turn, phone: str) -> None:
    kept = state(turn, Intake)
    kept.caller_phone = phone
    keep_state(turn, kept)
    await _to_form(turn, kept, home="")


async def _to_form(turn: Turn, kept: Intake, *, home: str) -> None:
    """Hand over to the resident's form for the chosen kind, remembering for whom it is."""
    subject = Subject(
        channel=kept.channel,
        resident=kept.resident,
        caller_name=kept.caller_name,
        caller_phone=kept.caller_phone,
        home=home,
    )
    await _form(turn).start(turn, subject=subject)


# --- who a form is for: the forms' side -------------------------------------------------------
def for_whom(turn: Turn) -> Subject | None:
    """Set when staff register an item on someone's behalf; None for a resident's own."""
    carried = _data(turn).get(CARRIED) if turn.dialogue is not None else None
    if carried is None:
        return None
    try:
        return _SUBJECT.validate_python(carried)
    except ValidationError as exc:
        raise StaleState(str(exc)) from None


async def resident_of(turn: Turn) -> ResidentCard | None:
    """The resident the form is for: the one found by /new, or the person themselves."""
    subject = for_whom(turn)
    return turn.resident if subject is None else await resident_for(turn, subject)


@dataclass(frozen=True, slots=True)
class Filer:
    resident: ResidentCard | None
    on_behalf: OnBehalf | None  # staff filing it: the channel, the caller, first-ask owner


async def filer(turn: Turn) -> Filer | None:
    """Who files the confirmed form; None (the form ended, with why) when staff filing
    for someone no longer may."""
    subject = for_whom(turn)
    if subject is None:
        return Filer(turn.resident, None)
    on_behalf = on_behalf_of(turn, subject)
    if on_behalf is None:
        turn.end()
        turn.reply(turn.t("staff.not_allowed"))
        return None
    return Filer(await resident_for(turn, subject), on_behalf)


def on_behalf_of(turn: Turn, subject: Subject) -> OnBehalf | None:
    if turn.staff is None:
        return None
    return OnBehalf(
        staff=turn.staff,
        channel=subject.channel or Channel.PHONE,
        caller_name=subject.caller_name or None,
        caller_phone=subject.caller_phone or None,
    )


async def resident_for(turn: Turn, subject: Subject) -> ResidentCard | None:
    """The resident found at the start of /new (looked up, checked and logged then)."""
    if subject.resident is None:
        return None
    return await resident_card(turn.uow, subject.resident)


async def filed(turn: Turn, who: Filer, ticket_id: int) -> None:
    """After filing: for staff who registered it, the new item's card, ready to work on."""
    if who.on_behalf is None or turn.staff is None:
        return
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    if screen is not None:
        show(turn, screen)


def _clean_name(turn: Turn, text: str | None) -> str | Invalid:
    return clean_name(text)


def _clean_phone(turn: Turn, text: str | None) -> str | Invalid:
    return clean_phone(text)


INTAKE = Flow(
    FLOW,
    {
        "channel": choice_step(
            "intake.ask_channel", _channels, keep("channel", "intake.channel_chosen", "kind")
        ),
        "kind": choice_step("intake.ask_kind", _kinds, keep("kind", "intake.kind_chosen", "who")),
        "who": Step(ask_who, on_who),
        "caller_name": text_step("intake.ask_caller_name", on_caller_name, clean=_clean_name),
        "caller_phone": text_step("intake.ask_caller_phone", on_caller_phone, clean=_clean_phone),
    },
    staff_only=True,
)

FEATURE = Feature(
    "intake",
    handlers=(CommandHandler("new", new_command, filters=PRIVATE),),
    flows=(INTAKE,),
)
