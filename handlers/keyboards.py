"""Keyboards: built from texts and short ids only (callback data is at most 64 bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.views import Screen
from handlers.runtime import Turn


def grid(buttons: Sequence[InlineKeyboardButton], columns: int) -> InlineKeyboardMarkup:
    rows = [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(rows)


def markup_of(screen: Screen) -> InlineKeyboardMarkup | None:
    """A screen's buttons as Telegram's inline keyboard (None when it has none)."""
    if not screen.rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton.de_json(b.as_dict(), None) for b in row] for row in screen.rows]
    )


def show(turn: Turn, screen: Screen, *, edit: bool = False) -> None:
    """Send a screen, or redraw the tapped message with it."""
    if edit:
        turn.edit(screen.text, markup_of(screen))
    else:
        turn.reply(screen.text, markup_of(screen))


def contact_keyboard(turn: Turn) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(turn.t("onboarding.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
