"""The item's state machine and the promise arithmetic, checked on generated cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.lifecycle import (
    MOVES,
    Action,
    IllegalMove,
    Situation,
    after,
    allows,
    ends_escalation,
)
from bot.domain.permissions import TicketScope, Viewer, ViewerKind, can
from bot.domain.staff import Role
from bot.domain.tickets import OPEN_STATUSES, TicketStatus
from bot.domain.workflow import clocks_for, result_needs_review
from bot.policy import SeverityPromise

CLOSED = frozenset(TicketStatus) - OPEN_STATUSES
LOOKING = {Action.VIEW, Action.PHOTOS, Action.SEE_PHONE}
# After the result: the follow-up's moves, and answering the resident's word about it.
AFTERWARDS = {
    TicketStatus.RESOLVED: LOOKING | {Action.REPLY, Action.MESSAGE, Action.REOPEN, Action.CLOSE},
    TicketStatus.CLOSED: LOOKING | {Action.REOPEN},  # a phone call is owed only sometimes
}
situations = st.builds(
    Situation,
    st.sampled_from(TicketStatus),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
moves = st.lists(st.tuples(st.sampled_from(Action), st.booleans()), max_size=40)


@given(item=situations, action=st.sampled_from(Action), review=st.booleans())
def test_a_move_is_possible_exactly_when_the_state_allows_it(
    item: Situation, action: Action, review: bool
) -> None:
    if allows(action, item):
        assert after(action, item, needs_review=review) in TicketStatus
    else:
        with pytest.raises(IllegalMove):
            after(action, item, needs_review=review)


@given(steps=moves)
def test_any_sequence_of_moves_keeps_the_rules(steps: list[tuple[Action, bool]]) -> None:
    item = Situation(TicketStatus.NEW, has_owner=True, has_assignee=False)
    for action, review in steps:
        if not allows(action, item):
            continue
        before = item.status
        status = after(action, item, needs_review=review)
        if before in CLOSED:
            assert action in AFTERWARDS[before] | {Action.RECORD_CALL}  # no more work
        if status is TicketStatus.REOPENED and before is not TicketStatus.REOPENED:
            assert action is Action.REOPEN
            assert before in CLOSED
        if status is TicketStatus.REVIEW and before is not TicketStatus.REVIEW:
            assert action is Action.RESOLVE
            assert review
        if before is TicketStatus.REVIEW and status is not TicketStatus.REVIEW:
            assert action in (Action.ACCEPT_RESULT, Action.SEND_BACK)
        assigned = item.has_assignee or action is Action.ACCEPT
        escalated = (item.escalated or action is Action.ESCALATE) and action not in (
            Action.TAKE_OVER,
            Action.RETURN,
        )
        item = Situation(
            status,
            item.has_owner,
            assigned and action is not Action.TRANSFER,
            escalated=escalated,
            awaiting_call=status is TicketStatus.CLOSED and not review,
        )


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_closed_items_allow_only_the_follow_up(status: TicketStatus) -> None:
    item = Situation(status, has_owner=True, has_assignee=True)
    assert {a for a in Action if allows(a, item)} == AFTERWARDS[status]
    owed = Situation(status, has_owner=True, has_assignee=True, awaiting_call=True)
    # A call owed (closed without an answer, or resolved for someone only the desk asks).
    assert {a for a in Action if allows(a, owed)} == AFTERWARDS[status] | {Action.RECORD_CALL}
    assert MOVES.keys() == set(Action)


@given(item=situations)
def test_escalation_waits_for_one_decision(item: Situation) -> None:
    decided = allows(Action.TAKE_OVER, item) or allows(Action.RETURN, item)
    assert not (decided and allows(Action.ESCALATE, item))
    if decided:
        assert item.escalated


def test_an_escalation_ends_with_the_work_not_while_a_result_waits_for_review() -> None:
    ending = {status for status in TicketStatus if ends_escalation(status)}
    assert ending == {TicketStatus.RESOLVED, TicketStatus.CLOSED}  # a cancelled order: closed


@given(
    status=st.sampled_from(TicketStatus),
    owner=st.sampled_from([None, 1, 2]),
    assignee=st.sampled_from([None, 1, 2]),
    role=st.sampled_from(Role),
    action=st.sampled_from(Action),
)
def test_permission_never_grants_what_the_state_forbids(
    status: TicketStatus, owner: int | None, assignee: int | None, role: Role, action: Action
) -> None:
    scope = TicketScope(
        resident_id=9,
        owner_staff_id=owner,
        assignee_staff_id=assignee,
        department="customer_service",
        zone="A",
        estate_id=1,
        status=status.value,
    )
    viewer = Viewer(ViewerKind.STAFF, 1, role.value, "customer_service", "A", 1)
    if can(viewer, action, scope) and action not in (Action.VIEW, Action.PHOTOS):
        assert allows(action, scope.situation)


@given(actor=st.integers(1, 5), owner=st.one_of(st.none(), st.integers(1, 5)))
def test_only_the_owners_own_result_skips_review(actor: int, owner: int | None) -> None:
    assert result_needs_review(actor, owner) is (actor != owner)


# Hypothesis wants naive bounds and adds the zone itself.
# Hypothesis takes naive bounds and adds the zone itself.
moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
spans = st.integers(min_value=1, max_value=60 * 24 * 60).map(lambda m: timedelta(minutes=m))


@given(created=moments, first=spans, extra=spans)
def test_promises_count_from_filing_and_answer_before_resolving(
    created: datetime, first: timedelta, extra: timedelta
) -> None:
    clocks = clocks_for(created, first, first + extra)
    assert clocks.first_answer_due_at - created == first
    assert clocks.first_answer_due_at < clocks.resolve_due_at
    assert clocks.resolve_due_at.tzinfo is not None


@given(first=st.floats(0.1, 500), resolve=st.floats(0.1, 500))
def test_the_policy_refuses_an_answer_promised_after_the_resolution(
    first: float, resolve: float
) -> None:
    values = {
        "notify": [],
        "first_answer_hours": first,
        "resolve_hours": resolve,
        "extension_approved_by": "chief_butler",
    }
    if first > resolve:
        with pytest.raises(ValueError, match="later than resolve_hours"):
            SeverityPromise.model_validate(values)
    else:
        promise = SeverityPromise.model_validate(values)
        assert promise.first_answer <= promise.resolve
