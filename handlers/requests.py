"""Filing a kind of request defined as data (bot.domain.kinds): its questions, asked by the
one question engine (handlers.form), a summary, confirm. The resident's menu offers every
such kind, and /new offers it to staff registering one for someone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from bot.domain.kinds import RequestType, request_type, with_forms
from bot.domain.questions import Form
from bot.domain.tickets import TicketKind
from bot.htmltext import Html, join
from bot.services.notifier import Notifier
from bot.services.requests import file_request
from bot.services.tickets import Filed
from handlers import form, intake, menu
from handlers.dialogue import Flow, state, summary_step
from handlers.feature import Feature, IntakeForm
from handlers.runtime import Turn

FLOW = "request"


@dataclass(slots=True)
class Requesting:
    """What the flow keeps besides its answers: which kind of request it is."""

    kind: str


def _kind(turn: Turn) -> RequestType:
    return request_type(state(turn, Requesting).kind)


def _form(turn: Turn) -> Form:
    found = _kind(turn).form
    assert found is not None
    return found


async def start(turn: Turn, kind: RequestType, subject: intake.Subject | None = None) -> None:
    """Begin the kind's form, for the person themselves or (`subject`) for someone else."""
    assert kind.form is not None
    await form.begin(turn, FLOW, kind.form, kind=kind.code, **intake.carrying(subject))


def _entries() -> list[menu.Entry]:
    return [
        menu.Entry(
            f"request.{kind.code}",
            partial(start, kind=kind),
            kind.menu_order,
            label=kind.name.get if kind.name else None,
        )
        for kind in with_forms()
    ]


def _intake_forms() -> list[IntakeForm]:
    """/new offers every kind defined as data, for a resident or a caller."""
    return [
        IntakeForm(TicketKind(kind.code), partial(start, kind=kind), kind.menu_order)
        for kind in with_forms()
    ]


def _summary(turn: Turn) -> Html:
    title = turn.t("summary.title_request", kind=turn.views.kind(turn.language, _kind(turn).code))
    return join("\n", [title, *form.summary_lines(turn)])


async def _file(turn: Turn) -> None:
    async def filing(who: intake.Filer) -> Filed:
        own = turn.resident is not None and who.on_behalf is None
        return await file_request(
            turn.uow,
            Notifier(turn.uow, turn.views),
            kind=_kind(turn),
            answers=form.text_answers(turn),
            language=turn.resident.language if own and turn.resident else turn.language,
            resident=who.resident,
            policy=turn.desk.policy,
            tz=turn.desk.settings.tz,
            now=turn.now,
            on_behalf=who.on_behalf,
        )

    await form.confirm(turn, _summary, filing)


# Reached from the main menu and from /new; no commands or buttons of its own.
FEATURE = Feature(
    "requests",
    flows=(
        Flow(
            FLOW, {**form.steps(), "summary": summary_step(_summary, _file, clear="q")}, form=_form
        ),
    ),
    menu_providers=(_entries,),
    intake_providers=(_intake_forms,),
)
