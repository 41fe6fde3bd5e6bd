"""Human reference numbers: PREFIX-YYYYMMDD-NNNN, sequential per prefix and local day."""

from __future__ import annotations

import re
from datetime import date

REFERENCE_PATTERN = re.compile(r"\b([A-Z0-9]{1,6})-(\d{8})-(\d{4,})\b")


def format_reference(prefix: str, day: date, sequence: int) -> str:
    """Render a reference; four digits suffice for a desk, more are allowed."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{prefix}-{day:%Y%m%d}-{sequence:04d}"


def day_key(day: date) -> str:
    return f"{day:%Y%m%d}"


def looks_like_reference(text: str) -> bool:
    return REFERENCE_PATTERN.fullmatch(text.strip().upper()) is not None


def find_reference(text: str | None) -> str | None:
    """The first reference quoted in a message (a resident replying to one about an item)."""
    found = REFERENCE_PATTERN.search(text or "")
    return found.group(0) if found else None
