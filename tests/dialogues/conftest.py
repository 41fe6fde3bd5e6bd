"""A desk with an administrator who enrols staff, for dialogues that need staff and time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from tests.conftest import DeskHarness, make_settings
from tests.dialogues.helpers import ADMIN
from tests.sim import FakeBotAPI


@pytest.fixture
def clock_settings(migrated_url: str) -> Settings:
    return make_settings(migrated_url, admin_ids=[ADMIN])


@pytest.fixture
async def desk(clock_settings: Settings) -> AsyncIterator[DeskHarness]:
    async with DeskHarness(FakeBotAPI(), clock_settings) as running:
        yield running
