"""/healthz and Prometheus /metrics, as an operator's monitoring sees them: served on
METRICS_PORT (polling mode) and on the webhook server; updates handled and their latency,
failures by kind, the outbox backlog, items open and late by severity, alarms due."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

from telegram.ext._utils.webhookhandler import WebhookAppClass, WebhookServer
from tornado.netutil import bind_sockets

from bot.clock import utcnow
from bot.metrics import metrics_of, mount_on_webhook, start_server, stop_server
from tests.conftest import DeskHarness
from tests.dialogues.helpers import file_complaint, register


async def _get(port: int, path: str) -> tuple[int, str, str]:
    def fetch() -> tuple[int, str, str]:
        url = f"http://127.0.0.1:{port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode()
                return response.status, response.headers["Content-Type"], body
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode()

    return await asyncio.to_thread(fetch)


def _value(page: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", page, re.MULTILINE)
    assert found, f"{name} not in the metrics page"
    return float(found.group(1))


async def test_health_and_metrics_on_their_own_port(desk: DeskHarness) -> None:
    li = desk.sim.user(7301, language_code="en")
    await register(li)
    await file_complaint(li)
    port = await start_server(desk.application, 0)
    try:
        status, kind, body = await _get(port, "/healthz")
        assert status == 200
        assert kind.startswith("application/json")
        assert json.loads(body) == {"status": "ok", "database": "ok"}

        status, kind, page = await _get(port, "/metrics")
        assert status == 200
        assert kind.startswith("text/plain")
        handled = _value(page, "desk_updates_handled_total")
        assert handled >= 5  # every step of registering and filing
        assert _value(page, "desk_update_seconds_count") == handled
        assert 'desk_update_seconds_bucket{le="+Inf"}' in page
        assert _value(page, 'desk_items_open{severity="none"}') == 1
        assert 'desk_items_late{severity="none"}' not in page  # nothing late yet
        assert _value(page, "desk_outbox_backlog") == 0
        assert 'desk_outbox_messages{status="failed"} 0.0' in page
        assert _value(page, "desk_alarms_due") == 0

        status, _, page = await _get(port, "/nothing-here")
        assert status == 404
    finally:
        await stop_server(desk.application)

    metrics = metrics_of(desk.application)
    await metrics.refresh(desk.desk.sessions, now=utcnow() + timedelta(days=30))
    later = metrics.render().decode()
    assert _value(later, 'desk_items_late{severity="none"}') == 1
    assert _value(later, "desk_alarms_due") >= 1


async def test_failures_are_counted_by_kind(desk: DeskHarness) -> None:
    await desk.application.process_error(None, ValueError("boom"))
    page = metrics_of(desk.application).render().decode()
    assert _value(page, 'desk_handler_errors_total{kind="ValueError"}') == 1


async def test_the_webhook_server_serves_them_beside_telegrams_path(desk: DeskHarness) -> None:
    webapp = WebhookAppClass("/hook", desk.application.bot, asyncio.Queue(), "s" * 16)
    sockets = bind_sockets(0, address="127.0.0.1")
    port = int(sockets[0].getsockname()[1])
    for sock in sockets:
        sock.close()
    server = WebhookServer("127.0.0.1", port, webapp, None, None)
    ready = asyncio.Event()
    serving = asyncio.create_task(server.serve_forever(ready=ready))
    await ready.wait()
    desk.application.updater = SimpleNamespace(_httpd=server)  # type: ignore[assignment]
    try:
        assert mount_on_webhook(desk.application)
        assert (await _get(port, "/healthz"))[0] == 200
        status, _, page = await _get(port, "/metrics")
        assert status == 200
        assert "desk_updates_handled_total" in page
        assert (await _get(port, "/hook"))[0] == 405  # Telegram's path is still its own
    finally:
        desk.application.updater = None
        await server.shutdown()
        await serving
