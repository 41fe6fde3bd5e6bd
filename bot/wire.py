"""The Bot API calls the desk makes most, answered with the JSON Telegram returns.

PTB's `Bot.send_message` and `Bot.edit_message_text` build a `Message` from every answer
(its chat, its sender, its keyboard, each an object of its own): a dialogue step spent an
eighth of its instructions building messages nobody read, for the desk keeps only a new
message's id. These calls go through the bot's own request object, so they keep PTB's
encoding of the parameters, its base URL (a self-hosted Bot API server included), its
timeouts and its errors (`BadRequest`, `RetryAfter`, `Forbidden`, `TimedOut`, …).

What they leave out is what PTB's methods add to a call: `Defaults`, a rate limiter and
arbitrary callback data. This application sets none of them (`bot.app.build_application`,
held so by a test); one that did would have to send through PTB's methods again.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.request import RequestData

# RequestData's parameters: not exported by telegram.request, the version is pinned.
from telegram.request._requestparameter import RequestParameter


async def call(bot: Bot, method: str, **params: Any) -> Any:
    """Call `method` with `params` (those None left out, as PTB leaves them out); the
    result Telegram returned, as JSON (a message as a dict; True for an edit of an inline
    message)."""
    data = RequestData(
        [
            RequestParameter.from_input(name, value)
            for name, value in params.items()
            if value is not None
        ]
    )
    return await bot.request.post(url=f"{bot.base_url}/{method}", request_data=data)


def message_id(result: Any) -> int:
    """The id of the message a call sent (its result, a message)."""
    return int(result["message_id"])
