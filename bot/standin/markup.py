"""How Telegram reads formatted text and keyboards, so the fake server refuses what it refuses.

Text is measured after entity parsing, the way Telegram counts it: `<b>x</b>` is one
character. Parse errors carry Telegram's own wording ("can't parse entities: ...").
"""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field
from typing import Any


class BotAPIError(Exception):
    """A refusal by the Bot API: its HTTP status and Telegram's description text."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with, so adapters can send it unchanged."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
REPLY_MARKUP_INVALID = "Bad Request: can't parse reply keyboard markup JSON object"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
    "web_app",
)


@dataclass
class Rendered:
    """Text as Telegram stores it: visible characters and entities (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def _cant_parse(reason: str) -> BotAPIError:
    """Telegram's prefix for every formatting error."""
    return BotAPIError(400, f"Bad Request: can't parse entities: {reason}")


def _byte_offset(source: str, index: int) -> int:
    """Telegram reports parse errors at UTF-8 byte offsets."""
    return len(source[:index].encode("utf-8"))


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths are in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str, spans: list[tuple[str, int, int, str | None]]) -> list[dict[str, Any]]:
    """Spans in characters to Bot API entity dicts, in a canonical order for comparison."""
    result: list[dict[str, Any]] = []
    for kind, start, end, extra in spans:
        if end <= start:
            continue  # Telegram drops empty entities
        entity: dict[str, Any] = {
            "type": kind,
            "offset": _utf16_len(text[:start]),
            "length": _utf16_len(text[start:end]),
        }
        if kind == "text_link" and extra is not None:
            entity["url"] = extra
        elif kind == "pre" and extra:
            entity["language"] = extra
        result.append(entity)
    return sorted(result, key=lambda e: (e["offset"], -e["length"], e["type"]))


# --- HTML ----------------------------------------------------------------------------------
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_CHAR_REF = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_SPECIAL = re.compile(r"[&<]")
_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w:-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


