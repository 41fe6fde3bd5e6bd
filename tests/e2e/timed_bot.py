"""`python -m tests.e2e.timed_bot`: `python -m bot`, with its clock set to `BOT_CLOCK_START`.

The kill -9 matrix restarts the real process at later and later times (the next morning,
two days on) so that reminders, follow-ups and wishes fall due, without any change to the
bot: time-machine moves `datetime.now` and `time.time` from that moment on (ticking, so
the job queue's waits, which follow the monotonic clock, stay in step), then the bot runs
as `python -m bot` would.
"""

from __future__ import annotations

import os
import runpy
from datetime import datetime

import time_machine

CLOCK = "BOT_CLOCK_START"  # ISO 8601 with its UTC offset, e.g. 2030-04-16T10:00:00+08:00


def main() -> None:
    start = datetime.fromisoformat(os.environ[CLOCK])
    if start.tzinfo is None:
        raise SystemExit(f"{CLOCK} needs a UTC offset: {start.isoformat()}")
    with time_machine.travel(start, tick=True):
        runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
