"""A kind of request that exists only in this test — lost and found: what, where, when —
filed by a resident from the menu, carded, answered, resolved and followed up, without
any change outside its registry entry (its name and questions are the entry's data)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.domain.kinds import Family, RequestType, unregister
from bot.domain.kinds import register as register_kind
from bot.domain.questions import Form, Texts
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, register, told
from tests.dialogues.test_clock import _next_morning

FORM = Form.model_validate(
    {
        "questions": [
            {
                "id": "what",
                "kind": "text",
                "max": 200,
                "ask": {"en": "What did you lose?", "zh_Hans": "您丢失了什么？"},
            },
            {
                "id": "where",
                "kind": "choice",
                "other": True,
                "ask": {"en": "Where was it?", "zh_Hans": "在哪里丢失的？"},
                "choices": [
                    {"value": "lobby", "label": {"en": "Lobby", "zh_Hans": "大堂"}},
                    {"value": "garden", "label": {"en": "Garden", "zh_Hans": "花园"}},
                ],
            },
            {
                "id": "when",
                "kind": "date",
                "required": False,
                "ask": {"en": "When did you lose it?", "zh_Hans": "什么时候丢失的？"},
            },
        ]
    }
)
LOST = RequestType(
    "lost_found",
    Family.COMPLAINT,
    "SW",
    name=Texts(en="🧳 Lost and found", zh_Hans="🧳 失物招领"),
    form=FORM,
)


@pytest.fixture(autouse=True)
def lost_and_found() -> Iterator[RequestType]:
    yield register_kind(LOST)
    unregister(LOST.code)


async def test_a_kind_from_data_is_filed_carded_answered_resolved_and_followed_up(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8801, "Butler", "Customer service", "B")
    li = desk.sim.user(8901, language_code="en")
    await register(li)
    assert "🧳 Lost and found" in li.buttons()
    await li.says("🧳 Lost and found")
    assert "What did you lose?" in li.last_text
    await li.says("A blue umbrella")
    await li.taps("Lobby")
    await li.taps("Skip")
    assert "Please check: 🧳 Lost and found" in li.last_text
    assert "A blue umbrella" in li.last_text
    await li.taps("Confirm")
    reference = str(await desk.scalar("select reference from tickets"))
    assert reference.startswith("SW-")  # the entry's prefix: the policy file never names it
    assert reference in li.transcript[-2].body or reference in li.last_text
    assert await desk.scalar("select kind from tickets") == "lost_found"
    # The butler's card names the kind and shows the answers in their language.
    card = butler.last_text
    assert "Lost and found" in card
    assert "What did you lose? <b>A blue umbrella</b>" in card
    assert "Where was it? <b>Lobby</b>" in card
    assert "🏷 Classify" in butler.buttons()  # complaint-like: the desk's moves
    await butler.taps("✅ Accept")
    await butler.taps("💬 Reply")
    await butler.says("We will look at the lobby's lost property.")
    assert "We will look at the lobby" in li.last_text
    await butler.taps("✔️ Resolve")
    await butler.says("Found it: at the front desk")
    assert "Found it: at the front desk" in li.last_text
    resolved = utcnow()
    await at(desk, _next_morning(resolved))
    assert "Was it solved?" in li.last_text
    await li.taps("👍 Yes, solved")
    await li.taps("5 ★")
    await li.says("Thank you")
    assert await desk.scalar("select status from tickets") == "closed"
    assert told(butler, "Thank you") >= 1


async def test_a_typed_place_and_an_unreadable_date(
    desk: DeskHarness,
) -> None:
    li = desk.sim.user(8902, language_code="en")
    await register(li)
    await li.says("🧳 Lost and found")
    await li.says("Keys")
    await li.says("Car park B2")  # "or type another"
    await li.says("2026-13-45")  # not a date: asked again, politely
    assert "When did you lose it?" in li.last_text
    await li.taps("Skip")
    await li.taps("Confirm")
    assert await desk.scalar("select description from tickets") == "Keys · Car park B2"


async def test_a_kind_removed_while_its_form_is_open_ends_it_politely(desk: DeskHarness) -> None:
    li = desk.sim.user(8903, language_code="en")
    await register(li)
    await li.says("🧳 Lost and found")
    await li.says("A hat")
    await li.taps("Garden")
    await li.taps("Skip")
    # The desk changes the form under the resident: the answers no longer fit it.
    shorter = [q.model_copy(update={"max": 2}) if q.id == "what" else q for q in FORM.questions]
    register_kind(replace(LOST, form=FORM.model_copy(update={"questions": shorter})))
    await li.taps("Confirm")
    assert "start again from the menu" in li.last_text
    assert await desk.scalar("select count(*) from tickets") == 0


async def test_staff_register_a_kind_from_data_for_a_caller_with_new(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8804, "Customer-service agent", "Customer service", "No zone")
    await agent.says("/new")
    await agent.taps("Phone call")
    assert "🧳 Lost and found" in agent.buttons()
    await agent.taps("🧳 Lost and found")
    await agent.taps("Caller is not registered")
    await agent.says("Wang Fang")
    await agent.says("+8613900139000")
    assert "What did you lose?" in agent.last_text
    await agent.says("A wallet")
    await agent.taps("Garden")
    await agent.taps("Skip")
    await agent.taps("Confirm")
    row = "select kind || ':' || channel || ':' || contact_name || ':' || description"
    assert (
        await desk.scalar(f"{row} from tickets") == "lost_found:phone:Wang Fang:A wallet · Garden"
    )
    reference = str(await desk.scalar("select reference from tickets"))
    assert f"Submitted as {reference}" in "\n".join(m.body for m in agent.transcript[-3:])
    assert "✔️ Resolve" in agent.buttons()  # the new item's card, ready to work on
    # Answered, then resolved: the caller is not on the bot, so the result is the desk's
    # call, with the words the resident would have read.
    await agent.taps("💬 Reply")
    await agent.says("We are checking the garden's lost property.")
    assert await desk.scalar("select count(*) from tickets where first_answered_at is not null")
    assert await desk.scalar("select count(*) from ticket_events where kind = 'replied'") == 1
    await agent.taps_on("✔️ Resolve", reference)
    await agent.says("Found it: at the front desk")
    resolved = utcnow()
    assert told(agent, "Wang Fang is answered by phone: please call them with the result") == 1
    assert told(agent, "Your request is resolved: Found it: at the front desk") == 1
    assert await desk.scalar("select status from tickets") == "resolved"
    # The follow-up is the desk's call too, and the item stays open until it is recorded.
    await at(desk, _next_morning(resolved))
    assert told(agent, "Follow-up due: please phone Wang Fang") == 1
    assert "A follow-up is owed" in agent.last_text
    assert await desk.scalar("select status || ':' || followup from tickets") == (
        "resolved:no_response"
    )
    await at(desk, resolved + timedelta(days=7))  # nothing closes it silently
    assert await desk.scalar("select status from tickets") == "resolved"
    await agent.taps_on("📞 Record the call", "Follow-up due")
    await agent.taps("Satisfied")
    assert await desk.scalar("select status || ':' || followup || ':' || solved from tickets") in (
        "closed:phoned:1",
        "closed:phoned:true",
    )
    assert await desk.scalar("select count(*) from ticket_events where kind = 'closed'") == 1
