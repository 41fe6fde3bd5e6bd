"""Guided dialogues as data: each flow is a set of named steps, each with a prompt and a handler.

State lives in the `dialogues` table and is saved in the same transaction as whatever the
step changed, so a restart (even kill -9) resumes at the step the person last saw. A flow is
declared by the feature that owns it (its `Feature.flows`, installed by `handlers.register`);
its name is stored with the person's state and its title (`flow.<name>` in the catalogues)
is how people hear of it.

What a flow keeps is a dataclass of its own, read with `state(turn, Cls)` and written with
`keep_state(turn, value)` (or passed to `begin`). The stored JSON is checked when read: data
that no longer fits the flow (saved by an older version of its form) ends the dialogue
politely (`StaleState`: "common.stale_form" and the main menu) instead of failing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, is_dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from telegram import InlineKeyboardButton

from bot.callbacks import CallbackData
from bot.domain.questions import Form
from bot.domain.validation import Invalid, clean_text, parse_requested_date
from handlers.keyboards import grid
from handlers.menu import main_menu
from handlers.runtime import DialogueState, Input, InputKind, Turn
from storage.repositories.dialogues import OPTIONAL

Prompt = Callable[[Turn], Awaitable[None]]
Handle = Callable[[Turn, Input], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DialogueTap(CallbackData, prefix="d"):
    """A button of one step of one flow, on one showing of it: pressed at another step, or
    on an older message of the same step (an earlier summary), it is stale."""

    flow: str
    step: str
    shown: int
    value: str


SHOWN = "_shown"  # how many prompts the dialogue has shown: the newest one's buttons count
LEAVE_ASKED = "_leave_asked"  # at which prompt a menu tap was asked "leave this form?"
REACHED_SUMMARY = "_summary"  # the form was complete once: its summary was shown


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Prompt
    handle: Handle


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: dict[str, Step]
    # A staff member's form: it ends the moment their access is withdrawn (a form begun
    # before is not a way back in).
    staff_only: bool = False
    # A form of questions (handlers.form asks them): which form, for this dialogue.
    form: Callable[[Turn], Form] | None = None
    # An optional step after what was already kept (the comment after a rating): leaving
    # it, by a menu tap or by idleness, loses nothing and is not reported as a loss.
    optional: bool = False
    # Its filing without a summary (the summary's confirmation), for a form begun from a
    # free message: run once nothing is left open (handlers.form, `Asking.quick`).
    quick: Prompt | None = None


FLOWS: dict[str, Flow] = {}


def install(flows: Iterable[Flow]) -> None:
    """Add features' flows to the table (`handlers.register`); installing the same flow
    again changes nothing, two different flows under one name are a mistake."""
    for flow in flows:
        if flow.name in FLOWS and FLOWS[flow.name] is not flow:
            raise ValueError(f"flow {flow.name!r} is registered twice")
        FLOWS[flow.name] = flow


def current(turn: Turn) -> tuple[Flow, Step, DialogueState]:
    state = turn.dialogue
    assert state is not None
    flow = FLOWS[state.flow]
    return flow, flow.steps[state.step], state


def data(turn: Turn) -> dict[str, object]:
    """What the person entered so far in the current dialogue."""
    assert turn.dialogue is not None
    return turn.dialogue.data


State = TypeVar("State")


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(kind: type) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def state(turn: Turn, kind: type[State]) -> State:
    """The dialogue's data as the flow's own dataclass (its fields only; the dialogue's
    bookkeeping and what other modules keep stay where they are). A stored value that no
    longer fits is refused like a stale form (StaleState)."""
    try:
        found: State = _adapter(kind).validate_python(data(turn))
    except ValidationError as exc:
        raise StaleState(str(exc)) from None
    return found


def keep_state(turn: Turn, value: object) -> None:
    """Store the flow's dataclass back with the dialogue (saved with the update)."""
    data(turn).update(_adapter(type(value)).dump_python(value, mode="json"))
    turn.touch()


class StaleState(ValueError):
    """A dialogue's stored data no longer fits its flow (a form changed under it)."""


def end_stale(turn: Turn) -> None:
    """The dialogue's data no longer fits its form: end it, say so, offer the menu."""
    turn.end()
    turn.reply(turn.t("common.stale_form"), main_menu(turn))


async def begin(
    turn: Turn, flow: str, step: str, kept: object | None = None, /, **values: object
) -> None:
    """Start `flow` at `step` with what it keeps: its state dataclass (`kept`) and/or
    plain values (what another module carries along, such as for whom a form is)."""
    stored: dict[str, object] = {}
    if kept is not None:
        if not is_dataclass(kept) or isinstance(kept, type):
            raise TypeError(f"a dialogue keeps a dataclass, not {type(kept).__name__}")
        stored.update(_adapter(type(kept)).dump_python(kept, mode="json"))
    stored.update(values)
    if FLOWS[flow].optional:
        stored[OPTIONAL] = True  # read where idle dialogues expire, with no flow table
    turn.start(flow, step, stored)
    await _show(turn, FLOWS[flow].steps[step])


