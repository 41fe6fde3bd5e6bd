"""Items as cards: /ticket, the one-tap actions, and the short dialogues some actions need.

A tap is decoded (bot.views.card.CardTap), checked by the services against the permission
rules and the item's state, and the card is redrawn only when what it shows has changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from telegram import Message
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import as_int
from bot.domain.deadlines import end_of_day
from bot.domain.staff import Department
from bot.domain.tickets import Nature, Severity, WaitingReason
from bot.domain.validation import Invalid, parse_moment
from bot.domain.workflow import Classification
from bot.htmltext import Html, join
from bot.services import escalation, followup, incidents, items, liaison, suggestions, workflow
from bot.services.followup import CallOutcome
from bot.services.notifier import Notifier
from bot.services.workflow import ActionContext, Refused
from bot.views import timeline_line
from bot.views.card import CardAction, CardTap, Decision, ExtensionTap
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import (
    Flow,
    StaleState,
    Step,
    button,
    choice_step,
    day_step,
    goto,
    keep,
    keep_state,
    reprompt,
    state,
    tapped,
    text_step,
)
from handlers.feature import Feature
from handlers.keyboards import grid, markup_of, show
from handlers.output import fingerprint_of
from handlers.runtime import Input, InputKind, Turn, entry

STAFF_INPUT = "staff_input"
TIMELINE_SHOWN = 30  # the latest entries of /ticket's timeline (a message holds ~4000 chars)
ASK_SUPERVISOR = "supervisor"
BY_RESOLVE_TIME = "resolve"


class Ask(StrEnum):
    """What the typed answer after a card tap is for."""

    REPLY = "reply"
    NOTE = "note"
    RESULT = "result"
    SEND_BACK = "send_back"
    EXPLAIN = "explain"  # out of scope: the explanation the resident will read
    ESCALATE = "escalate"  # why it is beyond one's authority
    INSTRUCTIONS = "instructions"  # sent back down the chain, with what to do
    EXTENSION = "extension"  # why more time is needed
    ADOPT = "adopt"  # a suggestion adopted: what will be done
    NOT_ADOPT = "not_adopt"  # … or not: why
    LIAISON_WHO = "liaison_who"  # out of scope: who at the utility was contacted
    LIAISON_SAID = "liaison_said"  # … and what they said
    LINK_TO = "link_to"  # the reference of the item to link this one with


QUESTIONS = {
    Ask.REPLY: "staff.ask_reply",
    Ask.NOTE: "staff.ask_note",
    Ask.RESULT: "staff.ask_result",
    Ask.SEND_BACK: "staff.ask_send_back",
    Ask.EXPLAIN: "staff.ask_explanation",
    Ask.ESCALATE: "staff.ask_escalation",
    Ask.INSTRUCTIONS: "staff.ask_instructions",
    Ask.EXTENSION: "staff.ask_extension_reason",
    Ask.ADOPT: "staff.ask_adopted",
    Ask.NOT_ADOPT: "staff.ask_not_adopted",
    Ask.LIAISON_WHO: "staff.ask_liaison_who",
    Ask.LIAISON_SAID: "staff.ask_liaison_said",
    Ask.LINK_TO: "incident.ask_link_to",
}


@dataclass(frozen=True, slots=True)
class CardOrigin:
    """The card a tap came from, so the dialogue it starts can redraw it at the end."""

    chat_id: int
    message_id: int
    fingerprint: str  # what the card showed then (a redraw that changes nothing is not sent)


def _stored_card(value: Any) -> Any:
    """Kept as `[chat_id, message_id, fingerprint]`, the shape older versions stored, so a
    dialogue saved by either version reads in the other."""
    if isinstance(value, list | tuple) and len(value) == 3:
        return dict(zip(("chat_id", "message_id", "fingerprint"), value, strict=True))
    return value


def _card_to_store(card: CardOrigin) -> list[object]:
    return [card.chat_id, card.message_id, card.fingerprint]


StoredCard = Annotated[
    CardOrigin, BeforeValidator(_stored_card), PlainSerializer(_card_to_store, return_type=list)
]


@dataclass(slots=True)
class OnCard:
    """What every dialogue begun from a card keeps: the item, and the card to redraw."""

    ticket: int
    card: StoredCard | None = None


@dataclass(slots=True)
class StaffInput:
    """The staff input dialogue: what a card's tap still needs before it is done."""

    ticket: int
    ask: Ask | None = None  # the question of the "text" step
    card: StoredCard | None = None
    nature: Nature | None = None
    severity: Severity | None = None
    reason: WaitingReason | None = None
    until: date | None = None  # an extension: the day asked for
    department: Department | None = None
    contacted: str | None = None  # a liaison: who at the utility, and when
    contacted_at: datetime | None = None


