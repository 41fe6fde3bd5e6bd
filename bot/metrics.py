"""`/healthz` and a Prometheus `/metrics` for operators.

Served by the webhook server in webhook mode (next to Telegram's path), and on METRICS_PORT
when that is set (any mode; in polling mode it is the only way to reach them). Counters and
the latency histogram are kept in process; the database figures (outbox, items, alarms) are
read when Prometheus scrapes, so they are never stale and cost nothing in between.

- desk_updates_handled_total: updates the process handled
- desk_update_seconds: handler latency (one update, from receipt to commit and replies)
- desk_handler_errors_total{kind}: updates that failed, by exception class
- desk_outbox_backlog: messages waiting to be sent (pending or being sent)
- desk_outbox_messages{status}: outbox rows by status (unknown, failed and undeliverable
  are the delivery errors by kind)
- desk_items_open{severity} and desk_items_late{severity}: open items, and those past a
  promised time (first answer or resolution; a paused clock is not late)
- desk_alarms_due: alarms due and not yet fired
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import tornado.web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import and_, func, or_, select, text
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.clock import utcnow
from bot.domain.tickets import OPEN_STATUSES
from bot.webapp.server import mount_on_webhook as mount_webapp
from bot.webhook import webhook_server_app
from storage.models import Alarm, OutboxMessage, OutboxStatus, Ticket

log = logging.getLogger(__name__)
METRICS = "metrics"  # bot_data key
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BACKLOG = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class Metrics:
    """One process's figures, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("desk_updates_handled", "Updates handled", registry=r)
        self.latency = Histogram(
            "desk_update_seconds", "Handler latency per update", buckets=LATENCY_BUCKETS,
            registry=r,
        )  # fmt: skip
        self.errors = Counter(
            "desk_handler_errors", "Updates that failed, by kind", ["kind"], registry=r
        )
        self.backlog = Gauge("desk_outbox_backlog", "Messages waiting to be sent", registry=r)
        self.outbox = Gauge(
            "desk_outbox_messages", "Outbox rows by status", ["status"], registry=r
        )
        self.open = Gauge("desk_items_open", "Open items by severity", ["severity"], registry=r)
        self.late = Gauge(
            "desk_items_late", "Late open items by severity", ["severity"], registry=r
        )
        self.alarms_due = Gauge("desk_alarms_due", "Alarms due, not fired", registry=r)
        self.server: HTTPServer | None = None
        self.port: int | None = None

    def handled(self, seconds: float) -> None:
        self.updates.inc()
        self.latency.observe(seconds)

    def failed(self, error: BaseException) -> None:
        self.errors.labels(kind=type(error).__name__).inc()

    async def refresh(self, sessions: Any, now: datetime | None = None) -> None:
        """Read the database figures (one short read-only session)."""
        now = now or utcnow()
        open_ = Ticket.status.in_([status.value for status in OPEN_STATUSES])
        late = or_(
            and_(Ticket.first_answered_at.is_(None), Ticket.first_answer_due_at < now),
            and_(Ticket.paused_at.is_(None), Ticket.resolve_due_at < now),
        )
        severity = func.coalesce(Ticket.severity, "none")
        async with sessions() as session:
            by_status = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            outbox = {status: int(n) for status, n in (await session.execute(by_status)).all()}
            by_severity = select(severity, func.count()).group_by(severity)
            opened = (await session.execute(by_severity.where(open_))).all()
            lateness = (await session.execute(by_severity.where(open_, late))).all()
            due = await session.scalar(
                select(func.count())
                .select_from(Alarm)
                .where(Alarm.fired_at.is_(None), Alarm.due_at <= now)
            )
        for status in OutboxStatus:
            self.outbox.labels(status=status.value).set(outbox.get(status.value, 0))
        self.backlog.set(sum(outbox.get(status.value, 0) for status in BACKLOG))
        for gauge, rows in ((self.open, opened), (self.late, lateness)):
            gauge.clear()
            for label, count in rows:
                gauge.labels(severity=label).set(count)
        self.alarms_due.set(int(due or 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_of(application: Application) -> Metrics:
    found = application.bot_data.get(METRICS)
    if not isinstance(found, Metrics):
        found = application.bot_data[METRICS] = Metrics()
    return found


class MeteredApplication(Application):
    """The Application, counting and timing every update it handles and every failure."""

    async def process_update(self, update: object) -> None:
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            metrics_of(self).handled(time.perf_counter() - started)

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        metrics_of(self).failed(error)
        return await super().process_error(update, error, job, coroutine)

    async def start(self) -> None:
        await super().start()
        mount_on_webhook(self)
        mount_webapp(self)  # the managers' Mini App, when WEBAPP_URL is set


class _Endpoint(tornado.web.RequestHandler):
    def initialize(self, bot_application: Application) -> None:
        self.application_ = bot_application


class HealthHandler(_Endpoint):
    async def get(self) -> None:
        desk = self.application_.bot_data.get("desk")
        database = "ok"
        try:
            async with desk.sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            database = type(exc).__name__
        self.set_status(200 if database == "ok" else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps({"status": "ok" if database == "ok" else "down", "database": database})
        )


class MetricsHandler(_Endpoint):
    async def get(self) -> None:
        metrics = metrics_of(self.application_)
        desk = self.application_.bot_data.get("desk")
        try:
            await metrics.refresh(desk.sessions)
        except Exception:  # the process figures are still worth a scrape
            log.warning("metrics: the database figures could not be read", exc_info=True)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(metrics.render())


def routes(application: Application) -> list[tuple[str, type, dict[str, Any]]]:
    shared = {"bot_application": application}
    return [(r"/healthz/?", HealthHandler, shared), (r"/metrics/?", MetricsHandler, shared)]


def mount_on_webhook(application: Application) -> bool:
    """Add the two endpoints to PTB's webhook server, if running."""
    webapp = webhook_server_app(application)
    if webapp is None:
        return False
    webapp.add_handlers(r".*", routes(application))
    return True


async def start_server(application: Application, port: int, host: str = "127.0.0.1") -> int:
    """Serve /healthz and /metrics on `port` (0: any free one); returns the port."""
    metrics = metrics_of(application)
    sockets = bind_sockets(port, address=host)
    server = HTTPServer(tornado.web.Application(routes(application)))
    server.add_sockets(sockets)
    metrics.server = server
    metrics.port = int(sockets[0].getsockname()[1])
    log.info("health and metrics on port %d", metrics.port)
    return metrics.port


async def stop_server(application: Application) -> None:
    metrics = application.bot_data.get(METRICS)
    if isinstance(metrics, Metrics) and metrics.server is not None:
        metrics.server.stop()
        await metrics.server.close_all_connections()
        metrics.server = None
