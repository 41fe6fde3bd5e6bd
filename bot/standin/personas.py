"""People in a test: `resident.says(...)`, `.taps(...)`, `.shares_contact()`, `.sends_photo()`.

Each action becomes a real Telegram update (a dict, then `Update.de_json`) processed by the
real `Application`; what the bot sent back is read from the fake server's transcript.
"""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.standin.bot_api import FakeBotAPI, SentMessage
from bot.standin.markup import keyboard_buttons

AfterUpdate = Callable[[], Awaitable[Any]]
FED_KEPT = 100


@dataclass
class Fed:
    """One update handed to the bot, and the stretch of the event log its handling took
    (from `start` to `end`, `after_update` included): what the bot answered is in there."""

    update: dict[str, Any]
    chat_id: int | None
    chat_type: str | None
    query_id: str | None
    start: int
    end: int = -1

    @classmethod
    def of(cls, update: dict[str, Any], start: int) -> Fed:
        query = update.get("callback_query")
        message = next((v for v in update.values() if isinstance(v, dict)), {})
        if isinstance(query, dict):
            message = query.get("message") or {}
        chat = message.get("chat") or {}
        return cls(
            update,
            chat.get("id"),
            chat.get("type"),
            str(query["id"]) if isinstance(query, dict) else None,
            start,
        )


class TelegramSim:
    """Feeds updates to an application in-process, then runs `after_update` (the app flushes
    its outbox there). With `application=None` updates are queued for a bot in another
    process that polls getUpdates."""

    def __init__(
        self,
        api: FakeBotAPI,
        application: Application | None,
        after_update: AfterUpdate | None = None,
    ) -> None:
        self.api = api
        self.application = application
        self.after_update = after_update
        # The last updates fed, newest last, each with where to find its answers.
        self.fed: deque[Fed] = deque(maxlen=FED_KEPT)

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Resident",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> Persona:
        """A person with a private chat with the bot (their chat id is their user id)."""
        self.api.known_chat(user_id, first_name=first_name)
        return Persona(self, user_id, first_name, language_code, username)

    async def feed(self, update: dict[str, Any]) -> None:
        """Deliver one raw update dict, exactly as Telegram would."""
        if self.application is None:
            self.api.push_update(update)
            return
        self.api.saw_update(update)
        fed = Fed.of(update, self.api.mark())
        await self.application.process_update(Update.de_json(update, self.application.bot))
        if self.after_update is not None:
            await self.after_update()
        fed.end = self.api.mark()
        self.fed.append(fed)

    def answers(self, fed: Fed) -> list[str]:
        """What the bot did about one update while handling it: the messages it sent or
        edited in the update's chat (by method), and `answerCallbackQuery` for a tap it
        answered. Empty: it said nothing."""
        done = [m.method for m in self.api.events_between(fed.chat_id, fed.start, fed.end)]
        if fed.query_id is not None and fed.query_id in self.api.callback_answers:
            done.append("answerCallbackQuery")
        return done

    async def channel_post(self, chat_id: int, text: str, *, title: str = "Estate news") -> None:
        """A post in a channel the bot was added to: no sender, only the channel."""
        chat = {"id": chat_id, "type": "channel", "title": title}
        post = {
            "message_id": self.api.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "sender_chat": chat,
            "text": text,
        }
        await self.feed({"update_id": self.api.next_update_id(), "channel_post": post})


