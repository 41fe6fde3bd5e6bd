"""The edge every handler shares: one unit of work per update, replies sent after commit."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.clock import utcnow
from bot.desk import Desk
from bot.domain.residents import ResidentCard
from bot.i18n import language_from_telegram
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
# How long messages queued by an update stay reserved for this process to send.
OUTBOX_LEASE = timedelta(minutes=2)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class InputKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    CONTACT = "contact"
    PHOTO = "photo"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Input:
    """What the person did, stripped of Telegram's shapes."""

    kind: InputKind
    text: str | None = None
    data: str | None = None
    phone: str | None = None
    contact_is_own: bool = False
    photo_file_id: str | None = None


def read_input(update: Update) -> Input:
    if update.callback_query is not None:
        return Input(InputKind.BUTTON, data=update.callback_query.data or "")
    message = update.effective_message
    if message is None:
        return Input(InputKind.OTHER)
    if message.contact is not None:
        own = message.contact.user_id is not None and message.contact.user_id == (
            update.effective_user.id if update.effective_user else None
        )
        return Input(InputKind.CONTACT, phone=message.contact.phone_number, contact_is_own=own)
    if message.photo:
        return Input(
            InputKind.PHOTO, text=message.caption, photo_file_id=message.photo[-1].file_id
        )
    if message.text is not None:
        kind = InputKind.COMMAND if message.text.startswith("/") else InputKind.TEXT
        return Input(kind, text=message.text)
    return Input(InputKind.OTHER)


@dataclass(slots=True)
class DialogueState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Send:
    text: str
    markup: Markup | None


