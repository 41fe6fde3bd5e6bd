"""What an update says back, delivered after commit; Telegram's refusals delay, never lose.

Each kind of output knows how to deliver itself and what, if anything, to queue in the
outbox when Telegram cannot take it now. Edits are skipped when they would change nothing:
Telegram answers such an edit with 400 "message is not modified".
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MaybeInaccessibleMessage,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.htmltext import CAPTION_LIMIT, fit, plain
from bot.markup import ReplyMarkup, markup_to_dict
from bot.sending import edit_html, send_html

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A reply Telegram would not take now, to be queued in the outbox."""

    text: str
    markup: ReplyMarkup | None


@dataclass(frozen=True, slots=True)
class Target:
    """Where output goes: the person's chat, and the message whose button was tapped."""

    bot: Bot
    chat_id: int
    tapped: MaybeInaccessibleMessage | None


class Output(Protocol):
    async def deliver(self, target: Target) -> None:
        """Make the Bot API call(s); Telegram's errors propagate to the flush."""

    def deferred(self) -> Deferred | None:
        """What to queue if Telegram refuses for now; None when it is not worth keeping."""


def fingerprint(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """Identify what a message shows, to tell whether an edit would change anything:
    what Telegram keeps of the text (tags dropped, entities decoded, ends trimmed)."""
    buttons = json.dumps(markup_to_dict(markup), sort_keys=True)
    shown = plain(fit(text)).strip()
    return hashlib.sha1(f"{shown}\x00{buttons}".encode()).hexdigest()[:16]


def fingerprint_of(message: Message) -> str:
    """The fingerprint of a message as Telegram echoes it (its text is plain)."""
    markup = message.reply_markup
    shown = markup if markup and markup.inline_keyboard else None
    return fingerprint(message.text or "", shown)


@dataclass(frozen=True, slots=True)
class Send:
    text: str
    markup: ReplyMarkup | None = None

    async def deliver(self, target: Target) -> None:
        await self.send(target)

    async def send(self, target: Target) -> str | None:
        """Send it; a note if Telegram took it only as plain text (see bot.sending)."""
        _, note = await send_html(
            target.bot, target.chat_id, fit(self.text), self.markup, what="a reply"
        )
        return note

    def deferred(self) -> Deferred:
        return Deferred(fit(self.text), self.markup)


@dataclass(frozen=True, slots=True)
class EditTapped:
    """Rewrite the message whose button was tapped, unless it already reads so."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    shown: str | None = None  # what the bot last drew there, if it has a record

    async def deliver(self, target: Target) -> None:
        message = target.tapped
        if not isinstance(message, Message):
            return  # too old for Telegram to show us; nothing to edit
        shown = self.shown or fingerprint_of(message)
        if shown == fingerprint(self.text, self.markup):
            return
        await edit_html(
            target.bot,
            message.chat.id,
            message.message_id,
            fit(self.text),
            self.markup,
            what="the tapped message",
        )

    def deferred(self) -> None:
        return None  # an edit only marks a choice; the next question carries on


@dataclass(frozen=True, slots=True)
class EditMessage:
    """Rewrite an earlier message (a card, after a typed reply) unless nothing changed."""

    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    shown: str | None = None  # fingerprint of what the message showed when last drawn

    async def deliver(self, target: Target) -> None:
        if self.shown == fingerprint(self.text, self.markup):
            return
        await edit_html(
            target.bot,
            self.chat_id,
            self.message_id,
            fit(self.text),
            self.markup,
            what="an earlier message",
        )

    def deferred(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Photos:
    """Stored photos (Telegram file ids) sent back to this chat, as albums of up to ten."""

    file_ids: tuple[str, ...]

    async def deliver(self, target: Target) -> None:
        for start in range(0, len(self.file_ids), 10):
            chunk = self.file_ids[start : start + 10]
            if len(chunk) == 1:
                await target.bot.send_photo(target.chat_id, chunk[0])
            else:
                await target.bot.send_media_group(
                    target.chat_id, [InputMediaPhoto(f) for f in chunk]
                )

    def deferred(self) -> None:
        return None  # the person can tap Photos again


@dataclass(frozen=True, slots=True)
class Voices:
    """Stored voice notes (Telegram file ids) sent back to this chat as they came."""

    file_ids: tuple[str, ...]

    async def deliver(self, target: Target) -> None:
        for file_id in self.file_ids:
            await target.bot.send_voice(target.chat_id, file_id)

    def deferred(self) -> None:
        return None  # the person can tap Photos again


@dataclass(frozen=True, slots=True)
class File:
    """A file made for this person (a report's chart, a spreadsheet), uploaded with a short
    caption. If Telegram cannot take it now, they are told (through the outbox) to ask
    again: the file is rebuilt from the registry, which is where the facts live."""

    data: bytes
    file_name: str
    caption: str
    photo: bool
    when_busy: str

    async def deliver(self, target: Target) -> None:
        if self.photo:
            await target.bot.send_photo(
                target.chat_id,
                self.data,
                caption=str(fit(self.caption, CAPTION_LIMIT)),
                parse_mode=ParseMode.HTML,
            )
        else:
            await target.bot.send_document(
                target.chat_id,
                self.data,
                filename=self.file_name,
                caption=str(fit(self.caption, CAPTION_LIMIT)),
                parse_mode=ParseMode.HTML,
            )

    def deferred(self) -> Deferred:
        return Deferred(fit(self.when_busy), None)


@dataclass(frozen=True, slots=True)
class ChatCommands:
    """The command menu of one chat (staff see theirs); empty removes it."""

    chat_id: int
    commands: tuple[tuple[str, str], ...]

    async def deliver(self, target: Target) -> None:
        scope = BotCommandScopeChat(self.chat_id)
        if self.commands:
            menu = [BotCommand(name, about) for name, about in self.commands]
            await target.bot.set_my_commands(menu, scope=scope)
        else:
            await target.bot.delete_my_commands(scope=scope)

    def deferred(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Telegram would not take the rest now: queue it, not before `not_before`."""

    pending: list[Deferred]
    not_before: datetime


async def deliver_all(outputs: list[Output], target: Target, now: datetime) -> Refusal | None:
    """Send in order; on 429/5xx/network the unsent rest is returned to be queued."""
    for index, item in enumerate(outputs):
        try:
            await item.deliver(target)
        except BadRequest as exc:
            if "to edit not found" in exc.message:
                continue  # the person deleted the message; the next one carries on
            # Committed already, so the person's step is saved; this is a bug to fix.
            log.error("Telegram refused %s: %s", type(item).__name__, exc.message)
        except Forbidden:
            log.info("chat %s blocked the bot; reply dropped", target.chat_id)
            return None
        except TimedOut:
            # Possibly delivered: resending could duplicate it, so carry on with the rest.
            log.warning("reply to chat %s timed out; outcome unknown", target.chat_id)
        except (RetryAfter, NetworkError) as exc:
            wait = exc.retry_after if isinstance(exc, RetryAfter) else timedelta(0)
            if not isinstance(wait, timedelta):
                wait = timedelta(seconds=float(wait))
            rest = [d for d in (o.deferred() for o in outputs[index:]) if d is not None]
            return Refusal(rest, now + wait)
    return None


def queued_markup(deferred: Deferred) -> dict[str, object] | None:
    return markup_to_dict(deferred.markup)
