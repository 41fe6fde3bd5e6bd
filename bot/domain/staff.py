"""Staff roles and departments of a property-management office (DOMAIN: people and roles)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # 客服
    BUTLER = "butler"  # 管家
    SUPERVISOR = "supervisor"  # 主管
    SENIOR_BUTLER = "senior_butler"  # 大管家
    CHIEF_BUTLER = "chief_butler"  # 首席管家
    PROJECT_HEAD = "project_head"  # 项目负责人
    STAFF = "staff"  # department staff (engineering, security, …)


class Department(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    ENGINEERING = "engineering"
    SECURITY = "security"
    ENVIRONMENT = "environment"
    CONCIERGE = "concierge"


MANAGERS = frozenset({Role.SUPERVISOR, Role.SENIOR_BUTLER, Role.CHIEF_BUTLER, Role.PROJECT_HEAD})
# Who may invite staff and change or deactivate them (besides ADMIN_IDS): any manager.
STAFF_ADMINS = MANAGERS
# The desk: who checks a department's result before the resident hears of it.
DESK_ROLES = frozenset({Role.AGENT, Role.BUTLER}) | MANAGERS