# Taps that need more input first: the dialogue step each one starts at.
NEEDS_INPUT: dict[CardAction, tuple[str, Ask | None]] = {
    CardAction.REPLY: ("text", Ask.REPLY),
    CardAction.NOTE: ("text", Ask.NOTE),
    CardAction.RESOLVE: ("text", Ask.RESULT),
    CardAction.SEND_BACK: ("text", Ask.SEND_BACK),
    CardAction.ESCALATE: ("text", Ask.ESCALATE),
    CardAction.RETURN: ("text", Ask.INSTRUCTIONS),
    CardAction.CLASSIFY: ("nature", None),
    CardAction.TRANSFER: ("transfer", None),
    CardAction.WAIT: ("wait", None),
    CardAction.EXTEND: ("extend", None),
    CardAction.RECORD_CALL: ("call", None),
    CardAction.ADOPT: ("text", Ask.ADOPT),
    CardAction.NOT_ADOPT: ("text", Ask.NOT_ADOPT),
    CardAction.LIAISE: ("text", Ask.LIAISON_WHO),
    CardAction.LINK: ("text", Ask.LINK_TO),
}
Run = Callable[[ActionContext, int], Awaitable[None]]


async def _unlink(ctx: ActionContext, ticket_id: int) -> None:
    await incidents.unlink(ctx, ticket_id)


ONE_TAP: dict[CardAction, Run] = {
    CardAction.UNLINK: _unlink,
    CardAction.ACCEPT: workflow.accept,
    CardAction.ACCEPT_RESULT: workflow.accept_result,
    CardAction.RESUME: workflow.resume_work,
    CardAction.TAKE_OVER: escalation.take_over,
    CardAction.REOPEN: followup.reopen_by_staff,
}


def action_context(turn: Turn) -> ActionContext:
    return ActionContext(
        turn.uow,
        turn.now,
        turn.desk.policy,
        turn.desk.settings.tz,
        Notifier(turn.uow, turn.views),
        actor=turn.staff,
    )


# --- /ticket and the card --------------------------------------------------------------------
@entry
async def ticket_command(turn: Turn) -> None:
    """Open an item's card by reference: /ticket TS-20261124-0001."""
    if turn.staff is None:
        refuse(turn)
        return
    text = turn.update.effective_message.text if turn.update.effective_message else ""
    parts = (text or "").split()
    screen = (
        await items.card_by_reference(turn.uow, turn.views, turn.staff, parts[1], turn.now)
        if len(parts) > 1
        else None
    )
    if screen is None:
        turn.reply(turn.t("staff.ticket_not_found"))
        return
    show(turn, screen)
    entries = await items.timeline_by_reference(turn.uow, turn.staff, parts[1], turn.now)
    if entries:
        lines = [turn.t("staff.timeline_title")]
        for entry in entries[-TIMELINE_SHOWN:]:
            lines.append(timeline_line(turn.views, turn.language, entry, note=True, limit=200))
        turn.reply(join("\n", lines))


@entry
async def card_tap(turn: Turn) -> None:
    """A card's button. Forged or stale data is refused and changes nothing."""
    query = turn.update.callback_query
    tap = CardTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    try:
        await _act(turn, tap)
    except Refused:
        refuse(turn)
        await _redraw(turn, tap.ticket)  # a stale card shows what is possible now


