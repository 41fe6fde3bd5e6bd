"""`python -m bot demo [--port 8080] [--listen 127.0.0.1] [--reset] [--data DIR]`.

Everything runs in this one process until Ctrl-C: the stand-in, the bot, the page. The
page answers as soon as the bot has started (a few seconds); the staff's enrolment and the
resident's registration then run through the bot while the page shows that they do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tornado.netutil import bind_sockets

from bot.demo.cast import ADMIN, cast, set_up
from bot.demo.web import serve_page
from bot.demo.world import People, reset_data, running_bot
from bot.logs import configure_logging

log = logging.getLogger(__name__)
WILDCARDS = ("", "0.0.0.0", "::")


@dataclass
class RunningDemo:
    people: People
    url: str  # the page
    life: asyncio.Future[None]  # the bot's, until SIGINT/SIGTERM or the block's end
    setup: asyncio.Future[None]  # the staff's enrolment and the resident's registration


@contextlib.asynccontextmanager
async def running_demo(
    data_dir: Path,
    *,
    listen: str = "127.0.0.1",
    port: int = 8080,
    language: str = "en",
    reset: bool = False,
) -> AsyncIterator[RunningDemo]:
    """The whole demo, for as long as the block runs (port 0: any free one)."""
    if reset:
        reset_data(data_dir)
    sockets = bind_sockets(port, address=listen)
    bound = int(sockets[0].getsockname()[1])
    host = "127.0.0.1" if listen in WILDCARDS else listen
    host = f"[{host}]" if ":" in host else host
    webapp_url = f"https://{host}:{bound}/webapp/"  # its public address, were it published
    try:
        async with running_bot(data_dir, webapp_url=webapp_url, admin=ADMIN) as (
            api,
            application,
            life,
        ):
            people = People(api, application)
            cast(people, language)
            server = serve_page(people, sockets)
            setup = asyncio.ensure_future(_set_up(people, language))
            try:
                yield RunningDemo(people, f"http://{host}:{bound}/", life, setup)  # type: ignore[arg-type]
            finally:
                setup.cancel()
                with contextlib.suppress(BaseException):
                    await setup
                server.stop()
                await server.close_all_connections()
    finally:
        for sock in sockets:
            sock.close()


async def _set_up(people: People, language: str) -> None:
    try:
        await set_up(people, language)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("demo: setting up the people failed")
        people.setup = f"failed: {exc}"


async def _main(args: argparse.Namespace) -> None:
    async with running_demo(
        args.data, listen=args.listen, port=args.port, language=args.language, reset=args.reset
    ) as demo:
        print(f"Estate desk demo: open {demo.url}  (Ctrl-C stops it)", flush=True)
        await demo.life


def run(args: argparse.Namespace) -> int:
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    try:
        asyncio.run(_main(args))
    except OSError as exc:
        print(f"estate-desk-bot: demo: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        pass
    return 0
