"""What staff and managers ask the registry: /status, the lists behind its lines, /find.
Each answer is limited to the reader's remit (managers: their estate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.permissions import Remit, remit_of, staff_viewer
from bot.domain.registry import (
    NO_FILTERS,
    STATUS_SCREEN,
    Filters,
    Line,
    Search,
    Today,
    parse_search,
)
from bot.domain.staff import StaffMember
from bot.domain.tickets import TicketFacts
from bot.services.workflow import Refused
from storage.uow import UnitOfWork

PER_PAGE = 8


@dataclass(frozen=True, slots=True)
class Page:
    items: list[TicketFacts]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _remit(member: StaffMember) -> Remit:
    remit = remit_of(staff_viewer(member))
    if remit is None:
        raise Refused("no remit")
    return remit


async def status(
    uow: UnitOfWork,
    member: StaffMember,
    now: datetime,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
) -> dict[Line, int]:
    """The lines of /status; `filters` (the Mini App's) narrow them within the remit."""
    lines = tuple(line for group in STATUS_SCREEN for line in group)
    return await uow.registry.counts(_remit(member), Today.of(now, tz), lines, filters)


async def listing(
    uow: UnitOfWork,
    member: StaffMember,
    line: Line,
    now: datetime,
    tz: ZoneInfo,
    page: int,
    *,
    filters: Filters = NO_FILTERS,
    per_page: int = PER_PAGE,
) -> Page:
    items, total = await uow.registry.page(
        _remit(member), line, Today.of(now, tz), page=page, per_page=per_page, filters=filters
    )
    return Page(items, total, page, per_page)


@dataclass(frozen=True, slots=True)
class Found:
    search_id: int
    search: Search
    page: Page


async def find(
    uow: UnitOfWork,
    member: StaffMember,
    text: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    page: int = 0,
    search_id: int | None = None,
) -> Found | None:
    """None: the words say nothing searchable. A new search is kept (its pages name it)."""
    search = parse_search(text)
    if search is None:
        return None
    if search_id is None:
        search_id = await uow.registry.remember(member.id, text, now)
    items, total = await uow.registry.search(
        _remit(member), search, tz=tz, page=page, per_page=PER_PAGE
    )
    return Found(search_id, search, Page(items, total, page))


async def recall(uow: UnitOfWork, member: StaffMember, search_id: int) -> str | None:
    return await uow.registry.recall(search_id, member.id)
