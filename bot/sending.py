"""Sending a text that Telegram may still refuse for its formatting.

Texts are escaped and fitted by construction (`bot.htmltext`), so a refusal for HTML means
a bug. The person must not pay for it: the text is sent once more as plain text (tags
dropped, entities decoded, no parse mode), and the refusal is logged with what the message
was (its purpose or key) and returned, so the outbox keeps it for an operator to see.
"""

from __future__ import annotations

import hashlib
import json
import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import wire
from bot.htmltext import CAPTION_LIMIT, TEXT_LIMIT, Html, fit, plain
from bot.markup import ReplyMarkup, markup_to_dict

log = logging.getLogger(__name__)
PLAIN_NOTE = "sent as plain text: "
PLAIN_EDIT_NOTE = "edited as plain text: "


def refused_formatting(exc: BadRequest) -> bool:
    """Telegram's words for HTML it cannot parse ("can't parse entities: …")."""
    return "parse entities" in exc.message.lower()


def fingerprint(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """Identify what a message shows, to tell whether an edit would change anything:
    what Telegram keeps of the text (tags dropped, entities decoded, ends trimmed)."""
    buttons = json.dumps(markup_to_dict(markup), sort_keys=True)
    shown = plain(fit(text)).strip()
    return hashlib.sha1(f"{shown}\x00{buttons}".encode()).hexdigest()[:16]


def plain_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """What a person should read of an HTML text, within Telegram's limit."""
    shown = plain(Html(text)).strip() or "…"
    if len(shown.encode("utf-16-le")) // 2 <= limit:
        return shown
    cut = shown[: limit - 1]
    while len(cut.encode("utf-16-le")) // 2 > limit - 1:
        cut = cut[:-1]
    return cut + "…"


async def send_html(
    bot: Bot, chat_id: int, text: Html, markup: ReplyMarkup | None, *, what: str
) -> tuple[int, str | None]:
    """Send HTML the bot rendered (a queued row's text is the HTML it was drawn as), cut to
    what Telegram takes; if Telegram refuses its formatting, send it as plain text. Returns
    the new message's id and, for a plain-text resend, the note to keep with it."""
    keyboard = markup_to_dict(markup)
    try:
        # A plain str on the wire: Markup's per-character escaping has no business there.
        sent = await wire.call(
            bot,
            "sendMessage",
            chat_id=chat_id,
            text=str(fit(text)),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )
    except BadRequest as exc:
        if not refused_formatting(exc):
            raise
        log.error("Telegram refused the formatting of %s: %s; sent as plain text", what, exc)
        sent = await wire.call(
            bot, "sendMessage", chat_id=chat_id, text=plain_text(text), reply_markup=keyboard
        )
        return wire.message_id(sent), PLAIN_NOTE + exc.message
    return wire.message_id(sent), None


async def send_html_photo(
    bot: Bot,
    chat_id: int,
    photo: str,
    caption: Html,
    markup: ReplyMarkup | None,
    *,
    what: str,
) -> tuple[int, str | None]:
    """Send a photo (a Telegram file id) with an HTML caption cut to Telegram's caption
    limit; as for `send_html`, a caption refused for its formatting goes as plain text."""
    try:
        message = await bot.send_photo(
            chat_id,
            photo,
            caption=str(fit(caption, CAPTION_LIMIT)),
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    except BadRequest as exc:
        if not refused_formatting(exc):
            raise
        log.error("Telegram refused the formatting of %s: %s; sent as plain text", what, exc)
        message = await bot.send_photo(
            chat_id, photo, caption=plain_text(caption, CAPTION_LIMIT), reply_markup=markup
        )
        return message.message_id, PLAIN_NOTE + exc.message
    return message.message_id, None


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: Html,
    markup: InlineKeyboardMarkup | None,
    *,
    what: str,
) -> str | None:
    """Edit a message's text as HTML, cut to what Telegram takes; if Telegram refuses its
    formatting, as plain text. Returns, for a plain-text redraw, the note to keep with it
    (as `send_html` does: the outbox lists it for an operator)."""
    keyboard = markup_to_dict(markup)
    try:
        await wire.call(
            bot,
            "editMessageText",
            chat_id=chat_id,
            message_id=message_id,
            text=str(fit(text)),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )
    except BadRequest as exc:
        if not refused_formatting(exc):
            raise
        log.error("Telegram refused the formatting of %s: %s; edited as plain text", what, exc)
        await wire.call(
            bot,
            "editMessageText",
            chat_id=chat_id,
            message_id=message_id,
            text=plain_text(text),
            reply_markup=keyboard,
        )
        return PLAIN_EDIT_NOTE + exc.message
    return None
