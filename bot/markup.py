"""Keyboards as stored in the outbox, and back: every kind Telegram knows must round-trip.

A queued message may carry an inline keyboard (a card's buttons), a reply keyboard (the
main menu), a keyboard removal, a forced reply, or nothing. A stored shape that is none of
these is refused loudly (`MarkupError`), so the sender marks the row failed instead of
sending something other than what was queued.
"""

from __future__ import annotations

from typing import Any

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class MarkupError(ValueError):
    """A stored keyboard that cannot be rebuilt; the message must not go out without it."""


def markup_to_dict(markup: ReplyMarkup | None) -> dict[str, Any] | None:
    return markup.to_dict() if markup is not None else None


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
