"""Staff roles and departments of a property-management office (DOMAIN: people and roles)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    STAFF = "staff"  # department staff (engineering, security, …)
    AGENT = "agent"  # 客服
    BUTLER = "butler"  # 管家
    SUPERVISOR = "supervisor"  # 主管 / 当值领班
    SENIOR_BUTLER = "senior_butler"  # 大管家
    CHIEF_BUTLER = "chief_butler"  # 首席管家
    PROJECT_HEAD = "project_head"  # 项目负责人


class Department(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    ENGINEERING = "engineering"
    SECURITY = "security"
    ENVIRONMENT = "environment"
    CONCIERGE = "concierge"


# Seniority, lowest first: who may grant which access is decided by it.
RANK = {role: position for position, role in enumerate(Role)}
MANAGERS = frozenset({Role.SUPERVISOR, Role.SENIOR_BUTLER, Role.CHIEF_BUTLER, Role.PROJECT_HEAD})
# Access is granted by the senior and chief butlers (and the project head), never by
# the duty supervisor; the chief butler and project head may grant any role.
STAFF_ADMINS = frozenset({Role.SENIOR_BUTLER, Role.CHIEF_BUTLER, Role.PROJECT_HEAD})
GRANT_ANY = frozenset({Role.CHIEF_BUTLER, Role.PROJECT_HEAD})
# The desk: who may classify items and check a department's result before the resident
# hears of it.
DESK_ROLES = frozenset({Role.AGENT, Role.BUTLER}) | MANAGERS


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff as the rules and screens need them, without the database."""

    id: int
    name: str
    role: Role
    department: Department
    zone: str | None
    estate_id: int
    language: str
    chat_id: int | None
    active: bool = True

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS


def grantable_roles(granter: Role | None, *, is_admin: bool) -> list[Role]:
    """The roles someone may invite or promote people to (ADMIN_IDS: every role)."""
    if is_admin or granter in GRANT_ANY:
        return list(Role)
    if granter in STAFF_ADMINS:
        return [role for role in Role if RANK[role] < RANK[granter]]
    return []
