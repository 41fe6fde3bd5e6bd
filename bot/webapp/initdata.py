"""Telegram's signed launch data of the Mini App (`initData`), checked as Telegram documents.

Telegram hands the Mini App a query string (the `tgWebAppData` parameter of the page's URL
fragment) signed with a key only Telegram and this bot can derive: the secret key is
HMAC-SHA256 of the bot token under the key "WebAppData", and `hash` is the hex HMAC-SHA256
of the data-check-string under that secret key. The data-check-string is every received
field except `hash`, as `key=value`, sorted by key, joined by line feeds. The reader is
whoever this data names, and only when the hash matches and `auth_date` is recent enough
(the policy's `[webapp] auth_max_minutes`): a launch string that leaked stops working.

Pure (no I/O, no clock: the caller passes `now`), so the rule is tested on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_LENGTH = 8192  # a launch string is well under 2 KB; anything longer is not Telegram's
# Telegram's clock and ours may disagree a little; a launch further ahead is not believed.
CLOCK_SKEW = timedelta(minutes=5)


class InitDataRefused(Exception):
    """Not signed launch data of this bot, or too old. The message says which, for logs."""


@dataclass(frozen=True, slots=True)
class Launch:
    """Who opened the Mini App, as Telegram signed it."""

    user_id: int
    auth_date: datetime
    language_code: str | None = None


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: dict[str, str], bot_token: str) -> str:
    """The hex `hash` Telegram would put beside these fields for this bot."""
    message = data_check_string(fields).encode()
    return hmac.new(secret_key(bot_token), message, hashlib.sha256).hexdigest()


def verify(init_data: str, bot_token: str, *, now: datetime, max_age: timedelta) -> Launch:
    """The launch Telegram signed for this bot, or InitDataRefused."""
    if not init_data:
        raise InitDataRefused("missing")
    if len(init_data) > MAX_LENGTH:
        raise InitDataRefused("too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("a field given twice")
    received = fields.get("hash", "")
    if not received:
        raise InitDataRefused("unsigned")
    expected = signature(fields, bot_token)
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InitDataRefused("bad signature")
    try:
        issued = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InitDataRefused("no auth_date") from None
    if now - issued > max_age:
        raise InitDataRefused("expired")
    if issued - now > CLOCK_SKEW:
        raise InitDataRefused("issued in the future")
    try:
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError):
        raise InitDataRefused("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataRefused("no user")
    language = user.get("language_code")
    return Launch(user_id, issued, language if isinstance(language, str) else None)


def signed(fields: dict[str, str], bot_token: str) -> str:
    """Launch data as Telegram would hand it over, signed for `bot_token` (for tests and
    demonstrations: only Telegram signs real launches)."""
    return urlencode({**fields, "hash": signature(fields, bot_token)})
