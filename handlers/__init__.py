"""Telegram edges. `register` adds every feature's handlers in one ordered list: order
matters, since the first handler that matches an update takes it.

A feature is a module with a `HANDLERS` list (its commands and the callback-data pattern
of its buttons), its dialogues registered with `handlers.dialogue.register_flow` and its
main-menu entries with `handlers.menu.add`. Adding one means adding it to FEATURES.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    cards,
    complaint,
    dispatches,
    fallbacks,
    followup,
    handover,
    intake,
    my_requests,
    onboarding,
    orders,
    registry,
    repairs,
    reports,
    staff,
    start,
    steps,
    survey,
)
from handlers.errors import on_error

FEATURES = (
    start,
    onboarding,
    complaint,
    repairs,
    orders,
    my_requests,
    followup,
    staff,
    intake,
    cards,
    steps,
    registry,
    reports,
    dispatches,
    handover,
    survey,
)
# Commands everyone sees in Telegram's menu; staff get their own list on enrollment.
BOT_COMMANDS = ("start", "menu", "profile", "help", "cancel")


def register(application: Application) -> None:
    for feature in FEATURES:
        application.add_handlers(feature.HANDLERS)
    application.add_handlers(fallbacks.HANDLERS)  # last: what no feature claimed
    application.add_error_handler(on_error)
