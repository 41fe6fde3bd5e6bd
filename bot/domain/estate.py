"""The estate's buildings and units, loaded from data so each site can describe its own."""

from __future__ import annotations

import re
from dataclasses import dataclass


class EstateError(ValueError):
    """Estate data that cannot describe an estate; the message names the building at fault."""


@dataclass(frozen=True, slots=True)
class BuildingPlan:
    code: str
    name: str
    zone: str
    units: tuple[str, ...]

    def floors(self) -> list[str]:
        """Group units by floor label so a long building can be picked in two taps."""
        seen: list[str] = []
        for unit in self.units:
            floor = floor_of(unit)
            if floor not in seen:
                seen.append(floor)
        return seen

    def units_on(self, floor: str) -> list[str]:
        return [u for u in self.units if floor_of(u) == floor]


@dataclass(frozen=True, slots=True)
class EstatePlan:
    code: str
    name: str
    buildings: tuple[BuildingPlan, ...]
    id: int | None = None  # set once stored
    # Published to every resident: the welcome, /help and every emergency answer.
    hotline: str = ""  # the 24-hour hotline (24小时服务热线)
    office_address: str = ""  # where the management office is

    def zones(self) -> list[str]:
        return sorted({b.zone for b in self.buildings if b.zone})

    def building(self, code: str) -> BuildingPlan | None:
        wanted = code.strip().upper()
        return next((b for b in self.buildings if b.code.upper() == wanted), None)


def floor_of(unit: str) -> str:
    """Floor label of a unit code: "1202" -> "12", "V03" -> "V"."""
    if unit.isdigit() and len(unit) >= 3:
        return str(int(unit[:-2]))
    return re.sub(r"\d+$", "", unit) or unit


def parse_estate(raw: dict[str, object], source: str = "estate") -> EstatePlan:
    """Validate estate data; every failure names the building at fault."""
    try:
        head = raw["estate"]
        assert isinstance(head, dict)
        buildings_raw = raw["buildings"]
        assert isinstance(buildings_raw, list)
        assert buildings_raw
    except (KeyError, AssertionError):
        raise EstateError(f"{source}: needs an [estate] table and [[buildings]]") from None
    buildings: list[BuildingPlan] = []
    for item in buildings_raw:
        if not isinstance(item, dict) or not str(item.get("code", "")).strip():
            raise EstateError(f"{source}: every building needs a code")
        code = str(item["code"]).strip()
        units: list[str]
        if "units" in item:
            units = [str(u).strip().upper() for u in item["units"]]
        else:
            try:
                floors, per_floor = int(item["floors"]), int(item["units_per_floor"])
            except (KeyError, TypeError, ValueError):
                raise EstateError(
                    f"{source}: building {code} needs units = [...] or floors and units_per_floor"
                ) from None
            units = [f"{f}{u:02d}" for f in range(1, floors + 1) for u in range(1, per_floor + 1)]
        if not units or any(not u or len(u) > 12 for u in units) or len(set(units)) != len(units):
            raise EstateError(f"{source}: building {code} has empty, overlong or repeated units")
        buildings.append(
            BuildingPlan(
                code=code,
                name=str(item.get("name", code)),
                zone=str(item.get("zone", "")),
                units=tuple(units),
            )
        )
    codes = [b.code.upper() for b in buildings]
    if len(set(codes)) != len(codes):
        raise EstateError(f"{source}: building codes repeat")
    hotline, office = str(head.get("hotline", "")).strip(), str(head.get("office_address", ""))
    if len(hotline) > 64 or len(office.strip()) > 200:
        raise EstateError(f"{source}: hotline (64) or office_address (200) is too long")
    return EstatePlan(
        code=str(head.get("code", "estate")),
        name=str(head.get("name", "")),
        buildings=tuple(buildings),
        hotline=hotline,
        office_address=office.strip(),
    )


UNIT_INPUT = re.compile(
    r"^\s*([A-Za-z0-9]+)\s*(?:栋|幢|号楼|#|-|/|\s)\s*([A-Za-z0-9]+)\s*(?:室|号)?\s*$"
)


def parse_unit_input(text: str, estate: EstatePlan) -> tuple[BuildingPlan, str] | None:
    """Understand a typed address such as "3-1202", "3栋1202" or "V V03"."""
    match = UNIT_INPUT.match(text or "")
    if not match:
        return None
    building = estate.building(match.group(1))
    if building is None:
        return None
    unit = match.group(2).upper()
    return (building, unit) if unit in building.units else None
