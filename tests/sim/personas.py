"""People in a test: `resident.says(...)`, `.taps(...)`, `.shares_contact()`, `.sends_photo()`.

Each action becomes a real Telegram update (a dict, then `Update.de_json`) processed by the
real `Application`; what the bot sent back is read from the fake server's transcript.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.sim.bot_api import FakeBotAPI, SentMessage

AfterUpdate = Callable[[], Awaitable[Any]]


class TelegramSim:
    """Feeds updates to an application in-process (or, with `application=None`, to a queue
    that a bot in another process polls with getUpdates)."""

    def __init__(
        self,
        api: FakeBotAPI,
        application: Application | None,
        after_update: AfterUpdate | None = None,
    ) -> None:
        self.api = api
        self.application = application
        self.after_update = after_update
        self._reply_keyboards: dict[int, list[dict[str, Any]] | None] = {}

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Resident",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> Persona:
        self.api.known_chat(user_id)
        return Persona(self, user_id, first_name, language_code, username)

    async def feed(self, update: dict[str, Any]) -> None:
        if self.application is None:
            self.api.push_update(update)
            return
        await self.application.process_update(Update.de_json(update, self.application.bot))
        if self.after_update is not None:
            await self.after_update()


class Persona:
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
        self._photos = itertools.count(1)

    # --- what the bot said ---
    @property
    def transcript(self) -> list[SentMessage]:
        return self.api.messages(self.user_id)

    @property
    def replies(self) -> list[SentMessage]:
        """Messages sent or edited in this chat by the last action, in order."""
        return self.api.events_since(self.user_id, self._mark)

    @property
    def last_text(self) -> str:
        last = self.api.last_event(self.user_id)
        return last.body if last else ""

    def _keyboard_message(self) -> SentMessage | None:
        for message in reversed(self.transcript):
            if not message.deleted and message.inline_buttons():
                return message
        return None

    def _reply_keyboard(self) -> list[dict[str, Any]]:
        for message in reversed(self.transcript):
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                return []
            if "keyboard" in markup:
                return [
                    b if isinstance(b, dict) else {"text": b}
                    for row in markup["keyboard"]
                    for b in row
                ]
        return []

    def buttons(self) -> list[str]:
        message = self._keyboard_message()
        inline = [b["text"] for b in message.inline_buttons()] if message else []
        return inline + [b["text"] for b in self._reply_keyboard()]

    # --- what the person does ---
    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.api.next_message_id(self.user_id),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.user["first_name"]},
            "from": self.user,
            **content,
        }

    async def _send(self, **content: Any) -> None:
        self._mark = self.api.mark()
        await self.sim.feed(
            {"update_id": self.api.next_update_id(), "message": self._message(**content)}
        )

    async def says(self, text: str) -> None:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._send(**content)

    async def replies_to(self, message: SentMessage, text: str) -> None:
        await self._send(text=text, reply_to_message=message.raw)

    async def shares_contact(self, phone: str = "+8613800138000", *, own: bool = True) -> None:
        contact = {
            "phone_number": phone,
            "first_name": self.user["first_name"],
            "user_id": self.user_id if own else self.user_id + 1_000_000,
        }
        await self._send(contact=contact)

    async def sends_photo(self, caption: str | None = None) -> str:
        file_id, unique = self.api.new_file_id("photo")
        sizes = [
            {
                "file_id": f"{file_id}-{w}",
                "file_unique_id": f"{unique}-{w}",
                "width": w,
                "height": w,
                "file_size": w * 50,
            }
            for w in (90, 320)
        ]
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "width": 1280,
                "height": 960,
                "file_size": 120_000,
            }
        )
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        await self._send(**content)
        return file_id

    async def sends_sticker(self) -> None:
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

    async def sends_location(self) -> None:
        await self._send(location={"latitude": 31.23, "longitude": 121.47})

    async def sends_document(self) -> None:
        file_id, unique = self.api.new_file_id("document")
        await self._send(
            document={"file_id": file_id, "file_unique_id": unique, "file_name": "notes.pdf"}
        )

    async def taps(self, label: str) -> None:
        """Press a button as a person would: on the newest inline keyboard, else the reply
        keyboard; an exact label first, then one containing the text."""
        message = self._keyboard_message()
        inline = message.inline_buttons() if message else []
        reply = self._reply_keyboard()
        for matches in (lambda t: t == label, lambda t: label in t):
            for button in inline:
                if matches(button["text"]) and "callback_data" in button:
                    assert message is not None
                    await self.taps_data(button["callback_data"], message=message)
                    return
            for button in reply:
                if matches(button["text"]):
                    if button.get("request_contact"):
                        await self.shares_contact()
                    else:
                        await self.says(button["text"])
                    return
        raise AssertionError(f"no button {label!r}; buttons are {self.buttons()}")

    async def taps_data(self, data: str, message: SentMessage | None = None) -> None:
        """A callback query with any data (forged or stale ones included)."""
        message = message or self._keyboard_message()
        if message is None:
            assert self.transcript, "the bot has sent nothing to tap on"
            message = self.transcript[-1]
        self._mark = self.api.mark()
        await self.sim.feed(
            {
                "update_id": self.api.next_update_id(),
                "callback_query": {
                    "id": self.api.new_callback_query_id(),
                    "from": self.user,
                    "chat_instance": f"ci-{self.user_id}",
                    "data": data,
                    "message": message.raw,
                },
            }
        )
