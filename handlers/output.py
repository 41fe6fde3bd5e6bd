"""What an update says back, delivered after commit; Telegram's refusals delay, never lose.

Each kind of output knows how to deliver itself and what, if anything, to queue in the
outbox when Telegram cannot take it now. Edits are skipped when they would change nothing:
Telegram answers such an edit with 400 "message is not modified".

A call Telegram cannot have acted on (no connection, a 5xx) is made again at once, a few
times, and so is an edit or a command menu whose answer was lost (twice is once); a message
whose answer was lost is not sent again (`bot.delivery`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MaybeInaccessibleMessage,
    MenuButtonDefault,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.delivery import Fate, again, fate_of, not_modified
from bot.htmltext import CAPTION_LIMIT, Html, fit
from bot.markup import ReplyMarkup, markup_to_dict
from bot.sending import edit_html, fingerprint, send_html

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A reply Telegram would not take now, to be queued in the outbox: a new message, or
    (with `edits`) the new face of the message of that id in `chat_id`."""

    text: Html  # fitted HTML, as the outbox stores it
    markup: ReplyMarkup | None
    chat_id: int | None = None  # None: the turn's chat
    edits: int | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where output goes: the person's chat, and the message whose button was tapped."""

    bot: Bot
    chat_id: int
    tapped: MaybeInaccessibleMessage | None


class Output(Protocol):
    async def deliver(self, target: Target) -> str | None:
        """Make the Bot API call(s); Telegram's errors propagate to the flush. A text sent
        or edited only as plain text (its HTML refused) returns the note to keep with it."""

    def deferred(self, target: Target) -> Deferred | None:
        """What to queue if Telegram refuses for now; None when it is not worth keeping."""


def fingerprint_of(message: Message) -> str:
    """The fingerprint of a message as Telegram echoes it (its text is plain)."""
    markup = message.reply_markup
    shown = markup if markup and markup.inline_keyboard else None
    return fingerprint(message.text or "", shown)


def what(kind: str, key: str | None) -> str:
    """How a log line names a message: its catalogue key, when it is one text."""
    return f"{kind} {key}" if key else kind


@dataclass(frozen=True, slots=True)
class Send:
    text: str
    markup: ReplyMarkup | None = None
    key: str | None = None  # the catalogue key it was rendered from, if one

    async def deliver(self, target: Target) -> str | None:
        return await self.send(target)

    async def send(self, target: Target) -> str | None:
        """Send it; a note if Telegram took it only as plain text (see bot.sending)."""
        _, note = await send_html(
            target.bot,
            target.chat_id,
            fit(self.text),
            self.markup,
            what=what("a reply", self.key),
        )
        return note

    def deferred(self, target: Target | None = None) -> Deferred:
        return Deferred(fit(self.text), self.markup)


