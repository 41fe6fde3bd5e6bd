"""An in-memory Telegram Bot API server: enough of its behaviour, and all of its limits.

Every test talks to it: in-process through `SimRequest`, or over loopback HTTP through
`LoopbackBotAPIServer`. It keeps per-chat transcripts, issues callback query ids and file
ids, and answers with Telegram's own error texts when a limit is broken, so such bugs fail
tests instead of production.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.standin.markup import (
    BotAPIError,
    Rendered,
    check_markup,
    check_web_app,
    escaping_slips,
    inline_keyboard,
    render,
)

BOT_ID = 7000000001
BOT_USERNAME = "estate_desk_test_bot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Estate Desk",
    "username": BOT_USERNAME,
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
MAX_TEXT, MAX_CAPTION, MAX_ANSWER_TEXT = 4096, 1024, 200
DELETE_WINDOW = 48 * 3600
FAST_POLL_SECONDS = 1.0

CHAT_NOT_FOUND = "Bad Request: chat not found"
BLOCKED = "Forbidden: bot was blocked by the user"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "media",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "max_connections",
        "message_thread_id",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MEDIA_KINDS = {"photo", "video", "document", "audio", "animation", "sticker", "voice"}


# --- faults a test can inject ----------------------------------------------------------------
@dataclass(frozen=True)
class RetryAfter:
    """Flood control: 429 with parameters.retry_after, as Telegram throttles a busy bot."""

    seconds: int = 3


@dataclass(frozen=True)
class ServerError:
    """Telegram's own trouble: a 5xx answer that says nothing about the request."""

    status: int = 500


@dataclass(frozen=True)
class NetworkDown:
    """The request never reaches Telegram: the connection is refused (httpx.ConnectError)."""


@dataclass(frozen=True)
class ResetBeforeDelivery:
    """The connection is reset while it is being made (the TLS handshake, say), before the
    request leaves: httpx.ConnectError, so the client knows Telegram never got it."""


@dataclass(frozen=True)
class ConnectTimeout:
    """No connection within the connect timeout: httpx.ConnectTimeout, request never sent."""


@dataclass(frozen=True)
class ResetAfterDelivery:
    """Telegram acts on the request, then the connection is reset before its answer arrives:
    httpx.ReadError. The client cannot tell this from a reset before Telegram read it."""


@dataclass(frozen=True)
class TimeoutAfterDelivery:
    """Telegram acts on the request, but its answer does not come within the read timeout:
    httpx.ReadTimeout."""


Fault = (
    RetryAfter
    | ServerError
    | NetworkDown
    | ResetBeforeDelivery
    | ConnectTimeout
    | ResetAfterDelivery
    | TimeoutAfterDelivery
)
NetworkFault = (
    NetworkDown | ResetBeforeDelivery | ConnectTimeout | ResetAfterDelivery | TimeoutAfterDelivery
)
# Below HTTP, and before Telegram got the request: nothing happened on its side.
BEFORE_DELIVERY = (NetworkDown, ResetBeforeDelivery, ConnectTimeout)
# Below HTTP, after Telegram acted on the request: only its answer is lost.
AFTER_DELIVERY = (ResetAfterDelivery, TimeoutAfterDelivery)
# Requests Telegram refuses when made twice although the first took effect: a repeat of one
# whose answer was lost is the client being careful, not a bug.
REPEAT_REFUSALS = {
    "editmessagetext": NOT_MODIFIED,
    "editmessagecaption": NOT_MODIFIED,
    "editmessagereplymarkup": NOT_MODIFIED,
    "answercallbackquery": QUERY_INVALID,
}
# A source of faults beyond the queued ones: (method, params) -> a fault or None.
FaultSource = Callable[[str, dict[str, Any]], "Fault | None"]
# A request's uploads by part name: (file name, content, MIME type).
Files = dict[str, tuple[str | None, bytes, str | None]]


