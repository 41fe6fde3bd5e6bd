"""/notice for supervisors and managers: to a building, a zone or the whole estate; a
notice, planned works or an outage (with the fault it explains and its start and end);
the text, with a photo if wanted (sent with the text as its caption, or at a later step);
now or at a set time. Residents' *This affects me* and *Still a problem*."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.validation import Invalid, parse_moment
from bot.services import notices_board
from bot.services.notices_board import NewNotice, NoticeKind, Scope
from bot.services.notifier import Notifier
from bot.services.tickets import Filed
from bot.views.incidents import NoticeTap
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import (
    Flow,
    Step,
    choice_step,
    goto,
    keep_state,
    prompt_again,
    reprompt,
    state,
    text_step,
)
from handlers.feature import Feature
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "notice"
NOW, LATER, ESTATE = "now", "later", "all"


@dataclass(slots=True)
class NoticeDraft:
    scope: Scope = Scope.ESTATE
    target: str | None = None
    kind: NoticeKind = NoticeKind.NOTICE
    category: str | None = None
    starts_at: datetime | None = None
    text: str = ""
    ends_at: datetime | None = None
    photo: str | None = None  # a Telegram file id: sent with the notice as its caption


@entry
async def notice_command(turn: Turn) -> None:
    if turn.staff is None or not notices_board.may_publish(turn.staff):
        refuse(turn)
        return
    await dialogue.begin(turn, FLOW, "to", NoticeDraft())


def _targets(turn: Turn) -> list[tuple[str, str]]:
    estate = turn.desk.estate
    found = [(f"b:{b.code}", b.name) for b in estate.buildings]
    found += [(f"z:{z}", turn.t("notice_board.zone", zone=z)) for z in estate.zones()]
    return [*found, (ESTATE, turn.t("notice_board.whole_estate"))]


async def _to(turn: Turn, value: str, label: str) -> None:
    kept = state(turn, NoticeDraft)
    if value == ESTATE:
        kept.scope, kept.target = Scope.ESTATE, None
    else:
        kind, _, target = value.partition(":")
        kept.scope, kept.target = (Scope.BUILDING if kind == "b" else Scope.ZONE), target
    keep_state(turn, kept)
    turn.edit(turn.t("common.chosen", choice=label))
    await goto(turn, "kind")


def _kinds(turn: Turn) -> list[tuple[str, str]]:
    return [(k.value, turn.t(f"notice_board.kind_{k.value}")) for k in NoticeKind]


async def _kind(turn: Turn, value: str, label: str) -> None:
    kept = state(turn, NoticeDraft)
    kept.kind = NoticeKind(value)
    keep_state(turn, kept)
    turn.edit(turn.t("common.chosen", choice=label))
    await goto(turn, "text" if kept.kind is NoticeKind.NOTICE else "category")


def _categories(turn: Turn) -> list[tuple[str, str]]:
    return [
        (c, turn.views.category(turn.language, "complaint", c))
        for c in turn.desk.policy.categories.complaint
    ]


async def _category(turn: Turn, value: str, label: str) -> None:
    kept = state(turn, NoticeDraft)
    kept.category = value
    keep_state(turn, kept)
    turn.edit(turn.t("common.chosen", choice=label))
    await goto(turn, "starts")


def _moment(turn: Turn, text: str | None) -> datetime | Invalid:
    tz = turn.desk.settings.tz
    today = turn.now.astimezone(tz).date()
    limit = turn.desk.policy.dialogue.max_requested_days
    return parse_moment(text, today=today, tz=tz, max_days=limit)


def moment_step(question: str, field: str, next_step: str) -> Step:
    """A typed day and time (the works' start or end, the time to send)."""

    async def ask(turn: Turn) -> None:
        turn.reply(turn.t(question))

    async def handle(turn: Turn, inp: Input) -> None:
        moment = _moment(turn, inp.text) if inp.kind is InputKind.TEXT else None
        if moment is None or isinstance(moment, Invalid):
            await reprompt(turn, moment or "invalid.need_text")
            return
        kept = state(turn, NoticeDraft)
        if field == "ends_at" and kept.starts_at is not None and moment <= kept.starts_at:
            await reprompt(turn, "notice_board.ends_before_start")
            return
        if field == "send_at":
            await _publish(turn, kept, moment)
            return
        setattr(kept, field, moment)
        keep_state(turn, kept)
        await goto(turn, next_step)

    return Step(ask, handle)


def with_photo(step: Step, *, caption_is_text: bool = False) -> Step:
    """A step that also takes the notice's photo (one: a newer one replaces it) and then
    asks its question again. `caption_is_text`: a caption is the notice's text, answering
    the step; elsewhere the text typed earlier stays, and the supervisor is told so."""

    async def handle(turn: Turn, inp: Input) -> None:
        if inp.kind is not InputKind.PHOTO or not inp.photo_file_id:
            await step.handle(turn, inp)
            return
        kept = state(turn, NoticeDraft)
        kept.photo = inp.photo_file_id
        keep_state(turn, kept)
        caption = (inp.text or "").strip()
        if caption and caption_is_text:
            await step.handle(turn, replace(inp, kind=InputKind.TEXT))
            return
        key = "notice_board.photo_kept_no_caption" if caption else "notice_board.photo_kept"
        turn.reply(turn.t(key))
        await prompt_again(turn)

    return Step(step.prompt, handle)


async def _text(turn: Turn, text: str) -> None:
    kept = state(turn, NoticeDraft)
    kept.text = text
    keep_state(turn, kept)
    await goto(turn, "when")


def _whens(turn: Turn) -> list[tuple[str, str]]:
    return [(NOW, turn.t("notice_board.send_now")), (LATER, turn.t("notice_board.send_later"))]


async def _when(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("common.chosen", choice=label))
    if value == LATER:
        await goto(turn, "at")
        return
    await _publish(turn, state(turn, NoticeDraft), turn.now)


async def _publish(turn: Turn, kept: NoticeDraft, send_at: datetime) -> None:
    turn.end()
    assert turn.staff is not None
    new = NewNotice(
        scope=kept.scope,
        target=kept.target,
        kind=kept.kind,
        text=kept.text,
        send_at=send_at,
        category=kept.category,
        starts_at=kept.starts_at,
        ends_at=kept.ends_at,
        photo_file_id=kept.photo,
    )
    count = await notices_board.publish(turn.uow, turn.views, turn.staff, new, turn.now)
    if send_at > turn.now:
        moment = turn.views.moment(turn.language, send_at)
        turn.reply(turn.t("notice_board.scheduled", count=count, at=moment))
    else:
        turn.reply(turn.t("notice_board.sent", count=count))


@entry
async def notice_tap(turn: Turn) -> None:
    """A resident's *This affects me* (counted) or *Still a problem* (filed as an item)."""
    query = turn.update.callback_query
    tap = NoticeTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    done = await notices_board.answer(
        turn.uow,
        Notifier(turn.uow, turn.views),
        turn.resident,
        tap.notice,
        tap.answer,
        policy=turn.desk.policy,
        tz=turn.desk.settings.tz,
        now=turn.now,
    )
    if done is False:
        turn.answer(turn.t("common.stale_button"))
    elif isinstance(done, Filed):
        turn.answer()
    else:
        turn.answer(turn.t("notice_board.thanks"))


FEATURE = Feature(
    "notice",
    handlers=(
        CommandHandler("notice", notice_command, filters=PRIVATE),
        CallbackQueryHandler(notice_tap, pattern=NoticeTap.pattern()),
    ),
    flows=(
        Flow(
            FLOW,
            {
                "to": choice_step("notice_board.ask_to", _targets, _to),
                "kind": choice_step("notice_board.ask_kind", _kinds, _kind),
                "category": choice_step("notice_board.ask_category", _categories, _category),
                "starts": moment_step("notice_board.ask_starts", "starts_at", "ends"),
                "ends": moment_step("notice_board.ask_ends", "ends_at", "text"),
                "text": with_photo(
                    text_step("notice_board.ask_text", _text), caption_is_text=True
                ),
                "when": with_photo(choice_step("notice_board.ask_when", _whens, _when)),
                "at": with_photo(moment_step("notice_board.ask_at", "send_at", "")),
            },
            staff_only=True,
        ),
    ),
)
