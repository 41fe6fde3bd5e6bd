"""A desk with an administrator who enrols staff, for dialogues that need staff and time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.config import Settings
from tests.conftest import DeskHarness, make_settings
from tests.dialogues.helpers import ADMIN
from tests.sim import FakeBotAPI


@pytest.fixture(autouse=True)
def daytime() -> Iterator[None]:
    """New items are routed by the shift (the night duty outside the day shift): a test
    that does not set the clock itself runs in the day, whatever hour it is run at."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime.now(tz)
    if time(9) <= now.time() < time(18):
        yield
        return
    day = now.date() + timedelta(days=1 if now.time() >= time(18) else 0)
    with time_machine.travel(datetime.combine(day, time(10), tz), tick=True):
        yield


@pytest.fixture
def clock_settings(migrated_url: str) -> Settings:
    return make_settings(migrated_url, admin_ids=[ADMIN])


@pytest.fixture
async def desk(clock_settings: Settings) -> AsyncIterator[DeskHarness]:
    async with DeskHarness(FakeBotAPI(), clock_settings) as running:
        yield running
