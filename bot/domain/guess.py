"""What a resident's free text looks like: a repair, a complaint, a suggestion or an order,
by the policy's keywords in both languages (no network service). Every kind is offered,
the likeliest first; a kind's best category comes along when one was named.

Keywords are keyed by kind ("repair") or by kind and category ("repair.plumbing"); a
category's hit counts for its kind too. Ties keep the menu's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.tickets import TicketKind

# The kinds offered for a free message, in the menu's order (which breaks ties).
OFFERED = (TicketKind.REPAIR, TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.CONCIERGE)


@dataclass(frozen=True, slots=True)
class Guess:
    kind: TicketKind
    score: int  # keyword hits for the kind and its categories
    category: str | None = None  # the category with the most hits, if any


def _hits(text: str, words: Sequence[str]) -> int:
    return sum(1 for word in words if word and word.casefold() in text)


def guess(text: str | None, keywords: Mapping[str, Sequence[str]]) -> list[Guess]:
    """Every offered kind, the likeliest first, with the category it names best."""
    lowered = (text or "").casefold()
    kind_score = dict.fromkeys(OFFERED, 0)
    best: dict[TicketKind, tuple[int, str]] = {}
    for key, words in keywords.items():
        kind_code, _, category = key.partition(".")
        kind = next((k for k in OFFERED if k.value == kind_code), None)
        if kind is None:
            continue
        hits = _hits(lowered, words)
        kind_score[kind] += hits
        if category and hits and hits > best.get(kind, (0, ""))[0]:
            best[kind] = (hits, category)
    ranked = sorted(OFFERED, key=lambda k: (-kind_score[k], OFFERED.index(k)))
    return [Guess(k, kind_score[k], best[k][1] if k in best else None) for k in ranked]
