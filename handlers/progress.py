"""Long work shows progress: while a report or a spreadsheet is built the chat shows "sending
a photo…" or "sending a document…" (sendChatAction, which Telegram shows for about five
seconds, so it is repeated until the work is done), and a large export says so first.

These are signs of life, not promises: they are sent at once, outside the outbox, and a
failure to send them changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.htmltext import Html
from handlers.runtime import Turn

log = logging.getLogger(__name__)
REPEAT_SECONDS = 4.0  # Telegram shows a chat action for about 5 s


async def _show(turn: Turn, action: ChatAction) -> None:
    with contextlib.suppress(TelegramError):
        await turn.update.get_bot().send_chat_action(turn.chat_id, action)


@contextlib.asynccontextmanager
async def showing(turn: Turn, action: ChatAction) -> AsyncIterator[None]:
    """Show `action` in the chat for as long as the block runs."""

    async def repeat() -> None:
        while True:
            await _show(turn, action)
            await asyncio.sleep(REPEAT_SECONDS)

    task = asyncio.ensure_future(repeat())
    await asyncio.sleep(0)  # the first action goes out before the work starts
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def say_first(turn: Turn, text: Html) -> None:
    """A note before long work ("about N rows…"), sent now, ahead of the file."""
    try:
        await turn.update.get_bot().send_message(turn.chat_id, text, parse_mode="HTML")
    except TelegramError as exc:
        log.info("could not say that an export is under way: %s", exc)
