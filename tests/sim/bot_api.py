"""An in-memory Telegram Bot API server: enough of its behaviour, and all of its limits.

Every test talks to it: in-process through `SimRequest`, or over loopback HTTP through
`LoopbackBotAPIServer`. It keeps per-chat transcripts, issues callback query ids, and
answers with Telegram's own error texts when a limit is broken, so such bugs fail tests.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

BOT_ID = 7000000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Estate Desk",
    "username": "estate_desk_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_ANSWER_TEXT = 4096, 1024, 64, 200
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
JSON_FIELDS = (
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
)
INT_FIELDS = (
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "cache_time",
    "reply_to_message_id",
    "max_connections",
)


# --- faults a test can inject ----------------------------------------------------------------
@dataclass(frozen=True)
class RetryAfter:
    seconds: int = 3


@dataclass(frozen=True)
class ServerError:
    status: int = 500


@dataclass(frozen=True)
class NetworkDown:
    """The request never reaches Telegram; the adapter raises a network error."""


@dataclass(frozen=True)
class TimeoutAfterDelivery:
    """Telegram delivers, but the answer is lost: the bot sees a timeout."""


Fault = RetryAfter | ServerError | NetworkDown | TimeoutAfterDelivery


@dataclass
class _Injected:
    fault: Fault
    method: str | None
    chat_id: int | None
    times: int


@dataclass
class SentMessage:
    """A message the bot sent, as it stands now (edits are applied, history kept)."""

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

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    def inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


class _Error(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


class _HTMLText(HTMLParser):
    """Extract visible text the way Telegram does, refusing malformed markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise _Error(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise _Error(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    if parse_mode and parse_mode.upper() == "HTML":
        if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
            raise _Error(400, "Bad Request: can't parse entities: Unsupported entity")
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        if parser.stack:
            raise _Error(400, "Bad Request: can't parse entities: Unclosed start tag")
        return html.unescape("".join(parser.parts))
    if parse_mode and parse_mode.lower() == "markdownv2":
        return re.sub(r"\\(.)", r"\1", text)
    return text


class FakeBotAPI:
    """Thread-safe: the loopback HTTP server calls it from its own threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._messages: dict[int, list[SentMessage]] = {}
            self._message_ids: dict[int, itertools.count[int]] = {}
            self._known: set[int] = set()
            self._blocked: set[int] = set()
            self._faults: list[_Injected] = []
            self._issued_queries: set[str] = set()
            self._query_ids = itertools.count(1)
            self._update_ids = itertools.count(1)
            self._file_ids = itertools.count(1)
            self._updates: list[dict[str, Any]] = []
            self._events: list[tuple[int, SentMessage]] = []
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.callback_answers: dict[str, dict[str, Any]] = {}
            self.commands: dict[str, list[dict[str, Any]]] = {}
            self.webhook: dict[str, Any] | None = None
            self.fast_poll = False

    # --- test-side controls ---
    def known_chat(self, chat_id: int) -> None:
        with self._lock:
            self._known.add(chat_id)

    def block(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
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
        with self._lock:
            self._faults.append(
                _Injected(fault, method.lower() if method else None, chat_id, times)
            )

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def next_message_id(self, chat_id: int) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def new_callback_query_id(self) -> str:
        with self._lock:
            query_id = f"cq{next(self._query_ids)}"
            self._issued_queries.add(query_id)
            return query_id

    def new_file_id(self, kind: str = "photo") -> tuple[str, str]:
        with self._lock:
            n = next(self._file_ids)
            return f"{kind}-file-{n:06d}", f"{kind}-uniq-{n:06d}"

    def push_update(self, update: dict[str, Any]) -> None:
        with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    # --- inspection ---
    def messages(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return list(self._messages.get(chat_id, []))

    def events_since(self, chat_id: int, mark: int) -> list[SentMessage]:
        """Messages sent or edited in a chat after `mark` (see `mark()`), in that order."""
        with self._lock:
            return [m for c, m in self._events[mark:] if c == chat_id]

    def mark(self) -> int:
        with self._lock:
            return len(self._events)

    def last_event(self, chat_id: int) -> SentMessage | None:
        with self._lock:
            for c, message in reversed(self._events):
                if c == chat_id:
                    return message
            return None

    def count(self, method: str) -> int:
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
    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat = params.get("chat_id")
        with self._lock:
            for injected in self._faults:
                if injected.method not in (None, method.lower()):
                    continue
                if injected.chat_id is not None and str(injected.chat_id) != str(chat):
                    continue
                injected.times -= 1
                if injected.times <= 0:
                    self._faults.remove(injected)
                return injected.fault
        return None

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        params = self._decode(params)
        name = method.lower()
        with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
            try:
                handler = getattr(self, f"_m_{name}", None)
                if handler is None:
                    raise _Error(404, "Not Found")
                result = handler(params)
            except _Error as exc:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": exc.status,
                    "description": exc.description,
                }
                if exc.retry_after is not None:
                    body["parameters"] = {"retry_after": exc.retry_after}
                return exc.status, body
            finally:
                self._changed.notify_all()
        if name == "getupdates" and result == []:
            result = self._wait_for_updates(params)
        return 200, {"ok": True, "result": result}

    def apply_fault(self, fault: Fault) -> tuple[int, dict[str, Any]] | None:
        """The HTTP answer for server-side faults (network-level ones are the adapter's)."""
        if isinstance(fault, RetryAfter):
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {fault.seconds}",
                "parameters": {"retry_after": fault.seconds},
            }
        if isinstance(fault, ServerError):
            return fault.status, {
                "ok": False,
                "error_code": fault.status,
                "description": "Internal Server Error",
            }
        return None

    @staticmethod
    def _decode(params: dict[str, Any]) -> dict[str, Any]:
        decoded = dict(params)
        for key in JSON_FIELDS:
            if isinstance(decoded.get(key), str):
                try:
                    decoded[key] = json.loads(decoded[key])
                except ValueError as exc:
                    raise ValueError(f"{key} is not JSON") from exc
        for key in INT_FIELDS:
            value = decoded.get(key)
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
                decoded[key] = int(value)
        return decoded

    def _wait_for_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = float(params.get("timeout") or 0)
        if self.fast_poll:
            timeout = min(timeout, 1.0)
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._changed:
            while True:
                found = self._pending_updates(params)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def _pending_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    # --- checks ---
    def _chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._known:
            raise _Error(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise _Error(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _check_text(text: Any, parse_mode: str | None, limit: int, caption: bool) -> str | None:
        if text is None and caption:
            return None
        if not isinstance(text, str) or not visible_text(text, parse_mode).strip():
            raise _Error(400, "Bad Request: message text is empty")
        if len(visible_text(text, parse_mode)) > limit:
            raise _Error(
                400,
                "Bad Request: message caption is too long"
                if caption
                else "Bad Request: message is too long",
            )
        return text

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _Error(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for key in ("inline_keyboard", "keyboard"):
            if key not in markup:
                continue
            rows = markup[key]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _Error(400, "Bad Request: can't parse reply keyboard markup JSON object")
            for button in (b for row in rows for b in row):
                label = button if isinstance(button, str) else button.get("text")
                if not label:
                    raise _Error(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                if key == "inline_keyboard":
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                        raise _Error(400, "Bad Request: BUTTON_DATA_INVALID")
                    if data is None and not button.get("url"):
                        raise _Error(400, "Bad Request: can't parse inline keyboard button")
        return markup

    def _store(self, chat_id: int, raw: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        raw.update(
            message_id=self.next_message_id(chat_id),
            date=int(time.time()),
            chat={"id": chat_id, "type": "private", "first_name": "Resident"},
        )
        raw["from"] = BOT_USER
        if markup and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        message = SentMessage(
            message_id=raw["message_id"],
            chat_id=chat_id,
            text=raw.get("text"),
            caption=raw.get("caption"),
            photo_file_id=(raw.get("photo") or [{}])[-1].get("file_id"),
            reply_markup=markup,
            parse_mode=params.get("parse_mode"),
            raw=raw,
        )
        self._messages.setdefault(chat_id, []).append(message)
        self._events.append((chat_id, message))
        return raw  # serialised by the caller, so the stored copy cannot be mutated

    def _find(self, params: dict[str, Any]) -> SentMessage:
        chat_id = self._chat(params)
        for message in self._messages.get(chat_id, []):
            if message.message_id == params.get("message_id") and not message.deleted:
                return message
        raise _Error(400, "Bad Request: message to edit not found")

    def _photo_sizes(self, photo: Any) -> list[dict[str, Any]]:
        file_id = photo if isinstance(photo, str) else self.new_file_id()[0]
        return [
            {
                "file_id": f"{file_id}",
                "file_unique_id": f"u-{file_id}-{w}",
                "width": w,
                "height": w,
                "file_size": w * 100,
            }
            for w in (90, 320, 1280)
        ]

    # --- methods ---
    def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(BOT_USER)

    def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, False)
        self._check_markup(params.get("reply_markup"))
        return self._store(chat_id, {"text": text}, params)

    def _m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        caption = self._check_text(
            params.get("caption"), params.get("parse_mode"), MAX_CAPTION, True
        )
        self._check_markup(params.get("reply_markup"))
        raw: dict[str, Any] = {"photo": self._photo_sizes(params.get("photo"))}
        if caption:
            raw["caption"] = caption
        return self._store(chat_id, raw, params)

    def _m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        caption = self._check_text(
            params.get("caption"), params.get("parse_mode"), MAX_CAPTION, True
        )
        file_id, unique = self.new_file_id("document")
        raw: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": params.get("document_name", "file"),
            }
        }
        if caption:
            raw["caption"] = caption
        return self._store(chat_id, raw, params)

    def _m_sendmediagroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._chat(params)
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise _Error(400, "Bad Request: wrong number of media in the album")
        return [
            self._store(chat_id, {"photo": self._photo_sizes(item.get("media"))}, {})
            for item in media
        ]

    def _edit(self, params: dict[str, Any], *, text_key: str | None) -> dict[str, Any]:
        message = self._find(params)
        markup = self._check_markup(params.get("reply_markup"))
        new_text = message.text if text_key != "text" else None
        new_caption = message.caption if text_key != "caption" else None
        if text_key == "text":
            new_text = self._check_text(
                params.get("text"), params.get("parse_mode"), MAX_TEXT, False
            )
        elif text_key == "caption":
            new_caption = self._check_text(
                params.get("caption"), params.get("parse_mode"), MAX_CAPTION, True
            )
        old_rendered = (visible_text(message.body, message.parse_mode), message.reply_markup)
        new_mode = params.get("parse_mode") if text_key else message.parse_mode
        new_body = new_text if new_text is not None else (new_caption or "")
        if (visible_text(new_body, new_mode), markup) == old_rendered:
            raise _Error(400, NOT_MODIFIED)
        message.edits.append(
            {
                "text": message.text,
                "caption": message.caption,
                "reply_markup": message.reply_markup,
            }
        )
        message.text, message.caption, message.reply_markup = new_text, new_caption, markup
        message.parse_mode = new_mode
        message.raw["text" if new_text is not None else "caption"] = new_body
        message.raw.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup:
            message.raw["reply_markup"] = markup
        message.raw["edit_date"] = int(time.time())
        self._events.append((message.chat_id, message))
        return message.raw

    def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, text_key="text")

    def _m_editmessagecaption(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, text_key="caption")

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, text_key=None)

    def _m_deletemessage(self, params: dict[str, Any]) -> bool:
        self._find(params).deleted = True
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._issued_queries or query_id in self.callback_answers:
            raise _Error(
                400,
                "Bad Request: query is too old and response timeout expired or "
                "query ID is invalid",
            )
        if len(str(params.get("text") or "")) > MAX_ANSWER_TEXT:
            raise _Error(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")) or not (
                1 <= len(command.get("description", "")) <= 256
            ):
                raise _Error(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    def _m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(str(params.get("language_code") or ""), [])

    def _m_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    def _m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        return True

    def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise _Error(409, "Conflict: can't use getUpdates method while webhook is active")
        return self._pending_updates(params)

    def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates") in (True, "true", "True"):
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
        file_id = str(params.get("file_id"))
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": 1000,
            "file_path": f"photos/{file_id}.jpg",
        }
