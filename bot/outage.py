"""What the bot remembers while its database is away: whom it already told to wait, and
which updates failed for want of it (to be handled again, in order, once it is back).

Held in memory on purpose: the database is what is missing. In polling mode nothing is
lost if the process dies meanwhile (Telegram keeps every unconfirmed update); in webhook
mode the updates held here are the ones Telegram already considers delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# After this many failures of one update while the database answered every probe, the
# failure is the update's own (a bug), not the database's: it is given up, not retried.
MAX_FALSE_ALARMS = 3


@dataclass(slots=True)
class Outage:
    since: datetime | None = None
    told: set[int] = field(default_factory=set)
    failed: dict[int, object] = field(default_factory=dict)  # update id → the update
    false_alarms: dict[int, int] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.since is not None

    def failed_update(self, update_id: int, update: object, now: datetime) -> bool:
        """Record an update the database failed; True the first time an outage is seen."""
        self.failed[update_id] = update
        if self.since is None:
            self.since = now
            return True
        return False

    def tell(self, chat_id: int) -> bool:
        """Whether this chat still needs the one "received, one moment" message."""
        if chat_id in self.told:
            return False
        self.told.add(chat_id)
        return True

    def has_failed(self, update_id: int) -> bool:
        return update_id in self.failed

    def take_held(self) -> list[object]:
        """The updates to handle again, in the order Telegram numbered them."""
        held = [self.failed[key] for key in sorted(self.failed)]
        self.failed.clear()
        return held

    def give_up(self, update_id: int) -> bool:
        """Count a failure that came with the database answering; True once it is too many."""
        count = self.false_alarms.get(update_id, 0) + 1
        self.false_alarms[update_id] = count
        return count >= MAX_FALSE_ALARMS

    def end(self, now: datetime) -> timedelta:
        """The database answers again: forget whom we told (a later outage tells again)."""
        lasted = now - self.since if self.since is not None else timedelta(0)
        self.since = None
        self.told.clear()
        return lasted
