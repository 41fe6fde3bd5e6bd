"""The edge every handler shares: one unit of work per update, replies sent after commit."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes

from bot.clock import utcnow
from bot.delivery import again, query_answered
from bot.desk import Desk
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from bot.htmltext import Html, escape, plain
from bot.i18n import language_from_telegram
from bot.markup import ReplyMarkup, markup_to_dict
from bot.views import Views
from handlers.output import (
    ChatCommands,
    ChatMenuButton,
    EditMessage,
    EditTapped,
    File,
    Output,
    Photos,
    Refusal,
    Send,
    Target,
    Voices,
    deliver_all,
    fingerprint,
)
from handlers.replies import REPLY_PURPOSE, DurableEdit, DurableSend, ReplyLedger
from scheduler.outbox import EDIT_PURPOSE
from storage.availability import database_unavailable
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
# How long messages queued by an update stay reserved for this process to send.
OUTBOX_LEASE = timedelta(minutes=2)


class InputKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    CONTACT = "contact"
    PHOTO = "photo"
    VOICE = "voice"  # a voice note: its file and length
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Input:
    """What the person did, stripped of Telegram's shapes."""

    kind: InputKind
    text: str | None = None
    data: str | None = None
    phone: str | None = None
    contact_is_own: bool = False
    contact_name: str | None = None  # the name on a shared contact card
    photo_file_id: str | None = None
    voice_file_id: str | None = None
    voice_seconds: int = 0


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
        card = message.contact
        name = " ".join(part for part in (card.first_name, card.last_name) if part)
        return Input(
            InputKind.CONTACT,
            phone=card.phone_number,
            contact_is_own=own,
            contact_name=name or None,
        )
    if message.photo:
        return Input(
            InputKind.PHOTO, text=message.caption, photo_file_id=message.photo[-1].file_id
        )
    if message.voice is not None:
        voice, length = message.voice, message.voice.duration
        seconds = int(length.total_seconds()) if isinstance(length, timedelta) else int(length)
        return Input(InputKind.VOICE, voice_file_id=voice.file_id, voice_seconds=seconds)
    if message.text is not None:
        kind = InputKind.COMMAND if message.text.startswith("/") else InputKind.TEXT
        return Input(kind, text=message.text)
    return Input(InputKind.OTHER)


