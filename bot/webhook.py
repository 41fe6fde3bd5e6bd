"""PTB's webhook server, found on a running Application, so that /healthz, /metrics
(bot.metrics) and the managers' Mini App (bot.webapp.server) can be served beside
Telegram's path on the same port."""

from __future__ import annotations

import tornado.web
from telegram.ext import Application


def webhook_server_app(application: Application) -> tornado.web.Application | None:
    """PTB's webhook server (a tornado Application), if it runs."""
    server = getattr(application.updater, "_httpd", None) if application.updater else None
    webapp = getattr(getattr(server, "_http_server", None), "request_callback", None)
    return webapp if isinstance(webapp, tornado.web.Application) else None
