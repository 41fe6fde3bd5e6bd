"""Human reference numbers: PREFIX-YYYYMMDD-NNNN, sequential per prefix and local day.

What a prefix may be is decided here once, and both the policy check and the parser that
finds references in residents' replies use it: a prefix the policy accepts is always one
the parser recognises.
"""

from __future__ import annotations

import re
from datetime import date

# 1-6 ASCII letters or digits, starting with a letter: it must survive being typed back
# by a resident on any keyboard, and read the same in Chinese and English text.
PREFIX_RULE = "[A-Z][A-Z0-9]{0,5}"
PREFIX_EXPLAINED = "1-6 ASCII letters or digits, starting with a letter (e.g. TS)"
_PREFIX = re.compile(PREFIX_RULE)
# No \b: Chinese characters count as word characters, so "编号TS-…" has no word boundary.
REFERENCE_PATTERN = re.compile(
    rf"(?<![A-Za-z0-9])({PREFIX_RULE})-(\d{{8}})-(\d{{4,}})(?![0-9])", re.IGNORECASE
)


def normalise_prefix(prefix: str) -> str:
    """The prefix as stored and shown (upper case); ValueError if it breaks the rule."""
    value = prefix.strip().upper()
    if not _PREFIX.fullmatch(value):
        raise ValueError(f"reference prefix {prefix!r} must be {PREFIX_EXPLAINED}")
    return value


def format_reference(prefix: str, day: date, sequence: int) -> str:
    """Render a reference; four digits suffice for a desk, more are allowed."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{normalise_prefix(prefix)}-{day:%Y%m%d}-{sequence:04d}"


def day_key(day: date) -> str:
    return f"{day:%Y%m%d}"


def looks_like_reference(text: str) -> bool:
    return REFERENCE_PATTERN.fullmatch(text.strip()) is not None


def find_reference(text: str | None) -> str | None:
    """The first reference quoted in a message (a resident replying to one about an item)."""
    found = REFERENCE_PATTERN.search(text or "")
    return found.group(0).upper() if found else None
