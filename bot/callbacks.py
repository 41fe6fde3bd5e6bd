"""Typed callback data: each feature declares what its buttons carry as a small dataclass.

    @dataclass(frozen=True, slots=True)
    class CardTap(CallbackData, prefix="t"):
        action: CardAction
        ticket: int

    CardTap(CardAction.ACCEPT, 12).pack()   -> "t:acc:12"
    CardTap.unpack("t:acc:12")              -> CardTap(action=CardAction.ACCEPT, ticket=12)
    CardTap.unpack("t:explode:12")          -> None (forged or stale: refuse politely)

Packing refuses data over Telegram's 64-byte limit, so a too-long button fails in tests
instead of at Telegram. Prefixes are unique across the application; the handler for a
feature is registered with `pattern=CardTap.pattern()`. Callback data is untrusted input:
`unpack` never raises, and every action is still checked by the permission rules.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from enum import Enum
from types import UnionType
from typing import Any, ClassVar, Self

MAX_BYTES = 64
SEPARATOR = ":"
_PREFIX = re.compile(r"[a-z]{1,3}")


class CallbackData:
    """Base class; subclasses are frozen dataclasses of int, str and enum fields."""

    prefix: ClassVar[str]
    _registry: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, *, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:  # dataclass(slots=True) rebuilds the class: keep its prefix
            prefix = cls.__dict__.get("prefix") or getattr(cls, "prefix", None)
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
            raise ValueError(f"callback prefix {prefix!r}: 1-3 lower-case letters")
        owner = CallbackData._registry.get(prefix)
        if owner is not None and owner.__qualname__ != cls.__qualname__:
            raise ValueError(f"callback prefix {prefix!r} is taken by {owner.__qualname__}")
        CallbackData._registry[prefix] = cls
        cls.prefix = prefix

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            text = "" if value is None else str(value.value if isinstance(value, Enum) else value)
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        """The decoded data, or None for anything that is not exactly this kind."""
        if not data or not data.startswith(cls.prefix + SEPARATOR):
            return None
        converters = _converters(cls)
        parts = data[len(cls.prefix) + 1 :].split(SEPARATOR, len(converters) - 1)
        if len(parts) != len(converters):
            return None
        values = {}
        for (name, convert), text in zip(converters, parts, strict=True):
            try:
                values[name] = convert(text)
            except ValueError:
                return None
        return cls(**values)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        return re.compile(rf"^{cls.prefix}{SEPARATOR}")


Converter = Callable[[str], Any]
_CACHE: dict[type, list[tuple[str, Converter]]] = {}


def _converters(cls: type) -> list[tuple[str, Converter]]:
    found = _CACHE.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls)]
        _CACHE[cls] = found
    return found


def _converter(kind: Any) -> Converter:
    if isinstance(kind, UnionType) or typing.get_origin(kind) is typing.Union:
        inner = [k for k in typing.get_args(kind) if k is not type(None)]
        convert = _converter(inner[0])
        return lambda text: None if text == "" else convert(text)
    if kind is int:
        return _integer
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind
    if kind is str:
        return str
    raise TypeError(f"callback data cannot carry {kind!r}")


# Every number a button carries is a row's id, a page, a count or a rating: within the
# database's integer range. Anything beyond it is forged (PostgreSQL refuses to even
# compare an INTEGER column with it, SQLite anything past 64 bits).
INT_RANGE = range(-(2**31), 2**31)
_WHOLE = re.compile(r"-?[0-9]{1,10}")


def as_int(text: str | None) -> int | None:
    """A number carried in callback data as text: ASCII digits within `INT_RANGE`, else
    None (never raises: "²" is a digit to `str.isdigit` but not to `int`)."""
    if text is None or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if value in INT_RANGE else None


def _integer(text: str) -> int:
    value = as_int(text)
    if value is None:
        raise ValueError(text)
    return value
