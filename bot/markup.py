"""Keyboards as stored in the outbox, and back: every kind Telegram knows must round-trip.

A queued message may carry an inline keyboard (a card's buttons), a reply keyboard (the
main menu), a keyboard removal, a forced reply, or nothing. A stored shape that is none of
these is refused loudly (`MarkupError`), so the sender marks the row failed instead of
sending something other than what was queued.

Button labels are plain text (Telegram shows them as they are): a label rendered as HTML
from the catalogues loses its escaping here, once, for every keyboard that goes out.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)

from bot.htmltext import plain

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class MarkupError(ValueError):
    """A stored keyboard that cannot be rebuilt; the message must not go out without it."""


# A turn asks for each keyboard's object three or four times (its fingerprint, its outbox
# row, the request), and PTB builds it anew each time, button by button. The last few are
# kept, each with its keyboard (held, so that its id cannot be another's meanwhile).
_RECENT: OrderedDict[int, tuple[ReplyMarkup, dict[str, Any]]] = OrderedDict()
_KEEP = 64


def markup_to_dict(markup: ReplyMarkup | None) -> dict[str, Any] | None:
    """The Bot API's object for a keyboard, with every label as plain text. Shared by every
    caller asking for the same keyboard: read it, never change it."""
    if markup is None:
        return None
    recent = _RECENT.get(id(markup))
    if recent is not None and recent[0] is markup:
        return recent[1]
    data = _as_dict(markup)
    for key in ("inline_keyboard", "keyboard"):
        for row in data.get(key, ()):
            for button in row:
                button["text"] = plain(button["text"])
    _remember(markup, data)
    return data


def _as_dict(value: TelegramObject) -> dict[str, Any]:
    """`value.to_dict()`, for a keyboard of plain buttons in a fifth of the time (six
    buttons: 6 µs against 33): PTB's serialiser is general (nested objects, dates,
    durations, defaults), and a screen's keyboard has none of them. Anything else (a Mini
    App button, say) is PTB's to write."""
    if value.api_kwargs:
        return value.to_dict()
    data: dict[str, Any] = {}
    for name in _attributes(value):
        field = getattr(value, name)
        if field is None:
            continue
        if isinstance(field, str | int | float):  # bool is an int
            data[name] = field
        elif isinstance(field, tuple) and field and all(isinstance(r, tuple) for r in field):
            data[name] = [[_as_dict(button) for button in row] for row in field]
        else:
            return value.to_dict()
    return data


_ATTRIBUTES: dict[type, tuple[str, ...]] = {}


def _attributes(value: TelegramObject) -> tuple[str, ...]:
    """The attributes PTB's `to_dict` writes for this kind of object (found once)."""
    kind = type(value)
    names = _ATTRIBUTES.get(kind)
    if names is None:
        found = value._get_attrs_names(include_private=False)  # PTB's own list
        names = _ATTRIBUTES[kind] = tuple(n for n in found if n != "api_kwargs")
    return names


def _remember(markup: ReplyMarkup, data: dict[str, Any]) -> None:
    _RECENT[id(markup)] = (markup, data)
    if len(_RECENT) > _KEEP:
        _RECENT.popitem(last=False)


def markup_from_dict(data: dict[str, Any] | None) -> ReplyMarkup | None:
    """Rebuild whichever keyboard was queued, with its buttons as proper objects."""
    if data is None or data == {}:
        return None
    try:
        if "inline_keyboard" in data:
            return InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton.de_json(button, None) for button in row]
                    for row in data["inline_keyboard"]
                ]
            )
        if "keyboard" in data:
            options = {k: v for k, v in data.items() if k != "keyboard"}
            rows = [
                [KeyboardButton.de_json(button, None) for button in row]
                for row in data["keyboard"]
            ]
            return ReplyKeyboardMarkup(rows, **options)
        if data.get("remove_keyboard") is True:
            return ReplyKeyboardRemove(selective=data.get("selective"))
        if data.get("force_reply") is True:
            options = {k: v for k, v in data.items() if k != "force_reply"}
            return ForceReply(**options)
    except (TypeError, KeyError, AttributeError) as exc:
        raise MarkupError(f"stored keyboard is malformed: {exc}") from exc
    raise MarkupError(f"stored keyboard of unknown kind: {sorted(data)}")
