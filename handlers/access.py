"""Privacy at the Telegram edge: `/access 1-1202 reason` (or a reference) and the senior
and chief butlers' Approve / Refuse under the request; `/confidential 1-1202 on|off`, a
manager recording the resident's consent to confidential service."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.domain.estate import parse_unit_input
from bot.services import access, directory
from handlers.common import PRIVATE, refuse, subject_and_text
from handlers.feature import Feature
from handlers.runtime import Turn, entry


class Answer(StrEnum):
    APPROVE = "y"
    REFUSE = "n"


@dataclass(frozen=True, slots=True)
class AccessTap(CallbackData, prefix="ac"):
    """An approver's answer to a request for access beyond the asker's remit."""

    answer: Answer
    grant: int


def _buttons(grant_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("access.approve", AccessTap(Answer.APPROVE, grant_id).pack()),
        ("access.refuse", AccessTap(Answer.REFUSE, grant_id).pack()),
    )


@entry
async def access_command(turn: Turn) -> None:
    """/access 1-1202 why (or /access TS-… why): asks the senior and the chief butler."""
    if turn.staff is None:
        refuse(turn)
        return
    subject, reason = subject_and_text(turn)
    if not subject or not reason:
        turn.reply(turn.t("access.usage"))
        return
    asked = await access.ask(
        turn.uow,
        turn.views,
        turn.staff,
        estate=turn.desk.estate,
        subject=subject,
        reason=reason[: turn.desk.policy.dialogue.max_text_chars],
        buttons=_buttons,
        now=turn.now,
    )
    if asked is None:
        turn.reply(turn.t("access.nothing", subject=subject))
        return
    turn.reply(turn.t("access.requested", subject=subject))


@entry
async def access_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = AccessTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn, "common.stale_button")
        return
    try:
        status = await access.decide(
            turn.uow,
            turn.views,
            turn.staff,
            tap.grant,
            approve=tap.answer is Answer.APPROVE,
            hours=turn.desk.policy.staff.access_hours,
            now=turn.now,
        )
    except access.NotAllowed:
        refuse(turn, "common.stale_button")
        return
    turn.edit(turn.t(f"access.decided_{status}"))


SWITCH = {"on": True, "off": False}


@entry
async def confidential_command(turn: Turn) -> None:
    """/confidential 1-1202 on (the resident consented) or off."""
    if turn.staff is None:
        refuse(turn)
        return
    message = turn.update.effective_message
    words = ((message.text if message else None) or "").split()
    estate = turn.desk.estate
    address = parse_unit_input(words[1], estate) if len(words) == 3 else None
    switch = SWITCH.get(words[2].lower()) if len(words) == 3 else None
    if address is None or switch is None:
        turn.reply(turn.t("privacy.usage"))
        return
    building, unit = address
    try:
        found = await directory.mark_confidential(
            turn.uow,
            turn.views,
            turn.staff,
            estate=estate,
            building=building,
            unit=unit,
            confidential=switch,
            now=turn.now,
        )
    except directory.NotManager:
        refuse(turn)
        return
    home = f"{building.name} {unit}"
    if found is None:
        turn.reply(turn.t("privacy.nobody", home=home))
        return
    turn.reply(turn.t("privacy.marked_on" if switch else "privacy.marked_off", home=home))


FEATURE = Feature(
    "access",
    handlers=(
        CommandHandler("access", access_command, filters=PRIVATE),
        CommandHandler("confidential", confidential_command, filters=PRIVATE),
        CallbackQueryHandler(access_tap, pattern=AccessTap.pattern()),
    ),
)
