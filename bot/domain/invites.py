"""Staff enrollment by single-use, expiring invite tokens; only a hash is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from enum import StrEnum

START_PREFIX = "inv_"
TOKEN_PATTERN = re.compile(r"^inv_[A-Za-z0-9_-]{16,40}$")


class InviteProblem(StrEnum):
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"


def new_token() -> str:
    """A deep-link payload: Telegram allows 64 characters of [A-Za-z0-9_-]."""
    return START_PREFIX + secrets.token_urlsafe(18)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_invite(payload: str | None) -> bool:
    return bool(payload) and TOKEN_PATTERN.match(str(payload)) is not None


def check_invite(
    *, used_at: datetime | None, expires_at: datetime, now: datetime
) -> InviteProblem | None:
    if used_at is not None:
        return InviteProblem.USED
    if expires_at <= now:
        return InviteProblem.EXPIRED
    return None