@dataclass(slots=True)
class DialogueState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


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
        self.staff: StaffMember | None = None  # active staff only: withdrawn access is none
        self.dialogue: DialogueState | None = None
        self.expired: DialogueState | None = None
        self.language = language_from_telegram(
            update.effective_user.language_code, desk.settings.default_language
        )
        self._out: list[Output] = []
        self._ledger = ReplyLedger(uow, sender=desk.outbox)
        self._answer: tuple[str | None, bool] | None = None
        self._dialogue_touched = False
        # The catalogue key of each text this turn rendered: a reply that is one text is
        # logged and listed (`python -m bot outbox`) by its key.
        self._keys: dict[str, str] = {}

    async def load(self) -> None:
        snapshot = await self.uow.residents.snapshot(self.user_id)
        self.resident, row = snapshot.resident, snapshot.dialogue
        if snapshot.staff is not None and snapshot.staff.active:
            self.staff = snapshot.staff
            self.language = snapshot.staff.language
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

    @property
    def is_admin(self) -> bool:
        """Listed in ADMIN_IDS: may enrol the first staff, whether or not staff themselves."""
        return self.user_id in self.desk.settings.admin_ids

    @property
    def views(self) -> Views:
        return self.desk.views

    # --- texts ---
    def t(self, key: str, /, **values: object) -> Html:
        text = self.desk.t(self.language, key, **values)
        self._keys[text] = key
        return text

    @staticmethod
    def esc(value: object) -> Html:
        return escape(str(value))

    def moment(self, value: datetime) -> str:
        """A time in the person's language and the desk's time zone."""
        return self.desk.texts.moment(self.language, value, self.desk.settings.tz)

    def day(self, value: date) -> str:
        return self.desk.texts.day(self.language, value)

    def short_day(self, value: date) -> str:
        return self.desk.texts.short_day(self.language, value)

    def duration(self, value: timedelta) -> str:
        return self.desk.texts.duration(self.language, value)

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
    def reply(self, text: str, markup: ReplyMarkup | None = None) -> None:
        self._out.append(Send(text, markup, self._keys.get(text)))

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Rewrite the message whose button was tapped (falls back to a new message)."""
        if self.update.callback_query is None:
            self.reply(text, markup)
        else:
            key = self._keys.get(text)
            self._out.append(EditTapped(text, markup, key=key))

    def edit_message(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        *,
        shown: str | None = None,
    ) -> None:
        """Rewrite an earlier message (a staff card after a typed reply, say)."""
        key = self._keys.get(text)
        self._out.append(EditMessage(chat_id, message_id, text, markup, shown, key=key))

    def chat_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None:
        self._out.append(ChatCommands(chat_id, tuple(commands)))

    def chat_menu_button(self, chat_id: int, label: str | None, url: str | None) -> None:
        """The chat's menu button opens the Mini App (label and url), or is the default."""
        self._out.append(ChatMenuButton(chat_id, label, url))

    def photos(self, file_ids: list[str]) -> None:
        """Send stored photos (Telegram file ids) back to this chat, as an album if several."""
        if file_ids:
            self._out.append(Photos(tuple(file_ids), self.t("photos.busy")))

    def voices(self, file_ids: list[str]) -> None:
        """Send stored voice notes back to this chat, each as it came."""
        if file_ids:
            self._out.append(Voices(tuple(file_ids), self.t("photos.busy")))

    def file(
        self, data: bytes, file_name: str, caption: str, *, photo: bool, when_busy: str
    ) -> None:
        """Upload a file made for this person (a chart as a photo, or a document)."""
        self._out.append(File(data, file_name, caption, photo, when_busy))

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """The callback query's answer: a short plain-text notice (no formatting)."""
        self._answer = (plain(text) if text is not None else None, alert)

    async def record_drawings(self) -> None:
        """Before the commit: compare each edit with what the bot last drew in that message
        (its own record, not Telegram's echo, which may be older), and record the new face
        in the same transaction, so no edit that changes nothing is ever sent."""
        edits = [
            (index, item, self._drawn_key(item))
            for index, item in enumerate(self._out)
            if isinstance(item, EditTapped | EditMessage)
        ]
        keys = [key for _, _, key in edits if key is not None]
        if not keys:
            return
        faces = await self.uow.drawn.faces(keys)
        for index, item, key in edits:
            if key is None:
                continue
            # Worked out once here, not again when the edit is queued and when it is sent.
            face = fingerprint(item.text, item.markup)
            shown = faces.get(key, item.shown)
            if shown is None and isinstance(item, EditTapped):
                shown = item.echoed(self.update.callback_query)  # no record: Telegram's echo
            self._out[index] = dataclasses.replace(item, shown=shown, face=face)
            faces[key] = face
        await self.uow.drawn.remember({key: faces[key] for key in keys}, self.now)

    def _drawn_key(self, item: EditTapped | EditMessage) -> tuple[int, int] | None:
        if isinstance(item, EditMessage):
            return item.chat_id, item.message_id
        query = self.update.callback_query
        tapped = query.message if query is not None else None
        return (tapped.chat.id, tapped.message_id) if isinstance(tapped, Message) else None

    def queue_replies(self) -> None:
        """Write the turn's new messages and redraws to the outbox with its commit
        (handlers.replies): from then on a crash delays them, and never loses them."""
        for index, item in enumerate(self._out):
            if isinstance(item, EditTapped | EditMessage):
                self._queue_edit(index, item)
            if isinstance(item, Send):
                queued = item.deferred()
                row = self.uow.outbox.add_reply(
                    chat_id=self.chat_id,
                    text=queued.text,
                    reply_markup=markup_to_dict(queued.markup),
                    purpose=REPLY_PURPOSE,
                    now=self.now,
                )
                self._ledger.rows.append(row)
                self._out[index] = DurableSend(item, row, self._ledger)

    def _queue_edit(self, index: int, item: EditTapped | EditMessage) -> None:
        """A redraw that changes its message, kept as its new face (an edit that would
        change nothing is neither kept nor made)."""
        query = self.update.callback_query
        tapped = query.message if query is not None else None
        face = item.deferred(Target(self.update.get_bot(), self.chat_id, tapped))
        if face is None or face.edits is None:
            return
        row = self.uow.outbox.add_reply(
            chat_id=self.chat_id if face.chat_id is None else face.chat_id,
            text=face.text,
            reply_markup=markup_to_dict(face.markup),
            purpose=EDIT_PURPOSE,
            now=self.now,
        )
        row.telegram_message_id = face.edits
        self._ledger.rows.append(row)
        self._out[index] = DurableEdit(item, row, self._ledger)

    async def flush(self, application: Application) -> None:
        """Deliver what the turn said; runs after commit so nothing is promised unsaved.

        If Telegram refuses for now (429, 5xx, network), the unsent replies stay in the
        outbox, so a reply is delayed, never lost.
        """
        query = self.update.callback_query
        if query is not None:
            text, alert = self._answer or (None, False)
            try:
                # Twice is once: a repeat after a lost answer is told "query is too old".
                answer = functools.partial(query.answer, text=text, show_alert=alert)
                await again(answer, idempotent=True, done=query_answered)
            except (RetryAfter, NetworkError):
                log.warning("could not answer callback query %s", query.id)
        target = Target(
            self.update.get_bot(), self.chat_id, query.message if query is not None else None
        )
        try:
            try:
                refusal = await deliver_all(self._out, target, utcnow())
            except Exception as exc:
                if not database_unavailable(exc):
                    await self._ledger.settle(None, interrupted=True)
                raise
            await self._ledger.settle(refusal)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # The turn is committed; only the record of its replies is left to write.
            untried = self._ledger.leave_to_sender()
            if untried and self.desk.outbox is not None:
                self.desk.outbox.hand_over(untried, application)
            return
        if refusal is not None and refusal.pending:
            await self._defer(refusal)

    async def _defer(self, refusal: Refusal) -> None:
        """Queue the replies Telegram would not take now, for when it will."""
        async with UnitOfWork(self.desk.sessions) as uow:
            for item in refusal.pending:
                row = uow.outbox.add(
                    chat_id=self.chat_id if item.chat_id is None else item.chat_id,
                    text=item.text,
                    reply_markup=markup_to_dict(item.markup),
                    purpose="deferred_reply" if item.edits is None else EDIT_PURPOSE,
                    now=utcnow(),
                    not_before=refusal.not_before,
                )
                row.telegram_message_id = item.edits  # the message an edit redraws
            await uow.commit()


