"""The incident rules: the same category in the same building within the policy's window;
the desk offered the link at the policy's number of reports and again at each as many
more, never for every report; a report of a fault already linked joins its incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import DEFAULTS_DIR
from bot.domain.incidents import (
    Report,
    Tally,
    cluster,
    joins,
    lead_of,
    offer_due,
    tally,
    window_of,
)
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
    assert not offer_due(tally(found), 3)
    found = cluster(new, [*others, _report(6, 5)], HOUR)
    assert offer_due(tally(found), 3)
    assert lead_of(found).id == 5


def test_the_offer_comes_at_three_reports_and_again_at_six_not_with_every_report() -> None:
    reports = [_report(i, 50 - i) for i in range(7)]
    offered = [n for n in range(1, 8) if offer_due(tally(reports[:n]), 3)]
    assert offered == [3, 6]


def test_a_report_of_a_linked_fault_joins_its_incident_instead_of_an_offer() -> None:
    found = [_report(1, 9, linked=True), _report(2, 8, linked=True), _report(3, 7), _report(7, 0)]
    assert not offer_due(tally(found), 3)
    six = [*found[:2], _report(4, 5), _report(5, 3), _report(6, 2), _report(7, 0)]
    assert not offer_due(tally(six), 3)
    joined = joins(found)
    assert joined is not None
    assert joined.id == 2
    assert joins([_report(3, 7), _report(7, 0)]) is None


def test_the_window_is_the_fault_still_open_within_the_policy_before_the_new_report() -> None:
    new = _report(9, 0)
    window = window_of(new, HOUR)
    assert window is not None
    assert (window.since, window.until) == (new.created_at - HOUR, new.created_at)
    assert (window.building_id, window.category, window.excluding) == (3, "facilities", 9)
    assert TicketStatus.RESOLVED not in window.statuses
    assert TicketStatus.REOPENED in window.statuses
    assert window_of(_report(9, 0, building_id=None), HOUR) is None
    assert window_of(_report(9, 0, category=None), HOUR) is None


def test_a_tally_counts_the_new_report_and_keeps_the_latest_linked() -> None:
    found = [_report(1, 9, linked=True), _report(2, 8, linked=True), _report(3, 7)]
    assert tally(found) == Tally(3, latest_linked=2)
    assert tally([_report(3, 7)]).with_new() == Tally(2)
    assert not offer_due(Tally(0), 3)
