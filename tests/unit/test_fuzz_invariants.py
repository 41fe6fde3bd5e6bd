"""The fuzz test's checks (tests/dialogues/invariants.py) on timelines made by hand: each
passes what the bot records and catches what it must not record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DEFAULTS_DIR
from bot.domain.tickets import Severity
from bot.policy import load_policy
from tests.dialogues.invariants import (
    Event,
    Filed,
    alarm_problems,
    expected_promises,
    implied_stage,
    promise_problems,
    stage_problems,
    status_problems,
)

TZ = ZoneInfo("Asia/Shanghai")
POLICY = load_policy(DEFAULTS_DIR / "policy.toml")
FILED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: the day shift
H = timedelta(hours=1)


def at(hours: float) -> datetime:
    return FILED + timedelta(hours=hours)


def created(actor: str = "resident") -> Event:
    return Event(FILED, "created", "new", None, actor)


# --- timeline and status -------------------------------------------------------------------
def test_a_complaints_way_to_closed_agrees_with_its_status() -> None:
    timeline = [
        created(),
        Event(at(0.5), "accepted", "accepted"),
        Event(at(1), "reminded", "accepted", "resolve_soon"),
        Event(at(2), "transferred", "in_progress"),
        Event(at(3), "resolved", "review"),  # someone else's result: the owner checks it
        Event(at(4), "result_accepted", "resolved"),
        Event(at(30), "closed", "closed"),
    ]
    assert status_problems("complaint", "closed", timeline) == []


def test_a_status_changed_without_its_event_or_against_the_state_machine_is_caught() -> None:
    silent = [created(), Event(at(1), "note", "resolved", "done, said nothing")]
    assert status_problems("complaint", "resolved", silent) == [
        "note moved it from new to resolved"
    ]
    closed_open = [created(), Event(at(1), "closed", "closed")]
    assert status_problems("complaint", "closed", closed_open) == ["closed (close) on a new item"]
    stale = [created(), Event(at(1), "accepted", "accepted")]
    assert status_problems("complaint", "resolved", stale) == [
        "the timeline says accepted, the item is resolved"
    ]
    assert status_problems("task", "new", [Event(FILED, "created", None)]) == [
        "created records no status"
    ]


def test_an_order_and_a_repair_are_at_the_stage_their_steps_recorded() -> None:
    order = [
        created(),
        Event(at(1), "status_changed", "accepted", "order confirmed"),
        Event(at(2), "status_changed", "in_progress", "order ordered"),
        Event(at(3), "status_changed", "closed", "order cancelled: plans changed", "resident"),
    ]
    assert implied_stage("concierge", order) == "cancelled"
    assert stage_problems("concierge", "closed", "cancelled", order) == []
    assert stage_problems("concierge", "in_progress", "cancelled", order) == [
        "an order at cancelled is in_progress",
        "a cancelled order is in_progress",
    ]
    repair = [
        created(),
        Event(at(1), "status_changed", "accepted", "visit 2026-11-25T01:00:00+00:00"),
        Event(at(2), "message", "accepted", "visit agreed", "resident"),
        Event(at(20), "status_changed", "in_progress", "repair working"),
        Event(at(21), "resolved", "resolved", "new washer"),
    ]
    assert status_problems("repair", "resolved", repair) == []
    assert stage_problems("repair", "resolved", "done", repair) == []
    assert stage_problems("repair", "resolved", "working", repair) == [
        "stage working, its steps say done",
        "a repair at working is resolved",
    ]
    reopened = [*repair, Event(at(30), "reopened", "reopened", "repair.reported_not_fixed")]
    assert implied_stage("repair", reopened) == "requested"


# --- promises ------------------------------------------------------------------------------
def complaint(requested_by: date | None = None) -> Filed:
    return Filed("complaint", requested_by, None)


def test_a_day_complaints_promises_follow_waiting_classification_and_extension() -> None:
    timeline = [created()]
    assert expected_promises(complaint(), timeline, POLICY, TZ) == ((at(1), at(48)), None)

    timeline += [
        Event(at(2), "waiting", "waiting", "parts 2026-11-26"),
        Event(at(5), "resumed", "in_progress"),  # three hours waited: the resolve time moves
    ]
    found = expected_promises(complaint(), timeline, POLICY, TZ)
    assert found == ((at(1), at(51)), None)

    timeline.append(Event(at(6), "classified", "in_progress", "valid/important"))
    found = expected_promises(complaint(), timeline, POLICY, TZ)
    assert found == ((at(3), at(72 + 3)), Severity.IMPORTANT)  # from filing, the wait kept

    moved = at(100)
    timeline.append(Event(at(7), "extension_approved", "in_progress", moved.isoformat()))
    found = expected_promises(complaint(), timeline, POLICY, TZ)
    assert found == ((at(3), moved), Severity.IMPORTANT)
    assert (
        promise_problems(
            complaint(), "in_progress", (at(3), moved), "important", timeline, POLICY, TZ
        )
        == []
    )
    assert promise_problems(
        complaint(), "in_progress", (at(3), at(75)), "important", timeline, POLICY, TZ
    ) == [f"resolve due {at(75)}, the policy makes it {moved}"]


def test_a_reopening_and_the_upgrade_start_the_promises_again() -> None:
    timeline = [
        created(),
        Event(at(1), "resolved", "resolved", "fixed"),
        Event(at(30), "reopened", "reopened", "followup.not_solved"),
    ]
    assert expected_promises(complaint(), timeline, POLICY, TZ) == ((at(31), at(78)), None)
    timeline.append(Event(at(31 * 24), "upgraded", "reopened", "major"))
    found = expected_promises(complaint(), timeline, POLICY, TZ)
    assert found is not None
    assert found[0] == (at(31 * 24 + 24), at(31 * 24 + 168))


def test_a_night_filing_is_promised_for_the_next_morning_unless_staff_registered_it() -> None:
    night = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    by_resident = [Event(night, "created", "new", None, "resident")]
    found = expected_promises(complaint(), by_resident, POLICY, TZ)
    assert found is not None
    assert found[0] == (morning, night + 48 * H)
    by_staff = [Event(night, "created", "new", None, "staff")]
    assert expected_promises(complaint(), by_staff, POLICY, TZ) == (
        (night + H, night + 48 * H),
        None,
    )


def test_an_incident_follower_has_its_leads_promises() -> None:
    timeline = [created(), Event(at(1), "linked", "new", "TS-20261124-0001")]
    assert expected_promises(complaint(), timeline, POLICY, TZ) is None


# --- alarms ----------------------------------------------------------------------------------
def test_pending_alarms_are_the_plan_of_the_state() -> None:
    late = ("answer_late", at(1))
    soon = ("answer_soon", at(0.8))
    planned = {soon, late}
    assert alarm_problems("new", planned, {soon, late}, set(), FILED) == []
    assert alarm_problems("new", planned, {late}, {soon}, at(0.9)) == []  # fired already
    assert alarm_problems("new", planned, {late}, set(), at(0.9)) == []  # planned too late
    assert alarm_problems("new", planned, {late}, set(), FILED) == [
        f"planned alarms not pending: {[soon]}"
    ]
    assert alarm_problems("closed", set(), {late}, set(), FILED) == [
        f"closed with alarms pending: {[late]}",
        f"pending alarms its state does not plan: {[late]}",
    ]
