"""/status, /overdue, /mine and /find: what staff and managers ask of the registry, each
answer limited to the reader's remit, each line a button down to the items' cards."""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import as_int
from bot.domain.registry import Line
from bot.htmltext import Html
from bot.services import handovers, items, registry
from bot.services.registry import Page
from bot.views import Screen
from bot.views.handover import unsigned_screen
from bot.views.registry import Listing, RegistryTap, list_screen, status_screen
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import Flow, text_step
from handlers.feature import Feature
from handlers.keyboards import show
from handlers.runtime import Turn, entry

FIND_FLOW = "find"


def _command_text(turn: Turn) -> str:
    message = turn.update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1] if len(parts) > 1 else ""


@entry
async def status_command(turn: Turn) -> None:
    if turn.staff is None:
        refuse(turn)
        return
    tz = turn.desk.settings.tz
    counts = await registry.status(turn.uow, turn.staff, turn.now, tz)
    books = await handovers.count_unsigned(turn.uow, turn.staff, turn.desk.policy, tz, turn.now)
    webapp = turn.desk.settings.webapp_url
    show(turn, status_screen(turn.views, turn.language, counts, books=books, webapp=webapp))


@entry
async def overdue_command(turn: Turn) -> None:
    await _line(turn, Line.OVERDUE, 0)


@entry
async def mine_command(turn: Turn) -> None:
    await _line(turn, Line.MINE, 0)


async def _line(turn: Turn, line: Line, page: int) -> None:
    if turn.staff is None:
        refuse(turn)
        return
    found = await registry.listing(
        turn.uow, turn.staff, line, turn.now, turn.desk.settings.tz, page
    )
    title = turn.t(f"registry.line_{line.value}")
    _show(turn, _screen(turn, title, found, lambda p: RegistryTap(Listing.LINE, line, p).pack()))


def _screen(turn: Turn, title: str, page: Page, tap: Callable[[int], str]) -> Screen:
    return list_screen(
        turn.views,
        turn.language,
        Html("<b>{}</b>").format(title),
        page.items,
        total=page.total,
        page=page.page,
        pages=page.pages,
        page_tap=tap,
    )


def _show(turn: Turn, screen: Screen) -> None:
    """A page tapped redraws its message; a command answers with a new one."""
    show(turn, screen, edit=turn.update.callback_query is not None)


@entry
async def find_command(turn: Turn) -> None:
    if turn.staff is None:
        refuse(turn)
        return
    text = _command_text(turn)
    if not text:
        await dialogue.begin(turn, FIND_FLOW, "words")
        return
    await _find(turn, text)


async def _find_typed(turn: Turn, text: str) -> None:
    turn.end()
    await _find(turn, text)


async def _find(turn: Turn, text: str, *, page: int = 0, search_id: int | None = None) -> None:
    assert turn.staff is not None
    found = await registry.find(
        turn.uow,
        turn.staff,
        text,
        turn.now,
        turn.desk.settings.tz,
        page=page,
        search_id=search_id,
    )
    if found is None:
        turn.reply(turn.t("registry.not_searchable"))
        return
    title = turn.t("registry.find_title", words=turn.esc(text))
    key = str(found.search_id)
    _show(
        turn, _screen(turn, title, found.page, lambda p: RegistryTap(Listing.FIND, key, p).pack())
    )


@entry
async def registry_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = RegistryTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    page = max(tap.page, 0)
    if tap.what is Listing.LINE and tap.key in set(Line):
        await _line(turn, Line(tap.key), page)
    elif tap.what is Listing.FIND and (search_id := as_int(tap.key)) is not None:
        text = await registry.recall(turn.uow, turn.staff, search_id)
        if text is None:
            refuse(turn)
            return
        await _find(turn, text, page=page, search_id=search_id)
    elif tap.what is Listing.BOOKS:
        books = await handovers.unsigned(
            turn.uow, turn.staff, turn.desk.policy, turn.desk.settings.tz, turn.now
        )
        if books is None:
            refuse(turn)
            return
        _show(turn, unsigned_screen(turn.views, turn.language, books))
    elif tap.what is Listing.OPEN and (ticket_id := as_int(tap.key)) is not None:
        screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id, turn.now)
        if screen is None:
            refuse(turn)
            return
        show(turn, screen)


FEATURE = Feature(
    "registry",
    handlers=(
        CommandHandler("status", status_command, filters=PRIVATE),
        CommandHandler("overdue", overdue_command, filters=PRIVATE),
        CommandHandler("mine", mine_command, filters=PRIVATE),
        CommandHandler("find", find_command, filters=PRIVATE),
        CallbackQueryHandler(registry_tap, pattern=RegistryTap.pattern()),
    ),
    flows=(
        Flow(FIND_FLOW, {"words": text_step("registry.ask_find", _find_typed)}, staff_only=True),
    ),
)
