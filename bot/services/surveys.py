"""The yearly satisfaction survey (the house rules survey residents once a year): a
manager starts it; every registered resident gets the policy's questions one at a time,
1-5 by button; the outbox paces the sending, so a thousand residents cause no 429."""

from __future__ import annotations

from datetime import datetime

from bot.domain.staff import StaffMember
from bot.policy import Policy
from bot.views import Views
from bot.views.survey import question_screen
from storage.uow import UnitOfWork


async def start(
    uow: UnitOfWork, member: StaffMember, policy: Policy, views: Views, now: datetime
) -> int:
    """Queue the first question for every registered resident; how many were asked."""
    questions = list(policy.reports.survey_questions)
    survey = await uow.surveys.start(member.estate_id, member.id, questions, now)
    asked = 0
    for _resident_id, chat_id, language in await uow.surveys.recipients(member.estate_id):
        screen = question_screen(views, language, survey.id, questions, 0)
        uow.outbox.add(
            chat_id=chat_id,
            text=screen.text,
            purpose="survey",
            now=now,
            reply_markup=screen.keyboard(),
        )
        asked += 1
    return asked


async def answer(
    uow: UnitOfWork, resident_id: int, survey_id: int, question: int, rating: int, now: datetime
) -> list[str] | None:
    """The survey's questions if the answer counts (None: no such survey or question, or a
    rating out of range); a second answer to the same question changes nothing."""
    survey = await uow.surveys.get(survey_id)
    if survey is None or not 0 <= question < len(survey.questions) or not 1 <= rating <= 5:
        return None
    await uow.surveys.answer(survey_id, resident_id, question, rating, now)
    return list(survey.questions)
