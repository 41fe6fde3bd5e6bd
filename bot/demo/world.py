"""The demo's world: the Bot API stand-in, the real bot polling it, and the people at it.

One process and one event loop run the bot exactly as `python -m bot` does (built by
`bot.app`, polled by `bot.polling`, its own SQLite file, migrated, the sample estate), the
stand-in answers it over loopback HTTP from a thread (as Telegram would, from elsewhere),
and the people the page plays are personas of the stand-in: what they do becomes an update
the bot fetches with getUpdates; what the bot sent them is read from the stand-in.

What the page shows is built here as plain data (`People.state`), and every action the
page asks for waits until the bot has handled it, so a click shows its answer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from telegram import Update
from telegram.ext import Application

from bot import clock, migrate
from bot.app import build_application
from bot.config import RunMode, Settings, load_settings
from bot.desk import Desk
from bot.polling import Poller, serve
from bot.standin import FakeBotAPI, LoopbackBotAPIServer, Persona, SentMessage, TelegramSim
from bot.webapp.initdata import signed
from scheduler.outbox import OutboxSender, Pacing
from scheduler.sweep import (
    expire_idle_dialogues,
    fire_due_alarms,
    push_reports,
    send_yearly_wishes,
)

log = logging.getLogger(__name__)

# Any token of the right shape: the stand-in accepts it, and the Mini App's launch data is
# signed with it as Telegram would sign it for this bot.
DEMO_TOKEN = "123456789:offline-demo-token-not-a-real-bot"
DATABASE_FILE = "demo.db"
ACT_TIMEOUT = 15.0  # the longest an action waits for the bot to have handled it
MAX_TEXT = 4096
LONGEST_JUMP = timedelta(days=31)
MORNING = dt_time(10, 0)  # the page's "next morning" button: well inside the day shift


@dataclass(frozen=True, slots=True)
class Refused:
    """A request the stand-in refused as Telegram would (a 4xx), for the page to show red."""

    seq: int
    method: str
    chat_id: int | None
    status: int
    description: str
    after: int  # the newest message id in that chat then: where the page puts it


class DemoBotAPI(FakeBotAPI):
    """The stand-in, also keeping each refused request with its chat (Telegram's refusals
    are the bot's mistakes; the page shows them where they happened)."""

    def reset(self) -> None:
        super().reset()
        self.refused: list[Refused] = []

    def handle(
        self, method: str, params: dict[str, Any], files: Any = None
    ) -> tuple[int, dict[str, Any]]:
        status, body = super().handle(method, params, files)
        if 400 <= status < 500 and method.lower() != "getupdates":
            self._refused(method, params, status, str(body.get("description", "")))
        return status, body

    def _refused(self, method: str, params: dict[str, Any], status: int, why: str) -> None:
        chat_id: int | None
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat_id = None
        with self._lock:
            ids = [m.message_id for m in self._messages.get(chat_id or 0, [])]
            ids += [m for c, m in self._user_messages if c == chat_id]
            seq = len(self.refused) + 1
            self.refused.append(Refused(seq, method, chat_id, status, why, max(ids, default=0)))

    def pending(self, update_id: int) -> bool:
        """Whether an update is still held for the bot (fetched or not, not yet confirmed)."""
        with self._lock:
            return any(u["update_id"] == update_id for u in self._updates)

    def snapshot(self, chat_id: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """What the bot sent a chat, as the page shows it, and the reply keyboard shown."""
        with self._lock:
            return (
                [_bot_message(m, self.uploads) for m in self._messages.get(chat_id, [])],
                self.reply_keyboard(chat_id),
            )

    def upload(self, file_id: str) -> tuple[bytes, str | None, str | None] | None:
        """An uploaded file's content, MIME type and name (the bot's charts and exports)."""
        with self._lock:
            for upload in self.uploads:
                if upload.file_id == file_id:
                    return upload.data, upload.mime_type, upload.file_name
        return None


def _bot_message(message: SentMessage, uploads: list[Any]) -> dict[str, Any]:
    raw = message.raw
    shown: dict[str, Any] = {
        "id": message.message_id,
        "from": "bot",
        "text": raw.get("text", raw.get("caption", "")),
        "entities": raw.get("entities", raw.get("caption_entities", [])),
        "edited": bool(message.edits),
        "deleted": message.deleted,
        "buttons": [
            [_button(b) for b in row]
            for row in (message.reply_markup or {}).get("inline_keyboard") or []
        ],
    }
    if message.photo_file_id:
        shown["photo"] = f"/file/{message.photo_file_id}"
    if message.document_file_id and message.method != "sendVoice":
        name = next((u.file_name for u in uploads if u.file_id == message.document_file_id), None)
        shown["document"] = {"url": f"/file/{message.document_file_id}", "name": name or "file"}
    if message.method == "sendVoice":
        shown["voice"] = True
    return shown


def _button(button: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {"text": str(button.get("text", ""))}
    if "callback_data" in button:
        shown["data"] = str(button["callback_data"])
    elif isinstance(button.get("web_app"), dict):
        shown["web_app"] = str(button["web_app"].get("url", ""))
    elif "url" in button:
        shown["url"] = str(button["url"])
    return shown


class DemoSim(TelegramSim):
    """Personas whose updates are queued for the polling bot; remembers the last one."""

    last_update_id = 0

    async def feed(self, update: dict[str, Any]) -> None:
        self.last_update_id = int(update["update_id"])
        await super().feed(update)


@dataclass
class Player:
    """One column of the page: a persona and what the page needs to show about it."""

    key: str
    persona: Persona
    role: str  # a key of the page's texts: "resident", "newcomer", "butler" …
    # Callback queries this person made, by id: the message tapped (to place its answer).
    taps: dict[str, int] = field(default_factory=dict)


class People:
    """The personas the page plays, acting on the running bot and read back for the page."""

    def __init__(self, api: DemoBotAPI, application: Application) -> None:
        self.api = api
        self.application = application
        self.sim = DemoSim(api, None)
        self.players: dict[str, Player] = {}
        self.setup = "starting"  # "starting", "ready", or what went wrong
        self._clock = asyncio.Lock()

    @property
    def desk(self) -> Desk:
        desk: Desk = self.application.bot_data["desk"]
        return desk

    def add(self, key: str, user_id: int, name: str, role: str, language: str | None) -> Persona:
        persona = self.sim.user(user_id, first_name=name, language_code=language)
        self.players[key] = Player(key, persona, role)
        return persona

    # --- acting ---
    async def handled(self) -> bool:
        """Wait until the bot has handled (and confirmed) the last update queued."""
        update_id = self.sim.last_update_id
        return await until(lambda: not self.api.pending(update_id))

    async def act(self, key: str, request: dict[str, Any]) -> bool:
        """Do what the page asks as player `key`; True once the bot has handled it. A
        request that makes no sense raises ValueError (the page's bug, shown as 400)."""
        player = self.players.get(key)
        if player is None:
            raise ValueError("no such person")
        persona, what = player.persona, request.get("do")
        if what == "say":
            text = str(request.get("text") or "").strip()
            if not text or len(text) > MAX_TEXT:
                raise ValueError("say what?")
            await persona.says(text)
        elif what == "tap":
            await self._tap(player, request)
        elif what == "contact":
            await persona.shares_contact(str(request.get("phone") or "+8613800138000"))
        elif what == "photo":
            await persona.sends_photo(str(request.get("text") or "").strip() or None)
        else:
            raise ValueError("unknown action")
        return await self.handled()

    async def _tap(self, player: Player, request: dict[str, Any]) -> None:
        """A callback query on one of the bot's messages, with the button's own data."""
        data, message_id = request.get("data"), request.get("message_id")
        if not isinstance(data, str) or not isinstance(message_id, int):
            raise ValueError("tap what?")
        persona = player.persona
        message = next((m for m in persona.transcript if m.message_id == message_id), None)
        if message is None or message.deleted:
            raise ValueError("no such message")
        query_id = self.api.new_callback_query_id()
        player.taps[query_id] = message_id
        await self.sim.feed(
            {
                "update_id": self.api.next_update_id(),
                "callback_query": {
                    "id": query_id,
                    "from": dict(persona.user),
                    "chat_instance": f"ci-{persona.user_id}",
                    "data": data,
                    "message": json.loads(json.dumps(message.raw)),
                },
            }
        )

    async def tap_label(self, key: str, label: str) -> bool:
        """Tap a shown button by its label (the start-up script), once it is shown."""
        persona = self.players[key].persona
        if not await until(lambda: any(label in text for text in persona.buttons())):
            raise RuntimeError(f"{key}: no button {label!r}; shown: {persona.buttons()}")
        await persona.taps(label)
        return await self.handled()

    async def move_clock(self, by: timedelta) -> int:
        """The page's clock buttons: now moves forward, and what fell due fires at once."""
        if not timedelta(0) < by <= LONGEST_JUMP:
            raise ValueError("the clock moves forward, at most a month at a time")
        async with self._clock:
            clock.advance(by)
            desk = self.desk
            fired = await fire_due_alarms(desk) + await send_yearly_wishes(desk)
            fired += await push_reports(desk)
            fired += await expire_idle_dialogues(desk)
            if desk.outbox is not None:
                await desk.outbox.deliver_due()
        return fired

    def to_morning(self) -> timedelta:
        """How far the clock must move to reach the next MORNING (local time): the day
        shift, when the zone butler is at work (at night the duty staff hear first)."""
        now = clock.utcnow().astimezone(self.desk.settings.tz)
        target = now.replace(hour=MORNING.hour, minute=MORNING.minute, second=0, microsecond=0)
        if target <= now:
            target += timedelta(days=1)
        return target - now

    def launch(self, key: str, url: str) -> str:
        """Where the page opens a Mini App button: the app on the page's own server, with
        launch data signed for this bot as Telegram signs it (now, for this person)."""
        player = self.players.get(key)
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
        if player is None or not path.startswith("/webapp/"):
            raise ValueError("not the desk's Mini App")
        user = player.persona.user
        fields = {
            "auth_date": str(int(clock.utcnow().timestamp())),
            "query_id": f"demo-{int(time.time() * 1000)}",
            "user": json.dumps(
                {
                    "id": user["id"],
                    "first_name": user["first_name"],
                    "language_code": user.get("language_code", "en"),
                },
                separators=(",", ":"),
            ),
        }
        token = self.desk.settings.bot_token.get_secret_value()
        return f"{path}#tgWebAppData={quote(signed(fields, token), safe='')}"

    # --- showing ---
    def state(self) -> dict[str, Any]:
        """Everything the page draws, as JSON-ready data."""
        now = clock.utcnow().astimezone(self.desk.settings.tz)
        return {
            "setup": self.setup,
            "now": now.strftime("%Y-%m-%d %H:%M"),
            "ahead_hours": round(clock.ahead().total_seconds() / 3600, 2),
            "people": [self._column(player) for player in self.players.values()],
            "refused": [
                {
                    "seq": r.seq,
                    "method": r.method,
                    "status": r.status,
                    "description": r.description,
                    "chat_id": r.chat_id,
                    "after": r.after,
                }
                for r in self.api.refused
                if r.chat_id not in self._chats()
            ],
        }

    def _chats(self) -> set[int]:
        return {p.persona.user_id for p in self.players.values()}

    def _column(self, player: Player) -> dict[str, Any]:
        persona = player.persona
        messages, keyboard = self.api.snapshot(persona.user_id)
        messages += [_own_message(m) for m in list(persona.sent)]
        messages.sort(key=lambda m: int(m["id"]))
        answers = self.api.callback_answers
        toasts = [
            {
                "after": message_id,
                "text": str(answers[query].get("text")),
                "alert": bool(answers[query].get("show_alert")),
            }
            for query, message_id in list(player.taps.items())
            if query in answers and answers[query].get("text")
        ]
        menu = self.api.menu_buttons.get(persona.user_id) or {}
        web_app = menu.get("web_app") if menu.get("type") == "web_app" else None
        return {
            "key": player.key,
            "role": player.role,
            "name": persona.user["first_name"],
            "user_id": persona.user_id,
            "messages": messages,
            "keyboard": [
                [
                    {"text": str(b.get("text", b)), "contact": bool(b.get("request_contact"))}
                    if isinstance(b, dict)
                    else {"text": str(b), "contact": False}
                    for b in row
                ]
                for row in (keyboard or {}).get("keyboard") or []
            ],
            "menu_app": {"text": str(menu.get("text", "")), "url": str(web_app.get("url", ""))}
            if isinstance(web_app, dict)
            else None,
            "toasts": toasts,
            "refused": [
                {
                    "seq": r.seq,
                    "method": r.method,
                    "status": r.status,
                    "description": r.description,
                    "after": r.after,
                }
                for r in self.api.refused
                if r.chat_id == persona.user_id
            ],
        }


def _own_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message the person sent, as their own side of the chat shows it."""
    shown: dict[str, Any] = {
        "id": message["message_id"],
        "from": "me",
        "text": message.get("text") or message.get("caption") or "",
        "entities": [],
        "buttons": [],
    }
    if "photo" in message:
        shown["photo"] = "/static/sample.png"
    contact = message.get("contact")
    if isinstance(contact, dict):
        shown["contact"] = str(contact.get("phone_number", ""))
    return shown


async def until(predicate: Callable[[], bool], within: float = ACT_TIMEOUT) -> bool:
    """Poll `predicate` on the event loop (the stand-in answers from its own thread)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def demo_settings(data_dir: Path, api_base_url: str, webapp_url: str, admin: int) -> Settings:
    """The production settings, pointed at the stand-in and the demo's own database. The
    Mini App is served by the demo's page server, so it gets no port of its own."""
    database = (data_dir / DATABASE_FILE).resolve()
    settings = load_settings(
        _env_file=None,
        bot_token=DEMO_TOKEN,
        database_url=f"sqlite+aiosqlite:///{database}",
        mode=RunMode.POLLING,
        telegram_api_base_url=api_base_url,
        telegram_api_base_file_url=None,
        estate_file=None,
        admin_ids=[admin],
        metrics_port=None,
        webapp_url=webapp_url,
        webapp_port=0,  # checked, then taken back below
    )
    return settings.model_copy(update={"webapp_port": None})


def reset_data(data_dir: Path) -> None:
    """`--reset`: the demo's database goes (its WAL and lock files with it)."""
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        with contextlib.suppress(FileNotFoundError):
            (data_dir / f"{DATABASE_FILE}{suffix}").unlink()


async def _relaxed_start(application: Application, original: Any) -> None:
    """post_init as in production, then no per-chat pause in the outbox: the stand-in has
    no rate limit, and a person clicking through the demo should not wait for one."""
    await original(application)
    desk: Desk = application.bot_data["desk"]
    if isinstance(desk.outbox, OutboxSender):
        desk.outbox.pacing = Pacing(per_chat=timedelta(0))


@contextlib.asynccontextmanager
async def running_bot(
    data_dir: Path, *, webapp_url: str, admin: int
) -> AsyncIterator[tuple[DemoBotAPI, Application, Awaitable[None]]]:
    """The stand-in on a loopback port and the real bot polling it, until the block ends
    (or SIGINT/SIGTERM stop the poller: the third value is the bot's whole life)."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    api = DemoBotAPI()
    with LoopbackBotAPIServer(api) as server:
        settings = demo_settings(data_dir, server.base_url, webapp_url, admin)
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        application = build_application(settings, takes_over=True)
        original = application.post_init
        application.post_init = functools.partial(_relaxed_start, original=original)
        poller = Poller(application, allowed_updates=Update.ALL_TYPES)
        life = asyncio.ensure_future(serve(application, poller))
        started = await until(lambda: application.running or life.done(), 60.0)
        if life.done() or not started:
            await life  # raises what stopped the start
            raise RuntimeError("the bot did not start")
        try:
            yield api, application, life
        finally:
            poller.stop()
            with contextlib.suppress(Exception):
                await life
            clock.reset()
