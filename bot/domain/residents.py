"""The resident as every update needs them: read once per update, without the ORM."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResidentCard:
    id: int
    name: str
    phone: str
    language: str
    chat_id: int | None
    unit_id: int | None
    building_code: str
    building_name: str
    unit_code: str
    zone: str = ""
    estate_id: int | None = None

    @property
    def home(self) -> str:
        """How a resident names their home: "Building 3 1202"."""
        return f"{self.building_name} {self.unit_code}".strip()
