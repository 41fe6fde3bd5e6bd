"""Buildings and units of the estate."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.estate import BuildingPlan, EstatePlan
from storage.models import (
    Building,
    Estate,
    Unit,
)


class EstateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sync(self, plan: EstatePlan) -> None:
        """Make the database hold the plan's buildings and units; never delete what is used."""
        estate = await self.session.scalar(select(Estate).where(Estate.code == plan.code))
        if estate is None:
            estate = Estate(code=plan.code, name=plan.name)
            self.session.add(estate)
            await self.session.flush()
        estate.name = plan.name
        estate.hotline, estate.office_address = plan.hotline, plan.office_address
        existing = {
            b.code: b
            for b in await self.session.scalars(
                select(Building).where(Building.estate_id == estate.id)
            )
        }
        for position, item in enumerate(plan.buildings):
            building = existing.get(item.code)
            if building is None:
                building = Building(estate_id=estate.id, code=item.code)
                self.session.add(building)
            building.name, building.zone, building.position = item.name, item.zone, position
            await self.session.flush()
            known = set(
                await self.session.scalars(
                    select(Unit.code).where(Unit.building_id == building.id)
                )
            )
            wanted = set(item.units)
            self.session.add_all(
                Unit(building_id=building.id, code=code, active=True)
                for code in item.units
                if code not in known
            )
            if known - wanted:
                await self.session.execute(
                    update(Unit)
                    .where(Unit.building_id == building.id, Unit.code.in_(known - wanted))
                    .values(active=False)
                )
        await self.session.flush()

    async def plan(self) -> EstatePlan | None:
        """The estate as stored (the first one: a process serves one estate)."""
        estate = await self.session.scalar(select(Estate).order_by(Estate.id).limit(1))
        if estate is None:
            return None
        buildings = list(
            await self.session.scalars(
                select(Building)
                .where(Building.estate_id == estate.id)
                .order_by(Building.position, Building.id)
            )
        )
        units: dict[int, list[str]] = {b.id: [] for b in buildings}
        rows = await self.session.execute(
            select(Unit.building_id, Unit.code)
            .where(Unit.building_id.in_(units), Unit.active.is_(True))
            .order_by(Unit.id)
        )
        for building_id, code in rows:
            units[building_id].append(code)
        return EstatePlan(
            id=estate.id,
            code=estate.code,
            name=estate.name,
            hotline=estate.hotline or "",
            office_address=estate.office_address or "",
            buildings=tuple(
                BuildingPlan(b.code, b.name, b.zone, tuple(units[b.id]))
                for b in buildings
                if units[b.id]
            ),
        )

    async def unit(self, estate_code: str, building_code: str, unit_code: str) -> Unit | None:
        return await self.session.scalar(
            select(Unit)
            .join(Building, Unit.building_id == Building.id)
            .join(Estate, Building.estate_id == Estate.id)
            .where(
                Estate.code == estate_code,
                Building.code == building_code,
                Unit.code == unit_code,
                Unit.active.is_(True),
            )
        )
