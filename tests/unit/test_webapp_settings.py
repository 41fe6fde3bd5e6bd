"""The Mini App's settings and where its buttons point: HTTPS only (Telegram opens nothing
else), a port of its own in polling mode, and a report's button opening its period."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.webapp.launch import launch_url
from tests.sim import FakeBotAPI

TOKEN = "123456789:TEST-token-for-the-offline-simulation"


def _settings(**values: object) -> Settings:
    return load_settings(_env_file=None, bot_token=TOKEN, **values)


def test_the_mini_app_is_off_unless_its_address_is_set() -> None:
    settings = _settings()
    assert settings.webapp_url is None
    served = _settings(webapp_url="https://desk.example.org/webapp/", webapp_port=8444)
    assert served.webapp_listen == "127.0.0.1"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"webapp_url": "http://desk.example.org/webapp/", "webapp_port": 8444}, "https://"),
        ({"webapp_url": "desk.example.org/webapp/", "webapp_port": 8444}, "https://"),
        ({"webapp_url": "https://desk.example.org/webapp/"}, "needs WEBAPP_PORT"),
        ({"webapp_url": "https://desk.example.org/", "webapp_port": 70000}, "WEBAPP_PORT"),
    ],
)
def test_a_mini_app_telegram_cannot_open_is_a_configuration_error(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(**values)


def test_a_webhook_serves_it_without_a_port_of_its_own() -> None:
    settings = _settings(
        mode="webhook",
        webhook_url="https://desk.example.org/hook",
        webhook_secret="s" * 16,
        webapp_url="https://desk.example.org/webapp/",
    )
    assert settings.webapp_port is None


def test_a_button_opens_the_view_and_days_it_names() -> None:
    base = "https://desk.example.org/webapp/"
    assert launch_url(base) == base
    opened = launch_url(base, view="chart", first=date(2026, 11, 16), last=date(2026, 11, 22))
    assert opened == base + "?view=chart&from=2026-11-16&to=2026-11-22"
    assert launch_url(base + "?estate=1#x", view="chart") == base + "?estate=1&view=chart"


@pytest.mark.parametrize("url", ["https://desk.example.org/webapp/", "http://desk.example.org/"])
def test_the_simulated_telegram_opens_mini_apps_over_https_only(url: str) -> None:
    api = FakeBotAPI()
    api.known_chat(42)
    button = {"text": "📊 Open the board", "web_app": {"url": url}}
    status, body = api.handle(
        "sendMessage",
        {"chat_id": 42, "text": "Status", "reply_markup": {"inline_keyboard": [[button]]}},
    )
    menu = {"type": "web_app", "text": "Board", "web_app": {"url": url}}
    menu_status, _ = api.handle("setChatMenuButton", {"chat_id": 42, "menu_button": menu})
    secure = url.startswith("https://")
    assert (status, menu_status) == ((200, 200) if secure else (400, 400))
    assert secure or "Only HTTPS links are allowed" in body["description"]
