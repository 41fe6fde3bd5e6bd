"""Commands and the catch-all: /start, /help, /cancel, /profile, the main menu, stray input."""

from __future__ import annotations

from bot.domain.invites import START_PREFIX, looks_like_invite
from bot.flows import FLOW_TITLES
from handlers import cards, dialogue, intake, staff
from handlers.complaint import start_complaint, start_suggestion
from handlers.keyboards import main_menu, menu_choice
from handlers.my_requests import reply_about_item, show_list, show_ticket, start_resident_message
from handlers.onboarding import PROFILE_FIELDS, edit_profile_field, show_profile, start_onboarding
from handlers.runtime import Input, InputKind, Turn, entry, read_input


def _flow_title(turn: Turn, flow: str) -> str:
    return turn.t(FLOW_TITLES.get(flow, "flow.complaint"))


async def _remind_dialogue(turn: Turn) -> None:
    assert turn.dialogue is not None
    turn.reply(turn.t("common.in_dialogue", flow=_flow_title(turn, turn.dialogue.flow)))
    await dialogue.prompt_again(turn)


def _note_expired(turn: Turn) -> None:
    if turn.expired is not None:
        title = _flow_title(turn, turn.expired.flow)
        idle = turn.desk.texts.duration(turn.language, turn.desk.policy.dialogue.idle)
        turn.reply(turn.t("common.expired", flow=title, idle=idle))


@entry
async def start(turn: Turn) -> None:
    """Greet: register a newcomer, welcome back a resident, or resume an open dialogue."""
    _note_expired(turn)
    text = turn.update.effective_message.text if turn.update.effective_message else ""
    payload = (text or "").split(maxsplit=1)[1:] or [""]
    if payload[0].startswith(START_PREFIX):
        if looks_like_invite(payload[0]):
            await staff.enroll(turn, payload[0])
        else:
            turn.reply(turn.t("invite.refused_invalid"))
        return
    if turn.dialogue is not None:
        await _remind_dialogue(turn)
    elif turn.resident is None and await staff.current_staff(turn) is not None:
        turn.reply(turn.t("staff.help"))
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        turn.reply(
            turn.t("common.welcome_back", name=turn.esc(turn.resident.name)), main_menu(turn)
        )


@entry
async def help_command(turn: Turn) -> None:
    """Explain what the bot does, without losing the step a dialogue is at."""
    turn.reply(
        turn.t("common.help"), main_menu(turn) if turn.resident and not turn.dialogue else None
    )
    if turn.dialogue is not None:
        await dialogue.prompt_again(turn)


@entry
async def cancel(turn: Turn) -> None:
    """Leave any dialogue at any step; nothing entered there is stored."""
    if turn.dialogue is None:
        turn.reply(turn.t("common.nothing_to_cancel"), main_menu(turn) if turn.resident else None)
        return
    turn.end()
    if turn.resident is None:
        turn.reply(turn.t("common.cancelled_onboarding"))
    else:
        turn.reply(turn.t("common.cancelled"), main_menu(turn))


@entry
async def profile(turn: Turn) -> None:
    """Show the resident's profile with buttons to change each part."""
    _note_expired(turn)
    if turn.dialogue is not None:
        await _remind_dialogue(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        show_profile(turn)


@entry
async def menu(turn: Turn) -> None:
    """Bring the main menu keyboard back."""
    if turn.dialogue is not None:
        await _remind_dialogue(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        turn.reply(turn.t("common.menu"), main_menu(turn))


@entry
async def invite(turn: Turn) -> None:
    """Create an enrollment link for a new staff member (administrators, senior managers)."""
    if turn.dialogue is not None:
        await _remind_dialogue(turn)
        return
    await staff.invite_command(turn)


@entry
async def new_item(turn: Turn) -> None:
    """Register an item received by phone, visit, letter or online (staff)."""
    if turn.dialogue is not None:
        await _remind_dialogue(turn)
        return
    await intake.new_command(turn)


@entry
async def staff_list(turn: Turn) -> None:
    """List staff, with buttons to change a role or zone or to withdraw access."""
    await staff.staff_command(turn)


@entry
async def ticket(turn: Turn) -> None:
    """Open an item's card by reference: /ticket TS-20261124-0001."""
    await cards.ticket_command(turn)


@entry
async def unknown_command(turn: Turn) -> None:
    """Answer a command the bot does not know, then carry on where the person was."""
    turn.reply(turn.t("common.unknown_command"))
    if turn.dialogue is not None:
        await dialogue.prompt_again(turn)


@entry
async def on_message(turn: Turn) -> None:
    """Any other message: the current dialogue step, a menu button, or a polite hint."""
    _note_expired(turn)
    inp = read_input(turn.update)
    if turn.dialogue is not None:
        if menu_choice(turn, inp.text) and inp.kind is InputKind.TEXT:
            await _remind_dialogue(turn)
            return
        await dialogue.dispatch(turn, inp)
        return
    if turn.resident is None:
        if await staff.current_staff(turn) is not None:
            turn.reply(turn.t("staff.help"))
            return
        turn.reply(turn.t("common.register_first"))
        await start_onboarding(turn)
        return
    if await reply_about_item(turn, inp):
        return
    await _menu_action(turn, inp)


async def _menu_action(turn: Turn, inp: Input) -> None:
    choice = menu_choice(turn, inp.text) if inp.kind is InputKind.TEXT else None
    if choice == "menu.complaint":
        await start_complaint(turn)
    elif choice == "menu.suggestion":
        await start_suggestion(turn)
    elif choice == "menu.my_requests":
        await show_list(turn)
    elif choice == "menu.help":
        turn.reply(turn.t("common.help"), main_menu(turn))
    else:
        turn.reply(turn.t("common.not_understood"), main_menu(turn))


@entry
async def on_button(turn: Turn) -> None:
    """Inline buttons: dialogue steps, My requests, profile; anything else is stale."""
    _note_expired(turn)
    data = turn.update.callback_query.data if turn.update.callback_query else None
    data = data or ""
    if dialogue.is_dialogue_button(data):
        if turn.dialogue is None:
            turn.answer(turn.t("common.stale_button"))
            return
        await dialogue.dispatch(turn, read_input(turn.update))
        return
    kind, _, value = data.partition(":")
    if kind == "t":
        await cards.card_action(turn, value)
        return
    if kind in ("sf", "sr", "sz", "sd"):
        await staff.staff_member(turn, kind, value)
        return
    if turn.resident is None or kind not in ("tk", "rq", "pf", "rm"):
        turn.answer(turn.t("common.stale_button"))
        return
    if kind == "rm" and value.isdigit():
        await start_resident_message(turn, int(value))
    elif kind == "tk" and value.isdigit():
        await show_ticket(turn, int(value))
    elif kind == "rq" and value.isdigit():
        await show_list(turn, int(value))
    elif kind == "pf" and value in PROFILE_FIELDS:
        if turn.dialogue is not None:
            turn.answer(turn.t("common.finish_first"))
            await dialogue.prompt_again(turn)
            return
        await edit_profile_field(turn, value)
    else:
        turn.answer(turn.t("common.stale_button"))
