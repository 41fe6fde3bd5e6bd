"""Telegram HTML, safe by construction.

Texts for people are sent with Telegram's HTML parse mode, which refuses a whole message
for one bare `&` or one unclosed tag. So the type says what a string is: `Html`
(markupsafe's `Markup`) is HTML the bot wrote, anything else is text to be escaped. The
catalogues render to `Html` with every value escaped (`bot.i18n`); a sender turns any plain
`str` into `Html` by escaping it (`as_html`), so nobody can forget; button labels and other
plain-text places take `plain()` of whatever they get.

Long texts are cut by `fit`, which counts what Telegram counts (the text after entity
parsing, in UTF-16 code units) and never cuts inside a tag or an entity: open tags are
closed after the cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from markupsafe import Markup, escape

Html = Markup

# Tags Telegram's HTML parse mode knows; anything else in a template is text.
TAGS = frozenset(
    (
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
    )
)
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_TOKEN = re.compile(
    r"(?P<tag></?(?P<name>[a-zA-Z][\w-]*)(?:\s[^<>]*)?>)"
    r"|(?P<entity>&(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});)"
)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"


def template(source: str) -> Html:
    """A catalogue text as HTML: its supported tags and entities kept, every other `&`, `<`
    and `>` escaped ("Doors & windows" is text, not a broken entity)."""
    out: list[str] = []
    at = 0
    for found in _TOKEN.finditer(source):
        tag = found.group("tag")
        if tag is not None and found.group("name").lower() not in TAGS:
            continue  # looks like a tag, but Telegram would refuse it: leave it as text
        out.append(html.escape(source[at : found.start()], quote=False))
        out.append(found.group())
        at = found.end()
    out.append(html.escape(source[at:], quote=False))
    return Html("".join(out))


def as_html(text: str) -> Html:
    """What a sender puts on the wire: HTML the bot built as is, anything else escaped."""
    return text if isinstance(text, Html) else escape(text)


def plain(text: str) -> str:
    """Text for a place without formatting (a button, an alert, a chart, a spreadsheet):
    HTML loses its tags and entities; a plain string is already plain."""
    if isinstance(text, Html):
        return html.unescape(re.sub(r"<[^>]*>", "", str(text)))
    return text


def join(separator: str, parts: Iterable[str]) -> Html:
    """`separator.join(parts)` for HTML: plain parts are escaped, HTML parts kept."""
    return Html(separator).join(parts)


def _units(text: str) -> int:
    """Telegram counts text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(text: str) -> int:
    """The length Telegram measures: the text after its tags and entities are parsed."""
    return _units(html.unescape(re.sub(r"<[^>]*>", "", str(as_html(text)))))


def fit(text: str, limit: int = TEXT_LIMIT) -> Html:
    """HTML that Telegram accepts within `limit`: cut on a character, never inside a tag
    or an entity, with "…" at the cut and every tag left open closed again."""
    safe = as_html(text)
    if visible_length(safe) <= limit:
        return safe
    source = str(safe)
    budget = limit - _units(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    at = 0

    def take(chunk: str) -> bool:
        """Copy visible text while it fits; False once the budget is spent."""
        nonlocal used
        for char in chunk:
            size = _units(char)
            if used + size > budget:
                return False
            out.append(char)
            used += size
        return True

    for found in _TOKEN.finditer(source):
        if not take(source[at : found.start()]):
            break
        at = found.end()
        if found.group("entity") is not None:
            if used + 1 > budget:
                break
            out.append(found.group())
            used += 1
            continue
        name = found.group("name").lower()
        if found.group().startswith("</"):
            if open_tags and open_tags[-1] == name:
                open_tags.pop()
        else:
            open_tags.append(name)
        out.append(found.group())
    else:
        take(source[at:])
    out.append(ELLIPSIS)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return Html("".join(out))