@dataclass(frozen=True, slots=True)
class EditTapped:
    """Rewrite the message whose button was tapped, unless it already reads so."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    shown: str | None = None  # what the bot last drew there, if it has a record
    face: str | None = None  # the fingerprint of this text and keyboard, once worked out
    key: str | None = None  # the catalogue key it was rendered from, if one

    def echoed(self, query: CallbackQuery | None) -> str | None:
        """The fingerprint of the tapped message as Telegram echoes it, if it does."""
        message = query.message if query is not None else None
        return fingerprint_of(message) if isinstance(message, Message) else None

    def _changes(self, target: Target) -> Message | None:
        """The tapped message, if this edit would change it."""
        message = target.tapped
        if not isinstance(message, Message):
            return None  # too old for Telegram to show us; nothing to edit
        shown = self.shown or fingerprint_of(message)
        return None if shown == (self.face or fingerprint(self.text, self.markup)) else message

    async def deliver(self, target: Target) -> str | None:
        """Make the edit; a note if Telegram took it only as plain text (see bot.sending)."""
        message = self._changes(target)
        if message is None:
            return None
        return await again(
            lambda: edit_html(
                target.bot,
                message.chat.id,
                message.message_id,
                fit(self.text),
                self.markup,
                what=what("the tapped message", self.key),
            ),
            idempotent=True,
            done=not_modified,
        )

    def deferred(self, target: Target) -> Deferred | None:
        """Redrawn later: until then the message shows (and its buttons offer) the past."""
        message = self._changes(target)
        if message is None:
            return None
        return Deferred(fit(self.text), self.markup, message.chat.id, message.message_id)


@dataclass(frozen=True, slots=True)
class EditMessage:
    """Rewrite an earlier message (a card, after a typed reply) unless nothing changed."""

    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    shown: str | None = None  # fingerprint of what the message showed when last drawn
    face: str | None = None  # the fingerprint of this text and keyboard, once worked out
    key: str | None = None  # the catalogue key it was rendered from, if one

    def _unchanged(self) -> bool:
        return self.shown == (self.face or fingerprint(self.text, self.markup))

    async def deliver(self, target: Target) -> str | None:
        """Make the edit; a note if Telegram took it only as plain text (see bot.sending)."""
        if self._unchanged():
            return None
        return await again(
            lambda: edit_html(
                target.bot,
                self.chat_id,
                self.message_id,
                fit(self.text),
                self.markup,
                what=what("an earlier message", self.key),
            ),
            idempotent=True,
            done=not_modified,
        )

    def deferred(self, target: Target) -> Deferred | None:
        if self._unchanged():
            return None
        return Deferred(fit(self.text), self.markup, self.chat_id, self.message_id)


@dataclass(frozen=True, slots=True)
class Photos:
    """Stored photos (Telegram file ids) sent back to this chat, as albums of up to ten. If
    Telegram cannot take them now, the person is told (`when_busy`) to tap Photos again."""

    file_ids: tuple[str, ...]
    when_busy: str | None = None

    async def deliver(self, target: Target) -> None:
        bot, chat = target.bot, target.chat_id
        for start in range(0, len(self.file_ids), 10):
            chunk = self.file_ids[start : start + 10]
            if len(chunk) == 1:
                await again(partial(bot.send_photo, chat, chunk[0]), idempotent=False)
            else:
                album = [InputMediaPhoto(f) for f in chunk]
                await again(partial(bot.send_media_group, chat, album), idempotent=False)

    def deferred(self, target: Target) -> Deferred | None:
        return Deferred(fit(self.when_busy), None) if self.when_busy else None


@dataclass(frozen=True, slots=True)
class Voices:
    """Stored voice notes (Telegram file ids) sent back to this chat as they came."""

    file_ids: tuple[str, ...]
    when_busy: str | None = None  # as for Photos (the same button)

    async def deliver(self, target: Target) -> None:
        for file_id in self.file_ids:
            await again(partial(target.bot.send_voice, target.chat_id, file_id), idempotent=False)

    def deferred(self, target: Target) -> Deferred | None:
        return Deferred(fit(self.when_busy), None) if self.when_busy else None


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
        caption = str(fit(self.caption, CAPTION_LIMIT))
        bot, chat = target.bot, target.chat_id
        if self.photo:
            send = partial(bot.send_photo, chat, self.data)
        else:
            send = partial(bot.send_document, chat, self.data, filename=self.file_name)
        await again(partial(send, caption=caption, parse_mode=ParseMode.HTML), idempotent=False)

    def deferred(self, target: Target) -> Deferred:
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
            await again(lambda: target.bot.set_my_commands(menu, scope=scope), idempotent=True)
        else:
            await again(lambda: target.bot.delete_my_commands(scope=scope), idempotent=True)

    def deferred(self, target: Target) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ChatMenuButton:
    """The chat's menu button: the managers' Mini App (`url`, with its `label`), or
    Telegram's default (None) for someone who should not have it (any more)."""

    chat_id: int
    label: str | None = None
    url: str | None = None

    async def deliver(self, target: Target) -> None:
        button = (
            MenuButtonWebApp(self.label, WebAppInfo(self.url))
            if self.label and self.url
            else MenuButtonDefault()
        )
        call = partial(target.bot.set_chat_menu_button, chat_id=self.chat_id, menu_button=button)
        await again(call, idempotent=True)

    def deferred(self, target: Target) -> None:
        return None  # set again at the next start (bot.webapp.menu)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Telegram would not take the rest now: queue it, not before `not_before`."""

    pending: list[Deferred]
    not_before: datetime


async def deliver_all(outputs: list[Output], target: Target, now: datetime) -> Refusal | None:
    """Send in order. When Telegram will not take a call now (429, 5xx, no connection) the
    unsent rest is returned to be queued; when a call's answer is lost, Telegram may have
    acted on it: it is not made again, and the rest carries on."""
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
        except TelegramError as exc:
            fate = fate_of(exc)
            if fate is None:
                raise
            if fate is Fate.MAYBE_SENT:
                log.warning(
                    "%s to chat %s: Telegram's answer was lost (%s); outcome unknown",
                    type(item).__name__,
                    target.chat_id,
                    exc,
                )
                continue
            wait = exc.retry_after if isinstance(exc, RetryAfter) else timedelta(0)
            if not isinstance(wait, timedelta):
                wait = timedelta(seconds=float(wait))
            rest: list[Deferred] = []
            for later in outputs[index:]:
                deferred = later.deferred(target)
                if deferred is not None and deferred not in rest:  # one "ask again" is enough
                    rest.append(deferred)
            return Refusal(rest, now + wait)
    return None


def queued_markup(deferred: Deferred) -> dict[str, object] | None:
    return markup_to_dict(deferred.markup)
