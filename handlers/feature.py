"""What a feature module exports: one `Feature` value saying everything it adds to the bot.

`handlers.register` composes the features in order: their flows go into the dialogue
table, their menu entries into the main menu, their item buttons under a resident's item,
their forms into /new, and their handlers into the Application. No module changes another
module's tables; composing twice (many Applications in one process) changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton
from telegram.ext import BaseHandler

from bot.domain.tickets import TicketFacts, TicketKind
from handlers.dialogue import Flow
from handlers.menu import Entry
from handlers.runtime import Turn

# Buttons a feature adds under a resident's item in *My requests* (an order's *Cancel*).
ItemButtons = Callable[[Turn, TicketFacts], list[InlineKeyboardButton]]
# The start of a form /new runs for someone else; called with `subject=` (see intake).
Start = Callable[..., Awaitable[None]]


def _always(turn: Turn) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class IntakeForm:
    """A resident's form that staff may also run for someone else (/new)."""

    kind: TicketKind
    start: Start
    order: int  # where /new lists it (as the residents' menu does)
    needs_resident: bool = False  # an order: the resident signs its commission form
    offered: Callable[[Turn], bool] = _always  # offered at this desk (a catalogue, say)


MenuProvider = Callable[[], list[Entry]]  # entries known only at run time (kinds as data)
IntakeProvider = Callable[[], Iterable[IntakeForm]]  # forms known only when /new asks


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature's contribution; every part is optional."""

    name: str
    handlers: tuple[BaseHandler, ...] = ()  # commands and its buttons' callback patterns
    flows: tuple[Flow, ...] = ()  # its guided dialogues
    menu: tuple[Entry, ...] = ()  # its entries in the residents' main menu
    menu_providers: tuple[MenuProvider, ...] = ()
    item_buttons: tuple[ItemButtons, ...] = ()
    intake_forms: tuple[IntakeForm, ...] = ()
    intake_providers: tuple[IntakeProvider, ...] = ()