async def goto(turn: Turn, step: str) -> None:
    assert turn.dialogue is not None
    turn.dialogue.step = step
    turn.touch()
    await _show(turn, FLOWS[turn.dialogue.flow].steps[step])


async def _show(turn: Turn, step: Step) -> None:
    """Prompt anew: the buttons of any earlier prompt go stale."""
    shown = data(turn)
    shown[SHOWN] = _shown(turn) + 1
    turn.touch()
    await step.prompt(turn)


def _shown(turn: Turn) -> int:
    value = turn.dialogue.data.get(SHOWN, 0) if turn.dialogue else 0
    return value if isinstance(value, int) else 0


def nearly_done(turn: Turn) -> bool:
    """The form reached its summary (on it now, or changing an answer from it): leaving it
    would throw away a complete form, so a menu tap asks first."""
    return turn.dialogue is not None and bool(data(turn).get(REACHED_SUMMARY))


def asked_to_leave(turn: Turn) -> bool:
    """Whether the person was asked, at the prompt now on screen, whether to leave."""
    return turn.dialogue is not None and data(turn).get(LEAVE_ASKED) == _shown(turn)


def mark_asked_to_leave(turn: Turn) -> None:
    """Remember the question for the prompt now on screen (a newer prompt asks anew)."""
    data(turn)[LEAVE_ASKED] = _shown(turn)
    turn.touch()


def _known(turn: Turn) -> bool:
    """False for a stored step this version no longer has (start afresh, politely), or for
    a staff form of someone who is no longer staff."""
    state = turn.dialogue
    flow = FLOWS.get(state.flow) if state is not None else None
    if flow is not None and flow.staff_only and turn.staff is None and not turn.is_admin:
        turn.end()
        turn.reply(turn.t("staff.not_allowed"))
        return False
    if state is not None and flow is not None and state.step in flow.steps:
        return True
    turn.end()
    turn.reply(turn.t("common.dialogue_reset"))
    return False


async def prompt_again(turn: Turn) -> None:
    if not _known(turn):
        return
    _, step, _ = current(turn)
    try:
        await _show(turn, step)
    except StaleState:
        end_stale(turn)


async def reprompt(turn: Turn, why: Invalid | str) -> None:
    """Say politely what was wrong, then ask the same question again."""
    invalid = why if isinstance(why, Invalid) else Invalid(why)
    message = turn.t(invalid.reason, **(invalid.values or {}))
    if turn.update.callback_query is not None:
        turn.answer(message)
    else:
        turn.reply(message)
    await prompt_again(turn)


def button(turn: Turn, label: str, value: str) -> InlineKeyboardButton:
    """A button bound to the current step: pressed later, at another step, it is stale."""
    state = turn.dialogue
    assert state is not None
    return InlineKeyboardButton(
        label, callback_data=DialogueTap(state.flow, state.step, _shown(turn), value).pack()
    )


def tapped(turn: Turn, inp: Input) -> str | None:
    """The value of a button of the current step, or None for anything else."""
    if inp.kind is not InputKind.BUTTON or turn.dialogue is None:
        return None
    tap = DialogueTap.unpack(inp.data)
    state = turn.dialogue
    if tap is None or (tap.flow, tap.step, tap.shown) != (state.flow, state.step, _shown(turn)):
        return None
    return tap.value


Options = Callable[[Turn], list[tuple[str, str]]]  # (value, label) pairs
Then = Callable[[Turn, str, str], Awaitable[None]]  # called with the value and its label
Accept = Callable[[Turn, str], Awaitable[None]]  # called with the cleaned text


def choice_step(question: str, options: Options, then: Then, *, columns: int = 2) -> Step:
    """A step answered with one button: ask, refuse anything else, then carry on."""

    async def ask(turn: Turn) -> None:
        buttons = [button(turn, label, value) for value, label in options(turn)]
        turn.reply(turn.t(question), grid(buttons, columns))

    async def handle(turn: Turn, inp: Input) -> None:
        labels = dict(options(turn))
        value = tapped(turn, inp)
        if value is None or value not in labels:
            await reprompt(turn, "invalid.use_buttons")
            return
        await then(turn, value, labels[value])

    return Step(ask, handle)


Clean = Callable[[Turn, str | None], "str | Invalid"]


def text_step(
    question: str | Callable[[Turn], str], then: Accept, *, clean: Clean | None = None
) -> Step:
    """A step answered with typed text: ask, check it (by default: not empty, no command,
    within the policy's length), then carry on with the cleaned text; anything else —
    a photo, a sticker, a tap on an old button — is refused politely and asked again."""

    async def ask(turn: Turn) -> None:
        turn.reply(turn.t(question) if isinstance(question, str) else question(turn))

    async def handle(turn: Turn, inp: Input) -> None:
        if inp.kind is not InputKind.TEXT:
            await reprompt(turn, "invalid.need_text")
            return
        text = (clean or _plain_text)(turn, inp.text)
        if isinstance(text, Invalid):
            await reprompt(turn, text)
            return
        await then(turn, text)

    return Step(ask, handle)


