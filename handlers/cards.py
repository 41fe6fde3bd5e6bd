"""Items as cards: /ticket, the one-tap actions, and the short dialogues some actions need."""

from __future__ import annotations

from telegram import Message

from bot.domain.permissions import Action, can
from bot.domain.staff import Department
from bot.domain.tickets import Nature, Severity
from bot.domain.validation import Invalid, clean_text
from bot.domain.workflow import Classification, WaitingReason
from bot.services import workflow
from bot.services.workflow import ActionContext, Refused, scope_of, viewer_of
from handlers import dialogue
from handlers.dialogue import Flow, Step, button, choice_step, goto, keep, reprompt, tapped
from handlers.keyboards import grid
from handlers.notices import card_markup, card_text, queue
from handlers.output import fingerprint_of
from handlers.runtime import Input, InputKind, Turn
from handlers.staff import current_staff, refuse
from storage.models import Staff

STAFF_INPUT = "st"
TEXT_ACTIONS = {
    "rep": "staff.ask_reply",
    "note": "staff.ask_note",
    "res": "staff.ask_result",
    "back": "staff.ask_send_back",
    "explain": "staff.ask_explanation",
}


# --- /ticket and the card --------------------------------------------------------------------
async def ticket_command(turn: Turn) -> None:
    staff = await current_staff(turn)
    if staff is None:
        refuse(turn)
        return
    text = turn.update.effective_message.text if turn.update.effective_message else ""
    parts = (text or "").split()
    ticket = await turn.uow.tickets.by_reference(parts[1].upper()) if len(parts) > 1 else None
    if ticket is None or not can(viewer_of(staff), Action.VIEW, scope_of(ticket)):
        turn.reply(turn.t("staff.ticket_not_found"))
        return
    turn.reply(
        card_text(turn.desk, turn.language, ticket, None),
        card_markup(turn.desk, turn.language, ticket),
    )


async def card_action(turn: Turn, value: str) -> None:
    """t:<action>:<id> from a card. Forged or stale data is refused and changes nothing."""
    code, _, ticket_text = value.partition(":")
    staff = await current_staff(turn)
    if staff is None or not ticket_text.isdigit():
        refuse(turn)
        return
    ticket_id = int(ticket_text)
    ctx = ActionContext(turn.uow, staff, turn.now, turn.desk.policy)
    try:
        if code == "acc":
            notices = await workflow.accept(ctx, ticket_id)
        elif code == "ok":
            notices = await workflow.accept_result(ctx, ticket_id)
        elif code == "ph":
            phone = await workflow.contact_phone(ctx, ticket_id)
            turn.answer(turn.t("staff.phone", phone=phone or "—"), alert=True)
            return
        elif code == "pic":
            ticket = await workflow.load(turn.uow, viewer_of(staff), ticket_id, Action.VIEW)
            turn.answer(None if ticket.attachments else turn.t("staff.no_photos"))
            turn.photos([a.file_id for a in ticket.attachments])
            return
        elif code in ("rep", "note", "res", "back", "cls", "trf", "wait"):
            action = {
                "rep": Action.REPLY,
                "note": Action.NOTE,
                "res": Action.RESOLVE,
                "back": Action.REVIEW,
                "cls": Action.CLASSIFY,
                "trf": Action.TRANSFER,
                "wait": Action.WAIT,
            }[code]
            await workflow.load(turn.uow, viewer_of(staff), ticket_id, action)
            await _begin_input(turn, code, ticket_id)
            return
        else:
            raise Refused(code)
    except Refused:
        refuse(turn)
        return
    await _after(turn, staff, ticket_id, notices, "staff.done")


async def _after(
    turn: Turn, staff: Staff, ticket_id: int, notices: list[workflow.Notice], done_key: str
) -> None:
    await queue(turn.desk, turn.uow, notices, turn)
    ticket = await turn.uow.tickets.get(ticket_id)
    assert ticket is not None
    text = card_text(turn.desk, staff.language, ticket, None)
    markup = card_markup(turn.desk, staff.language, ticket)
    card = (turn.dialogue.data if turn.dialogue else {}).get("card")
    if turn.update.callback_query is not None and not card:
        turn.answer(turn.t(done_key))
        turn.edit(text, markup)
        return
    if turn.update.callback_query is not None:
        turn.edit(turn.t(done_key))  # the question's buttons go; the card carries on
    else:
        turn.reply(turn.t(done_key))
    if isinstance(card, list) and len(card) == 3:
        turn.edit_message(int(card[0]), int(card[1]), text, markup, shown=str(card[2]))


