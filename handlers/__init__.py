"""Telegram edges. Each feature module exports one `FEATURE` (handlers.feature.Feature):
its handlers (commands, and the callback-data pattern of its buttons), its dialogues, its
main-menu entries, the buttons it adds under a resident's item, and the forms /new may run
for someone else. No module changes another module's tables: `register` composes FEATURES
in order — flows into the dialogue table, entries into the menu, item buttons into *My
requests*, forms into /new — then adds the handlers, in the same order (the first handler
that matches an update takes it), and the fallbacks last. Composing is idempotent: many
Applications may be built in one process. Adding a feature means adding it to FEATURES.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram.ext import Application

from handlers import (
    access,
    cards,
    complaint,
    dialogue,
    dispatches,
    duty,
    emergencies,
    fallbacks,
    followup,
    free_text,
    handover,
    incidents,
    intake,
    menu,
    my_requests,
    notice,
    onboarding,
    orders,
    registry,
    relay,
    repairs,
    reports,
    requests,
    staff,
    start,
    steps,
    survey,
)
from handlers.errors import on_error
from handlers.feature import Feature

FEATURES: tuple[Feature, ...] = (
    start.FEATURE,
    emergencies.FEATURE,  # its buttons; its texts are asked first by fallbacks
    onboarding.FEATURE,
    complaint.FEATURE,
    repairs.FEATURE,
    orders.FEATURE,
    requests.FEATURE,
    my_requests.FEATURE,
    followup.FEATURE,
    staff.FEATURE,
    relay.FEATURE,
    access.FEATURE,
    intake.FEATURE,
    cards.FEATURE,
    duty.FEATURE,
    steps.FEATURE,
    registry.FEATURE,
    reports.FEATURE,
    dispatches.FEATURE,
    handover.FEATURE,
    survey.FEATURE,
    free_text.FEATURE,
    incidents.FEATURE,
    notice.FEATURE,
)
# Commands everyone sees in Telegram's menu; staff get their own list on enrollment.
BOT_COMMANDS = ("start", "menu", "profile", "help", "cancel")


def install(features: Iterable[Feature] = FEATURES) -> None:
    """Put the features' flows, menu entries, item buttons and /new forms into the tables
    that read them. Installing the same features again changes nothing."""
    for feature in features:
        dialogue.install(feature.flows)
        menu.install(feature.menu, feature.menu_providers)
        my_requests.install(feature.item_buttons)
        intake.install(feature.intake_forms, feature.intake_providers)


def register(application: Application) -> None:
    install((*FEATURES, fallbacks.FEATURE))
    for feature in FEATURES:
        application.add_handlers(list(feature.handlers))
    application.add_handlers(list(fallbacks.FEATURE.handlers))  # last: what none claimed
    application.add_error_handler(on_error)
