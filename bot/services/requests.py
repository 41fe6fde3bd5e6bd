"""Filing a kind of request defined as data (bot.domain.kinds): its answers are held to its
form's rules again here, whatever the dialogue let through, and kept with the item; the
description is the answers in the filer's language, for lists and search."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.kinds import RequestType
from bot.domain.questions import Answer, AnswersInvalid, Form, QuestionKind, check_answers
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Draft, TicketKind
from bot.policy import Policy
from bot.services.actions import Refused
from bot.services.notifier import Notifier
from bot.services.tickets import Filed, OnBehalf, WorkOrder, file_ticket
from storage.uow import UnitOfWork


async def file_request(
    uow: UnitOfWork,
    notifier: Notifier,
    *,
    kind: RequestType,
    answers: dict[str, str],
    language: str,
    resident: ResidentCard | None,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    on_behalf: OnBehalf | None = None,
) -> Filed:
    """Refused: the kind has no form, or the answers break it (a forged or stale form)."""
    if kind.form is None or not kind.files:
        raise Refused(kind.code)
    try:
        kept = check_answers(kind.form, answers)
    except AnswersInvalid as exc:
        raise Refused(str(exc)) from None
    draft = Draft(TicketKind(kind.code), describe(kind.form, kept, language))
    work = WorkOrder(service=None, stage=None, details=dict(kept), department=kind.department)
    return await file_ticket(
        uow,
        notifier,
        resident=resident,
        draft=draft,
        policy=policy,
        tz=tz,
        now=now,
        on_behalf=on_behalf,
        work=work,
    )


def describe(form: Form, answers: Mapping[str, Answer], language: str) -> str:
    """The answers, each as its filer read it (a choice by its label), in order."""
    said: list[str] = []
    for question in form.asked(answers):
        value = answers.get(question.id)
        if not value:
            continue
        if isinstance(value, list):
            said.append(", ".join(value))
            continue
        choice = question.choice(value) if question.kind is QuestionKind.CHOICE else None
        said.append(choice.label.get(language) if choice else value)
    return " · ".join(said)
