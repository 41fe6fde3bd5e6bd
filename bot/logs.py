"""Logging for operators: plain lines, or JSON lines with `LOG_FORMAT=json`; never a phone
number, a person's name or the bot token in clear.

Masking happens in the formatter, on the finished text (message, arguments, traceback and
extras alike), so nothing a handler logs can slip past it:

- phone-like digit runs: `+` and 7 or more digits, or 11 or more digits (a mainland mobile,
  or a landline with its area code), spaces, dots and dashes allowed between them;
- names: passed as record extras under a known key (`log.info("...", extra={"resident": n})`)
  are masked there, and remembered, so the same name is masked wherever it appears later;
- the bot token (`digits:secret`) that a library may log inside a URL.

Telegram ids (up to 10 digits) stay readable: they are what an operator searches by.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

PHONE_MASK = "[phone]"
NAME_MASK = "[name]"
TOKEN_MASK = "[token]"
# Keys of record extras that hold a person's name (or phone) and are never shown.
NAME_KEYS = frozenset(
    {"names", "full_name", "first_name", "last_name", "resident", "resident_name",
     "staff_name", "contact_name", "username"}
)  # fmt: skip
PHONE_KEYS = frozenset({"phone", "contact_phone", "phone_number"})
_SEP = r"[ .\-]?"
PHONE = re.compile(
    rf"(?<![\w+\-])(?:\+{_SEP}(?:\d{_SEP}){{6,14}}\d|(?:\d{_SEP}){{10,15}}\d)(?!\w)"
    r"|(?<!\w)\(\d{2,4}\)[ ]?(?:\d[ .\-]?){6,10}\d(?!\w)"
)
TOKEN = re.compile(r"(?<!\d)\d{3,20}:[A-Za-z0-9_-]{20,}")  # also inside ".../bot<token>/"
# Attributes every LogRecord has: what is not among them was passed as an extra.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
MAX_REMEMBERED = 5000


class Masker:
    """Masks phones, tokens and the names it has been told about (bounded memory)."""

    def __init__(self) -> None:
        self._names: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None

    def remember(self, name: object) -> None:
        values = name if isinstance(name, list | tuple | set | frozenset) else [name]
        for value in values:
            text = str(value).strip() if value is not None else ""
            if len(text) < 2 or text in self._names:
                continue
            self._names[text] = None
            if len(self._names) > MAX_REMEMBERED:
                self._names.popitem(last=False)
            self._pattern = None

    def mask(self, text: str) -> str:
        text = TOKEN.sub(TOKEN_MASK, text)
        text = PHONE.sub(PHONE_MASK, text)
        if self._names:
            if self._pattern is None:
                longest_first = sorted(self._names, key=len, reverse=True)
                self._pattern = re.compile("|".join(_whole(n) for n in longest_first))
            text = self._pattern.sub(NAME_MASK, text)
        return text

    def extras(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record's extras, masked; names among them are remembered first."""
        found = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        for key, value in found.items():
            if key in NAME_KEYS:
                self.remember(value)
        shown: dict[str, Any] = {}
        for key, value in found.items():
            if key in NAME_KEYS:
                shown[key] = NAME_MASK
            elif key in PHONE_KEYS:
                shown[key] = PHONE_MASK
            elif isinstance(value, bool | int | float) or value is None:
                shown[key] = value
            else:
                shown[key] = self.mask(str(value))
        return shown


def _whole(name: str) -> str:
    """A Latin name as a whole word ("Li" is not in "Lift"); a CJK one anywhere."""
    if name.isascii():
        return rf"(?<!\w){re.escape(name)}(?!\w)"
    return re.escape(name)


MASKER = Masker()


class MaskingFormatter(logging.Formatter):
    """The usual one-line format, masked."""

    def __init__(self, fmt: str | None = None, masker: Masker = MASKER) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        extras = self.masker.extras(record)
        line = super().format(record)
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return self.masker.mask(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, extras, exception."""

    def __init__(self, masker: Masker = MASKER) -> None:
        super().__init__()
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        extras = self.masker.extras(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.masker.mask(record.getMessage()),
        }
        entry.update({k: v for k, v in extras.items() if k not in entry})
        if record.exc_info:
            entry["exception"] = self.masker.mask(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self.masker.mask(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else MaskingFormatter()


def configure_logging(level: str, log_format: str = "text") -> None:
    """The process's root logger: one handler on stderr with the masking formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
