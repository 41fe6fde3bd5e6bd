"""Keyboards: built from texts and short ids only (callback data is at most 64 bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.runtime import Turn

MENU_KEYS = ("menu.complaint", "menu.suggestion", "menu.my_requests", "menu.help")


def main_menu(turn: Turn) -> ReplyKeyboardMarkup:
    labels = [turn.t(key) for key in MENU_KEYS]
    return ReplyKeyboardMarkup([labels[:2], labels[2:]], resize_keyboard=True, is_persistent=True)


def menu_choice(turn: Turn, text: str | None) -> str | None:
    """Which main-menu key a typed text is, in any language (people switch languages)."""
    if not text:
        return None
    for key in MENU_KEYS:
        if text.strip() in turn.desk.texts.all_variants(key):
            return key
    return None


def grid(buttons: Sequence[InlineKeyboardButton], columns: int) -> InlineKeyboardMarkup:
    rows = [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(rows)


def contact_keyboard(turn: Turn) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(turn.t("onboarding.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
