"""Staff access: who is staff, invites and enrollment, and /staff to change or withdraw it."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.invites import InviteProblem
from bot.domain.permissions import can_manage_staff
from bot.domain.staff import STAFF_ADMINS, Department, Role
from bot.services.staff import InviteSpec, change_staff, create_invite, redeem_invite
from bot.services.workflow import viewer_of
from handlers import dialogue
from handlers.dialogue import Flow, choice_step, keep
from handlers.keyboards import grid
from handlers.runtime import Turn
from storage.models import Staff

INVITE = "iv"


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


def refuse(turn: Turn, key: str = "staff.not_allowed") -> None:
    if turn.update.callback_query is not None:
        turn.answer(turn.t(key), alert=True)
    else:
        turn.reply(turn.t(key))


# --- invites -----------------------------------------------------------------------------
async def invite_command(turn: Turn) -> None:
    if not await _may_manage(turn):
        refuse(turn)
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
            valid=turn.duration(timedelta(hours=hours)),
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
    _staff_menu(turn, result)
    turn.reply(
        turn.t(
            "invite.enrolled",
            role=turn.t(f"role.{result.role}"),
            department=turn.t(f"department.{result.department}"),
            zone=result.zone or "—",
        )
    )


# --- /staff --------------------------------------------------------------------------------
STAFF_COMMANDS = ("new", "ticket", "help", "cancel")
MANAGER_COMMANDS = ("invite", "staff")


def _staff_menu(turn: Turn, person: Staff) -> None:
    """Staff get their own command menu; withdrawn access takes it away."""
    if person.chat_id is None:
        return
    if not person.active:
        turn.chat_commands(person.chat_id, [])
        return
    names = STAFF_COMMANDS + (MANAGER_COMMANDS if person.role in STAFF_ADMINS else ())
    turn.chat_commands(
        person.chat_id,
        [(name, turn.desk.t(person.language, f"command.{name}")) for name in names],
    )


async def staff_command(turn: Turn) -> None:
    if not await _may_manage(turn) or turn.desk.estate.id is None:
        refuse(turn)
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
        refuse(turn)
        return
    staff_id_text, _, choice = rest.partition(":")
    if not staff_id_text.isdigit():
        refuse(turn, "common.stale_button")
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
        refuse(turn, "common.stale_button")
        return
    if (kind in ("sr", "sz") and choice) or kind == "sd":
        _staff_menu(turn, person)
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


dialogue.register_flow(
    Flow(
        INVITE,
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