class SimulatedNetworkFault(Exception):
    """Raised by `FakeBotAPI.handle` for faults below HTTP; each adapter turns it into what its
    client would see. `answer` is what the server did reply (None if it never got the request).
    """

    def __init__(self, fault: NetworkFault, answer: Any = None) -> None:
        super().__init__(type(fault).__name__)
        self.fault = fault
        self.answer: tuple[int, dict[str, Any]] | None = answer


@dataclass
class _Injected:
    fault: Fault
    method: str | None
    chat_id: int | None
    times: int


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (multipart), kept so tests can check what was sent."""

    file_id: str
    field: str
    file_name: str | None
    size: int
    mime_type: str | None
    data: bytes = b""


@dataclass
class SentMessage:
    """A message the bot sent, as it stands now (edits applied, earlier states in `edits`).

    `text`/`caption` are the source the bot sent (HTML tags included); `raw` is the Message
    dict Telegram returned, with visible text and entities, as the bot's PTB objects see it.
    """

    message_id: int
    chat_id: int
    text: str | None
    caption: str | None
    photo_file_id: str | None
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    raw: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    method: str = "sendMessage"
    document_file_id: str | None = None
    entities: list[dict[str, Any]] | None = None

    @property
    def body(self) -> str:
        """Text or caption as sent, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def plain(self) -> str:
        """What the person reads: the body after entity parsing."""
        return render(self.body, self.parse_mode, self.entities).text

    def inline_buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        rows = (inline_keyboard(self.reply_markup) or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    """Form-encoded requests carry JSON strings and numbers as text; give back Python values."""
    decoded = dict(params)
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in JSON_FIELDS:
            try:
                decoded[key] = json.loads(value)
            except ValueError as exc:
                raise BotAPIError(400, f"Bad Request: can't parse {key} JSON object") from exc
        elif key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
            decoded[key] = int(value)
        elif key in BOOL_FIELDS and value.lower() in ("true", "false"):
            decoded[key] = value.lower() == "true"
    return decoded


def attach_uploads(params: dict[str, Any], uploads: dict[str, str]) -> dict[str, Any]:
    """Put file ids where uploads were: `attach://name` references, else the part's own name."""
    referenced: set[str] = set()

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name in uploads:
                referenced.add(name)
                return uploads[name]
        if isinstance(value, list):
            return [resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        return value

    resolved = {key: resolve(value) for key, value in params.items()}
    for name, file_id in uploads.items():
        if name not in referenced:
            resolved.setdefault(name, file_id)
    return resolved


class FakeBotAPI:
    """Thread-safe (one RLock): the loopback HTTP server calls it from its own threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._update_listeners: list[Callable[[], object]] = []
        self.fast_poll = False
        self.reset()

    def reset(self) -> None:
        """Forget everything: chats, messages, updates, faults, calls."""
        with self._lock:
            self._messages: dict[int, list[SentMessage]] = {}
            self._by_id: dict[tuple[int, int], SentMessage] = {}
            self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
            self._message_ids: dict[int, itertools.count[int]] = {}
            self._known: dict[int, dict[str, Any]] = {}
            self._blocked: set[int] = set()
            self._faults: list[_Injected] = []
            self._issued_queries: set[str] = set()
            self._query_ids = itertools.count(1)
            self._update_ids = itertools.count(1)
            self._file_ids = itertools.count(1)
            self._media_groups = itertools.count(1)
            self._files: dict[str, str | None] = {}
            self._updates: list[dict[str, Any]] = []
            self._events: list[tuple[int, SentMessage]] = []
            self._reply_keyboards: dict[int, dict[str, Any]] = {}
            self.calls: list[tuple[str, dict[str, Any]]] = []
            # Requests refused for what they asked (4xx), not for an injected fault.
            self.refusals: list[tuple[str, int, str]] = []
            # Accepted requests that show a person escape residue ("&amp;", "<b>").
            self.escaping_slips: list[tuple[str, str]] = []
            self.callback_answers: dict[str, dict[str, Any]] = {}
            self.commands: dict[str, list[dict[str, Any]]] = {}  # by language, any scope
            self.scoped_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
            self.menu_buttons: dict[int | None, dict[str, Any]] = {}
            self.profile: dict[str, dict[str, str]] = {}
            self.uploads: list[Upload] = []
            self.webhook: dict[str, Any] | None = None
            # Faults drawn for requests no queued fault matched (a test's random mix).
            self.chaos: FaultSource | None = None
            # Every fault served, with its method: what the bot had to cope with.
            self.served_faults: list[tuple[str, Fault]] = []
            # Requests Telegram acted on whose answer was lost, by what a repeat would hit.
            self._lost_answers: set[tuple[str, str, int]] = set()
            # Repeats of those refused as already done (not counted as the bot's mistakes).
            self.repeats_refused: list[tuple[str, str]] = []

    # --- test-side controls ---
    def known_chat(self, chat_id: int, *, first_name: str = "Resident") -> None:
        """Telegram only lets a bot write to someone who has written to it first."""
        with self._lock:
            self._known.setdefault(chat_id, {"first_name": first_name})

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every send to them is 403 from now on."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The person restarted the bot."""
        with self._lock:
            self._blocked.discard(chat_id)

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` matching requests fail this way (faults queue in order)."""
        with self._lock:
            self._faults.append(
                _Injected(fault, method.lower() if method else None, chat_id, times)
            )

    def next_update_id(self) -> int:
        """Update ids increase across the whole server, as Telegram's do per bot."""
        with self._lock:
            return next(self._update_ids)

    def next_message_id(self, chat_id: int) -> int:
        """One counter per chat, shared by the bot's and the person's messages."""
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def new_callback_query_id(self) -> str:
        """Only ids issued here may be answered, and each only once."""
        with self._lock:
            query_id = f"{next(self._query_ids)}{BOT_ID % 100_000:05d}"
            self._issued_queries.add(query_id)
            return query_id

    def new_file_id(self, kind: str = "photo") -> tuple[str, str]:
        """A fresh (file_id, file_unique_id) pair that sends of this kind will accept."""
        with self._lock:
            n = next(self._file_ids)
            file_id = f"{kind}-file-{n:06d}"
            self._files[file_id] = kind
            return file_id, f"{kind}-uniq-{n:06d}"

    def issue_file_id(self, file_id: str, kind: str | None = None) -> None:
        """Accept a file id that reached the bot some other way (e.g. a raw update)."""
        with self._lock:
            self._files.setdefault(file_id, kind)

    def register_upload(
        self,
        field_name: str,
        file_name: str | None,
        size: int,
        mime_type: str | None,
        *,
        data: bytes = b"",
    ) -> str:
        """Record a multipart upload and give it a file id, as Telegram does on receipt."""
        with self._lock:
            file_id = f"upload-file-{next(self._file_ids):06d}"
            self._files[file_id] = None
            self.uploads.append(Upload(file_id, field_name, file_name, size, mime_type, data))
            return file_id

    def saw_update(self, update: dict[str, Any]) -> None:
        """Learn from an update headed for the bot: its chat becomes known, its message and
        file ids become valid to reply to, delete and resend."""
        with self._lock:
            for key in ("message", "edited_message", "channel_post", "business_message"):
                message = update.get(key)
                if isinstance(message, dict):
                    self._learn_message(message)
            query = update.get("callback_query")
            if isinstance(query, dict):
                sender = query.get("from") or {}
                if "id" in sender:
                    self.known_chat(int(sender["id"]), first_name=sender.get("first_name", ""))

    def _learn_message(self, message: dict[str, Any]) -> None:
        chat = message.get("chat") or {}
        if "id" not in chat:
            return
        chat_id = int(chat["id"])
        self.known_chat(chat_id, first_name=chat.get("first_name") or chat.get("title") or "")
        if "message_id" in message:
            self._user_messages[(chat_id, int(message["message_id"]))] = message
        for kind in MEDIA_KINDS:
            media = message.get(kind)
            for item in media if isinstance(media, list) else [media]:
                if isinstance(item, dict) and "file_id" in item:
                    self._files.setdefault(str(item["file_id"]), kind)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for a bot that polls with getUpdates."""
        with self._changed:
            self.saw_update(update)
            self._updates.append(update)
            self._changed.notify_all()
            listeners = list(self._update_listeners)
        for listener in listeners:
            listener()

    def on_update(self, listener: Callable[[], object]) -> Callable[[], None]:
        """Call `listener` (from any thread) whenever an update is queued; returns the undo,
        so an in-process long poll can wait on the event loop instead of a lock."""
        with self._lock:
            self._update_listeners.append(listener)

        def remove() -> None:
            with self._lock:
                self._update_listeners.remove(listener)

        return remove

    def has_updates(self, offset: int = 0) -> bool:
        """Whether getUpdates with this offset would return something right now."""
        with self._lock:
            return any(u["update_id"] >= offset for u in self._updates)

    # --- inspection ---
    def messages(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to a chat, deleted ones included (see `.deleted`)."""
        with self._lock:
            return list(self._messages.get(chat_id, []))

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the person currently has (None once removed)."""
        with self._lock:
            return self._reply_keyboards.get(chat_id)

    def events_since(self, chat_id: int, mark: int) -> list[SentMessage]:
        """Messages sent or edited in a chat after `mark` (see `mark()`), in that order."""
        with self._lock:
            return [m for c, m in self._events[mark:] if c == chat_id]

    def events_from(self, start: int) -> list[tuple[int, SentMessage]]:
        """Every message sent or edited after a mark, with its chat, in that order."""
        with self._lock:
            return list(self._events[start:])

    def events_between(self, chat_id: int | None, start: int, end: int) -> list[SentMessage]:
        """Messages sent or edited in a chat between two marks, in that order."""
        with self._lock:
            return [m for c, m in self._events[start:end] if c == chat_id]

    def mark(self) -> int:
        """A point in the event log, to ask later what happened since."""
        with self._lock:
            return len(self._events)

    def last_event(self, chat_id: int) -> SentMessage | None:
        """The message most recently sent or edited in a chat, not deleted since."""
        with self._lock:
            for c, message in reversed(self._events):
                if c == chat_id and not message.deleted:
                    return message
            return None

    def count(self, method: str) -> int:
        """How many requests of a method arrived (failed ones included)."""
        with self._lock:
            return sum(1 for name, _ in self.calls if name.lower() == method.lower())

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until the predicate holds (for a bot running in another process)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.2))
            return True

    # --- the server ---
    def handle(
        self, method: str, params: dict[str, Any], files: Files | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Serve one Bot API request: (HTTP status, JSON body). Network-level faults raise
        `SimulatedNetworkFault` instead, for the adapter to turn into a client error.

        `files` are the request's uploads by part name, taken (given file ids) only once the
        request has reached Telegram."""
        name = method.lower()
        try:
            params = decode_params(params)
        except BotAPIError as exc:
            with self._lock:
                self.calls.append((method, dict(params)))
            return exc.status, exc.body()
        with self._changed:
            fault = self._take_fault(name, params)
            if fault is not None:
                self.served_faults.append((method, fault))
            if isinstance(fault, BEFORE_DELIVERY):
                raise SimulatedNetworkFault(fault)
            if files:
                params = self._receive(params, files)
            self.calls.append((method, params))
            try:
                result = self._dispatch(name, params, fault)
            except BotAPIError as exc:
                answer: tuple[int, dict[str, Any]] = exc.status, exc.body()
                mistake = fault is None and 400 <= exc.status < 500
                if mistake and not self._repeat(name, params, exc.description):
                    self.refusals.append((method, exc.status, exc.description))
            else:
                answer = 200, {"ok": True, "result": copy.deepcopy(result)}
                self.escaping_slips += [(method, shown) for shown in escaping_slips(name, params)]
                if name in REPEAT_REFUSALS:
                    key = self._repeat_key(name, params)
                    if isinstance(fault, AFTER_DELIVERY):
                        self._lost_answers.add(key)
                    else:
                        self._lost_answers.discard(key)
            finally:
                self._changed.notify_all()
        if name == "getupdates" and answer[1].get("result") == []:
            answer = 200, {"ok": True, "result": self._wait_for_updates(params)}
        if isinstance(fault, AFTER_DELIVERY):
            raise SimulatedNetworkFault(fault, answer)
        return answer

    def _receive(self, params: dict[str, Any], files: Files) -> dict[str, Any]:
        uploads = {
            part: self.register_upload(part, file_name, len(data), mime_type, data=data)
            for part, (file_name, data, mime_type) in files.items()
        }
        return attach_uploads(params, uploads)

    @staticmethod
    def _repeat_key(name: str, params: dict[str, Any]) -> tuple[str, str, int]:
        if name == "answercallbackquery":
            return name, str(params.get("callback_query_id")), 0
        message_id = params.get("message_id")
        return (
            "edit",
            str(params.get("chat_id")),
            message_id if isinstance(message_id, int) else -1,
        )

    def _repeat(self, name: str, params: dict[str, Any], refusal: str) -> bool:
        """A refusal that only says an earlier attempt, whose answer was lost, took effect
        (an edit repeated: "not modified"; a callback answered twice: "query is too old")."""
        if REPEAT_REFUSALS.get(name) != refusal:
            return False
        key = self._repeat_key(name, params)
        if key not in self._lost_answers:
            return False
        self._lost_answers.discard(key)
        self.repeats_refused.append((name, refusal))
        return True

    def _dispatch(self, name: str, params: dict[str, Any], fault: Fault | None) -> Any:
        if isinstance(fault, RetryAfter):
            raise BotAPIError(
                429, f"Too Many Requests: retry after {fault.seconds}", fault.seconds
            )
        if isinstance(fault, ServerError):
            raise BotAPIError(fault.status, "Internal Server Error")
        handler = getattr(self, f"_m_{name}", None) if name.isalnum() else None
        if handler is None:
            raise BotAPIError(404, "Not Found")
        return handler(params)

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat = params.get("chat_id")
        for injected in self._faults:
            if injected.method not in (None, method):
                continue
            if injected.chat_id is not None and injected.chat_id != chat:
                continue
            injected.times -= 1
            if injected.times <= 0:
                self._faults.remove(injected)
            return injected.fault
        return self.chaos(method, params) if self.chaos is not None else None

    def _wait_for_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = max(0.0, float(params.get("timeout") or 0))
        if self.fast_poll:
            timeout = min(timeout, FAST_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self._pending_updates(params)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return copy.deepcopy(found)
                self._changed.wait(remaining)

    def _pending_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        return self._updates[:limit]

    # --- checks ---
    def _chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise BotAPIError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._known:
            raise BotAPIError(400, CHAT_NOT_FOUND)
        if chat_id in self._blocked:
            raise BotAPIError(403, BLOCKED)
        return chat_id

    @staticmethod
    def _text(params: dict[str, Any]) -> Rendered:
        text = params.get("text")
        if not isinstance(text, str):
            raise BotAPIError(400, TEXT_EMPTY)
        rendered = render(text, params.get("parse_mode"), params.get("entities"))
        if not rendered.text.strip():
            raise BotAPIError(400, TEXT_EMPTY)
        if len(rendered.text) > MAX_TEXT:
            raise BotAPIError(400, TEXT_TOO_LONG)
        return rendered

    @staticmethod
    def _caption(params: dict[str, Any]) -> Rendered | None:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None
        if not isinstance(caption, str):
            raise BotAPIError(400, "Bad Request: can't parse caption")
        rendered = render(caption, params.get("parse_mode"), params.get("caption_entities"))
        if len(rendered.text) > MAX_CAPTION:
            raise BotAPIError(400, CAPTION_TOO_LONG)
        return rendered if rendered.text.strip() else None

    def _file(self, value: Any, kind: str) -> str:
        """A file id the bot may send: one Telegram issued (of the right kind) or a URL."""
        if not isinstance(value, str) or not value:
            raise BotAPIError(400, f"Bad Request: there is no {kind} in the request")
        if re.match(r"(?i)https?://", value):
            return value
        if value not in self._files:
            raise BotAPIError(400, WRONG_FILE)
        issued = self._files[value]
        if issued is not None and issued != kind:
            raise BotAPIError(400, "Bad Request: type of file mismatch")
        return value

    def _replied(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id", params.get("reply_to_message_id"))
        if target is None:
            return None
        target_chat = reply.get("chat_id", chat_id)
        found = self._by_id.get((target_chat, target))
        raw = found.raw if found and not found.deleted else None
        raw = raw or self._user_messages.get((target_chat, target))
        if raw is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise BotAPIError(400, REPLY_NOT_FOUND)
        return {k: v for k, v in raw.items() if k != "reply_to_message"}

    def _store(
        self,
        chat_id: int,
        params: dict[str, Any],
        content: dict[str, Any],
        *,
        method: str,
        text: Rendered | None = None,
        caption: Rendered | None = None,
        photo_file_id: str | None = None,
        document_file_id: str | None = None,
    ) -> dict[str, Any]:
        markup = check_markup(params.get("reply_markup"))
        replied = self._replied(chat_id, params)
        message_id = self.next_message_id(chat_id)
        info = self._known.get(chat_id, {})
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if chat_id < 0:
            chat.update(type="supergroup", title=info.get("first_name") or "Group")
        else:
            chat["first_name"] = info.get("first_name") or "Resident"
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(BOT_USER),
            "chat": chat,
            "date": int(time.time()),
        }
        if replied is not None:
            raw["reply_to_message"] = replied
        raw.update(content)
        if text is not None:
            raw["text"] = text.text
            if text.entities:
                raw["entities"] = text.entities
        if caption is not None:
            raw["caption"] = caption.text
            if caption.entities:
                raw["caption_entities"] = caption.entities
        if inline_keyboard(markup):
            raw["reply_markup"] = markup
        if markup and "keyboard" in markup:
            self._reply_keyboards[chat_id] = markup
        elif markup and markup.get("remove_keyboard"):
            self._reply_keyboards.pop(chat_id, None)
        entities_key = "entities" if text is not None else "caption_entities"
        message = SentMessage(
            message_id=message_id,
            chat_id=chat_id,
            text=params.get("text") if text is not None else None,
            caption=params.get("caption") if caption is not None else None,
            photo_file_id=photo_file_id,
            reply_markup=markup,
            parse_mode=params.get("parse_mode"),
            raw=raw,
            method=method,
            document_file_id=document_file_id,
            entities=None if params.get("parse_mode") else params.get(entities_key),
        )
        self._messages.setdefault(chat_id, []).append(message)
        self._by_id[(chat_id, message_id)] = message
        self._events.append((chat_id, message))
        return raw

    @staticmethod
    def _key(chat_id: int, params: dict[str, Any]) -> tuple[int, int]:
        message_id = params.get("message_id")
        return chat_id, message_id if isinstance(message_id, int) else -1

    def _find(self, params: dict[str, Any], missing: str) -> SentMessage:
        key = self._key(self._chat(params), params)
        message = self._by_id.get(key)
        if message is None or message.deleted:
            if key in self._user_messages:
                raise BotAPIError(400, "Bad Request: message can't be edited")
            raise BotAPIError(400, missing)
        return message

    def _photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        sizes = []
        for width in (90, 320, 1280):
            size_id = file_id if width == 1280 else f"{file_id}-{width}"
            self._files.setdefault(size_id, "photo")
            sizes.append(
                {
                    "file_id": size_id,
                    "file_unique_id": f"u-{size_id}",
                    "width": width,
                    "height": width * 3 // 4,
                    "file_size": width * 100,
                }
            )
        return sizes

    def _document(self, file_id: str, kind: str = "document") -> dict[str, Any]:
        upload = next((u for u in self.uploads if u.file_id == file_id), None)
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if upload is not None:
            document["file_size"] = upload.size
            if upload.file_name:
                document["file_name"] = upload.file_name
            if upload.mime_type:
                document["mime_type"] = upload.mime_type
        self._files[file_id] = self._files.get(file_id) or kind
        return document

    # --- methods ---
    def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(BOT_USER)

    def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = self._text(params)
        return self._store(chat_id, params, {}, method="sendMessage", text=text)

    def _m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        file_id = self._file(params.get("photo"), "photo")
        caption = self._caption(params)
        return self._store(
            chat_id,
            params,
            {"photo": self._photo_sizes(file_id)},
            method="sendPhoto",
            caption=caption,
            photo_file_id=file_id,
        )

    def _m_sendvoice(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        file_id = self._file(params.get("voice"), "voice")
        voice = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "duration": 1}
        return self._store(
            chat_id,
            params,
            {"voice": voice},
            method="sendVoice",
            caption=self._caption(params),
            document_file_id=file_id,  # the file sent, whatever its kind
        )

    def _m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        file_id = self._file(params.get("document"), "document")
        caption = self._caption(params)
        return self._store(
            chat_id,
            params,
            {"document": self._document(file_id)},
            method="sendDocument",
            caption=caption,
            document_file_id=file_id,
        )

    def _m_sendmediagroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise BotAPIError(400, "Bad Request: wrong number of media in the album")
        group_id = f"{next(self._media_groups):018d}"
        checked = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "document", "audio"):
                raise BotAPIError(400, "Bad Request: wrong type of the media in the album")
            file_id = self._file(item.get("media"), str(kind))
            checked.append((item, str(kind), file_id, self._caption(item)))
        sent = []
        for item, kind, file_id, caption in checked:
            content: dict[str, Any] = {"media_group_id": group_id}
            if kind == "photo":
                content["photo"] = self._photo_sizes(file_id)
            else:
                content[kind] = self._document(file_id, kind)
            item_params = {**item, "reply_parameters": params.get("reply_parameters")}
            item_params.pop("reply_markup", None)
            sent.append(
                self._store(
                    chat_id,
                    item_params,
                    content,
                    method="sendMediaGroup",
                    caption=caption,
                    photo_file_id=file_id if kind == "photo" else None,
                    document_file_id=file_id if kind != "photo" else None,
                )
            )
        return sent

    def _edit(self, params: dict[str, Any], part: str | None) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise BotAPIError(400, "Bad Request: MESSAGE_ID_INVALID")
        message = self._find(params, EDIT_NOT_FOUND)
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        text, caption = message.text, message.caption
        mode, entities = message.parse_mode, message.entities
        if part == "text":
            if message.text is None:
                raise BotAPIError(400, "Bad Request: there is no text in the message to edit")
            self._text(params)
            text, mode = params["text"], params.get("parse_mode")
            entities = None if mode else params.get("entities")
        elif part == "caption":
            if message.text is not None:
                raise BotAPIError(400, "Bad Request: there is no caption in the message to edit")
            rendered = self._caption(params)
            caption = params.get("caption") if rendered is not None else None
            mode = params.get("parse_mode")
            entities = None if mode else params.get("caption_entities")
        before = render(message.body, message.parse_mode, message.entities)
        after = render(text if text is not None else caption or "", mode, entities)
        if before == after and inline_keyboard(message.reply_markup) == inline_keyboard(markup):
            raise BotAPIError(400, NOT_MODIFIED)
        message.edits.append(
            {
                "text": message.text,
                "caption": message.caption,
                "parse_mode": message.parse_mode,
                "reply_markup": message.reply_markup,
                "edit_date": int(time.time()),
            }
        )
        message.text, message.caption, message.parse_mode = text, caption, mode
        message.entities = entities
        if markup is not None or inline_keyboard(message.reply_markup):
            message.reply_markup = markup
        raw = message.raw
        for stale in ("text", "entities", "caption", "caption_entities", "reply_markup"):
            raw.pop(stale, None)
        if text is not None:
            raw["text"] = after.text
            if after.entities:
                raw["entities"] = after.entities
        elif caption is not None:
            raw["caption"] = after.text
            if after.entities:
                raw["caption_entities"] = after.entities
        if inline_keyboard(markup):
            raw["reply_markup"] = markup
        raw["edit_date"] = int(time.time())
        self._events.append((message.chat_id, message))
        return raw

    def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, "text")

    def _m_editmessagecaption(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, "caption")

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, None)

    def _m_deletemessage(self, params: dict[str, Any]) -> bool:
        key = self._key(self._chat(params), params)
        message = self._by_id.get(key)
        if message is not None and message.deleted:
            message = None
        raw = message.raw if message is not None else self._user_messages.get(key)
        if raw is None:
            raise BotAPIError(400, DELETE_NOT_FOUND)
        if time.time() - float(raw.get("date") or 0) > DELETE_WINDOW:
            raise BotAPIError(400, "Bad Request: message can't be deleted for everyone")
        if message is not None:
            message.deleted = True
        else:
            del self._user_messages[key]
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._issued_queries or query_id in self.callback_answers:
            raise BotAPIError(400, QUERY_INVALID)
        if len(str(params.get("text") or "")) > MAX_ANSWER_TEXT:
            raise BotAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise BotAPIError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise BotAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(description)) <= 256:
                raise BotAPIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.scoped_commands[self._scope_key(params)] = commands
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    def _m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.scoped_commands.get(self._scope_key(params), [])

    def _m_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.scoped_commands.pop(self._scope_key(params), None)
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    def _m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._chat(params)
        button = params.get("menu_button") or {}
        if button.get("type") == "web_app":
            check_web_app(button.get("web_app"), "menu button")
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    def _m_getchatmenubutton(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.menu_buttons.get(params.get("chat_id"), {"type": "commands"})

    def _profile(self, params: dict[str, Any], key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise BotAPIError(400, f"Bad Request: {key.upper()}_INVALID")
        self.profile.setdefault(key, {})[str(params.get("language_code") or "")] = value
        return True

    def _m_setmydescription(self, params: dict[str, Any]) -> bool:
        return self._profile(params, "description", 512)

    def _m_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        return self._profile(params, "short_description", 120)

    def _m_setmyname(self, params: dict[str, Any]) -> bool:
        return self._profile(params, "name", 64)

    def _m_getmydescription(self, params: dict[str, Any]) -> dict[str, str]:
        language = str(params.get("language_code") or "")
        return {"description": self.profile.get("description", {}).get(language, "")}

    def _m_getmyshortdescription(self, params: dict[str, Any]) -> dict[str, str]:
        language = str(params.get("language_code") or "")
        value = self.profile.get("short_description", {}).get(language, "")
        return {"short_description": value}

    def _m_getmyname(self, params: dict[str, Any]) -> dict[str, str]:
        language = str(params.get("language_code") or "")
        return {"name": self.profile.get("name", {}).get(language, BOT_USER["first_name"])}

    def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise BotAPIError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise BotAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        return self._pending_updates(params)

    def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.lower().startswith("https://"):
            raise BotAPIError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise BotAPIError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        self.webhook = params
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _m_logout(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files:
            raise BotAPIError(400, "Bad Request: invalid file_id")
        folder = f"{self._files[file_id] or 'document'}s"
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": 1000,
            "file_path": f"{folder}/{file_id}",
        }
