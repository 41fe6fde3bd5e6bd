"""Whose birthday a cake is for: the resident's own, or someone of theirs ("my daughter
Lily"). The birthday belongs to that person: the project's wishes name them, and the
resident's own birthday is never taken from someone else's cake."""

from __future__ import annotations

import re

WHOM_MAX = 40  # characters kept of "whose birthday"
WISHED = "birthday wishes"  # the note on an order's timeline when its wishes went out

# Answers that mean "my own birthday".
OWN = frozenset(
    {"me", "mine", "myself", "my own", "my birthday", "i", "own", "self"}
    | {"我", "我的", "我自己", "自己", "本人", "本人生日", "我的生日"}
)
_PUNCTUATION = re.compile(r"[\s.!?,;:'\"。！？，；：]+")
_MY = re.compile(r"^my\s+", re.IGNORECASE)


def whom(answer: str | None) -> str | None:
    """The person a birthday is for, as the resident named them; None: the resident's own
    (or nobody was named)."""
    text = " ".join((answer or "").split())[:WHOM_MAX]
    if not text or _PUNCTUATION.sub(" ", text).strip().casefold() in OWN:
        return None
    return text


def key_of(person: str) -> str:
    """The same person however it is spelled in case and spacing."""
    return " ".join(person.split()).casefold()[:WHOM_MAX]


def addressed(person: str) -> str:
    """How the desk names them to the resident: "my daughter Lily" → "your daughter Lily",
    "我女儿莉莉" → "您女儿莉莉"; a plain name stays as it is."""
    if _MY.match(person):
        return _MY.sub("your ", person, count=1)
    if person.startswith("我") and len(person) > 1:
        return "您" + person[1:]
    return person
