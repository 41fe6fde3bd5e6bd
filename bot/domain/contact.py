"""How the desk's word reaches someone: through the bot, or by the desk itself.

Someone who phoned in or wrote is answered the way they came, and so is anyone the bot
cannot reach (a caller who is not registered, a resident without a chat). For them the
two messages an item owes its resident — the result and the follow-up question — become a
task for the desk: phone them, or reply in writing, and record what they said. Everything
else (an acknowledgement, a visit proposal, progress) goes to their chat when they have
one, and nowhere otherwise.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.tickets import Channel


class Reach(StrEnum):
    BOT = "bot"  # their chat
    PHONE = "phone"  # the desk phones them
    LETTER = "letter"  # the desk replies in writing


class Telling(StrEnum):
    """The messages that must reach the resident one way or another."""

    RESULT = "result"  # what was done (resolved, repaired, settled)
    FOLLOWUP = "followup"  # was it solved? (回访)


def reach(channel: Channel, *, in_chat: bool) -> Reach:
    """A letter is answered in writing, a phone call by phone; someone the bot cannot
    reach (whatever the channel) by phone, with the number recorded on the item."""
    if channel is Channel.LETTER:
        return Reach.LETTER
    if channel is Channel.PHONE or not in_chat:
        return Reach.PHONE
    return Reach.BOT


def desk_task(telling: Telling, how: Reach) -> str | None:
    """The catalogue key of the desk's task that replaces the resident's message, or None
    when the bot tells them itself."""
    if how is Reach.BOT:
        return None
    verb = "call" if how is Reach.PHONE else "write"
    return f"notice.{verb}_{telling.value}"