@dataclass(frozen=True, slots=True)
class _ChatCommands:
    """The command menu of one chat (staff see theirs); empty removes it."""

    chat_id: int
    commands: tuple[tuple[str, str], ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class _Photos:
    file_ids: tuple[str, ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class _Edit:
    text: str
    markup: InlineKeyboardMarkup | None
    chat_id: int | None = None  # None: the message whose button was tapped
    message_id: int | None = None


class Turn:
    """One update being handled: who, in which language, at which step, and what to say."""

    def __init__(self, update: Update, desk: Desk, uow: UnitOfWork, now: datetime) -> None:
        assert update.effective_user is not None
        assert update.effective_chat is not None
        self.update = update
        self.desk = desk
        self.uow = uow
        self.now = now
        self.user_id = update.effective_user.id
        self.chat_id = update.effective_chat.id
        self.resident: ResidentCard | None = None
        self.dialogue: DialogueState | None = None
        self.expired: DialogueState | None = None
        self.language = language_from_telegram(
            update.effective_user.language_code, desk.settings.default_language
        )
        self._out: list[_Send | _Edit | _Photos | _ChatCommands] = []
        self._answer: tuple[str | None, bool] | None = None
        self._dialogue_touched = False

    async def load(self) -> None:
        self.resident, row = await self.uow.residents.snapshot(self.user_id)
        if row is not None:
            state = DialogueState(row.flow, row.step, dict(row.data))
            if row.expires_at <= self.now:
                self.expired = state
                await self.uow.dialogues.drop(self.user_id)
            else:
                self.dialogue = state
                self.language = row.language
        if self.resident is not None and self.dialogue is None:
            self.language = self.resident.language

    # --- texts ---
    def t(self, key: str, /, **values: object) -> str:
        return self.desk.t(self.language, key, **values)

    @staticmethod
    def esc(value: object) -> str:
        return html.escape(str(value), quote=False)

    def local(self, moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(self.desk.settings.tz).strftime(fmt)

    # --- dialogue state ---
    def start(self, flow: str, step: str, data: dict[str, Any] | None = None) -> DialogueState:
        self.dialogue = DialogueState(flow, step, dict(data or {}))
        self._dialogue_touched = True
        return self.dialogue

    def touch(self) -> None:
        self._dialogue_touched = True

    def end(self) -> None:
        self.dialogue = None
        self._dialogue_touched = True

    async def save(self) -> None:
        if not self._dialogue_touched:
            return
        if self.dialogue is None:
            await self.uow.dialogues.drop(self.user_id)
            return
        await self.uow.dialogues.save(
            user_id=self.user_id,
            chat_id=self.chat_id,
            flow=self.dialogue.flow,
            step=self.dialogue.step,
            data=self.dialogue.data,
            language=self.language,
            now=self.now,
            idle=self.desk.policy.dialogue.idle,
        )

    # --- output ---
    def reply(self, text: str, markup: Markup | None = None) -> None:
        self._out.append(_Send(text, markup))

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Rewrite the message whose button was tapped (falls back to a new message)."""
        if self.update.callback_query is None:
            self.reply(text, markup)
        else:
            self._out.append(_Edit(text, markup))

    def edit_message(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Rewrite an earlier message (a staff card after a typed reply, say)."""
        self._out.append(_Edit(text, markup, chat_id, message_id))

    def chat_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None:
        self._out.append(_ChatCommands(chat_id, tuple(commands)))

    def photos(self, file_ids: list[str]) -> None:
        """Send stored photos (Telegram file ids) back to this chat, as an album if several."""
        if file_ids:
            self._out.append(_Photos(tuple(file_ids)))

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        self._answer = (text, alert)

    async def flush(self) -> None:
        """Deliver what the turn said; runs after commit so nothing is promised unsaved.

        If Telegram refuses for now (429, 5xx, network), the unsent replies go to the outbox,
        so a reply is delayed, never lost.
        """
        query = self.update.callback_query
        if query is not None:
            text, alert = self._answer or (None, False)
            try:
                await query.answer(text=text, show_alert=alert)
            except (RetryAfter, NetworkError):
                log.warning("could not answer callback query %s", query.id)
        bot = self.update.get_bot()
        message = query.message if query is not None else None
        for index, item in enumerate(self._out):
            text = _fit(item.text)
            try:
                if isinstance(item, _Photos):
                    await _send_photos(bot, self.chat_id, item.file_ids)
                elif isinstance(item, _ChatCommands):
                    scope = BotCommandScopeChat(item.chat_id)
                    if item.commands:
                        await bot.set_my_commands(
                            [BotCommand(name, about) for name, about in item.commands],
                            scope=scope,
                        )
                    else:
                        await bot.delete_my_commands(scope=scope)
                elif isinstance(item, _Edit) and item.message_id is not None:
                    await bot.edit_message_text(
                        text,
                        item.chat_id,
                        item.message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=item.markup,
                    )
                elif isinstance(item, _Edit) and isinstance(message, Message):
                    await message.edit_text(
                        text, parse_mode=ParseMode.HTML, reply_markup=item.markup
                    )
                else:
                    await bot.send_message(
                        self.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=item.markup
                    )
            except BadRequest as exc:
                if "not modified" not in exc.message and "to edit not found" not in exc.message:
                    raise
            except Forbidden:
                log.info("chat %s blocked the bot; reply dropped", self.chat_id)
                return
            except TimedOut:
                # Possibly delivered: resending could duplicate it, so carry on with the rest.
                log.warning("reply to chat %s timed out; outcome unknown", self.chat_id)
            except (RetryAfter, NetworkError):
                await self._defer(self._out[index:])
                return

    async def _defer(self, items: list[_Send | _Edit | _Photos | _ChatCommands]) -> None:
        """Queue replies Telegram would not take now; edits only mark choices, so they go."""
        async with UnitOfWork(self.desk.sessions) as uow:
            for item in items:
                if isinstance(item, _Send):
                    uow.outbox.add(
                        chat_id=self.chat_id,
                        text=_fit(item.text),
                        reply_markup=item.markup.to_dict() if item.markup else None,
                        purpose="deferred_reply",
                        now=utcnow(),
                    )
            await uow.commit()


async def _send_photos(bot: Bot, chat_id: int, file_ids: tuple[str, ...]) -> None:
    if len(file_ids) == 1:
        await bot.send_photo(chat_id, file_ids[0])
        return
    for start in range(0, len(file_ids), 10):  # an album holds 2-10 items
        chunk = file_ids[start : start + 10]
        if len(chunk) == 1:
            await bot.send_photo(chat_id, chunk[0])
        else:
            await bot.send_media_group(chat_id, [InputMediaPhoto(f) for f in chunk])


def _fit(text: str) -> str:
    """Stay inside Telegram's limit even if a template and user text together overflow."""
    limit = MessageLimit.MAX_TEXT_LENGTH
    return text if len(text) <= limit - 100 else text[: limit - 200] + "…"


TurnHandler = Callable[[Turn], Awaitable[None]]
PTBCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def entry(handler: TurnHandler) -> PTBCallback:
    """Wrap a turn handler: open the unit of work, load the person, commit once, then reply."""

    @functools.wraps(handler)
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_user is None or update.effective_chat is None:
            return
        desk: Desk = context.bot_data["desk"]
        async with UnitOfWork(desk.sessions, lease_outbox=OUTBOX_LEASE) as uow:
            turn = Turn(update, desk, uow, utcnow())
            await turn.load()
            await handler(turn)
            await turn.save()
            await uow.commit()
        await turn.flush()
        if uow.outbox.leased and desk.outbox is not None:
            desk.outbox.hand_over(uow.outbox.leased, context.application)

    return callback