TurnHandler = Callable[[Turn], Awaitable[None]]
PTBCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def entry(handler: TurnHandler) -> PTBCallback:
    """Wrap a turn handler: open the unit of work, load the person, commit once, then reply.

    The update's id is written first, in the same transaction: an update handled before
    (Telegram sends it again after a crash, or the webhook gets it twice) is skipped with
    no effect and no reply; two processes racing on one update meet on its key, and the one
    that finds it taken rolls back.
    """

    @functools.wraps(handler)
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_user is None or update.effective_chat is None:
            return
        desk: Desk = context.bot_data["desk"]
        paced = desk.outbox.wait_for if desk.outbox is not None else None
        async with UnitOfWork(desk.sessions, lease_outbox=OUTBOX_LEASE, paced=paced) as uow:
            now = utcnow()
            if not await uow.updates.claim(update.update_id, now):
                log.info("update %s was handled already; skipped", update.update_id)
                return
            turn = Turn(update, desk, uow, now)
            await turn.load()
            await handler(turn)
            await turn.save()
            await turn.record_drawings()
            turn.queue_replies()
            await uow.commit()
            await turn.flush(
                context.application
            )  # after the commit; its session records the replies' fate
        if uow.outbox.leased and desk.outbox is not None:
            desk.outbox.hand_over(uow.outbox.leased, context.application)

    return callback
