"""Staff access: invites and enrollment, and /staff to change or withdraw it.

Who may grant which role is decided by the permission rules; the buttons offered here are
only those the person may use, and every tap is checked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.domain.invites import InviteProblem
from bot.domain.permissions import staff_viewer
from bot.domain.staff import MANAGERS, STAFF_ADMINS, Department, Role, StaffMember
from bot.services.notifier import Notifier
from bot.services.staff import (
    Granter,
    InviteSpec,
    NotAllowed,
    change_staff,
    colleague,
    create_invite,
    everyone,
    redeem_invite,
)
from bot.webapp import menu as app_menu
from handlers import dialogue
from handlers.common import PRIVATE, refuse, remind_dialogue
from handlers.dialogue import Flow, choice_step, keep, state
from handlers.feature import Feature
from handlers.keyboards import grid
from handlers.runtime import Turn, entry

INVITE = "invite"
NO_ZONE = "-"
# Staff commands, the one list their command menu (`staff_menu`) and their /help
# (handlers.start.staff_help) are made of. Every member of staff has these …
STAFF_COMMANDS = (
    "status",
    "overdue",
    "mine",
    "find",
    "report",
    "export",
    "handover",
    "duty",
    "new",
    "ticket",
    "link",
    "unlink",
    "relay",
    "access",
    "desk",
    "menu",
    "help",
    "cancel",
)
# … and these only the roles named (the commands refuse everyone else): supervisors and
# managers write notices, read the ledgers, send the survey and record confidential
# service; the senior managers manage staff.
ROLE_COMMANDS: tuple[tuple[str, frozenset[Role]], ...] = (
    ("notice", MANAGERS),
    ("ledger", MANAGERS),
    ("survey", MANAGERS),
    ("confidential", MANAGERS),
    ("invite", STAFF_ADMINS),
    ("staff", STAFF_ADMINS),
)
MANAGER_COMMANDS = tuple(name for name, _ in ROLE_COMMANDS)


def commands_of(person: StaffMember) -> tuple[str, ...]:
    """The commands `person`'s role has, in the menu's order."""
    return STAFF_COMMANDS + tuple(name for name, roles in ROLE_COMMANDS if person.role in roles)


@dataclass(slots=True)
class Invite:
    """What /invite has chosen when it asks for the zone."""

    role: Role
    department: Department


def granter(turn: Turn) -> Granter:
    viewer = staff_viewer(turn.staff) if turn.staff is not None else None
    return Granter(viewer, is_admin=turn.is_admin)


# --- invites -----------------------------------------------------------------------------
@entry
async def invite_command(turn: Turn) -> None:
    """Create an enrollment link for a new staff member (administrators, senior managers)."""
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif not granter(turn).may_manage() or turn.desk.estate.id is None:
        refuse(turn)
    else:
        await dialogue.begin(turn, INVITE, "role")


def _roles(turn: Turn) -> list[tuple[str, str]]:
    allowed = granter(turn)
    return [(r.value, turn.t(f"role.{r.value}")) for r in Role if allowed.may_grant(r)]


def _departments(turn: Turn) -> list[tuple[str, str]]:
    return [(d.value, turn.t(f"department.{d.value}")) for d in Department]


def _zones(turn: Turn) -> list[tuple[str, str]]:
    return [(z, z) for z in turn.desk.estate.zones()] + [(NO_ZONE, turn.t("invite.no_zone"))]


async def _invite_for_zone(turn: Turn, value: str, label: str) -> None:
    chosen = state(turn, Invite)
    assert turn.desk.estate.id is not None
    hours = turn.desk.policy.staff.invite_hours
    spec = InviteSpec(chosen.role, chosen.department, None if value == NO_ZONE else value)
    turn.edit(turn.t("invite.zone_chosen", choice=label))
    turn.end()
    try:
        token = await create_invite(
            turn.uow,
            granter=granter(turn),
            estate_id=turn.desk.estate.id,
            spec=spec,
            created_by=turn.user_id,
            now=turn.now,
            valid_for=timedelta(hours=hours),
        )
    except NotAllowed:
        refuse(turn)
        return
    username = turn.update.get_bot().username
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
    staff_menu(turn, result)
    turn.reply(
        turn.t(
            "invite.enrolled",
            role=turn.t(f"role.{result.role.value}"),
            department=turn.t(f"department.{result.department.value}"),
            zone=result.zone or "—",
        )
    )


def staff_menu(turn: Turn, person: StaffMember) -> None:
    """Staff get their own command menu; withdrawn access takes it away."""
    if person.chat_id is None:
        return
    _app_button(turn, person)
    if not person.active:
        turn.chat_commands(person.chat_id, [])
        return
    turn.chat_commands(
        person.chat_id,
        [(name, turn.desk.t(person.language, f"command.{name}")) for name in commands_of(person)],
    )


def _app_button(turn: Turn, person: StaffMember) -> None:
    """With the Mini App (WEBAPP_URL), managers' menu button opens it; anyone else's (a
    demoted or deactivated manager's too) is Telegram's default."""
    url = turn.desk.settings.webapp_url
    if url is None or person.chat_id is None:
        return
    if app_menu.opens_app(person):
        turn.chat_menu_button(person.chat_id, app_menu.label(turn.desk, person), url)
    else:
        turn.chat_menu_button(person.chat_id, None, None)


# --- /staff --------------------------------------------------------------------------------
class Change(StrEnum):
    SHOW = "show"
    ROLE = "role"
    ZONE = "zone"
    DEACTIVATE = "off"


@dataclass(frozen=True, slots=True)
class StaffTap(CallbackData, prefix="sf"):
    """A button of /staff: show someone, or change their role, zone or access."""

    change: Change
    staff: int
    choice: str = ""


def _tap(
    label: str, change: Change, person: StaffMember, choice: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=StaffTap(change, person.id, choice).pack())


@entry
async def staff_command(turn: Turn) -> None:
    """List staff, with buttons to change a role or zone or to withdraw access."""
    if not granter(turn).may_manage() or turn.desk.estate.id is None:
        refuse(turn)
        return
    people = await everyone(turn.uow, turn.desk.estate.id)
    if not people:
        turn.reply(turn.t("staff.none"))
        return
    rows = [[_tap(_staff_label(turn, p), Change.SHOW, p)] for p in people]
    turn.edit(turn.t("staff.list", count=len(people)), InlineKeyboardMarkup(rows))


def _staff_label(turn: Turn, person: StaffMember) -> str:
    state = "" if person.active else " ✖"
    zone = f" · {person.zone}" if person.zone else ""
    role = turn.desk.texts.text(turn.language, f"role.{person.role.value}")
    return f"{person.name} · {role}{zone}{state}"


@entry
async def staff_member(turn: Turn) -> None:
    """One colleague: their details, or a change to them (checked again on every tap)."""
    query = turn.update.callback_query
    tap = StaffTap.unpack(query.data if query else None)
    estate_id = turn.desk.estate.id
    if not granter(turn).may_manage() or estate_id is None:
        refuse(turn)
        return
    person = await colleague(turn.uow, tap.staff, estate_id) if tap else None
    if tap is None or person is None:
        refuse(turn, "common.stale_button")
        return
    if tap.change is Change.ROLE and not tap.choice:
        _pick_role(turn, person)
    elif tap.change is Change.ZONE and not tap.choice:
        _pick_zone(turn, person)
    elif tap.change is Change.SHOW:
        _show_member(turn, person)
    else:
        await _apply(turn, tap, estate_id)


def _pick_role(turn: Turn, person: StaffMember) -> None:
    allowed = granter(turn)
    if not allowed.may_change(person):
        refuse(turn)
        return
    buttons = [
        _tap(turn.t(f"role.{r.value}"), Change.ROLE, person, r.value)
        for r in Role
        if allowed.may_grant(r)
    ]
    turn.edit(turn.t("staff.pick_role", name=turn.esc(person.name)), grid(buttons, 2))


def _pick_zone(turn: Turn, person: StaffMember) -> None:
    if not granter(turn).may_change(person):
        refuse(turn)
        return
    zones = [*turn.desk.estate.zones(), NO_ZONE]
    buttons = [
        _tap(z if z != NO_ZONE else turn.t("invite.no_zone"), Change.ZONE, person, z)
        for z in zones
    ]
    turn.edit(turn.t("staff.pick_zone", name=turn.esc(person.name)), grid(buttons, 4))


async def _apply(turn: Turn, tap: StaffTap, estate_id: int) -> None:
    role = Role(tap.choice) if tap.change is Change.ROLE and tap.choice in set(Role) else None
    if tap.change is Change.ROLE and role is None:
        refuse(turn, "common.stale_button")
        return
    zone = (tap.choice if tap.choice != NO_ZONE else "") if tap.change is Change.ZONE else None
    try:
        person = await change_staff(
            turn.uow,
            granter=granter(turn),
            staff_id=tap.staff,
            estate_id=estate_id,
            role=role,
            zone=zone,
            deactivate=tap.change is Change.DEACTIVATE,
            now=turn.now,
            notifier=Notifier(turn.uow, turn.views),
            ownership=turn.desk.policy.ownership.rule,
        )
    except NotAllowed:
        refuse(turn)
        return
    staff_menu(turn, person)
    _show_member(turn, person)


def _show_member(turn: Turn, person: StaffMember) -> None:
    text = turn.t(
        "staff.member",
        name=turn.esc(person.name),
        role=turn.t(f"role.{person.role.value}"),
        department=turn.t(f"department.{person.department.value}"),
        zone=person.zone or "—",
        state=turn.t("staff.active" if person.active else "staff.inactive"),
    )
    buttons = []
    if granter(turn).may_change(person):
        buttons = [
            _tap(turn.t("staff.change_role"), Change.ROLE, person),
            _tap(turn.t("staff.change_zone"), Change.ZONE, person),
        ]
        if person.active:
            buttons.append(_tap(turn.t("staff.deactivate"), Change.DEACTIVATE, person))
    turn.edit(text, grid(buttons, 2) if buttons else None)


FEATURE = Feature(
    "staff",
    handlers=(
        CommandHandler("invite", invite_command, filters=PRIVATE),
        CommandHandler("staff", staff_command, filters=PRIVATE),
        CallbackQueryHandler(staff_member, pattern=StaffTap.pattern()),
    ),
    flows=(
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
            staff_only=True,
        ),
    ),
)
