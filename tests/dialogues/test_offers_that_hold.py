"""Nothing invites an action and then refuses it: the menu works during a form, an optional
comment never expires as a loss, *Add message* and *Cancel this order* are offered only
while they will be taken (and checked at the tap, before anyone types), /desk points a
resident to their menu, and there is no order entry when there is nothing to order."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from scheduler.sweep import expire_idle_dialogues
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, file_complaint, fill_complaint, register, told
from tests.dialogues.test_orders import _local_day, order_cake
from tests.sim import Persona

SHANGHAI = ZoneInfo("Asia/Shanghai")


def said(desk: DeskHarness, key: str, /, **values: object) -> str:
    """A text as the bot writes it to an English reader (texts are being reworded: the
    tests follow the catalogue, not a copy of its words)."""
    return str(desk.desk.texts.t("en", key, **values))


def flow(desk: DeskHarness, name: str) -> str:
    return said(desk, f"flow.{name}")


async def dialogue_of(desk: DeskHarness, person: Persona) -> object:
    return await desk.scalar("select flow from dialogues where user_id = :u", u=person.user_id)


def listed(person: Persona) -> bool:
    """*My requests* is on screen: its items are its buttons."""
    return any(label[:3] in {"TS-", "JY-"} for label in person.buttons())


async def _butler(desk: DeskHarness, user_id: int) -> Persona:
    """A butler of zone B (the department as the catalogue names it today)."""
    department = desk.desk.texts.text("en", "department.customer_service")
    return await enroll(desk, user_id, "Butler", department, "B")


async def test_a_menu_tap_leaves_the_form_saying_so_and_does_what_was_tapped(
    desk: DeskHarness,
) -> None:
    li = desk.sim.user(8801, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    await li.taps("Fees")
    await li.taps("📋 My requests")
    replies = [m.body for m in li.replies]
    assert replies[0] == said(desk, "common.left_form", flow=flow(desk, "complaint"))
    assert replies[-1] == said(desk, "requests.empty")  # then what was tapped
    reminder = said(desk, "common.in_dialogue", flow=flow(desk, "complaint"))
    assert reminder not in replies
    assert await desk.scalar("select count(*) from dialogues") == 0
    # Another form is one tap away, from any step.
    await li.taps("🔧 Repair request")
    await li.taps("🎂 Order a service")
    assert told(li, said(desk, "common.left_form", flow=flow(desk, "repair"))) == 1
    assert "Birthday or occasion cake" in li.buttons()
    assert await dialogue_of(desk, li) == "order"
    assert await desk.scalar("select count(*) from tickets") == 0


async def test_a_form_at_its_summary_asks_once_before_a_menu_tap_leaves_it(
    desk: DeskHarness,
) -> None:
    li = desk.sim.user(8802, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("🔧 Repair request")
    asked = li.replies
    question = said(
        desk, "common.leave_nearly_done", flow=flow(desk, "complaint"), entry="🔧 Repair request"
    )
    assert asked[0].body == question
    assert "The lobby lift is stuck again" in asked[-1].body  # the summary, shown again
    assert await dialogue_of(desk, li) == "complaint"
    await li.taps("Confirm")  # the summary's own button still files it
    assert await desk.scalar("select count(*) from tickets") == 1
    # Asked once (also while an answer is being changed from the summary): the same tap
    # again leaves it, and does what was tapped.
    await fill_complaint(li, "The lights in the garage are out")
    await li.taps("✏️")
    await li.taps("📋 My requests")
    assert "nothing was filed" not in li.replies[0].body
    assert await dialogue_of(desk, li) == "complaint"
    await li.taps("📋 My requests")
    assert li.replies[0].body == said(desk, "common.left_form", flow=flow(desk, "complaint"))
    assert listed(li)
    assert await desk.scalar("select count(*) from tickets") == 1
    assert await desk.scalar("select count(*) from dialogues") == 0


async def _asked_for_a_comment(desk: DeskHarness, li: Persona, butler: Persona) -> datetime:
    """A resolved complaint, followed up the next morning: solved, 5 stars; the optional
    comment is asked. Returns when it was asked."""
    await register(li)
    await file_complaint(li, "Lift stuck")
    await butler.taps("✅ Accept")
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    local = utcnow().astimezone(SHANGHAI) + timedelta(days=1)
    morning = local.replace(hour=10, minute=1, second=0, microsecond=0)
    await at(desk, morning)
    with time_machine.travel(morning, tick=False):
        await li.taps("👍 Yes, solved")
        await li.taps("5 ★")
    assert await dialogue_of(desk, li) == "feedback"  # the comment is asked
    assert await desk.scalar("select rating from tickets order by id desc limit 1") == 5
    return morning


async def test_an_optional_comment_left_idle_is_not_reported_as_a_loss(
    desk: DeskHarness,
) -> None:
    butler = await _butler(desk, 8811)
    li = desk.sim.user(8812, language_code="en")
    asked = await _asked_for_a_comment(desk, li, butler)
    before = len(li.transcript)
    with time_machine.travel(asked + timedelta(minutes=31), tick=False):
        assert await expire_idle_dialogues(desk.desk) == 1  # the step is over …
        await desk.deliver()
    assert len(li.transcript) == before  # … without a word: the rating is kept
    assert await desk.scalar("select count(*) from dialogues") == 0
    assert await desk.scalar("select rating from tickets") == 5
    assert told(li, "left idle") == 0


async def test_an_optional_comment_ends_quietly_on_the_next_message_or_a_menu_tap(
    desk: DeskHarness,
) -> None:
    butler = await _butler(desk, 8821)
    li = desk.sim.user(8822, language_code="en")
    asked = await _asked_for_a_comment(desk, li, butler)
    with time_machine.travel(asked + timedelta(hours=2), tick=False):
        await li.taps("📋 My requests")  # expired by then, noticed on this message
    assert told(li, "left idle") == 0
    assert listed(li)
    # Within the time, a menu tap leaves the comment without a "nothing was filed".
    wang = desk.sim.user(8824, language_code="en")
    asked = await _asked_for_a_comment(desk, wang, butler)
    with time_machine.travel(asked + timedelta(minutes=5), tick=False):
        await wang.taps("📋 My requests")
    left = said(desk, "common.left_form", flow=flow(desk, "feedback"))
    reminder = said(desk, "common.in_dialogue", flow=flow(desk, "feedback"))
    assert not {left, reminder} & {m.body for m in wang.replies}
    assert listed(wang)
    assert await desk.scalar("select count(*) from dialogues") == 0


async def test_cancel_during_the_optional_comment_reports_no_loss(desk: DeskHarness) -> None:
    butler = await _butler(desk, 8825)
    li = desk.sim.user(8826, language_code="en")
    asked = await _asked_for_a_comment(desk, li, butler)
    with time_machine.travel(asked + timedelta(minutes=5), tick=False):
        await li.says("/cancel")
    assert li.last_text == said(desk, "common.menu")  # not "nothing … was stored"
    assert await desk.scalar("select count(*) from dialogues") == 0
    assert await desk.scalar("select rating from tickets") == 5


async def test_add_message_after_the_reply_window_says_so_before_anything_is_typed(
    desk: DeskHarness,
) -> None:
    butler = await _butler(desk, 8831)
    li = desk.sim.user(8832, language_code="en")
    await register(li)
    await file_complaint(li, "Lift stuck")
    await butler.taps("✅ Accept")
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    reference = str(await desk.scalar("select reference from tickets"))
    resolved = utcnow()
    # Within the window (7 days by the policy) the item takes messages.
    await li.taps("📋 My requests")
    await li.taps(reference)
    assert "✉️ Add message" in li.buttons()
    view = li.transcript[-1]
    # Past it, a view drawn before is redrawn at the tap, before anything is typed …
    with time_machine.travel(resolved + timedelta(days=7, hours=1), tick=False):
        await li.taps("✉️ Add message")
    assert await desk.scalar("select count(*) from dialogues") == 0  # nothing to type
    redrawn = li.api.messages(li.chat_id)[-1]
    assert redrawn.message_id == view.message_id
    assert "Messages about this request closed on" in redrawn.body
    labels = [b["text"] for b in redrawn.inline_buttons()]
    assert "✉️ Add message" not in labels
    assert "📝 New complaint about it" in labels
    # … and opened afresh it says so at once, with the new complaint one tap away.
    with time_machine.travel(resolved + timedelta(days=8), tick=False):
        await li.taps("« Back")
        await li.taps(reference)
        assert "Messages about this request closed on" in li.last_text
        assert "✉️ Add message" not in li.buttons()
        await li.taps("📝 New complaint about it")
    assert await dialogue_of(desk, li) == "complaint"
    assert told(li, said(desk, "requests.new_about_chosen", reference=reference)) == 1


async def _order_out_for_delivery(desk: DeskHarness, li: Persona, concierge: Persona) -> str:
    await register(li)
    await order_cake(li, _local_day(2), birthday=False)
    await li.taps("✍️ Sign")
    reference = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", reference)
    await concierge.says("300")
    await concierge.says("R-1")
    await concierge.taps_on("🛒 Ordered", reference)
    await concierge.says("Holiland")
    await concierge.says("PV-1")
    await concierge.taps_on("🚚 Out for delivery", reference)
    return reference


async def test_cancel_this_order_is_checked_at_the_tap_not_after_the_reason(
    desk: DeskHarness,
) -> None:
    concierge = await enroll(desk, 8841, "Department staff", "Concierge", "B")
    li = desk.sim.user(8842, language_code="en")
    reference = await _order_out_for_delivery(desk, li, concierge)
    await li.taps("📋 My requests")
    await li.taps(reference)
    assert "✖️ Cancel this order" in li.buttons()  # out for delivery: it still can be
    await concierge.taps_on("📦 Delivered", reference)
    await concierge.taps("Li Lei")
    await li.taps("✖️ Cancel this order")  # on the view drawn before the delivery
    answer = list(desk.api.callback_answers.values())[-1]
    assert answer.get("text") == desk.desk.texts.text("en", "order.cannot_cancel")
    assert await desk.scalar("select count(*) from dialogues") == 0  # no reason asked
    assert "✖️ Cancel this order" not in li.buttons()  # the view, redrawn as it stands
    assert await desk.scalar("select stage from tickets") == "delivered"


async def test_an_order_delivered_while_the_reason_is_typed_passes_the_words_on(
    desk: DeskHarness,
) -> None:
    concierge = await enroll(desk, 8851, "Department staff", "Concierge", "B")
    li = desk.sim.user(8852, language_code="en")
    reference = await _order_out_for_delivery(desk, li, concierge)
    await li.taps("📋 My requests")
    await li.taps(reference)
    await li.taps("✖️ Cancel this order")
    assert await dialogue_of(desk, li) == "order_cancel"  # the reason is asked
    await concierge.taps_on("📦 Delivered", reference)
    await concierge.taps("Li Lei")
    await li.says("We will be away that day")
    assert li.last_text == said(desk, "order.cancel_too_late_passed_on")
    assert told(concierge, "We will be away that day") == 1
    assert await desk.scalar("select stage from tickets") == "delivered"


async def test_desk_from_a_resident_points_to_their_menu(desk: DeskHarness) -> None:
    li = desk.sim.user(8861, language_code="en")
    await register(li)
    await li.says("/desk")
    assert li.last_text == said(desk, "common.desk_is_for_staff")
    assert {"📝 Complaint", "📋 My requests"} <= set(li.buttons())  # the menu, below
    stranger = desk.sim.user(8862, language_code="en")
    await stranger.says("/desk")
    assert await dialogue_of(desk, stranger) == "onboarding"  # registration, as /menu does


async def test_no_order_entry_when_there_is_nothing_to_order(desk: DeskHarness) -> None:
    desk.desk.services = None  # a desk without a service catalogue
    li = desk.sim.user(8871, language_code="en")
    await register(li)
    assert "📝 Complaint" in li.buttons()
    assert "🎂 Order a service" not in li.buttons()
    await li.says("/help")
    assert said(desk, "help.menu.order") not in li.last_text  # nor described in /help
    await li.says("🎂 Order a service")  # typed, or tapped on a keyboard drawn before
    assert li.last_text == said(desk, "order.none_offered")
    assert "🎂 Order a service" not in li.buttons()
    assert await desk.scalar("select count(*) from dialogues") == 0