class Persona:
    """One person's side of a private chat: actions in, the bot's messages out."""

    def __init__(
        self,
        sim: TelegramSim,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
    ) -> None:
        self.sim = sim
        self.api = sim.api
        self.user_id = user_id
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        if username:
            self.user["username"] = username
        self._mark = self.api.mark()
        self.sent: list[dict[str, Any]] = []
        self.actions = 0  # updates this person sent: messages, taps, contacts, photos…

    @property
    def chat_id(self) -> int:
        """Private chats have the person's user id."""
        return self.user_id

    # --- what the bot said ---
    @property
    def transcript(self) -> list[SentMessage]:
        """Every bot message in this chat, oldest first, as it stands now."""
        return self.api.messages(self.user_id)

    @property
    def replies(self) -> list[SentMessage]:
        """Bot messages sent or edited in this chat during the last action, once each."""
        seen: dict[int, SentMessage] = {}
        for message in self.api.events_since(self.user_id, self._mark):
            seen.setdefault(message.message_id, message)
        return list(seen.values())

    @property
    def last_text(self) -> str:
        """Text or caption (source, edits applied) of the message the bot last sent or
        edited here."""
        last = self.api.last_event(self.user_id)
        return last.body if last else ""

    def _keyboard_message(self) -> SentMessage | None:
        for message in reversed(self.transcript):
            if not message.deleted and message.inline_buttons():
                return message
        return None

    def _reply_keyboard(self) -> list[dict[str, Any]]:
        return keyboard_buttons(self.api.reply_keyboard(self.user_id))

    def buttons(self) -> list[str]:
        """Labels on the newest inline keyboard, then on the reply keyboard the person has."""
        message = self._keyboard_message()
        inline = [b["text"] for b in message.inline_buttons()] if message else []
        return inline + [b["text"] for b in self._reply_keyboard()]

    # --- what the person does ---
    def _message(self, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self.api.next_message_id(self.user_id),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.user["first_name"]},
            "from": dict(self.user),
            **content,
        }
        self.sent.append(message)
        return message

    async def _deliver(self, update: dict[str, Any]) -> None:
        self.actions += 1
        self.api.saw_update(update)
        self._mark = self.api.mark()
        await self.sim.feed(update)

    async def _send(self, **content: Any) -> None:
        await self._deliver(
            {"update_id": self.api.next_update_id(), "message": self._message(**content)}
        )

    async def says(self, text: str) -> None:
        """A typed message; a leading /command gets its bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self._send(**content)

    async def edits(self, message: dict[str, Any], text: str) -> None:
        """The person edits a text message they sent earlier (Telegram sends the whole
        message again, with its new text and an edit date)."""
        edited = {k: v for k, v in message.items() if k not in ("text", "entities", "caption")}
        edited["caption" if "caption" in message else "text"] = text
        edited["edit_date"] = int(time.time())
        await self._deliver({"update_id": self.api.next_update_id(), "edited_message": edited})

    async def says_in_group(
        self, chat_id: int, text: str, *, title: str = "Building 3 neighbours"
    ) -> None:
        """A message in a group chat the bot is a member of (group ids are negative)."""
        message: dict[str, Any] = {
            "message_id": self.api.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": title},
            "from": dict(self.user),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self._deliver({"update_id": self.api.next_update_id(), "message": message})

    async def replies_to(self, message: SentMessage, text: str) -> None:
        """A typed message quoting one of the bot's messages."""
        await self._send(text=text, reply_to_message=copy.deepcopy(message.raw))

    async def shares_contact(
        self, phone: str = "+8613800138000", *, own: bool = True, name: str | None = None
    ) -> None:
        """A contact card: the person's own (as the share-phone button sends), or another's;
        its name is the account's first name unless `name` says otherwise."""
        contact = {
            "phone_number": phone,
            "first_name": name or self.user["first_name"],
            "user_id": self.user_id if own else self.user_id + 1_000_000,
        }
        await self._send(contact=contact)

    async def sends_photo(self, caption: str | None = None) -> str:
        """A photo in three sizes; returns the largest one's file id (the one bots keep)."""
        file_id, unique = self.api.new_file_id("photo")
        sizes = []
        for width, height in ((90, 68), (320, 240), (1280, 960)):
            size_id = file_id if width == 1280 else f"{file_id}-{width}"
            self.api.issue_file_id(size_id, "photo")
            sizes.append(
                {
                    "file_id": size_id,
                    "file_unique_id": unique if width == 1280 else f"{unique}-{width}",
                    "width": width,
                    "height": height,
                    "file_size": width * height // 10,
                }
            )
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        await self._send(**content)
        return file_id

    async def sends_voice(self, seconds: int = 12) -> str:
        """A voice note of `seconds`; returns its file id."""
        file_id, unique = self.api.new_file_id("voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique,
            "duration": seconds,
            "mime_type": "audio/ogg",
            "file_size": seconds * 2_000,
        }
        await self._send(voice=voice)
        return file_id

    async def sends_sticker(self) -> None:
        """Something no text dialogue expects."""
        file_id, unique = self.api.new_file_id("sticker")
        await self._send(
            sticker={
                "file_id": file_id,
                "file_unique_id": unique,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        )

    async def sends_location(self, latitude: float = 31.23, longitude: float = 121.47) -> None:
        """A map pin."""
        await self._send(location={"latitude": latitude, "longitude": longitude})

    async def sends_document(self, file_name: str = "notes.pdf") -> None:
        """A file attachment."""
        file_id, unique = self.api.new_file_id("document")
        await self._send(
            document={
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": file_name,
                "mime_type": "application/pdf",
                "file_size": 20_480,
            }
        )

    async def taps(self, label: str) -> None:
        """Press a button as a person would: on the newest inline keyboard, else the reply
        keyboard; an exact label first, then one containing the text."""
        message = self._keyboard_message()
        inline = message.inline_buttons() if message else []
        reply = self._reply_keyboard()

        def matches(text: str, exact: bool) -> bool:
            return text == label if exact else label in text

        for exact in (True, False):
            for button in inline:
                if matches(button["text"], exact) and "callback_data" in button:
                    assert message is not None
                    await self.taps_data(button["callback_data"], message=message)
                    return
            for button in reply:
                if matches(button["text"], exact):
                    if button.get("request_contact"):
                        await self.shares_contact()
                    elif button.get("request_location"):
                        await self.sends_location()
                    else:
                        await self.says(button["text"])
                    return
        raise AssertionError(f"no button {label!r}; buttons are {self.buttons()}")

    async def taps_on(self, label: str, containing: str) -> None:
        """Press a button on the newest message that says `containing` (a card among other
        messages), exact label first."""
        for exact in (True, False):
            for message in reversed(self.transcript):
                if message.deleted or containing not in message.body:
                    continue
                for button in message.inline_buttons():
                    text = button["text"]
                    if (text == label if exact else label in text) and "callback_data" in button:
                        await self.taps_data(button["callback_data"], message=message)
                        return
        raise AssertionError(f"no message with {containing!r} and a button {label!r}")

    async def taps_data(self, data: str, message: SentMessage | None = None) -> None:
        """A callback query with any data (forged or stale ones included) on a given message,
        else on the newest one with an inline keyboard."""
        message = message or self._keyboard_message()
        if message is None:
            assert self.transcript, "the bot has sent nothing to tap on"
            message = self.transcript[-1]
        await self._deliver(
            {
                "update_id": self.api.next_update_id(),
                "callback_query": {
                    "id": self.api.new_callback_query_id(),
                    "from": dict(self.user),
                    "chat_instance": f"ci-{self.user_id}",
                    "data": data,
                    "message": copy.deepcopy(message.raw),
                },
            }
        )
