"""The chat menu button that opens the Mini App, for managers.

Set for every active manager at each start (so those enrolled before WEBAPP_URL was set
get it too), and again whenever someone's access changes (enrolled, promoted, demoted,
deactivated: handlers.staff), where it is set or put back to Telegram's default. Without
WEBAPP_URL nothing is set.
"""

from __future__ import annotations

import logging

from telegram import MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import Application

from bot.desk import Desk
from bot.domain.staff import StaffMember
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def opens_app(member: StaffMember) -> bool:
    """Whose menu button opens the Mini App: active managers (the others open it from
    /status)."""
    return member.active and member.is_manager and member.chat_id is not None


def label(desk: Desk, member: StaffMember) -> str:
    return desk.texts.text(member.language, "webapp.menu_button")


async def publish(application: Application) -> int:
    """Give every active manager of the estate the button; returns how many got it. A chat
    Telegram refuses (blocked, gone) is logged and skipped: the start goes on."""
    desk: Desk = application.bot_data["desk"]
    url = desk.settings.webapp_url
    if not url or desk.estate.id is None:
        return 0
    async with UnitOfWork(desk.sessions) as uow:
        managers = [m for m in await uow.staff.members(desk.estate.id) if opens_app(m)]
    done = 0
    for member in managers:
        assert member.chat_id is not None
        button = MenuButtonWebApp(label(desk, member), WebAppInfo(url))
        try:
            await application.bot.set_chat_menu_button(chat_id=member.chat_id, menu_button=button)
        except TelegramError as exc:
            log.warning("mini app: no menu button for staff %s (%s)", member.id, exc)
            continue
        done += 1
    return done
