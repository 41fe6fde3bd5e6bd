"""The yearly satisfaction survey: who is asked, their answers (one per question)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Building, Resident, Survey, SurveyAnswer, Unit
from storage.repositories._common import is_postgres


class SurveyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, estate_id: int) -> int | None:
        query = select(func.max(Survey.id)).where(Survey.estate_id == estate_id)
        found = (await self.session.execute(query)).scalar()
        return int(found) if found is not None else None

    async def start(
        self, estate_id: int, staff_id: int, questions: list[str], now: datetime
    ) -> Survey:
        survey = Survey(
            estate_id=estate_id,
            started_by_staff_id=staff_id,
            questions=list(questions),
            created_at=now,
        )
        self.session.add(survey)
        await self.session.flush()
        return survey

    async def get(self, survey_id: int) -> Survey | None:
        return await self.session.get(Survey, survey_id)

    async def recipients(self, estate_id: int) -> list[tuple[int, int, str]]:
        """Every registered resident of the estate who can be written to: id, chat, language."""
        query = (
            select(Resident.id, Resident.chat_id, Resident.language)
            .join(Unit, Unit.id == Resident.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id == estate_id, Resident.chat_id.is_not(None))
            .order_by(Resident.id)
        )
        rows = await self.session.execute(query)
        return [(int(i), int(c or 0), str(lang)) for i, c, lang in rows]

    async def answer(
        self, survey_id: int, resident_id: int, question: int, rating: int, now: datetime
    ) -> bool:
        """False when this question was answered already (a second tap changes nothing)."""
        values = {
            "survey_id": survey_id,
            "resident_id": resident_id,
            "question": question,
            "rating": rating,
            "created_at": now,
        }
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = dialect.insert(SurveyAnswer).values(**values).on_conflict_do_nothing()
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))
