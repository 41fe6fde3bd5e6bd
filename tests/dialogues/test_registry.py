"""/status, /overdue, /mine and /find through Telegram: counts within the reader's remit,
each line a button down to a page of items, each item a button to its card."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register


async def test_status_lines_lists_and_cards_within_the_readers_remit(desk: DeskHarness) -> None:
    butler_b = await enroll(desk, 8501, "Butler", "Customer service", "B")
    butler_a = await enroll(desk, 8502, "Butler", "Customer service", "A")
    chief = await enroll(desk, 8503, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8601, language_code="en")
    await register(li)  # building 3: zone B
    filed = utcnow()
    for n in range(9):
        await file_complaint(li, f"The lobby lift is stuck, time {n}")

    await butler_b.says("/status")
    assert "🆕 New: <b>9</b>" in butler_b.last_text
    await butler_a.says("/status")
    assert "🆕 New: <b>0</b>" in butler_a.last_text  # zone A sees none of zone B's
    assert "🆕 New" not in " ".join(butler_a.buttons())
    await chief.says("/status")
    assert "🆕 New: <b>9</b>" in chief.last_text

    await chief.taps("🆕 New (9)")
    assert "9 in all, page 1/2" in chief.last_text
    assert chief.last_text.count("The lobby lift is stuck") == 8
    await chief.taps("Next")
    assert "page 2/2" in chief.last_text
    assert "time 0" in chief.last_text  # newest first: the first one filed comes last
    reference = str(await desk.scalar("select min(reference) from tickets"))
    await chief.taps(reference)
    assert f"<b>{reference}</b> · Complaint" in chief.last_text  # its card

    with time_machine.travel(filed + timedelta(hours=2), tick=False):
        await butler_b.says("/overdue")
        assert "9 in all" in butler_b.last_text
        await butler_a.says("/overdue")
        assert "Nothing here right now" in butler_a.last_text
    await butler_b.says("/mine")
    assert "9 in all" in butler_b.last_text  # the zone's butler is first-ask owner

    await chief.says(f"/find {reference.lower()}")
    assert "1 in all" in chief.last_text
    await chief.says("/find 3-1202")
    assert "9 in all" in chief.last_text
    await chief.says("/find")
    await chief.says("time 4")
    assert "1 in all" in chief.last_text
    await butler_a.says("/find lift")
    assert "Nothing here right now" in butler_a.last_text
    await chief.says("/find x")
    assert "I cannot search for that" in chief.last_text
    await li.says("/status")  # residents have no such command
    assert "9 in all" not in li.last_text


async def test_a_find_with_a_huge_hostile_query_is_answered(desk: DeskHarness) -> None:
    """The reply quotes the query, shortened before it is rendered (so it never needs
    cutting: a message that does is the test below)."""
    chief = await enroll(desk, 8504, "Chief butler", "Customer service", "No zone")
    desk.allow_escaping_slips = True  # the query itself reads "&amp;" and "<b>"
    for query in ("&" * 4000, "<b>&amp;" * 500, "长" * 4000):
        await chief.says(f"/find {query}")
        assert chief.last_text, query[:10]
    assert len(chief.transcript) >= 4


async def test_a_staff_card_too_long_for_telegram_is_cut_where_telegram_allows(
    desk: DeskHarness,
) -> None:
    """A resident's message about an item (2,000 characters: each emoji two of the units
    Telegram counts, each `&` an entity once escaped) heads the item's card sent to staff,
    over 4,096 visible characters in all. The card is cut on a whole character, outside any
    tag or entity, and still arrives as HTML: the simulated Bot API refuses a broken tag or
    entity, and any text over the limit (a naive cut of the rendered HTML would be one)."""
    butler = await enroll(desk, 8505, "Butler", "Customer service", "B")
    li = desk.sim.user(8602, language_code="en")
    await register(li)
    await file_complaint(li, "🙂&" * 750)
    await li.taps("📋 My requests")
    await li.taps("TS-")
    await li.taps("✉️ Add message")
    words = "&🙂" * 1000
    await li.says(words)
    card = butler.transcript[-1]
    shown = card.plain
    assert card.parse_mode == "HTML"  # not the plain-text fallback for refused HTML
    assert shown.startswith(f"✉️ The resident writes: {words}\n")  # the card, cut …
    assert shown.endswith("…")
    # … to exactly what fits: a unit short only where the next character is an emoji (two
    # units); which it is depends on the length of the card's times, so on the hour.
    units = len(shown.encode("utf-16-le")) // 2
    assert units == 4096 or (units == 4095 and shown[-2] == "&"), (units, shown[-3:])
    assert set(shown[-40:-1]) <= {"🙂", "&"}  # inside the description: whole characters