async def _act(turn: Turn, tap: CardTap) -> None:
    assert turn.staff is not None
    if tap.action in NEEDS_INPUT:
        await items.check(turn.uow, turn.staff, tap.ticket, tap.action.action)
        await _begin_input(turn, tap)
    elif tap.action is CardAction.PHONE:
        phone = await workflow.contact_phone(action_context(turn), tap.ticket)
        turn.answer(turn.t("staff.phone", phone=phone or "—"), alert=True)
    elif tap.action is CardAction.PHOTOS:
        photos = await items.photos(turn.uow, turn.staff, tap.ticket)
        voices = await items.voices(turn.uow, turn.staff, tap.ticket)
        if not photos and not voices:
            turn.answer(turn.t("staff.no_photos"))
        turn.photos(photos)
        turn.voices(voices)
    else:
        await ONE_TAP[tap.action](action_context(turn), tap.ticket)
        await show_done(turn, tap.ticket)


@entry
async def extension_tap(turn: Turn) -> None:
    """The approver's *Approve* / *Reject* on a request for more time."""
    query = turn.update.callback_query
    tap = ExtensionTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    try:
        ticket_id = await escalation.decide_extension(
            action_context(turn), tap.extension, approve=tap.decision is Decision.APPROVE
        )
    except Refused:
        refuse(turn)
        return
    await show_done(turn, ticket_id)


async def _redraw(turn: Turn, ticket_id: int) -> None:
    if turn.staff is None or turn.update.callback_query is None:
        return
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    if screen is not None:
        show(turn, screen, edit=True)


async def show_done(turn: Turn, ticket_id: int, card: CardOrigin | None = None) -> None:
    """After an action: confirm, and redraw the card: the one tapped, or (`card`) the one
    the dialogue that asked for more was started from."""
    assert turn.staff is not None
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    from_card = turn.update.callback_query is not None and card is None
    if from_card:
        turn.answer(turn.t("staff.done"))
    elif turn.update.callback_query is not None:
        turn.edit(turn.t("staff.done"))  # the question's buttons go; the card carries on
    else:
        turn.reply(turn.t("staff.done"))
    if screen is None:
        return
    if from_card:
        show(turn, screen, edit=True)
    elif card is not None:
        turn.edit_message(
            card.chat_id, card.message_id, screen.text, markup_of(screen), shown=card.fingerprint
        )


def card_origin(turn: Turn) -> CardOrigin | None:
    """The card a tap came from, so the dialogue it starts can redraw it at the end."""
    query = turn.update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message):
        return None
    return CardOrigin(message.chat.id, message.message_id, fingerprint_of(message))


async def _begin_input(turn: Turn, tap: CardTap) -> None:
    step, ask = NEEDS_INPUT[tap.action]
    turn.answer()
    await dialogue.begin(
        turn, STAFF_INPUT, step, StaffInput(tap.ticket, ask=ask, card=card_origin(turn))
    )


# --- the staff input dialogue ---------------------------------------------------------------
def _asked(turn: Turn) -> tuple[StaffInput, Ask]:
    """The dialogue's state, and what its text step asks (a form without one is stale)."""
    kept = state(turn, StaffInput)
    if kept.ask is None:
        raise StaleState("the text step has no question")
    return kept, kept.ask


def _question(turn: Turn) -> str:
    return turn.t(QUESTIONS[_asked(turn)[1]])


async def on_text(turn: Turn, text: str) -> None:
    kept, ask = _asked(turn)
    if ask is Ask.EXPLAIN:
        if kept.severity is None:
            raise StaleState("an explanation without a severity")
        classification = Classification(Nature.INVALID, kept.severity, text)
        await finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))
        return
    if ask is Ask.EXTENSION:
        if kept.until is None:
            raise StaleState("an extension without its day")
        until = end_of_day(kept.until, turn.desk.settings.tz)
        await finish(turn, lambda ctx, tid: escalation.request_extension(ctx, tid, until, text))
        return
    if ask in (Ask.ADOPT, Ask.NOT_ADOPT):
        adopted = ask is Ask.ADOPT
        await finish(
            turn, lambda ctx, tid: suggestions.decide(ctx, tid, adopted=adopted, reason=text)
        )
        return
    if ask is Ask.LIAISON_WHO:
        kept.contacted = text
        keep_state(turn, kept)
        await goto(turn, "liaison_when")
        return
    if ask is Ask.LINK_TO:
        other = await turn.uow.tickets.by_reference(text.strip().upper())
        if other is None or other.id == kept.ticket:
            await reprompt(turn, "incident.link_not_found")
            return
        await finish(turn, lambda ctx, tid: _link(ctx, tid, other.id))
        return
    if ask is Ask.LIAISON_SAID:
        contacted, at = kept.contacted, kept.contacted_at
        if contacted is None or at is None:
            raise StaleState("a liaison without who or when")
        await finish(
            turn,
            lambda ctx, tid: liaison.record(ctx, tid, contacted=contacted, at=at, said=text),
        )
        return
    run = {
        Ask.REPLY: workflow.reply,
        Ask.NOTE: workflow.note,
        Ask.RESULT: workflow.resolve,
        Ask.SEND_BACK: workflow.send_back,
        Ask.ESCALATE: escalation.escalate,
        Ask.INSTRUCTIONS: escalation.send_down,
    }[ask]
    await finish(turn, lambda ctx, tid: run(ctx, tid, text))