async def _begin_input(turn: Turn, code: str, ticket_id: int) -> None:
    query = turn.update.callback_query
    message = query.message if query else None
    card = (
        [message.chat.id, message.message_id, fingerprint_of(message)]
        if isinstance(message, Message)
        else None
    )
    step = {"cls": "nature", "trf": "transfer", "wait": "wait"}.get(code, "text")
    turn.answer()
    await dialogue.begin(turn, STAFF_INPUT, step, ticket=ticket_id, mode=code, card=card)


# --- the staff input dialogue ---------------------------------------------------------------
def _data(turn: Turn) -> dict[str, object]:
    assert turn.dialogue is not None
    return turn.dialogue.data


async def ask_text(turn: Turn) -> None:
    turn.reply(turn.t(TEXT_ACTIONS[str(_data(turn)["mode"])]))


async def on_text(turn: Turn, inp: Input) -> None:
    if inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    text = clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)
    if isinstance(text, Invalid):
        await reprompt(turn, text)
        return
    mode = str(_data(turn)["mode"])
    if mode == "explain":
        classification = Classification(
            Nature.INVALID, Severity(str(_data(turn)["severity"])), text
        )
        await _finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))
        return
    run = {
        "rep": workflow.reply,
        "note": workflow.note,
        "res": workflow.resolve,
        "back": workflow.send_back,
    }[mode]
    await _finish(turn, lambda ctx, tid: run(ctx, tid, text))


def _natures(turn: Turn) -> list[tuple[str, str]]:
    return [(n.value, turn.t(f"nature.{n.value}")) for n in Nature]


def _severities(turn: Turn) -> list[tuple[str, str]]:
    return [(v.value, turn.t(f"severity.{v.value}")) for v in Severity]


def _reasons(turn: Turn) -> list[tuple[str, str]]:
    return [(r, turn.t(f"waiting.{r}")) for r in WaitingReason.ALL]


async def _classify(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("staff.severity_chosen", choice=label))
    nature = Nature(str(_data(turn)["nature"]))
    if nature is Nature.INVALID:
        _data(turn).update(severity=value, mode="explain")
        await goto(turn, "text")
        return
    classification = Classification(nature, Severity(value))
    await _finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))


async def _wait(turn: Turn, value: str, label: str) -> None:
    await _finish(turn, lambda ctx, tid: workflow.wait(ctx, tid, value))


async def ask_transfer(turn: Turn) -> None:
    buttons = [button(turn, turn.t(f"department.{d.value}"), f"d.{d.value}") for d in Department]
    staff = await current_staff(turn)
    if staff is not None:
        people = await turn.uow.staff.active(staff.estate_id)
        buttons += [
            button(turn, f"👤 {p.name} · {turn.t(f'role.{p.role}')}", f"p.{p.id}")
            for p in people
            if p.id != staff.id
        ]
    turn.reply(turn.t("staff.ask_transfer"), grid(buttons, 2))


async def on_transfer(turn: Turn, inp: Input) -> None:
    value = tapped(turn, inp) or ""
    kind, _, target = value.partition(".")
    if kind == "d" and target in {d.value for d in Department}:
        await _finish(
            turn, lambda ctx, tid: workflow.transfer(ctx, tid, department=Department(target))
        )
    elif kind == "p" and target.isdigit():
        await _finish(turn, lambda ctx, tid: workflow.transfer(ctx, tid, staff_id=int(target)))
    else:
        await reprompt(turn, "invalid.use_buttons")


async def _finish(turn: Turn, run: workflow.Runner) -> None:
    staff = await current_staff(turn)
    ticket_id = int(str(_data(turn)["ticket"]))
    if staff is None:
        turn.end()
        refuse(turn)
        return
    try:
        notices = await run(ActionContext(turn.uow, staff, turn.now, turn.desk.policy), ticket_id)
    except Refused:
        turn.end()
        refuse(turn)
        return
    await _after(turn, staff, ticket_id, notices, "staff.done")
    turn.end()


dialogue.register_flow(
    Flow(
        STAFF_INPUT,
        {
            "text": Step(ask_text, on_text),
            "nature": choice_step(
                "staff.ask_nature",
                _natures,
                keep("nature", "staff.nature_chosen", "severity"),
                columns=1,
            ),
            "severity": choice_step("staff.ask_severity", _severities, _classify, columns=3),
            "transfer": Step(ask_transfer, on_transfer),
            "wait": choice_step("staff.ask_waiting", _reasons, _wait, columns=1),
        },
    )
)
