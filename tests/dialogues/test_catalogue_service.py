"""A service that exists only in a test catalogue, ordered and fulfilled end to end: adding
a service is editing the catalogue, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import utcnow
from bot.config import Settings
from tests.conftest import DeskHarness, make_settings
from tests.dialogues.helpers import ADMIN, enroll, register, told
from tests.sim import FakeBotAPI

PET_WALKING = """
[[services]]
code = "pet_walk"
department = "environment"
name = { en = "Dog walking", zh_Hans = "遛狗" }
price = { en = "¥40 per walk, paid afterwards.", zh_Hans = "每次 ¥40，服务后付款。" }
lead_hours = 2
opens = 07:00:00
closes = 21:00:00
prepayment = "none"

  [[services.questions]]
  id = "dogs"
  kind = "number"
  min = 1
  max = 3
  ask = { en = "How many dogs?", zh_Hans = "几只狗？" }

  [[services.questions]]
  id = "big"
  kind = "yesno"
  ask = { en = "Is any of them a large dog?", zh_Hans = "有大型犬吗？" }

  [[services.questions]]
  id = "breed"
  kind = "text"
  max = 30
  when = { big = "yes" }
  ask = { en = "Which breed?", zh_Hans = "什么品种？" }

  [[services.questions]]
  id = "length"
  kind = "choice"
  ask = { en = "How long a walk?", zh_Hans = "遛多久？" }
  choices = [
    { value = "short", label = { en = "30 minutes", zh_Hans = "30分钟" } },
    { value = "long", label = { en = "An hour", zh_Hans = "一小时" } },
  ]

  [[services.questions]]
  id = "walk_at"
  kind = "datetime"
  role = "service_at"
  ask = { en = "When?", zh_Hans = "什么时候？" }
"""
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def catalogue_settings(tmp_path: Path, migrated_url: str) -> Settings:
    catalogue = tmp_path / "services.toml"
    catalogue.write_text(PET_WALKING, encoding="utf-8")
    return make_settings(migrated_url, admin_ids=[ADMIN], catalogue_file=catalogue)


@pytest.fixture
async def desk(catalogue_settings: Settings) -> AsyncIterator[DeskHarness]:
    async with DeskHarness(FakeBotAPI(), catalogue_settings) as running:
        yield running


async def test_a_service_only_the_catalogue_knows_works_end_to_end(desk: DeskHarness) -> None:
    walker = await enroll(desk, 8801, "Department staff", "Environment", "B")
    li = desk.sim.user(8901, language_code="en")
    await register(li)
    await li.taps("🎂 Order a service")
    await li.taps("Dog walking")
    assert "¥40 per walk" in li.transcript[-2].body
    await li.says("5")
    assert told(li, "from 1 to 3") == 1
    await li.says("2")
    await li.taps("Yes")
    await li.says("Golden retriever")
    await li.taps("An hour")
    tomorrow = (utcnow().astimezone(SHANGHAI) + timedelta(days=1)).date()
    await li.says(f"{tomorrow:%m-%d} 18:00")
    summary = li.last_text
    for shown in ("How many dogs? <b>2</b>", "Golden retriever", "An hour", "18:00"):
        assert shown in summary
    await li.taps("✍️ Confirm and sign")
    reference = str(await desk.scalar("select reference from tickets"))
    assert reference.startswith("WT-")
    assert told(walker, reference) == 1  # routed to the catalogue's department
    # No prepayment in this service: confirming is one tap, and says nothing of money.
    await walker.taps_on("✅ Confirm & prepayment", reference)
    assert told(li, "your order is confirmed. It is set for") == 1
    assert told(li, "Prepayment") == 0
    await walker.taps_on("🛒 Ordered", reference)
    await walker.says("Our own walker")
    await walker.taps("No number")
    await walker.taps_on("🚚 Out for delivery", reference)
    await walker.taps_on("📦 Delivered", reference)
    await walker.says("Li Lei")
    await walker.taps_on("🧾 Settle", reference)
    await walker.says("40")
    await walker.taps("No")
    assert told(li, "final amount ¥40.00; ¥40.00 is still to pay") == 1
    assert await desk.scalar("select status from tickets") == "resolved"
