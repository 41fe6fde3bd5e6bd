"""Staff side: invites and enrollment, /staff, /ticket, and the one-tap actions on a card."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.invites import InviteProblem
from bot.domain.permissions import Action, can, can_manage_staff
from bot.domain.staff import Department, Role
from bot.domain.tickets import Nature, Severity
from bot.domain.validation import Invalid, clean_text
from bot.domain.workflow import Classification, WaitingReason
from bot.services import workflow
from bot.services.staff import InviteSpec, change_staff, create_invite, redeem_invite
from bot.services.workflow import ActionContext, Refused, scope_of, viewer_of
from handlers import dialogue
from handlers.dialogue import Flow, Step, button, choice_step, goto, keep, reprompt, tapped
from handlers.keyboards import grid
from handlers.notices import card_markup, card_text, queue
from handlers.runtime import Input, InputKind, Turn
from storage.models import Resident, Staff

INVITE, STAFF_INPUT = "iv", "st"
TEXT_ACTIONS = {
    "rep": "staff.ask_reply",
    "note": "staff.ask_note",
    "res": "staff.ask_result",
    "back": "staff.ask_send_back",
    "explain": "staff.ask_explanation",
}


async def current_staff(turn: Turn) -> Staff | None:
    staff = await turn.uow.staff.by_telegram_id(turn.user_id)
    return staff if staff is not None and staff.active else None


def _is_admin(turn: Turn) -> bool:
    return turn.user_id in turn.desk.settings.admin_ids


async def _may_manage(turn: Turn) -> bool:
    staff = await current_staff(turn)
    if staff is not None:
        return can_manage_staff(viewer_of(staff), is_admin=_is_admin(turn))
    return _is_admin(turn)


def _refuse(turn: Turn, key: str = "staff.not_allowed") -> None:
    if turn.update.callback_query is not None:
        turn.answer(turn.t(key), alert=True)
    else:
        turn.reply(turn.t(key))


# --- invites -----------------------------------------------------------------------------
async def invite_command(turn: Turn) -> None:
    if not await _may_manage(turn):
        _refuse(turn)
        return
    await dialogue.begin(turn, INVITE, "role")


def _roles(turn: Turn) -> list[tuple[str, str]]:
    return [(r.value, turn.t(f"role.{r.value}")) for r in Role]


def _departments(turn: Turn) -> list[tuple[str, str]]:
    return [(d.value, turn.t(f"department.{d.value}")) for d in Department]


def _zones(turn: Turn) -> list[tuple[str, str]]:
    return [(z, z) for z in turn.desk.estate.zones()] + [("-", turn.t("invite.no_zone"))]


async def _invite_for_zone(turn: Turn, value: str, label: str) -> None:
    assert turn.dialogue is not None
    assert turn.desk.estate.id is not None
    data = turn.dialogue.data
    hours = turn.desk.policy.staff.invite_hours
    spec = InviteSpec(
        Role(data["role"]), Department(data["department"]), None if value == "-" else value
    )
    token = await create_invite(
        turn.uow,
        estate_id=turn.desk.estate.id,
        spec=spec,
        created_by=turn.user_id,
        now=turn.now,
        valid_for=timedelta(hours=hours),
    )
    username = turn.update.get_bot().username
    turn.edit(turn.t("invite.zone_chosen", choice=label))
    turn.end()
    turn.reply(
        turn.t(
            "invite.link",
            link=f"https://t.me/{username}?start={token}",
            hours=hours,
            role=turn.t(f"role.{spec.role.value}"),
        )
    )


async def enroll(turn: Turn, token: str) -> None:
    """/start inv_…: the link from an invite."""
    user = turn.update.effective_user
    assert user is not None
    result = await redeem_invite(
        turn.uow,
        token=token,
        telegram_user_id=turn.user_id,
        chat_id=turn.chat_id,
        name=user.full_name,
        language=turn.language,
        now=turn.now,
    )
    if isinstance(result, InviteProblem):
        turn.reply(turn.t(f"invite.refused_{result.value}"))
        return
    turn.reply(
        turn.t(
            "invite.enrolled",
            role=turn.t(f"role.{result.role}"),
            department=turn.t(f"department.{result.department}"),
            zone=result.zone or "—",
        )
    )


# --- /staff --------------------------------------------------------------------------------
async def staff_command(turn: Turn) -> None:
    if not await _may_manage(turn) or turn.desk.estate.id is None:
        _refuse(turn)
        return
    people = await turn.uow.staff.all(turn.desk.estate.id)
    if not people:
        turn.reply(turn.t("staff.none"))
        return
    rows = [
        [InlineKeyboardButton(_staff_label(turn, p), callback_data=f"sf:{p.id}")] for p in people
    ]
    turn.edit(turn.t("staff.list", count=len(people)), InlineKeyboardMarkup(rows))


def _staff_label(turn: Turn, person: Staff) -> str:
    state = "" if person.active else " ✖"
    zone = f" · {person.zone}" if person.zone else ""
    return f"{person.name} · {turn.t(f'role.{person.role}')}{zone}{state}"


async def staff_member(turn: Turn, kind: str, rest: str) -> None:
    """sf:<id> shows one; sr/sz/sd:<id>[:<choice>] change role, zone, or deactivate."""
    if not await _may_manage(turn) or turn.desk.estate.id is None:
        _refuse(turn)
        return
    staff_id_text, _, choice = rest.partition(":")
    if not staff_id_text.isdigit():
        _refuse(turn, "common.stale_button")
        return
    staff_id = int(staff_id_text)
    if kind == "sr" and choice:
        person = await change_staff(
            turn.uow,
            staff_id,
            turn.desk.estate.id,
            role=Role(choice) if choice in Role._value2member_map_ else None,
            now=turn.now,
        )
    elif kind == "sz" and choice:
        person = await change_staff(
            turn.uow,
            staff_id,
            turn.desk.estate.id,
            zone="" if choice == "-" else choice,
            now=turn.now,
        )
    elif kind == "sd":
        person = await change_staff(
            turn.uow, staff_id, turn.desk.estate.id, deactivate=True, now=turn.now
        )
    else:
        person = await turn.uow.staff.get(staff_id)
    if person is None or person.estate_id != turn.desk.estate.id:
        _refuse(turn, "common.stale_button")
        return
    if kind == "sr" and not choice:
        buttons = [
            InlineKeyboardButton(
                turn.t(f"role.{r.value}"), callback_data=f"sr:{person.id}:{r.value}"
            )
            for r in Role
        ]
        turn.edit(turn.t("staff.pick_role", name=turn.esc(person.name)), grid(buttons, 2))
        return
    if kind == "sz" and not choice:
        zones = [*turn.desk.estate.zones(), "-"]
        buttons = [
            InlineKeyboardButton(
                z if z != "-" else turn.t("invite.no_zone"), callback_data=f"sz:{person.id}:{z}"
            )
            for z in zones
        ]
        turn.edit(turn.t("staff.pick_zone", name=turn.esc(person.name)), grid(buttons, 4))
        return
    text = turn.t(
        "staff.member",
        name=turn.esc(person.name),
        role=turn.t(f"role.{person.role}"),
        department=turn.t(f"department.{person.department}"),
        zone=person.zone or "—",
        state=turn.t("staff.active" if person.active else "staff.inactive"),
    )
    buttons = [
        InlineKeyboardButton(turn.t("staff.change_role"), callback_data=f"sr:{person.id}"),
        InlineKeyboardButton(turn.t("staff.change_zone"), callback_data=f"sz:{person.id}"),
    ]
    if person.active:
        buttons.append(
            InlineKeyboardButton(turn.t("staff.deactivate"), callback_data=f"sd:{person.id}")
        )
    turn.edit(text, grid(buttons, 2))


# --- /ticket and the card --------------------------------------------------------------------
async def ticket_command(turn: Turn) -> None:
    staff = await current_staff(turn)
    if staff is None:
        _refuse(turn)
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
        _refuse(turn)
        return
    ticket_id = int(ticket_text)
    ctx = ActionContext(turn.uow, staff, turn.now, turn.desk.policy)
    try:
        if code == "acc":
            notices = await workflow.accept(ctx, ticket_id)
        elif code == "ok":
            notices = await workflow.accept_result(ctx, ticket_id)
        elif code == "ph":
            await _show_phone(turn, staff, ticket_id)
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
        _refuse(turn)
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
    if isinstance(card, list) and len(card) == 2:
        turn.edit_message(int(card[0]), int(card[1]), text, markup)


async def _show_phone(turn: Turn, staff: Staff, ticket_id: int) -> None:
    """Phones only for the people handling the item, and every look is logged."""
    ticket = await workflow.load(turn.uow, viewer_of(staff), ticket_id, Action.VIEW)
    if staff.id not in (ticket.owner_staff_id, ticket.assignee_staff_id):
        raise Refused("phone")
    resident = await turn.uow.session.get(Resident, ticket.resident_id or 0)
    phone = ticket.contact_phone or (resident.phone if resident else "")
    turn.uow.access_log.record(
        staff_id=staff.id,
        resident_id=ticket.resident_id,
        ticket_id=ticket.id,
        what="phone",
        now=turn.now,
    )
    turn.answer(turn.t("staff.phone", phone=phone or "—"), alert=True)


async def _begin_input(turn: Turn, code: str, ticket_id: int) -> None:
    query = turn.update.callback_query
    message = query.message if query else None
    card = [message.chat.id, message.message_id] if message is not None else None
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
        _refuse(turn)
        return
    try:
        notices = await run(ActionContext(turn.uow, staff, turn.now, turn.desk.policy), ticket_id)
    except Refused:
        turn.end()
        _refuse(turn)
        return
    await _after(turn, staff, ticket_id, notices, "staff.done")
    turn.end()


dialogue.register_flow(
    Flow(
        INVITE,
        "flow.invite",
        {
            "role": choice_step(
                "invite.ask_role", _roles, keep("role", "invite.role_chosen", "department")
            ),
            "department": choice_step(
                "invite.ask_department",
                _departments,
                keep("department", "invite.department_chosen", "zone"),
            ),
            "zone": choice_step("invite.ask_zone", _zones, _invite_for_zone, columns=4),
        },
    )
)
dialogue.register_flow(
    Flow(
        STAFF_INPUT,
        "flow.staff_input",
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
