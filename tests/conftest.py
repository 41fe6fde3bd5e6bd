"""Shared fixtures: a migrated database, the real Application on the simulated Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.app import build_application, shutdown, startup
from bot.config import SAMPLE_ESTATE, Settings
from bot.desk import Desk
from bot.policy import FloodPolicy
from scheduler.outbox import Pacing
from storage.db import normalise_url
from tests.sim import FakeBotAPI, SimRequest, TelegramSim

TEST_TOKEN = "123456789:TEST-token-for-the-offline-simulation"
LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str | None:
    """The PostgreSQL to test against: TEST_DATABASE_URL, else the local trust-auth server."""
    url = os.environ.get("TEST_DATABASE_URL", LOCAL_POSTGRES)
    try:
        import asyncpg
    except ImportError:
        return None
    parsed = normalise_url(url)

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(
                host=parsed.host,
                port=parsed.port or 5432,
                user=parsed.username,
                password=parsed.password,
                database=parsed.database,
                timeout=3,
            )
        except Exception:
            return False
        await conn.close()
        return True

    return parsed.render_as_string(hide_password=False) if asyncio.run(probe()) else None


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """One worker more than the cores: much of the suite waits (a bot process starting, a
    database kept away for 30 s) and a third worker fills those waits; on a 2-core machine
    the suite took 697 s with three against 774 s with two. PYTEST_XDIST_AUTO_NUM_WORKERS,
    where set, is left to xdist."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


# The suite as if started at this moment (ISO 8601, with its offset), the clock running on
# from there: a test that assumes the hour of the day, the weekday or the year fails at the
# moment it was not written for ("2026-12-31T15:58:00+00:00" is Shanghai's New Year).
START_AT = "TEST_START_AT"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (a minute of a real process killed and restarted, the fuzz, the
    database kept away) go first: handed out last, one of them would run alone at the
    end while the other workers sit idle. The rest keep their order.

    With TEST_START_AT, tests that start processes of their own are skipped: those keep
    the machine's time, and the test process would not."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    if os.environ.get(START_AT):
        skip = pytest.mark.skip(reason=f"starts processes, which {START_AT} cannot move")
        for item in items:
            if item.get_closest_marker("processes") or "e2e" in item.path.parts:
                item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    moment = os.environ.get(START_AT)
    if moment:
        traveller = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


_PG_URL: str | bool | None = False


def pg_url() -> str | None:
    global _PG_URL
    if _PG_URL is False:
        _PG_URL = postgres_admin_url()
    return _PG_URL  # type: ignore[return-value]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"


@contextmanager
def fresh_postgres(
    admin: str, prefix: str = "desk_test", *, template: str | None = None
) -> Iterator[str]:
    """A fresh PostgreSQL database on the admin URL's server (empty, or a copy of
    `template`), dropped afterwards."""
    import asyncpg

    parsed = make_url(admin)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(run(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = pg_url()
    if admin is None:
        pytest.skip("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
    with fresh_postgres(admin) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every storage test runs on SQLite, and on PostgreSQL where one is reachable."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


def _migrate_with_sample_estate(url: str) -> None:
    """The schema, and the sample estate a desk loads when it has none (as at first start)."""
    from bot.__main__ import load_estate_file

    migrate.upgrade(url)
    asyncio.run(load_estate_file(make_settings(url), SAMPLE_ESTATE))


# Migrating takes ~0.4 s a database; hundreds of tests start from the same schema, so it
# is built once per run and copied (a file copy, or PostgreSQL's CREATE DATABASE TEMPLATE).
@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "desk.db"
    _migrate_with_sample_estate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    admin = pg_url()
    if admin is None:
        pytest.skip("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
    with fresh_postgres(admin, "desk_template") as url:
        _migrate_with_sample_estate(url)
        yield str(make_url(url).database)


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the latest schema, on SQLite and on PostgreSQL where one is reachable."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, tmp_path / "desk.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        return
    name: str = request.getfixturevalue("migrated_postgres_template")
    admin = pg_url()
    assert admin is not None
    with fresh_postgres(admin, template=name) as url:
        yield url


def make_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"bot_token": TEST_TOKEN, "database_url": url}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Dialogue tests run on SQLite, and again on PostgreSQL when one is reachable."""
    return make_settings(migrated_url)


class DeskHarness:
    """The running bot as a test sees it: the fake Telegram, the app, and its desk."""

    def __init__(self, api: FakeBotAPI, settings: Settings) -> None:
        self.api = api
        self.settings = settings
        self.application = build_application(
            settings, request=SimRequest(api), updates_request=SimRequest(api)
        )
        self.desk: Desk = self.application.bot_data["desk"]
        self.expected_refusals: set[str] = {"bot was blocked by the user"}
        # A test that types "<b>" or "&amp;" on purpose may see them echoed back.
        self.allow_escaping_slips = False
        self.sim = TelegramSim(api, self.application, after_update=self.deliver)

    async def deliver(self) -> int:
        assert self.desk.outbox is not None
        return await self.desk.outbox.deliver_due()

    async def __aenter__(self) -> DeskHarness:
        await self.application.initialize()
        await startup(self.application)
        assert self.desk.outbox is not None
        # Conversations in tests run faster than a person types; pacing has its own test.
        self.desk.outbox.pacing = Pacing(per_chat=timedelta(0))
        # … and faster than the flood limit allows a person (it has its own test too).
        self.desk.policy = self.desk.policy.model_copy(
            update={"flood": FloodPolicy(updates=10_000, seconds=1)}
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.application.shutdown()
        await shutdown(self.application)
        if exc[0] is None:
            self.assert_no_refusals()
            self.assert_no_escaping_slips()

    def assert_no_refusals(self) -> None:
        """Telegram refuses a bad request (an edit that changes nothing, a second answer to a
        callback query, a text too long …); the bot must never make one. Refusals a test
        provokes on purpose (a blocked person) are listed in `expected_refusals`."""
        unexpected = [
            refusal
            for refusal in self.api.refusals
            if not any(allowed in refusal[2] for allowed in self.expected_refusals)
        ]
        assert not unexpected, f"the bot made requests Telegram refuses: {unexpected}"

    def assert_no_escaping_slips(self) -> None:
        """Nothing the bot showed reads "&amp;" or "<b>": a value escaped twice, or a
        button label escaped as if it were HTML."""
        if not self.allow_escaping_slips:
            slips = self.api.escaping_slips
            assert not slips, f"the bot showed escaped text: {slips[:5]}"

    async def column(self, sql: str, **params: object) -> list[object]:
        async with self.desk.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).scalars())

    async def scalar(self, sql: str, **params: object) -> object:
        """Read the database directly, the way an operator would check it."""
        async with self.desk.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    """The settings of a desk whose database is at the latest schema."""
    return settings


@pytest.fixture
async def harness(migrated: Settings) -> AsyncIterator[DeskHarness]:
    settings = migrated
    async with DeskHarness(FakeBotAPI(), settings) as running:
        yield running
