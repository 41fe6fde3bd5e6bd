"""Emergencies (突发事件): which typed words mean one, and who is paged how often.

The policy lists the emergencies (gas smell, fire or smoke, flooding, someone trapped in
a lift, a building without power, someone hurt), each with keywords in every language;
their names and what the resident should do now are texts of the catalogues
(`emergency.name_<code>`, `emergency.do_<code>`). A page goes to the staff on duty of the
policy's departments and roles, again every few minutes until someone is on the way;
after a number of unanswered pages it also goes up the chain, one rung at a time.
Plain rules: no Telegram, no SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.guess import guess
from bot.domain.repairs import RepairType
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import TicketKind

KIND = "emergency"  # the kind of request an emergency is filed as


@dataclass(frozen=True, slots=True)
class Emergency:
    code: str  # gas, fire, flood, lift, power, injury (texts: emergency.*_<code>)
    keywords: tuple[str, ...]
    category: str  # the complaint category it becomes when nothing else fits (`ordinary`)


def _pattern(keyword: str) -> str:
    """Latin words match whole words ("fire", not "firewall"); Chinese anywhere."""
    word = re.escape(keyword.strip().casefold())
    if keyword.isascii():
        return rf"(?<![a-z0-9]){word}(?![a-z0-9])"
    return word


@functools.lru_cache(maxsize=128)
def _any_of(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of an emergency's keywords, made once: every typed message
    is checked against every emergency."""
    words = [_pattern(k) for k in keywords if k.strip()]
    return re.compile("|".join(f"(?:{w})" for w in words)) if words else None


def match(text: str | None, emergencies: Sequence[Emergency]) -> Emergency | None:
    """The first emergency (in the policy's order) one of whose keywords the text holds."""
    if not text:
        return None
    folded = text.casefold()
    for emergency in emergencies:
        pattern = _any_of(emergency.keywords)
        if pattern is not None and pattern.search(folded):
            return emergency
    return None


@dataclass(frozen=True, slots=True)
class Paging:
    """The policy's paging rules."""

    every: timedelta  # a page repeats this often until someone is on the way
    escalate_after: int  # unanswered pages before the next rung of the chain is paged too
    departments: tuple[Department, ...]  # their staff on duty are paged
    roles: tuple[Role, ...]  # and these roles on duty (the duty supervisor)
    chain: tuple[Role, ...]  # up the chain, one rung per `escalate_after` pages

    def rungs(self, pages: int) -> tuple[Role, ...]:
        """The chain's roles paged with the `pages`-th page (1 is the first page)."""
        climbed = max(pages - 1, 0) // self.escalate_after
        return self.chain[: min(climbed, len(self.chain))]

    def next_page(self, started: datetime, pages: int) -> datetime:
        """When the page after the `pages`-th is due."""
        return started + self.every * pages


def paged(staff: Iterable[StaffMember], rules: Paging, zone: str | None) -> list[StaffMember]:
    """Who every page goes to: the departments' people and the roles (the duty
    supervisor) of the zone, or of every zone; with no zone known, all of them. The
    caller keeps those on duty, group by group (`paged_groups`, bot.domain.duty); the
    chain's rungs come on top (`Paging.rungs`)."""
    return [
        p
        for p in staff
        if p.active
        and (not p.zone or not zone or p.zone == zone)
        and (p.department in rules.departments or p.role in rules.roles)
    ]


def paged_groups(people: Iterable[StaffMember], rules: Paging) -> list[list[StaffMember]]:
    """`paged`'s people split as the roster is asked about them: each of the policy's
    roles (the duty supervisor) and each department (its people of none of those roles).
    A roster that puts only the supervisor on duty must not silence security, nor the
    reverse: each group falls back to all of it on its own (bot.services.duty)."""
    found = list(people)
    groups = [[p for p in found if p.role == role] for role in rules.roles]
    groups += [
        [p for p in found if p.department == department and p.role not in rules.roles]
        for department in rules.departments
    ]
    return [g for g in groups if g]


def by_code(emergencies: Sequence[Emergency]) -> Mapping[str, Emergency]:
    return {e.code: e for e in emergencies}


# What a misfired emergency may become: the kinds worked by the desk's moves or a repair's
# stages. An order needs its own form (what, when, how it is paid), so it is never guessed.
BECOMES = (TicketKind.REPAIR, TicketKind.COMPLAINT, TicketKind.SUGGESTION)


@dataclass(frozen=True, slots=True)
class Ordinary:
    """The ordinary item a misfired emergency becomes."""

    kind: TicketKind
    category: str | None


def ordinary(
    text: str | None,
    emergency: Emergency | None,
    keywords: Mapping[str, Sequence[str]],
    complaint_categories: Sequence[str],
) -> Ordinary:
    """What the reporter's words look like once they said it was no emergency ("my gas
    bill is wrong": a fees complaint), by the free-text keywords (bot.domain.guess): the
    likeliest kind with a hit, with the category it names best (a kind's own fallback when
    it names none). Nothing hit: a complaint of the emergency's category."""
    fallback = emergency.category if emergency is not None else "other"
    for found in guess(text, keywords):
        if found.score == 0:
            break  # the likeliest first: nothing further down was named either
        if found.kind not in BECOMES:
            continue
        if found.kind is TicketKind.COMPLAINT:
            named = found.category in complaint_categories
            return Ordinary(found.kind, found.category if named else fallback)
        if found.kind is TicketKind.REPAIR:
            types = {t.value for t in RepairType}
            named = found.category in types
            return Ordinary(found.kind, found.category if named else RepairType.OTHER.value)
        return Ordinary(found.kind, None)
    return Ordinary(TicketKind.COMPLAINT, fallback)
