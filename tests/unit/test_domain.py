"""Domain rules without Telegram or a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.estate import floor_of, parse_estate, parse_unit_input
from bot.domain.permissions import TicketScope, Viewer, ViewerKind, can_view
from bot.domain.references import (
    PREFIX_RULE,
    find_reference,
    format_reference,
    looks_like_reference,
    normalise_prefix,
)
from bot.domain.tickets import (
    Draft,
    DraftIncomplete,
    LocationKind,
    TicketKind,
    TicketStatus,
    open_ticket,
)
from bot.domain.validation import (
    Invalid,
    clean_name,
    clean_phone,
    clean_text,
    parse_moment,
    parse_requested_date,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATEGORIES = ["facilities", "other"]
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_reference_format_is_sequential_and_padded() -> None:
    assert format_reference("TS", date(2026, 11, 23), 7) == "TS-20261123-0007"
    assert format_reference("TS", date(2026, 11, 23), 12345) == "TS-20261123-12345"
    assert looks_like_reference("ts-20261123-0007")
    assert not looks_like_reference("TS-20261123-0007 and more")
    assert find_reference("About your request TS-20261123-0007:") == "TS-20261123-0007"
    assert find_reference("no reference here") is None
    assert find_reference("您的投诉编号TS-20261123-0007已登记") == "TS-20261123-0007"
    assert find_reference("ts-20261123-0007 please") == "TS-20261123-0007"


@given(prefix=st.from_regex(PREFIX_RULE, fullmatch=True), sequence=st.integers(1, 99_999))
def test_every_prefix_the_policy_accepts_is_found_again(prefix: str, sequence: int) -> None:
    """One rule for prefixes: whatever passes the policy check, the parser recognises."""
    reference = format_reference(normalise_prefix(prefix.lower()), date(2026, 11, 23), sequence)
    for text in (f"About {reference}:", f"编号{reference}。", reference.lower()):
        assert find_reference(text) == reference


@given(prefix=st.text(min_size=1, max_size=8))
def test_a_prefix_the_parser_would_miss_is_refused(prefix: str) -> None:
    try:
        accepted = normalise_prefix(prefix)
    except ValueError:
        return
    assert find_reference(format_reference(accepted, date(2026, 1, 2), 1)) is not None
    with pytest.raises(ValueError, match="starts at 1"):
        format_reference("TS", date(2026, 11, 23), 0)


def test_complaint_draft_becomes_ticket_with_general_promise() -> None:
    draft = Draft(
        kind=TicketKind.COMPLAINT,
        description="  Lift stuck  ",
        category="facilities",
        photos=("f1",),
        location_kind=LocationKind.COMMON_AREA,
        location_text="Lobby lift",
    )
    ticket = open_ticket(
        draft,
        categories=CATEGORIES,
        now=NOW,
        first_answer_due_at=NOW + timedelta(hours=1),
        resolve_due_at=NOW + timedelta(hours=48),
    )
    assert ticket.status is TicketStatus.NEW
    assert ticket.description == "Lift stuck"
    assert ticket.first_answer_due_at == NOW + timedelta(hours=1)
    assert ticket.resolve_due_at == NOW + timedelta(hours=48)


@pytest.mark.parametrize(
    ("draft", "missing"),
    [
        (Draft(TicketKind.COMPLAINT, "x", None, (), LocationKind.OWN_UNIT), "category"),
        (Draft(TicketKind.COMPLAINT, "", "other", (), LocationKind.OWN_UNIT), "description"),
        (Draft(TicketKind.COMPLAINT, "x", "other", (), None), "location"),
        (Draft(TicketKind.COMPLAINT, "x", "other", (), LocationKind.COMMON_AREA), "location"),
        (Draft(TicketKind.SUGGESTION, " "), "description"),
    ],
)
def test_incomplete_drafts_are_refused(draft: Draft, missing: str) -> None:
    with pytest.raises(DraftIncomplete) as caught:
        open_ticket(
            draft,
            categories=CATEGORIES,
            now=NOW,
            first_answer_due_at=NOW + timedelta(hours=1),
            resolve_due_at=NOW + timedelta(hours=2),
        )
    assert caught.value.missing == missing


def test_suggestion_has_no_resolution_clock() -> None:
    ticket = open_ticket(
        Draft(TicketKind.SUGGESTION, "More benches"),
        categories=CATEGORIES,
        now=NOW,
        first_answer_due_at=NOW + timedelta(hours=1),
        resolve_due_at=NOW + timedelta(hours=2),
    )
    assert ticket.resolve_due_at is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", Invalid("invalid.phone")),
        ("call me", Invalid("invalid.phone")),
        ("", Invalid("invalid.phone")),
    ],
)
def test_phone_numbers_are_normalised(raw: str, expected: object) -> None:
    assert clean_phone(raw) == expected


def test_text_and_name_rules() -> None:
    assert clean_text("  hi ", max_chars=10) == "hi"
    assert clean_text("", max_chars=10) == Invalid("invalid.empty_text")
    assert clean_text("/start", max_chars=10) == Invalid("invalid.command_in_text")
    too_long = clean_text("x" * 11, max_chars=10)
    assert isinstance(too_long, Invalid)
    assert too_long.reason == "invalid.too_long"
    assert clean_name("  王   小明 ") == "王 小明"
    assert clean_name("1234") == Invalid("invalid.name_letters")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("12/1", date(2026, 12, 1)),
        ("12月1日", date(2026, 12, 1)),
        ("11-20", date(2027, 11, 20)),
        ("2026-11-20", "invalid.date_past"),
        ("2030-01-01", "invalid.date_far"),
        ("2026-02-30", "invalid.date"),
        ("soon", "invalid.date"),
    ],
)
def test_requested_dates(raw: str, expected: object) -> None:
    result = parse_requested_date(raw, today=date(2026, 11, 24), max_days=365)
    if isinstance(expected, str):
        assert isinstance(result, Invalid)
        assert result.reason == expected
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("12-31 15:00", date(2027, 1, 1), datetime(2026, 12, 31, 15, tzinfo=SHANGHAI)),
        ("1-2 09:30", date(2026, 12, 31), datetime(2027, 1, 2, 9, 30, tzinfo=SHANGHAI)),
        ("11-30 15:00", date(2026, 12, 5), datetime(2026, 11, 30, 15, tzinfo=SHANGHAI)),
        ("12月20日 15点", date(2026, 12, 5), datetime(2026, 12, 20, 15, tzinfo=SHANGHAI)),
        ("2-29 10:00", date(2027, 11, 1), "invalid.date_far"),  # 2028's, beyond reach
        ("2-30 10:00", date(2026, 12, 5), "invalid.date"),
    ],
)
def test_a_typed_moment_without_a_year_is_the_nearest_one_not_long_gone(
    raw: str, today: date, expected: object
) -> None:
    """Typed just after New Year, "12-31" is yesterday (and so refused as past by the
    form), not a day almost a year ahead."""
    result = parse_moment(raw, today=today, tz=SHANGHAI, max_days=90)
    if isinstance(expected, str):
        assert isinstance(result, Invalid)
        assert result.reason == expected
    else:
        assert result == expected


def test_estate_plan_generates_units_and_understands_typed_addresses() -> None:
    plan = parse_estate(
        {
            "estate": {"code": "e", "name": "E"},
            "buildings": [
                {"code": "3", "name": "B3", "floors": 12, "units_per_floor": 2},
                {"code": "V", "units": ["v01", "v02"]},
            ],
        }
    )
    b3 = plan.building("3")
    assert b3 is not None
    assert b3.units[0] == "101"
    assert b3.units[-1] == "1202"
    assert b3.floors()[-1] == "12"
    assert b3.units_on("12") == ["1201", "1202"]
    assert floor_of("V01") == "V"
    found = parse_unit_input("3栋1202", plan)
    assert found is not None
    assert found[1] == "1202"
    assert parse_unit_input("3-9999", plan) is None
    assert parse_unit_input("v v02", plan) is not None


def test_residents_see_only_their_own_items() -> None:
    me, other = Viewer(ViewerKind.RESIDENT, 1), Viewer(ViewerKind.RESIDENT, 2)
    scope = TicketScope(resident_id=1)
    assert can_view(me, scope)
    assert not can_view(other, scope)
    assert not can_view(me, TicketScope(resident_id=None))