async def _link(ctx: ActionContext, ticket_id: int, other_id: int) -> None:
    """One incident of the two (the one either is in already, else led by the earlier)."""
    await incidents.link(ctx, [ticket_id, other_id])


def _natures(turn: Turn) -> list[tuple[str, str]]:
    natures = [(n.value, turn.t(f"nature.{n.value}")) for n in Nature]
    return [*natures, (ASK_SUPERVISOR, turn.t("staff.ask_supervisor"))]


async def _nature(turn: Turn, value: str, label: str) -> None:
    if value == ASK_SUPERVISOR:
        turn.edit(turn.t("staff.nature_chosen", choice=turn.esc(label)))
        await finish(turn, workflow.ask_supervisor)
        return
    await keep("nature", "staff.nature_chosen", "severity")(turn, value, label)


def _severities(turn: Turn) -> list[tuple[str, str]]:
    return [(v.value, turn.t(f"severity.{v.value}")) for v in Severity]


def _reasons(turn: Turn) -> list[tuple[str, str]]:
    return [(r.value, turn.t(f"waiting.{r.value}")) for r in WaitingReason]


def _outcomes(turn: Turn) -> list[tuple[str, str]]:
    return [(o.value, turn.t(f"call.{o.value}")) for o in CallOutcome]


async def _classify(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("staff.severity_chosen", choice=label))
    kept = state(turn, StaffInput)
    if kept.nature is None:
        raise StaleState("a severity without a nature")
    if kept.nature is Nature.INVALID:
        kept.severity, kept.ask = Severity(value), Ask.EXPLAIN
        keep_state(turn, kept)
        await goto(turn, "text")
        return
    classification = Classification(kept.nature, Severity(value))
    await finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))


async def _wait_until(turn: Turn, day: date) -> None:
    reason = state(turn, StaffInput).reason
    if reason is None:
        raise StaleState("a day without a reason to wait")
    await finish(turn, lambda ctx, tid: workflow.wait(ctx, tid, reason, day))


async def _extend_until(turn: Turn, day: date) -> None:
    kept = state(turn, StaffInput)
    kept.until, kept.ask = day, Ask.EXTENSION
    keep_state(turn, kept)
    await goto(turn, "text")


async def _call(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("staff.call_recorded", choice=turn.esc(label)))
    outcome = CallOutcome(value)
    await finish(turn, lambda ctx, tid: followup.record_call(ctx, tid, outcome))


JUST_NOW = "now"


async def ask_liaison_when(turn: Turn) -> None:
    turn.reply(
        turn.t("staff.ask_liaison_when"),
        grid([button(turn, turn.t("staff.liaison_just_now"), JUST_NOW)], 1),
    )


async def on_liaison_when(turn: Turn, inp: Input) -> None:
    """When the utility was contacted: just now (a tap), or a day and time typed as people
    write it ("12-20 15:00"); never in the future."""
    if tapped(turn, inp) == JUST_NOW:
        turn.edit(turn.t("common.chosen", choice=turn.t("staff.liaison_just_now")))
        moment = turn.now
    elif inp.kind is InputKind.TEXT:
        tz = turn.desk.settings.tz
        today = turn.now.astimezone(tz).date()
        limit = turn.desk.policy.dialogue.max_requested_days
        parsed = parse_moment(inp.text, today=today, tz=tz, max_days=limit)
        if isinstance(parsed, Invalid):
            await reprompt(turn, parsed)
            return
        if parsed > turn.now:
            await reprompt(turn, "invalid.liaison_future")
            return
        moment = parsed
    else:
        await reprompt(turn, "invalid.use_buttons")
        return
    kept = state(turn, StaffInput)
    kept.contacted_at, kept.ask = moment, Ask.LIAISON_SAID
    keep_state(turn, kept)
    await goto(turn, "text")


