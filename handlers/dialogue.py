"""Guided dialogues as data: each flow is a set of named steps, each with a prompt and a handler.

State lives in the `dialogues` table and is saved in the same transaction as whatever the
step changed, so a restart (even kill -9) resumes at the step the person last saw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.domain.validation import Invalid
from bot.flows import FLOW_TITLES
from handlers.keyboards import grid
from handlers.runtime import DialogueState, Input, InputKind, Turn

CALLBACK_PREFIX = "d"

Prompt = Callable[[Turn], Awaitable[None]]
Handle = Callable[[Turn, Input], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Prompt
    handle: Handle


@dataclass(frozen=True, slots=True)
class Flow:
    code: str
    steps: dict[str, Step]

    @property
    def title_key(self) -> str:
        return FLOW_TITLES[self.code]


FLOWS: dict[str, Flow] = {}


def register_flow(flow: Flow) -> Flow:
    if flow.code not in FLOW_TITLES:
        raise ValueError(f"flow {flow.code!r} has no title in bot.flows")
    FLOWS[flow.code] = flow
    return flow


def current(turn: Turn) -> tuple[Flow, Step, DialogueState]:
    state = turn.dialogue
    assert state is not None
    flow = FLOWS[state.flow]
    return flow, flow.steps[state.step], state


async def begin(turn: Turn, flow: str, step: str, **data: object) -> None:
    turn.start(flow, step, dict(data))
    await FLOWS[flow].steps[step].prompt(turn)


async def goto(turn: Turn, step: str) -> None:
    assert turn.dialogue is not None
    turn.dialogue.step = step
    turn.touch()
    await FLOWS[turn.dialogue.flow].steps[step].prompt(turn)


def _known(turn: Turn) -> bool:
    """False for a stored step this version no longer has: start afresh, politely."""
    state = turn.dialogue
    if state is not None and state.step in getattr(FLOWS.get(state.flow), "steps", {}):
        return True
    turn.end()
    turn.reply(turn.t("common.dialogue_reset"))
    return False


async def prompt_again(turn: Turn) -> None:
    if not _known(turn):
        return
    _, step, _ = current(turn)
    await step.prompt(turn)


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
        label, callback_data=f"{CALLBACK_PREFIX}:{state.flow}:{state.step}:{value}"
    )


def tapped(turn: Turn, inp: Input) -> str | None:
    """The value of a button of the current step, or None for anything else."""
    if inp.kind is not InputKind.BUTTON or not inp.data or turn.dialogue is None:
        return None
    prefix = f"{CALLBACK_PREFIX}:{turn.dialogue.flow}:{turn.dialogue.step}:"
    return inp.data[len(prefix) :] if inp.data.startswith(prefix) else None


def is_dialogue_button(data: str | None) -> bool:
    return bool(data) and str(data).startswith(f"{CALLBACK_PREFIX}:")


Options = Callable[[Turn], list[tuple[str, str]]]  # (value, label) pairs
Then = Callable[[Turn, str, str], Awaitable[None]]  # called with the value and its label


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


def keep(key: str, shown: str, next_step: str) -> Then:
    """Remember the choice under `key`, show it in place of the buttons, and go on."""

    async def then(turn: Turn, value: str, label: str) -> None:
        assert turn.dialogue is not None
        turn.dialogue.data[key] = value
        turn.edit(turn.t(shown, choice=turn.esc(label)))
        await goto(turn, next_step)

    return then


async def dispatch(turn: Turn, inp: Input) -> None:
    """Route input to the current step; a button of another step is stale and re-asks."""
    if not _known(turn):
        return
    _, step, _ = current(turn)
    if inp.kind is InputKind.BUTTON and tapped(turn, inp) is None:
        turn.answer(turn.t("common.stale_button"))
        await step.prompt(turn)
        return
    await step.handle(turn, inp)
