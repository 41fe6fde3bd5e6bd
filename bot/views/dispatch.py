"""Pushed reports and the day's ledger as messages, with their buttons: the chart and the
spreadsheet on demand, and *Acknowledge* (the reader's signature)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.htmltext import Html, join
from bot.views import Button, Screen, Views, rows_of


class DispatchAction(StrEnum):
    ACKNOWLEDGE = "ack"
    CHART = "chart"
    SHEET = "xlsx"


@dataclass(frozen=True, slots=True)
class DispatchTap(CallbackData, prefix="dp"):
    action: DispatchAction
    dispatch: int


def _button(views: Views, language: str, action: DispatchAction, dispatch_id: int) -> Button:
    return Button(
        views.t(language, f"dispatch.{action.name.lower()}"),
        DispatchTap(action, dispatch_id).pack(),
    )


Rows = tuple[tuple[Button, ...], ...]


def report_buttons(views: Views, language: str, dispatch_id: int) -> Rows:
    return rows_of([_button(views, language, action, dispatch_id) for action in DispatchAction], 2)


def _events(views: Views, language: str, found: list[tuple[str, str]]) -> list[str]:
    return [
        Html("• {} · {}").format(ref, views.t(language, f"event.{kind}", status=""))
        for ref, kind in found[:40]
    ]


def ledger_screen(
    views: Views,
    language: str,
    day: str,
    dispatch_id: int,
    followed: list[tuple[str, str]],
    finished: list[tuple[str, str]],
) -> Screen:
    t = views.t
    lines = [t(language, "ledger.title", day=day), ""]
    lines += [
        t(language, "ledger.followed", count=len(followed)),
        *_events(views, language, followed),
    ]
    lines += ["", t(language, "ledger.finished", count=len(finished))]
    lines += _events(views, language, finished)
    ack = _button(views, language, DispatchAction.ACKNOWLEDGE, dispatch_id)
    return Screen(join("\n", lines), ((ack,),))


def signed_line(views: Views, language: str, name: str, role: str, at: datetime) -> str:
    return views.t(
        language,
        "dispatch.signed",
        name=name,
        role=views.t(language, f"role.{role}"),
        at=views.moment(language, at),
    )
