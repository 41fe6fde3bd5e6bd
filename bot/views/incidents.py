"""Buttons of incidents and notices: the desk's *Link them* and *Unlink*, and the
residents' *This affects me* and *Still a problem* under a notice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData


class IncidentAction(StrEnum):
    LINK = "l"  # link this item's fault's recent reports into one incident
    UNLINK = "u"  # take this item out of its incident


@dataclass(frozen=True, slots=True)
class IncidentTap(CallbackData, prefix="ic"):
    action: IncidentAction
    ticket: int


class NoticeAnswer(StrEnum):
    AFFECTS = "affects"
    STILL = "still"


@dataclass(frozen=True, slots=True)
class NoticeTap(CallbackData, prefix="nt"):
    answer: NoticeAnswer
    notice: int


def link_button(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return (("incident.link_button", IncidentTap(IncidentAction.LINK, ticket_id).pack()),)


def notice_buttons(notice_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("notice_board.affects_me", NoticeTap(NoticeAnswer.AFFECTS, notice_id).pack()),
        ("notice_board.still_a_problem", NoticeTap(NoticeAnswer.STILL, notice_id).pack()),
    )