def parse_html(source: str) -> Rendered:
    """Telegram's HTML parse mode. Stricter in one way: a bare `&` is refused (Telegram keeps
    it), because it means the bot forgot to escape text it interpolated."""
    out: list[str] = []
    size = 0
    stack: list[tuple[str, int, str | None]] = []
    spans: list[tuple[str, int, int, str | None]] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "&":
            ref = _CHAR_REF.match(source, i)
            if ref is None:
                raise _cant_parse(
                    f"Unsupported HTML entity at byte offset {_byte_offset(source, i)}"
                    " (write & as &amp;)"
                )
            decoded = html.unescape(ref.group())
            out.append(decoded)
            size += len(decoded)
            i = ref.end()
            continue
        if char != "<":
            special = _SPECIAL.search(source, i)  # plain text runs to the next & or <
            end = special.start() if special is not None else n
            out.append(source[i:end])
            size += end - i
            i = end
            continue
        at = _byte_offset(source, i)
        if source.startswith("</", i):
            close = source.find(">", i)
            if close < 0:
                raise _cant_parse(f"Unclosed end tag at byte offset {at}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise _cant_parse(f"Unexpected end tag at byte offset {at}")
            tag, start, extra = stack.pop()
            if name != tag:
                raise _cant_parse(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", '
                    f'found "</{name}>"'
                )
            spans.append((_HTML_TAGS[tag], start, size, extra))
            i = close + 1
            continue
        j = i + 1
        while j < n and source[j] not in " \t\r\n>":
            j += 1
        if j >= n:
            raise _cant_parse(f"Unclosed start tag at byte offset {at}")
        name = source[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {at}')
        attributes: dict[str, str] = {}
        while True:
            while j < n and source[j] in " \t\r\n":
                j += 1
            if j >= n:
                raise _cant_parse(f"Unclosed start tag at byte offset {at}")
            if source[j] == ">":
                break
            attribute = _ATTRIBUTE.match(source, j)
            if attribute is None:
                if source.find(">", j) < 0:
                    raise _cant_parse(f"Unclosed start tag at byte offset {at}")
                raise _cant_parse(f'Empty attribute name in the tag "{name}" at byte offset {at}')
            value = attribute.group(2) or ""
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            attributes[attribute.group(1).lower()] = html.unescape(value)
            j = attribute.end()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        extra = attributes.get("href") if name == "a" else None
        stack.append((name, size, extra))
        i = j + 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    text = "".join(out)
    return Rendered(text, _entities(text, spans))


# --- MarkdownV2 ----------------------------------------------------------------------------
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
    "`": "code",
    "```": "pre",
    "[": "text_link",
}
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> Rendered:
    """Telegram's MarkdownV2: backslash escapes, nested markers, reserved characters."""
    out: list[str] = []
    stack: list[tuple[str, int, int, str | None]] = []  # marker, start, byte offset, language
    spans: list[tuple[str, int, int, str | None]] = []
    i, n = 0, len(source)

    def size() -> int:
        return len(out)

    while i < n:
        char = source[i]
        top = stack[-1][0] if stack else None
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            i += 2
            continue
        if top in ("`", "```"):
            assert top is not None
            if source.startswith(top, i):
                marker, start, _, language = stack.pop()
                spans.append((_MDV2_TYPES[marker], start, size(), language))
                i += len(top)
            else:
                out.append(char)
                i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.append(char)
            i += 1
            continue
        at = _byte_offset(source, i)
        if char == ">" and (i == 0 or source[i - 1] == "\n"):
            i += 1  # a blockquote line; the quote itself is not tracked
            continue
        if source.startswith("```", i):
            j = i + 3
            newline = source.find("\n", j)
            language = None
            if newline >= 0 and re.fullmatch(r"[\w+#.-]*", source[j:newline]):
                language = source[j:newline] or None
                j = newline + 1
            stack.append(("```", size(), at, language))
            i = j
            continue
        if char in "`[":
            stack.append((char, size(), at, None))
            i += 1
            continue
        if char == "]" and top == "[":
            if not source.startswith("(", i + 1):
                raise _cant_parse(f"Can't find end of a URL at byte offset {at}")
            j = i + 2
            url: list[str] = []
            while j < n and source[j] != ")":
                if source[j] == "\\" and j + 1 < n:
                    j += 1
                url.append(source[j])
                j += 1
            if j >= n:
                raise _cant_parse(f"Can't find end of a URL at byte offset {at}")
            _, start, _, _ = stack.pop()
            spans.append(("text_link", start, size(), "".join(url)))
            i = j + 1
            continue
        found = next((m for m in ("__", "||", "*", "_", "~") if source.startswith(m, i)), None)
        if found is None:
            raise _cant_parse(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        if top == found:
            _, start, _, _ = stack.pop()
            spans.append((_MDV2_TYPES[found], start, size(), None))
        else:
            stack.append((found, size(), at, None))
        i += len(found)
    if stack:
        marker, _, at, _ = stack[-1]
        name = _TYPE_NAMES[_MDV2_TYPES[marker]]
        raise _cant_parse(f"Can't find end of {name} entity at byte offset {at}")
    text = "".join(out)
    return Rendered(text, _entities(text, spans))


def parse_markdown(source: str) -> Rendered:
    """Legacy Markdown: `*bold*`, `_italic_`, backticks and `[text](url)`, no nesting."""
    out: list[str] = []
    spans: list[tuple[str, int, int, str | None]] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            i += 1
            continue
        at = _byte_offset(source, i)
        marker = "```" if source.startswith("```", i) else char
        closer = "]" if marker == "[" else marker
        end = source.find(closer, i + len(marker))
        if end < 0:
            raise _cant_parse(f"Can't find end of the entity starting at byte offset {at}")
        inner = source[i + len(marker) : end]
        start = len(out)
        out.extend(inner)
        i = end + len(closer)
        if marker == "[":
            if not source.startswith("(", i) or source.find(")", i) < 0:
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {at}")
            close = source.find(")", i)
            spans.append(("text_link", start, len(out), source[i + 1 : close]))
            i = close + 1
        else:
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[marker]
            spans.append((kind, start, len(out), None))
    text = "".join(out)
    return Rendered(text, _entities(text, spans))


def render(text: str, parse_mode: str | None, entities: Any = None) -> Rendered:
    """What Telegram would store for this text: parse_mode wins, else explicit entities."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise BotAPIError(400, "Bad Request: unsupported parse_mode")
    given = [dict(e) for e in entities or [] if isinstance(e, dict)]
    return Rendered(text, sorted(given, key=lambda e: (e.get("offset", 0), -e.get("length", 0))))


# --- keyboards -----------------------------------------------------------------------------
def inline_keyboard(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a markup that stays attached to a message (reply keyboards do not)."""
    if markup and markup.get("inline_keyboard"):
        return markup
    return None


def check_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Refuse malformed keyboards and over-long callback data, as Telegram does."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise BotAPIError(400, REPLY_MARKUP_INVALID)
    if "inline_keyboard" in markup:
        _check_inline(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise BotAPIError(400, "Bad Request: inline keyboard expected")
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise BotAPIError(400, REPLY_MARKUP_INVALID)


def _rows(rows: Any) -> list[list[Any]]:
    """A keyboard is an array of arrays of buttons."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise BotAPIError(400, REPLY_MARKUP_INVALID)
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise BotAPIError(400, "Bad Request: reply markup is too long")
    return rows


def _check_inline(rows: Any) -> None:
    for button in (b for row in _rows(rows) for b in row):
        if not isinstance(button, dict):
            raise BotAPIError(400, REPLY_MARKUP_INVALID)
        label = button.get("text")
        if not isinstance(label, str) or not label.strip():
            raise BotAPIError(
                400,
                'Bad Request: can\'t parse inline keyboard button: Field "text" must be of '
                "type String",
            )
        if not any(button.get(action) is not None for action in INLINE_ACTIONS):
            raise BotAPIError(
                400,
                "Bad Request: can't parse inline keyboard button: Text buttons are unallowed "
                "in the inline keyboard",
            )
        data = button.get("callback_data")
        if data is not None and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
        ):
            raise BotAPIError(400, BUTTON_DATA_INVALID)
        url = button.get("url")
        if url is not None and not re.match(r"(?i)(https?|tg)://\S+$", str(url)):
            raise BotAPIError(400, "Bad Request: BUTTON_URL_INVALID")
        if "web_app" in button:
            check_web_app(button["web_app"], "inline keyboard button")


def check_web_app(web_app: Any, where: str) -> None:
    """A Mini App opens over HTTPS only (WebAppInfo: an object with its url)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not re.match(r"https://[^\s/?#]+\S*$", url):
        refusal = f"{where} Web App URL '{url}' is invalid: Only HTTPS links are allowed"
        raise BotAPIError(400, f"Bad Request: {refusal}")


def _check_reply_keyboard(rows: Any) -> None:
    for button in (b for row in _rows(rows) for b in row):
        label = button.get("text") if isinstance(button, dict) else button
        if not isinstance(label, str) or not label.strip():
            raise BotAPIError(
                400,
                'Bad Request: can\'t parse keyboard button: Field "text" must be of type String',
            )


# What a person would see if the bot escaped something twice, or escaped a plain-text
# place (a button, an alert): an entity or a formatting tag as literal characters.
_ESCAPE_RESIDUE = re.compile(
    r"&(?:amp|lt|gt|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});"
    r"|</?(?:b|i|u|s|em|strong|code|pre|a|blockquote|tg-spoiler)(?:\s[^>]*)?>"
)


def escaping_slips(method: str, params: dict[str, Any]) -> list[str]:
    """Visible escape residue in what a request shows a person: its text or caption after
    parsing, its button labels, a callback answer. Telegram would show it as is; for the
    bot, it means a value was escaped twice (or a label escaped at all)."""
    shown: list[str] = []
    for key in ("text", "caption"):
        value = params.get(key)
        if isinstance(value, str):
            with contextlib.suppress(BotAPIError):  # refused anyway, and recorded as such
                shown.append(render(value, params.get("parse_mode"), None).text)
    markup = params.get("reply_markup")
    if isinstance(markup, dict):
        shown += [str(b.get("text", "")) for b in keyboard_buttons(markup)]
    if method == "answercallbackquery" and isinstance(params.get("text"), str):
        shown.append(params["text"])
    return [text for text in shown if _ESCAPE_RESIDUE.search(text)]


def keyboard_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of an inline or reply keyboard as a dict (reply buttons may be strings)."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]
