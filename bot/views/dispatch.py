"""Pushed reports and the day's ledger as messages, with their buttons: the chart and the
spreadsheet on demand, and *Acknowledge* (the reader's signature)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.ledger import DayLedger, LedgerSignatures
from bot.htmltext import Html, join
from bot.views import Button, Screen, Views, rows_of, web_app_button


class DispatchAction(StrEnum):
    ACKNOWLEDGE = "ack"
    CHART = "chart"
    SHEET = "xlsx"
    SIGN = "sign"  # the daily ledger's signature (the staff on duty, the supervisor)


REPORT_ACTIONS = (DispatchAction.ACKNOWLEDGE, DispatchAction.CHART, DispatchAction.SHEET)


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


def report_buttons(
    views: Views, language: str, dispatch_id: int, webapp: str | None = None
) -> Rows:
    """*Acknowledge*, *Chart*, *Spreadsheet*; with the Mini App's address (`webapp`: where
    it opens on the report's period), a last button opening it."""
    rows = rows_of([_button(views, language, a, dispatch_id) for a in REPORT_ACTIONS], 2)
    if webapp is None:
        return rows
    return (*rows, (web_app_button(views.t(language, "webapp.open_button"), webapp),))


SHOWN = 40  # items listed per part of the ledger (all are counted)


def _events(views: Views, language: str, found: list[tuple[str, str]]) -> list[str]:
    return [
        Html("• {} · {}").format(ref, views.t(language, f"event.{kind}", status=""))
        for ref, kind in found[:SHOWN]
    ]


def ledger_screen(
    views: Views,
    language: str,
    day: str,
    dispatch_id: int,
    ledger: DayLedger,
    signatures: LedgerSignatures,
) -> Screen:
    """The day's ledger (工作台帐): every request filed, answered, finished and late, the
    follow-ups, and the two signatures (the staff on duty, the supervisor) with their time;
    *Sign* while either is missing."""
    t = views.t
    lines = [t(language, "ledger.title", day=day), ""]
    lines.append(t(language, "ledger.filed", count=len(ledger.filed)))
    lines += [Html("• {} · {}").format(ref, text[:40]) for ref, text in ledger.filed[:SHOWN]]
    lines += ["", t(language, "ledger.answered", count=len(ledger.answered))]
    lines += [
        Html("• {} · {}").format(ref, views.moment(language, at))
        for ref, at in ledger.answered[:SHOWN]
    ]
    lines += ["", t(language, "ledger.finished", count=len(ledger.finished))]
    lines += _events(views, language, ledger.finished)
    lines += ["", t(language, "ledger.late", count=len(ledger.late))]
    lines += [
        Html("• {} · {}").format(ref, t(language, f"ledger.late_{what}"))
        for ref, what in ledger.late[:SHOWN]
    ]
    lines += ["", t(language, "ledger.followed", count=len(ledger.followed))]
    lines += _events(views, language, ledger.followed)
    lines += ["", *signature_lines(views, language, signatures)]
    if signatures.complete:
        return Screen(join("\n", lines))
    sign = _button(views, language, DispatchAction.SIGN, dispatch_id)
    return Screen(join("\n", lines), ((sign,),))


def signature_lines(views: Views, language: str, signatures: LedgerSignatures) -> list[str]:
    """On duty: who signed, when (or not yet); the same for the supervisor."""
    t = views.t
    lines: list[str] = []
    for key, signed in (
        ("ledger.signed_duty", signatures.duty),
        ("ledger.signed_supervisor", signatures.supervisor),
    ):
        if signed is None:
            by = t(language, "ledger.not_signed")
        else:
            name, role, at = signed
            by = t(
                language,
                "ledger.signature",
                name=name,
                role=t(language, f"role.{role}"),
                at=views.moment(language, at),
            )
        lines.append(t(language, key, signature=by))
    return lines


def signed_line(views: Views, language: str, name: str, role: str, at: datetime) -> str:
    return views.t(
        language,
        "dispatch.signed",
        name=name,
        role=views.t(language, f"role.{role}"),
        at=views.moment(language, at),
    )
