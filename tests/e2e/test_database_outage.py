"""The database goes away for a while (PostgreSQL stopped: every connection cut and new
ones refused; an SQLite file locked by another program) while residents write: each is
told once that their message was received, and once the database is back every update is
handled exactly once, in order, with its usual answer. The real process, over loopback.

`OUTAGE_SECONDS` sets how long the database stays away (30 s by default).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from bot import migrate
from bot.i18n import load_catalogues
from tests.e2e.outage import Outage
from tests.e2e.test_exactly_once import (
    Burst,
    expected_bodies,
    run_sql,
    seed_residents,
)
from tests.e2e.test_process import TOKEN, BotProcess, clean_env, free_port, post_update, start_bot
from tests.sim import FakeBotAPI, LoopbackBotAPIServer

OUTAGE_SECONDS = float(os.environ.get("OUTAGE_SECONDS", "30"))


@pytest.fixture
def api() -> FakeBotAPI:
    fake = FakeBotAPI()
    fake.fast_poll = True
    return fake


@pytest.mark.long
def test_the_database_away_loses_nothing_and_repeats_nothing(
    tmp_path: Path, database_url: str, api: FakeBotAPI
) -> None:
    migrate.upgrade(database_url)
    asyncio.run(seed_residents(database_url))
    wait = str(load_catalogues(default="en").t("en", "common.received_wait"))
    burst = Burst(api)
    log = tmp_path / "bot.log"

    def told_to_wait(chat: int) -> int:
        return sum(1 for body in burst.replies(chat) if body == wait)

    with Outage(database_url) as outage, LoopbackBotAPIServer(api) as server:
        env = clean_env(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=server.base_url,
            LOG_LEVEL="INFO",
            DATABASE_URL=outage.bot_url,
        )
        bot = BotProcess(tmp_path, env)
        try:
            burst.push()
            assert api.wait_until(burst.answered, timeout=60), log.read_text()
            before = burst.updates

            outage.begin()
            started = time.monotonic()
            burst.push()
            everyone = lambda: all(told_to_wait(chat) for chat in burst.sent)  # noqa: E731
            assert api.wait_until(everyone, timeout=OUTAGE_SECONDS + 10), log.read_text()
            time.sleep(max(0.0, OUTAGE_SECONDS / 2 - (time.monotonic() - started)))
            burst.push()  # more from the same people: they were told already
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
            assert burst.updates > before
            outage.end()

            assert api.wait_until(
                lambda: all(
                    len(burst.replies(c)) >= sum(k.values()) + 1 for c, k in burst.sent.items()
                ),
                timeout=60,
            ), log.read_text()[-4000:]
            time.sleep(2.5)  # a reply said twice would show by now (the sender runs every 2 s)
        finally:
            code = bot.stop()
    text = log.read_text()
    assert code == 0, text[-4000:]
    for chat, kinds in burst.sent.items():
        assert Counter(burst.replies(chat)) == expected_bodies(chat, kinds) + Counter({wait: 1}), (
            chat,
            text[-4000:],
        )
    assert sorted(api.callback_answers) == sorted(burst.queries)  # each answered once
    assert not api.refusals, api.refusals
    assert "database answers again" in text
    assert "Traceback" not in text, text[-4000:]
    handled = asyncio.run(run_sql(database_url, "select count(*) from handled_updates"))
    assert handled[0][0] == burst.updates
    left = asyncio.run(
        run_sql(
            database_url,
            "select status, purpose, chat_id, attempts, last_error, lease_until, text from outbox",
        )
    )
    assert {row[0] for row in left} <= {"sent"}, (left, text[-6000:])


@pytest.mark.long
def test_a_webhook_update_the_database_failed_is_handled_once_it_is_back(tmp_path: Path) -> None:
    """Telegram counts a webhook update delivered once posted: the process keeps it."""
    api = FakeBotAPI()
    port, secret = free_port(), "s3cret-token-of-the-webhook"
    wait = str(load_catalogues(default="en").t("en", "common.received_wait"))
    database = tmp_path / "data" / "estate-desk.db"
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(
            tmp_path,
            server,
            api,
            ready_call="setWebhook",
            MODE="webhook",
            WEBHOOK_URL="https://desk.example.org/tg-hook",
            WEBHOOK_SECRET=secret,
            WEBHOOK_PORT=str(port),
        )
        try:
            api.known_chat(5004)
            user = {"id": 5004, "is_bot": False, "first_name": "R", "language_code": "en"}
            update = {
                "update_id": api.next_update_id(),
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 5004, "type": "private"},
                    "from": user,
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            with Outage(f"sqlite+aiosqlite:///{database}") as outage:
                outage.begin()
                deadline = time.monotonic() + 30
                while post_update(port, update, secret) != 200:  # the listener may be binding
                    assert time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
                    time.sleep(0.2)
                assert api.wait_until(lambda: bool(api.messages(5004)), timeout=30)
                assert [m.body for m in api.messages(5004)] == [wait]
            assert api.wait_until(lambda: len(api.messages(5004)) == 3, timeout=30)
            time.sleep(2.5)
        finally:
            assert bot.stop() == 0
    bodies = [m.body for m in api.messages(5004)]
    assert len(bodies) == 3, bodies  # "one moment", then the greeting and first question
    assert "Hello and welcome" in bodies[1]
    assert "contact phone" in bodies[2]
