"""The Mini App's launch data is believed only as Telegram documents it: the hash is the hex
HMAC-SHA256 of the sorted `key=value` lines (all but `hash`) under the key HMAC-SHA256
("WebAppData", bot token), and `auth_date` is recent. The expected hashes here are computed
step by step from that description, not with the code under test."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from bot.webapp.initdata import InitDataRefused, data_check_string, signed, verify

TOKEN = "123456789:TEST-token-for-the-offline-simulation"
OTHER_TOKEN = "987654321:ANOTHER-bots-token-entirely-its-own"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
USER = json.dumps({"id": 8501, "first_name": "Wang", "language_code": "en"})


def telegram_signs(fields: dict[str, str], token: str) -> str:
    """What Telegram hands the Mini App: the fields, and `hash` as its docs define it."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def fields(at: datetime = NOW, **extra: str) -> dict[str, str]:
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": USER,
        "auth_date": str(int(at.timestamp())),
        **extra,
    }


def check(init_data: str, token: str = TOKEN, now: datetime = NOW) -> object:
    return verify(init_data, token, now=now, max_age=HOUR)


def test_telegrams_own_signature_is_believed() -> None:
    launch = verify(telegram_signs(fields(), TOKEN), TOKEN, now=NOW, max_age=HOUR)
    assert launch.user_id == 8501
    assert launch.language_code == "en"
    assert launch.auth_date == NOW
    # A field Telegram adds later (its Ed25519 `signature`) is signed like any other.
    with_signature = telegram_signs(fields(signature="abc-_"), TOKEN)
    assert verify(with_signature, TOKEN, now=NOW, max_age=HOUR).user_id == 8501


def test_the_data_check_string_is_sorted_lines_without_the_hash() -> None:
    assert data_check_string({"b": "2", "hash": "x", "a": "1"}) == "a=1\nb=2"
    assert signed(fields(), TOKEN) == telegram_signs(fields(), TOKEN).replace("%20", "+")


@pytest.mark.parametrize(
    ("init_data", "why"),
    [
        ("", "missing"),
        (urlencode(fields()), "unsigned"),  # no hash at all
        (urlencode({**fields(), "hash": ""}), "unsigned"),
        (urlencode({**fields(), "hash": "0" * 64}), "bad signature"),  # a forged hash
        (telegram_signs(fields(), OTHER_TOKEN), "bad signature"),  # another bot's launch
        ("not a query string", "malformed"),
        ("a" * 9000, "too long"),
    ],
)
def test_unsigned_forged_and_foreign_launches_are_refused(init_data: str, why: str) -> None:
    with pytest.raises(InitDataRefused, match=why):
        check(init_data)


def test_a_tampered_field_breaks_the_signature() -> None:
    genuine = telegram_signs(fields(), TOKEN)
    someone_else = json.dumps({"id": 8503, "first_name": "Wang", "language_code": "en"})
    tampered = genuine.replace(quote(USER), quote(someone_else))
    assert tampered != genuine
    with pytest.raises(InitDataRefused, match="bad signature"):
        check(tampered)
    # A field added after signing, or one given twice, is not Telegram's either.
    with pytest.raises(InitDataRefused, match="bad signature"):
        check(genuine + "&start_param=admin")
    with pytest.raises(InitDataRefused, match="twice"):
        check(genuine + "&user=" + quote(someone_else))


def test_launch_data_expires_after_the_policys_limit() -> None:
    issued = telegram_signs(fields(NOW - HOUR), TOKEN)
    assert verify(issued, TOKEN, now=NOW, max_age=HOUR).user_id == 8501  # exactly at the limit
    with pytest.raises(InitDataRefused, match="expired"):
        verify(issued, TOKEN, now=NOW + timedelta(seconds=1), max_age=HOUR)
    ahead = telegram_signs(fields(NOW + timedelta(minutes=10)), TOKEN)
    with pytest.raises(InitDataRefused, match="future"):
        check(ahead)


@pytest.mark.parametrize(
    "changed",
    [
        {"auth_date": "yesterday"},
        {"user": "not json"},
        {"user": json.dumps({"first_name": "nobody"})},
        {"user": json.dumps({"id": "8501"})},
        {"user": json.dumps({"id": True})},
    ],
)
def test_signed_but_without_a_time_or_a_user_is_refused(changed: dict[str, str]) -> None:
    with pytest.raises(InitDataRefused, match=r"auth_date|user"):
        check(telegram_signs({**fields(), **changed}, TOKEN))