async def ask_transfer(turn: Turn) -> None:
    buttons = [button(turn, turn.t(f"department.{d.value}"), f"d.{d.value}") for d in Department]
    if turn.staff is not None:
        people = await items.transfer_targets(turn.uow, turn.staff)
        buttons += [
            button(
                turn,
                Html("👤 {} · {}").format(p.name, turn.t(f"role.{p.role.value}")),
                f"p.{p.id}",
            )
            for p in people
        ]
    turn.reply(turn.t("staff.ask_transfer"), grid(buttons, 2))


async def on_transfer(turn: Turn, inp: Input) -> None:
    value = tapped(turn, inp) or ""
    kind, _, target = value.partition(".")
    if kind == "d" and target in set(Department):
        turn.edit(turn.t("staff.transfer_chosen", choice=turn.t(f"department.{target}")))
        kept = state(turn, StaffInput)
        kept.department = Department(target)
        keep_state(turn, kept)
        await goto(turn, "report_by")
    elif kind == "p" and (staff_id := as_int(target)) is not None:
        await finish(turn, lambda ctx, tid: workflow.transfer(ctx, tid, staff_id=staff_id))
    else:
        await reprompt(turn, "invalid.use_buttons")


def _report_default(turn: Turn) -> list[tuple[str, str]]:
    return [(BY_RESOLVE_TIME, turn.t("staff.report_by_default"))]


async def _report_by_default(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("common.chosen", choice=label))
    await _transfer_to_department(turn, None)


async def _report_by_day(turn: Turn, day: date) -> None:
    await _transfer_to_department(turn, end_of_day(day, turn.desk.settings.tz))


async def _transfer_to_department(turn: Turn, report_by: datetime | None) -> None:
    department = state(turn, StaffInput).department
    if department is None:
        raise StaleState("a transfer without its department")
    await finish(
        turn,
        lambda ctx, tid: workflow.transfer(ctx, tid, department=department, report_by=report_by),
    )


async def finish(turn: Turn, run: Run) -> None:
    """The end of a dialogue begun from a card: do it, and redraw that card."""
    kept = state(turn, OnCard)
    ticket_id = kept.ticket
    if turn.staff is None:
        turn.end()
        refuse(turn)
        return
    try:
        await run(action_context(turn), ticket_id)
    except Refused:
        turn.end()
        refuse(turn)
        return
    await show_done(turn, ticket_id, kept.card)
    turn.end()


FLOW = Flow(
    STAFF_INPUT,
    {
        "text": text_step(_question, on_text),
        "nature": choice_step("staff.ask_nature", _natures, _nature, columns=1),
        "severity": choice_step("staff.ask_severity", _severities, _classify, columns=3),
        "transfer": Step(ask_transfer, on_transfer),
        "report_by": day_step(
            "staff.ask_report_by",
            _report_by_day,
            extra=_report_default,
            on_extra=_report_by_default,
        ),
        "wait": choice_step(
            "staff.ask_waiting",
            _reasons,
            keep("reason", "staff.reason_chosen", "until"),
            columns=1,
        ),
        "until": day_step("staff.ask_waiting_until", _wait_until),
        "extend": day_step("staff.ask_extension_until", _extend_until),
        "call": choice_step("staff.ask_call_outcome", _outcomes, _call, columns=1),
        "liaison_when": Step(ask_liaison_when, on_liaison_when),
    },
    staff_only=True,
)

FEATURE = Feature(
    "cards",
    handlers=(
        CommandHandler("ticket", ticket_command, filters=PRIVATE),
        CallbackQueryHandler(card_tap, pattern=CardTap.pattern()),
        CallbackQueryHandler(extension_tap, pattern=ExtensionTap.pattern()),
    ),
    flows=(FLOW,),
)
