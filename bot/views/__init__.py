"""What people see, as plain data: text plus buttons, rendered in the reader's language.

Screens are built here, not in the Telegram edge, so the notifier can queue a card in the
outbox and a handler can show the same card in reply, from the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalogue import Catalogue
from bot.domain.kinds import find as find_kind
from bot.htmltext import Html, plain
from bot.i18n import Catalogues


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; its label is plain text, whatever it was rendered as. It carries
    callback data, or (`web_app`: an HTTPS address) opens the managers' Mini App."""

    label: str
    data: str  # packed callback data (bot.callbacks), at most 64 bytes
    web_app: str | None = None  # then `data` is unused

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", plain(self.label))

    def as_dict(self) -> dict[str, Any]:
        """The Bot API's InlineKeyboardButton object."""
        if self.web_app is not None:
            return {"text": self.label, "web_app": {"url": self.web_app}}
        return {"text": self.label, "callback_data": self.data}


def web_app_button(label: str, url: str) -> Button:
    return Button(label, "", web_app=url)


@dataclass(frozen=True, slots=True)
class Screen:
    """A message: HTML text (rendered, so already escaped) and rows of inline buttons."""

    text: Html
    rows: tuple[tuple[Button, ...], ...] = field(default=())

    def keyboard(self) -> dict[str, Any] | None:
        """The Bot API's inline_keyboard object, as the outbox stores it."""
        if not self.rows:
            return None
        return {"inline_keyboard": [[b.as_dict() for b in row] for row in self.rows]}


def rows_of(buttons: list[Button], columns: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns))


@dataclass(frozen=True, slots=True)
class Views:
    """Texts, the service catalogue and the desk's time zone: everything a screen needs
    besides its data."""

    texts: Catalogues
    tz: ZoneInfo
    services: Catalogue | None = None

    def t(self, language: str, key: str, /, **values: object) -> Html:
        return self.texts.t(language, key, **values)

    def moment(self, language: str, value: datetime) -> str:
        return self.texts.moment(language, value, self.tz)

    def day(self, language: str, value: date) -> str:
        return self.texts.day(language, value)

    def category(self, language: str, kind: str, category: str | None) -> str:
        """An item's category as read: a repair's is its type (plumbing, water leak …)."""
        if not category:
            return "—"
        key = f"repair.type_{category}" if kind == "repair" else f"category.{category}"
        # A category the policy no longer lists still names its old items.
        return self.t(language, key) if self.texts.has(language, key) else category

    def kind(self, language: str, kind: str) -> str:
        """A kind of request as named: `kind.<code>` in the catalogues, or, for a kind
        defined as data, the name its registry entry gives."""
        key = f"kind.{kind}"
        if self.texts.has(language, key):
            return self.texts.text(language, key)
        entry = find_kind(kind)
        return entry.name.get(language) if entry is not None and entry.name else kind

    def short_day(self, language: str, value: date) -> str:
        return self.texts.short_day(language, value)

    def duration(self, language: str, value: timedelta) -> str:
        return self.texts.duration(language, value)

    def flow_title(self, language: str, flow: str) -> str:
        """How a guided dialogue is named to people ("your complaint was left idle …"):
        `flow.<name>` in the catalogues; a flow this version no longer has is a "form"."""
        key = f"flow.{flow}"
        return self.t(language, key if self.texts.has(language, key) else "flow.unknown")


def timeline_line(
    views: Views,
    language: str,
    entry: Any,
    *,
    note: bool,
    limit: int = 300,
    resident: bool = False,
) -> Html:
    """One entry of an item's timeline: when, what, and (if shown) its text. A resident
    reads their own item's entries in their words (`timeline.*`: "Our reply", "Your
    message"), staff the desk's (`event.*`: "Replied to the resident")."""
    status = views.t(language, f"status.{entry.status or 'new'}")
    family = "timeline" if resident else "event"
    text = views.t(language, f"{family}.{entry.kind}", status=status)
    if note and entry.note:
        text = Html("{}: {}").format(text, entry.note[:limit])
    return Html("{} · {}").format(views.moment(language, entry.created_at), text)
