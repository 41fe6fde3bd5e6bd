"""Typed dialogue state: what older versions stored still reads, what no longer fits ends the
dialogue politely; and features compose into the tables once, however often registered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from telegram.ext import Application

import handlers
from bot.clock import utcnow
from handlers import dialogue, intake, menu, my_requests
from handlers.cards import Ask, CardOrigin, OnCard, StaffInput
from handlers.feature import Feature
from handlers.free_text import FirstMessage
from handlers.onboarding import Onboarding
from handlers.runtime import InputKind
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.dialogues.helpers import register

STALE_FORM = "This form has changed since you began it"


async def _store(harness: DeskHarness, user_id: int, flow: str, step: str, data: dict) -> None:
    async with UnitOfWork(harness.desk.sessions) as uow:
        await uow.dialogues.save(
            user_id=user_id,
            chat_id=user_id,
            flow=flow,
            step=step,
            data=data,
            language="en",
            now=utcnow(),
            idle=timedelta(minutes=30),
        )
        await uow.commit()


async def test_stored_data_that_no_longer_fits_ends_the_dialogue_politely(
    harness: DeskHarness,
) -> None:
    li = harness.sim.user(3101, language_code="en")
    await register(li)
    await _store(harness, 3101, "message", "text", {"ticket": "not an item", "_shown": 1})
    await li.says("Any news about the lift?")
    assert STALE_FORM in li.last_text
    assert "📝 Complaint" in li.buttons()  # the main menu is back
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_a_reminder_of_a_dialogue_that_no_longer_fits_ends_it_too(
    harness: DeskHarness,
) -> None:
    li = harness.sim.user(3102, language_code="en")
    await register(li)
    # The profile form's unit step reads the building; this one's is not a building code.
    await _store(harness, 3102, "onboarding", "unit", {"building": ["B3"], "_shown": 1})
    await li.says("/menu")
    assert STALE_FORM in li.last_text
    assert await harness.scalar("select count(*) from dialogues") == 0


def test_the_card_a_tap_came_from_reads_as_older_versions_stored_it() -> None:
    adapter = TypeAdapter(StaffInput)
    stored = {"ticket": 7, "ask": "reply", "card": [42, 1001, "f1"], "_shown": 2}
    state = adapter.validate_python(stored)
    assert state.card == CardOrigin(42, 1001, "f1")
    assert state.ask is Ask.REPLY
    dumped = adapter.dump_python(state, mode="json")
    assert dumped["card"] == [42, 1001, "f1"]  # kept in the same shape
    assert TypeAdapter(OnCard).validate_python(dumped) == OnCard(7, CardOrigin(42, 1001, "f1"))
    assert adapter.validate_python({"ticket": 7, "card": None}).card is None


def test_features_compose_once_however_often_registered() -> None:
    def tables() -> tuple[object, ...]:
        return (
            dict(dialogue.FLOWS),
            dict(menu.ENTRIES),
            list(menu._PROVIDERS),
            list(my_requests._ITEM_BUTTONS),
            dict(intake.FORMS),
            list(intake._PROVIDERS),
        )

    handlers.register(Application.builder().token("1:x").build())
    before = tables()
    handlers.register(Application.builder().token("1:x").build())
    handlers.install()
    assert tables() == before
    for feature in handlers.FEATURES:
        assert all(dialogue.FLOWS[flow.name] is flow for flow in feature.flows)
        assert all(menu.ENTRIES[entry.key] is entry for entry in feature.menu)
    assert {
        "onboarding",
        "staff_input",
        "service_step",
        "intake",
        "handover",
        "complaint",
        "suggestion",
        "repair",
        "order",
        "order_cancel",
        "request",
    } <= set(dialogue.FLOWS)
    assert {"menu.my_requests", menu.STAFF_DESK, "menu.complaint", "menu.order"} <= set(
        menu.ENTRIES
    )


def test_two_flows_under_one_name_are_refused() -> None:
    twin = dialogue.Flow("message", {})
    with pytest.raises(ValueError, match="message"):
        handlers.install([Feature("twin", flows=(twin,))])


async def test_a_first_message_kept_by_an_older_version_is_still_offered(
    harness: DeskHarness,
) -> None:
    """A newcomer's first message, as the previous version stored it (plain values), reads
    as the typed FirstMessage: registered, they are offered to file it; and it is kept in
    the same shape."""
    old = {
        "kind": "text",
        "text": "The kitchen tap is leaking",
        "photo_file_id": None,
        "voice_file_id": None,
        "voice_seconds": 0,
    }
    kept = TypeAdapter(Onboarding).validate_python({"first": old, "_shown": 1})
    assert kept.first == FirstMessage(InputKind.TEXT, "The kitchen tap is leaking")
    assert TypeAdapter(Onboarding).dump_python(kept, mode="json")["first"] == old
    li = harness.sim.user(3103, language_code="en")
    await _store(harness, 3103, "onboarding", "phone", {"first": old, "_shown": 1})
    await li.shares_contact("+8613800138000", name="Li Lei")
    await li.says("3-1202")
    await li.taps("Confirm")
    assert "The kitchen tap is leaking" in li.last_text  # kept, and offered for filing
    assert "🔧 Repair" in li.buttons()