def _plain_text(turn: Turn, text: str | None) -> str | Invalid:
    return clean_text(text, max_chars=turn.desk.policy.dialogue.max_text_chars)


def keep(key: str, shown: str, next_step: str) -> Then:
    """Remember the choice under `key`, show it in place of the buttons, and go on."""

    async def then(turn: Turn, value: str, label: str) -> None:
        data(turn)[key] = value
        turn.edit(turn.t(shown, choice=turn.esc(label)))
        await goto(turn, next_step)

    return then


async def dispatch(turn: Turn, inp: Input) -> None:
    """Route input to the current step; a button of another step is stale and re-asks.
    A step whose stored data no longer fits (StaleState) ends the dialogue politely."""
    if not _known(turn):
        return
    _, step, _ = current(turn)
    try:
        if inp.kind is InputKind.BUTTON and tapped(turn, inp) is None:
            turn.answer(turn.t("common.stale_button"))
            await _show(turn, step)
            return
        await step.handle(turn, inp)
    except StaleState:
        end_stale(turn)


DayThen = Callable[[Turn, date], Awaitable[None]]  # called with the chosen day
DAY_OFFSETS = (1, 3, 7)


def day_step(
    question: str,
    then: DayThen,
    *,
    extra: Callable[[Turn], list[tuple[str, str]]] | None = None,
    on_extra: Then | None = None,
) -> Step:
    """A step answered with a day: a button for tomorrow, in 3 and in 7 days (labelled with
    the date in the person's language), or a date typed as people write it."""

    def today(turn: Turn) -> date:
        return turn.now.astimezone(turn.desk.settings.tz).date()

    def options(turn: Turn) -> list[tuple[str, str]]:
        days = [(str(n), turn.day(today(turn) + timedelta(days=n))) for n in DAY_OFFSETS]
        return (extra(turn) if extra else []) + days

    async def ask(turn: Turn) -> None:
        buttons = [button(turn, label, value) for value, label in options(turn)]
        turn.reply(turn.t(question), grid(buttons, 1))

    async def handle(turn: Turn, inp: Input) -> None:
        value = tapped(turn, inp)
        labels = dict(options(turn))
        if value is not None and value in labels and not value.isdigit() and on_extra:
            await on_extra(turn, value, labels[value])
            return
        if value is not None and value.isdigit() and value in labels:
            turn.edit(turn.t("common.chosen", choice=labels[value]))
            await then(turn, today(turn) + timedelta(days=int(value)))
            return
        if inp.kind is InputKind.TEXT:
            limit = turn.desk.policy.dialogue.max_requested_days
            parsed = parse_requested_date(inp.text, today=today(turn), max_days=limit)
            if isinstance(parsed, Invalid):
                await reprompt(turn, parsed)
                return
            await then(turn, parsed)
            return
        await reprompt(turn, "invalid.date")

    return Step(ask, handle)


@dataclass(frozen=True, slots=True)
class Signs:
    """Confirm buttons that each also answer a question (how the resident pays): the
    options (value, label) and what a tap on one does."""

    options: Callable[[Turn], list[tuple[str, str]]]
    chosen: Callable[[Turn, str], Awaitable[None]]


def summary_step(
    summary: Callable[[Turn], str],
    file: Prompt,
    *,
    confirm: str = "button.confirm",
    note: str = "summary.question",
    columns: int = 3,
    clear: str | None = None,
    signs: Signs | None = None,
) -> Step:
    """The last step of a form: everything entered, then *Confirm* (`file` runs), *Change*
    (the flow's "edit" step) or *Cancel*. `clear`: a working value dropped on arrival.
    `signs`: one confirm button per option instead of one (see Signs)."""

    def _signs(turn: Turn) -> list[tuple[str, str]]:
        return signs.options(turn) if signs is not None else []

    async def ask(turn: Turn) -> None:
        if clear is not None:
            data(turn).pop(clear, None)
        data(turn)[REACHED_SUMMARY] = True
        turn.touch()
        options = _signs(turn)
        confirms = [button(turn, label, f"sign:{value}") for value, label in options] or [
            button(turn, turn.t(confirm), "confirm")
        ]
        buttons = [
            *confirms,
            button(turn, turn.t("button.edit"), "edit"),
            button(turn, turn.t("button.cancel"), "cancel"),
        ]
        turn.reply(summary(turn) + "\n\n" + turn.t(note), grid(buttons, columns))

    async def handle(turn: Turn, inp: Input) -> None:
        choice = tapped(turn, inp)
        signed = choice.removeprefix("sign:") if choice and choice.startswith("sign:") else None
        if signs is not None and signed is not None and signed in dict(_signs(turn)):
            await signs.chosen(turn, signed)
            return
        if choice == "edit":
            turn.edit(summary(turn))
            await goto(turn, "edit")
        elif choice == "cancel":
            turn.edit(summary(turn))
            turn.end()
            turn.reply(turn.t("common.cancelled"), main_menu(turn))
        elif choice == "confirm":
            await file(turn)
        else:
            await reprompt(turn, "invalid.use_buttons")

    return Step(ask, handle)
