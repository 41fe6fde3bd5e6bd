"""The incident rules: the same category in the same building within the policy's window,
enough of them, and at least one not yet linked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import DEFAULTS_DIR
from bot.domain.incidents import Report, cluster, lead_of, offer_due
from bot.domain.tickets import TicketStatus
from bot.policy import load_policy

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(minutes=60)


def _report(i: int, minutes_ago: int, **kw: object) -> Report:
    values: dict[str, object] = {
        "building_id": 3,
        "category": "facilities",
        "status": TicketStatus.NEW,
        "linked": False,
    }
    values.update(kw)
    return Report(i, created_at=NOW - timedelta(minutes=minutes_ago), **values)  # type: ignore[arg-type]


def test_defaults_are_three_reports_within_an_hour() -> None:
    policy = load_policy(DEFAULTS_DIR / "policy.toml")
    assert policy.incidents.reports == 3
    assert policy.incidents.within == HOUR


def test_only_the_same_fault_in_the_same_building_within_the_window_counts() -> None:
    new = _report(9, 0)
    others = [
        _report(1, 61),  # too early
        _report(2, 30, building_id=4),  # another building
        _report(3, 20, category="security"),  # another fault
        _report(4, 10, status=TicketStatus.RESOLVED),  # already dealt with
        _report(5, 59),
    ]
    found = cluster(new, others, HOUR)
    assert [r.id for r in found] == [5, 9]
    assert not offer_due(found, 3)
    found = cluster(new, [*others, _report(6, 5)], HOUR)
    assert offer_due(found, 3)
    assert lead_of(found).id == 5


def test_no_offer_when_every_report_is_linked_already() -> None:
    found = [_report(i, 10 - i, linked=True) for i in range(3)]
    assert not offer_due(found, 3)
    assert offer_due([*found[:2], _report(7, 0)], 3)
