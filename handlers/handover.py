"""/handover: the outgoing shift's book (交接班) — which shift, who was on, what everyone
must know, notes — with the open items it worked on attached; and the book's buttons for
the incoming shift: *Acknowledge*, the carried items, a note made an item."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.tickets import TicketKind
from bot.domain.validation import Invalid, clean_text
from bot.htmltext import Html, join
from bot.services import handovers
from bot.services.handovers import Signed
from bot.services.notifier import Notifier
from bot.views.dispatch import signed_line
from bot.views.handover import HandoverAction, HandoverTap, carried_text
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import (
    Flow,
    Step,
    button,
    choice_step,
    goto,
    keep,
    keep_state,
    reprompt,
    state,
    summary_step,
    tapped,
)
from handlers.feature import Feature
from handlers.keyboards import show
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "handover"
NONE = "-"
FIELDS = ("people", "matters", "notes")


@dataclass(slots=True)
class Handover:
    """The book being written: the shift, who was on, what everyone must know, notes, and
    the open items the shift worked on (reference, first words), read for the summary."""

    shift: str
    people: str | None = None
    matters: str | None = None
    notes: list[str] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    editing: bool = False  # changing one field from the summary


@entry
async def handover_command(turn: Turn) -> None:
    if turn.staff is None:
        refuse(turn)
        return
    await dialogue.begin(turn, FLOW, "shift")


def _shifts(turn: Turn) -> list[tuple[str, str]]:
    def named(name: str) -> str:
        key = f"handover.shift_{name}"
        return turn.t(key) if turn.desk.texts.has(turn.language, key) else name

    shifts = turn.desk.policy.reports.shifts.items()
    return [(n, join(" ", [named(n), span])) for n, span in shifts]


def _text_field(name: str, question: str, skip_label: str, *, lines: bool = False) -> Step:
    """A typed answer, or one tap for "just me" / "nothing" / "no notes"."""

    async def ask(turn: Turn) -> None:
        markup = InlineKeyboardMarkup([[button(turn, turn.t(skip_label), NONE)]])
        turn.reply(turn.t(question), markup)

    async def handle(turn: Turn, inp: Input) -> None:
        value: str | Invalid
        if tapped(turn, inp) == NONE:
            turn.edit(Html("{}\n<b>{}</b>").format(turn.t(question), turn.t(skip_label)))
            value = turn.staff.name if name == "people" and turn.staff else ""
        elif inp.kind is not InputKind.TEXT:
            value = Invalid("invalid.need_text")
        else:
            value = clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)
        if isinstance(value, Invalid):
            await reprompt(turn, value)
            return
        book = state(turn, Handover)
        if lines:
            book.notes = [line.strip() for line in value.splitlines() if line.strip()]
        elif name == "people":
            book.people = value
        else:
            book.matters = value
        await _next(turn, book, name)

    return Step(ask, handle)


async def _next(turn: Turn, book: Handover, name: str) -> None:
    if book.editing or name == "notes":
        assert turn.staff is not None
        touched = await handovers.touched(
            turn.uow, turn.staff, book.shift, turn.desk.policy, turn.desk.settings.tz, turn.now
        )
        book.items = [(ref, text[:60]) for _, ref, text in touched]
        keep_state(turn, book)
        await goto(turn, "summary")
        return
    keep_state(turn, book)
    await goto(turn, FIELDS[FIELDS.index(name) + 1])


def _summary(turn: Turn) -> Html:
    book = state(turn, Handover)
    lines = [
        turn.t("handover.summary_title"),
        turn.t("handover.people", people=book.people or "—"),
        turn.t("handover.matters", matters=book.matters or "—"),
        turn.t("handover.notes_title"),
        *[Html("{}. {}").format(n, note) for n, note in enumerate(book.notes, start=1)],
        turn.t("handover.items_title", count=len(book.items)),
        *[Html("• {} {}").format(ref, text) for ref, text in book.items[:30]],
    ]
    return join("\n", lines)


async def _write(turn: Turn) -> None:
    assert turn.staff is not None
    book = state(turn, Handover)
    writing = handovers.Writing(
        shift=book.shift,
        people=book.people or turn.staff.name,
        matters=book.matters or "",
        notes=tuple(book.notes),
    )
    await handovers.write(turn.uow, turn.staff, writing, turn.desk.policy, turn.views, turn.now)
    turn.edit(_summary(turn) + "\n\n" + turn.t("handover.sent"))
    turn.end()


def _fields(turn: Turn) -> list[tuple[str, str]]:
    return [(f, turn.t(f"handover.edit_{f}")) for f in FIELDS]


async def _edit(turn: Turn, value: str, label: str) -> None:
    book = state(turn, Handover)
    book.editing = True
    keep_state(turn, book)
    turn.edit(turn.t("common.chosen", choice=label))
    await goto(turn, value)


BOOK = Flow(
    FLOW,
    {
        "shift": choice_step(
            "handover.ask_shift", _shifts, keep("shift", "common.chosen", "people"), columns=1
        ),
        "people": _text_field("people", "handover.ask_people", "handover.just_me"),
        "matters": _text_field("matters", "handover.ask_matters", "handover.nothing"),
        "notes": _text_field("notes", "handover.ask_notes", "handover.no_notes", lines=True),
        "summary": summary_step(_summary, _write, clear="editing"),
        "edit": choice_step("edit.which", _fields, _edit, columns=1),
    },
    staff_only=True,
)


@entry
async def handover_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = HandoverTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    if tap.action is HandoverAction.ACKNOWLEDGE:
        if not await handovers.acknowledge(turn.uow, turn.staff, tap.handover, turn.now):
            refuse(turn)
            return
        turn.answer(turn.t("dispatch.thanks"))
        name, role = turn.staff.name, turn.staff.role.value
        turn.reply(signed_line(turn.views, turn.language, name, role, turn.now))
        return
    if tap.action in (HandoverAction.SIGN, HandoverAction.OPEN):
        await _sign_or_open(turn, tap)
        return
    if tap.action is HandoverAction.ITEMS:
        found = await handovers.carried(turn.uow, turn.staff, tap.handover)
        if found is None:
            refuse(turn)
            return
        turn.answer()
        turn.reply(carried_text(turn.views, turn.language, found))
        return
    kind = TicketKind.REPAIR if tap.action is HandoverAction.WORK_ORDER else TicketKind.COMPLAINT
    filed = await handovers.make_item(
        turn.uow,
        Notifier(turn.uow, turn.views),
        turn.staff,
        tap.handover,
        tap.note,
        kind,
        turn.desk.policy,
        turn.desk.settings.tz,
        turn.now,
    )
    if filed is None:
        turn.answer(turn.t("common.stale_button"))
        return
    turn.answer(turn.t("handover.made", reference=filed.reference))
    redrawn = await handovers.screen_of(
        turn.uow, turn.staff, tap.handover, turn.views, turn.desk.policy
    )
    if redrawn is not None:
        show(turn, redrawn, edit=True)


async def _sign_or_open(turn: Turn, tap: HandoverTap) -> None:
    """*Sign*: the senior butler's signature, shown on the book; *Open*: the book again."""
    assert turn.staff is not None
    if tap.action is HandoverAction.SIGN:
        signed = await handovers.sign(
            turn.uow, turn.staff, tap.handover, turn.desk.policy, turn.now
        )
        if signed is None:
            refuse(turn)
            return
        key = "handover.thanks" if signed is Signed.SIGNED else "handover.already_signed"
        turn.answer(turn.t(key))
    screen = await handovers.screen_of(
        turn.uow, turn.staff, tap.handover, turn.views, turn.desk.policy
    )
    if screen is None:
        refuse(turn)
        return
    if tap.action is HandoverAction.OPEN:
        turn.answer()
    show(turn, screen, edit=tap.action is HandoverAction.SIGN)


FEATURE = Feature(
    "handover",
    handlers=(
        CommandHandler("handover", handover_command, filters=PRIVATE),
        CallbackQueryHandler(handover_tap, pattern=HandoverTap.pattern()),
    ),
    flows=(BOOK,),
)
