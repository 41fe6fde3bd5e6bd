"""Concierge orders through Telegram (委托代办): the birthday cake from the first tap to the
rating, a pickup, changes from the summary, cancellation by either side with the refund,
every bad input of the form, and a service that exists only in a test catalogue."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import load_workbook

from bot.clock import utcnow
from scheduler.sweep import send_yearly_wishes
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, register, told
from tests.sim import Persona

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local_day(days: int) -> date:
    return (utcnow().astimezone(SHANGHAI) + timedelta(days=days)).date()


def _moment(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


async def order_cake(
    li: Persona,
    day: date,
    *,
    delivery: bool = True,
    birthday: bool = True,
    whose: str = "My daughter Lily",
    tap_time: bool = False,
) -> None:
    """The whole commission form, up to its summary (the time typed, or one tap)."""
    await li.taps("🎂 Order a service")
    await li.taps("Birthday or occasion cake")
    if birthday:  # the occasion, and whose birthday, in one: the birthday is the cake's day
        await (li.taps("🎂 My birthday") if whose == "Mine" else li.says(whose))
    else:
        await li.taps("💍 Anniversary")
    await li.taps("8 inch")
    await li.says("Chocolate, with pink roses")
    await li.says("Happy birthday Lily")
    # The bakery: the partner's, changed on the summary.
    if tap_time:
        await li.taps(f"{day:%a} 15:00")
    else:
        await li.says(f"{day:%m-%d} 15:00")
    await li.taps("💌 A card")  # no flowers
    await li.says("Love, Mum and Dad")
    if delivery:  # to the resident's home, received by the resident (both on the summary)
        await li.taps("🏠 To my home")
    else:
        await li.taps("🏢 Collect at the desk")


async def test_a_birthday_cake_takes_at_most_twelve_interactions(desk: DeskHarness) -> None:
    """Menu, service, whose birthday (the occasion with it), size, design, inscription,
    when, card or flowers, the card's words, to my home, sign with the payment method:
    eleven. What is rarely changed (bakery, special arrangements, recipient and phone,
    signature, the birthday's day) is on the summary."""
    li = desk.sim.user(8700, language_code="en")
    await register(li)
    li.actions = 0
    day = _local_day(2)
    await order_cake(li, day, tap_time=True)
    assert "Whose birthday: <b>My daughter Lily</b>" in li.last_text
    summary = li.last_text
    assert f"Birthday: <b>{day:%a}, {day:%b} {day.day}" in summary
    assert "15:00" in summary
    assert "Bakery: <b>Our partner bakery</b>" in summary
    await li.taps("✍️ Sign · WeChat Pay")
    assert told(li, "Signed. Your order is <b>WT-") == 1
    assert li.actions <= 12
    found = await desk.scalar("select details from tickets")  # JSON: text on SQLite
    details = found if isinstance(found, dict) else json.loads(str(found))
    assert details["payment"] == "wechat"  # the sign button recorded it
    assert details["extras"] == "card"
    assert details["recipient_phone"] == "+8613800138000"


async def test_a_birthday_cake_from_the_form_to_the_rating(desk: DeskHarness) -> None:
    concierge = await enroll(desk, 8601, "Department staff", "Concierge", "B")
    supervisor = await enroll(desk, 8602, "Duty supervisor", "Customer service", "B")
    senior = await enroll(desk, 8603, "Senior butler", "Customer service", "B")
    li = desk.sim.user(8701, language_code="en")
    await register(li)
    day = _local_day(2)
    delivery = _moment(day, 15)
    await order_cake(li, day)
    summary = li.last_text
    for shown in ("My daughter Lily", "8 inch", "Happy birthday Lily", "15:00"):
        assert shown in summary
    assert "Bakery: <b>Our partner bakery</b>" in summary  # rarely changed: not asked
    assert "Signature needed: <b>Yes</b>" in summary
    assert "Love, Mum and Dad" in summary
    assert "Recipient: <b>Li Lei</b>" in summary  # short labels, not the questions
    assert "✍️ Sign · WeChat Pay" in li.buttons()  # the payment method signs
    assert "Ordered by: Li Lei · Building 3 1202 · +8613800138000" in summary
    assert "signature on the service commission form" in summary
    await li.taps("✍️ Sign")
    assert told(li, "Signed. Your order is <b>WT-") == 1
    reference = await desk.scalar("select reference from tickets where kind = 'concierge'")
    assert str(reference).startswith("WT-")
    assert await desk.scalar("select signed_at from tickets where kind = 'concierge'")
    assert told(li, f"Your order <b>{reference}</b> is with our concierge") == 1
    assert told(supervisor, str(reference)) == 1  # the duty supervisor, at once
    assert told(senior, "please go along with it") == 1  # a birthday: a manager goes too
    assert "15:00" in senior.last_text
    assert told(concierge, str(reference)) >= 1
    # Asked once: yearly wishes?
    await li.taps("Yes, please")
    assert "every year on" in li.last_text

    # The concierge works it, one tap (and a short form) per step; each is told.
    card = str(reference)
    await concierge.taps_on("✅ Confirm & prepayment", card)
    await concierge.says("abc")
    assert told(concierge, "Please type an amount") == 1
    await concierge.says("¥300")
    await concierge.says("R-2026-0042")
    assert told(li, "your prepayment of ¥300.00 is received (receipt R-2026-0042)") == 1
    await concierge.taps_on("🛒 Ordered", card)
    await concierge.says("Holiland, Century Ave")
    await concierge.says("PV-778")
    assert told(li, "placed your order with the supplier") == 1

    # Reminders before the delivery: 24 h and 2 h.
    await at(desk, delivery - timedelta(hours=24, minutes=-1))
    assert told(concierge, "Due at") == 1
    await at(desk, delivery - timedelta(hours=2, minutes=-1))
    assert told(concierge, "Due at") == 2
    # The wishes on the day (at the policy's hour), once, to whom the cake is for.
    await at(desk, _moment(day, 9) + timedelta(minutes=1))
    assert told(li, "Happy birthday to your daughter Lily") == 1
    await at(desk, _moment(day, 10))
    assert told(li, "Happy birthday to your daughter Lily") == 1

    with time_machine.travel(delivery - timedelta(minutes=40), tick=False):
        await concierge.taps_on("🚚 Out for delivery", card)
        assert told(li, "Your order is on its way") == 1
        await concierge.taps_on("📦 Delivered", card)
        await concierge.taps("Li Lei")  # the recipient on the form, one tap
        assert told(li, "Delivered and signed for by Li Lei") == 1
        await concierge.taps_on("🧾 Settle", card)
        await concierge.says("328")
        await concierge.taps("Yes")  # an invoice
        await concierge.says("INV-5521")
        await senior.taps_on("✔️ Resolve", "Go along with the delivery")
        await senior.says("Went along; the gift basket was handed over")
    owing = "final amount ¥328.00; ¥28.00 is still to pay, at the service desk. Invoice: INV-5521"
    assert told(li, owing) == 1
    assert await at(desk, delivery + timedelta(minutes=5)) == 0  # delivered: nothing late
    trail = await desk.column(
        "select kind || ':' || coalesce(cast(amount as varchar), '') || ':' "
        "|| coalesce(number, '') from money_entries order by id"
    )
    assert [str(row).replace(".00:", ":") for row in trail] == [
        "prepayment:300:R-2026-0042",
        "purchase::PV-778",
        "final:328:",
        "balance:28:",
        "invoice::INV-5521",
    ]
    # The resident confirms completion and rates the service (the follow-up).
    await at(desk, delivery + timedelta(days=1, hours=1))
    assert told(li, "solved") >= 1
    await li.taps("Yes")
    await li.taps("5")
    assert await desk.scalar("select rating from tickets where kind = 'concierge'") == 5

    # Next year the wishes go by themselves (consent kept on the profile).
    next_year = _moment(day.replace(year=day.year + 1), 9) + timedelta(minutes=5)
    with time_machine.travel(next_year, tick=False):
        assert await send_yearly_wishes(desk.desk) == 1
        await desk.deliver()
        assert await send_yearly_wishes(desk.desk) == 0
    assert told(li, "Happy birthday to your daughter Lily") == 2


async def test_a_pickup_order_is_ready_at_the_desk_and_asks_no_birthday_questions(
    desk: DeskHarness,
) -> None:
    concierge = await enroll(desk, 8611, "Department staff", "Concierge", "B")
    senior = await enroll(desk, 8612, "Senior butler", "Customer service", "B")
    li = desk.sim.user(8711, language_code="en")
    await register(li)
    await order_cake(li, _local_day(3), delivery=False, birthday=False)
    assert "Where should it be delivered" not in li.last_text
    await li.taps("✍️ Sign")
    assert told(li, "birthday wishes") == 0
    assert told(senior, "go along") == 0
    reference = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", reference)
    await concierge.says("168")
    await concierge.taps("No number")
    assert told(li, "your prepayment of ¥168.00 is received (receipt —)") == 1
    await concierge.taps_on("🛒 Ordered", reference)
    await concierge.says("Our partner bakery")
    await concierge.says("PV-1")
    await concierge.taps_on("🚚 Out for delivery", reference)
    assert told(li, "please collect it at the service desk") == 1
    assert told(li, "Your order is on its way") == 0


async def test_any_answer_can_be_changed_from_the_summary(desk: DeskHarness) -> None:
    li = desk.sim.user(8721, language_code="en")
    await register(li)
    day = _local_day(2)
    await order_cake(li, day, birthday=False)
    await li.taps("✏️")
    await li.taps("Size")
    await li.taps("12 inch")
    # Answers that depend on the one changed are kept; the summary comes straight back.
    assert "12 inch (12+ people)" in li.last_text
    assert "8 inch" not in li.last_text
    await li.taps("✏️")
    await li.taps("Ready at")
    await li.taps("📅 Another day or time")  # not one of the usual hours: the days, then
    await li.taps(f"{_local_day(3):%b} {_local_day(3).day}")  # another day, by button
    await li.taps("11:00")
    assert "11:00" in li.last_text
    assert "Please check every detail" in li.last_text
    await li.taps("✍️ Sign")
    details = str(await desk.scalar("select details from tickets"))
    assert "12in" in details
    assert f"{_local_day(3).isoformat()}T11:00:00+08:00" in details


async def test_yesterday_typed_on_new_year_s_day_has_passed(desk: DeskHarness) -> None:
    """Just after midnight on New Year's Day, "12-31" is yesterday, not a day almost a year
    ahead: the form says it has passed."""
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), tick=True):
        li = desk.sim.user(8741, language_code="en")
        await register(li)
        await li.taps("🎂 Order a service")
        await li.taps("Birthday or occasion cake")
        await li.taps("💍 Anniversary")
        await li.taps("6 inch")
        await li.says("Vanilla")
        await li.says("Happy new year!")
        await li.says("12-31 15:00")
        assert told(li, "That time has already passed") == 1, li.last_text


async def test_every_bad_answer_is_explained_and_asked_again(desk: DeskHarness) -> None:
    li = desk.sim.user(8731, language_code="en")
    await register(li)
    day = _local_day(2)
    await li.taps("🎂 Order a service")
    await li.taps("Birthday or occasion cake")
    await li.taps("💍 Anniversary")
    await li.taps("6 inch")
    await li.sends_photo()  # a photo where a tap or words are expected
    assert told(li, "Please choose with the buttons below.") == 1
    await li.says("Vanilla")  # a design of their own, typed
    await li.sends_photo()  # a photo where text is expected
    assert told(li, "This step needs a text answer") == 1
    await li.says("Happy anniversary to the both of you")  # 36 characters
    assert told(li, "within 20 characters") == 1
    await li.says("Happy anniversary!")
    yesterday = _local_day(-1)
    await li.says(f"{yesterday:%m-%d} 15:00")  # in the past
    assert told(li, "That time has already passed") == 1
    soon = utcnow().astimezone(SHANGHAI) + timedelta(hours=3)
    await li.says(f"{soon:%m-%d %H}:00")  # less than the day's lead time
    assert told(li, "at least 24 hours to prepare") == 1
    await li.says(f"{day:%m-%d} 22:00")  # after hours
    assert told(li, "runs from 09:00 to 20:00") == 1
    await li.says(f"{day:%m-%d} 16:30")
    await li.taps("Neither")
    await li.says("Building 3, 1202")  # typed: the address to deliver it to
    assert "Handover: <b>Building 3, 1202</b>" in li.last_text
    await li.taps("✏️")
    await li.taps("Recipient")
    await li.says("Han Meimei")
    await li.taps("✏️")
    await li.taps("Recipient's phone")
    await li.says("12345")  # not a phone number
    assert told(li, "That number doesn't look right") == 1
    await li.says("13900139000")
    assert "Recipient: <b>Han Meimei</b>" in li.last_text
    old_summary = next(m for m in reversed(li.transcript) if "check every detail" in m.body)
    sign = old_summary.inline_buttons()[0]["callback_data"]
    await li.taps("✏️")
    await li.taps("« Back")  # a new summary: the old one's buttons are stale
    await li.taps_data(sign, message=old_summary)
    answer = list(desk.api.callback_answers.values())[-1]
    assert "no longer active" in str(answer.get("text"))
    assert await desk.scalar("select count(*) from tickets") == 0
    await li.taps("✍️ Sign")
    assert await desk.scalar("select count(*) from tickets") == 1
    details = str(await desk.scalar("select details from tickets"))
    assert "+8613900139000" in details
    assert "Han Meimei" in details


async def test_the_resident_cancels_before_delivery_and_gets_the_prepayment_back(
    desk: DeskHarness,
) -> None:
    concierge = await enroll(desk, 8641, "Department staff", "Concierge", "B")
    li = desk.sim.user(8741, language_code="en")
    await register(li)
    await order_cake(li, _local_day(2), birthday=False)
    await li.taps("✍️ Sign")
    reference = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", reference)
    await concierge.says("300")
    await concierge.says("R-1")
    await li.taps("📋 My requests")
    await li.taps(reference)
    await li.taps("✖️ Cancel this order")
    await li.sends_sticker()
    assert told(li, "This step needs a text answer") == 1
    await li.says("Plans changed, sorry")
    assert told(li, "cancelled (Plans changed, sorry). ¥300.00 will be refunded to you by") == 1
    assert told(concierge, "The resident cancelled this order (Plans changed, sorry)") == 1
    assert await desk.scalar("select status from tickets") == "closed"
    refund = await desk.scalar("select amount from money_entries where kind = 'refund'")
    assert float(str(refund)) == 300.0
    # The cancelled order's buttons are stale: refused, and the card shows it as it is.
    await concierge.taps_on("🛒 Ordered", reference)
    assert "cancelled" in concierge.transcript[1].body
    assert await desk.scalar("select stage from tickets") == "cancelled"
    await li.taps("📋 My requests")
    await li.taps(reference)
    assert "✖️ Cancel this order" not in li.buttons()


async def test_a_cancelled_order_counts_as_cancelled_in_the_report_and_the_registry(
    desk: DeskHarness,
) -> None:
    await enroll(desk, 8691, "Department staff", "Concierge", "B")
    chief = await enroll(desk, 8692, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8791, language_code="en")
    await register(li)
    await order_cake(li, _local_day(2), birthday=False)
    await li.taps("✍️ Sign")
    reference = str(await desk.scalar("select reference from tickets"))
    await li.taps("📋 My requests")
    await li.taps(reference)
    await li.taps("✖️ Cancel this order")
    await li.says("Plans changed, sorry")
    assert await desk.scalar("select cancelled_at from tickets") is not None
    assert await desk.scalar("select cancel_reason from tickets") == "Plans changed, sorry"

    await chief.says("/report week")
    text = next(m.body for m in reversed(chief.transcript) if "Weekly report" in m.body)
    assert "Cancelled: 1" in text
    assert "Resolution: none resolved in this period." in text
    await chief.says("/export week")
    book = load_workbook(io.BytesIO(desk.api.uploads[-1].data), read_only=True)
    header, row = list(book["Registry"].iter_rows(values_only=True))
    item = dict(zip(header, row, strict=True))
    assert item["Reference"] == reference
    assert isinstance(item["Cancelled"], datetime)
    assert item["Cancellation reason"] == "Plans changed, sorry"
    assert item["Answer in time"] == "cancelled"  # called off before anyone answered
    assert item["Resolved in time"] == "cancelled"  # neither pending nor late


async def test_staff_cancel_with_the_refund_recorded(desk: DeskHarness) -> None:
    concierge = await enroll(desk, 8651, "Department staff", "Concierge", "B")
    li = desk.sim.user(8751, language_code="en")
    await register(li)
    await order_cake(li, _local_day(2), birthday=False)
    await li.taps("✍️ Sign")
    reference = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", reference)
    await concierge.says("300")
    await concierge.says("R-9")
    await concierge.taps_on("✖️ Cancel order", reference)
    await concierge.says("The bakery cannot deliver that day")
    assert "¥300.00" in concierge.buttons()
    await concierge.says("250")  # a part kept for the work already done
    refunded = "cancelled (The bakery cannot deliver that day). ¥250.00 will be refunded to you by"
    assert told(li, refunded) == 1
    assert await desk.scalar("select stage from tickets") == "cancelled"
    assert await desk.scalar("select cancelled_at from tickets") is not None
    reason = await desk.scalar("select cancel_reason from tickets")
    assert reason == "The bakery cannot deliver that day"
    kinds = await desk.column("select kind from money_entries order by id")
    assert kinds == ["prepayment", "refund"]
    assert await at(desk, utcnow() + timedelta(days=3)) == 0  # no reminders, nothing late


async def test_yearly_wishes_can_be_withdrawn_from_the_profile(desk: DeskHarness) -> None:
    li = desk.sim.user(8761, language_code="en")
    await register(li)
    day = _local_day(2)
    await order_cake(li, day)
    await li.taps("✍️ Sign")
    await li.taps("Yes, please")
    await li.says("/profile")
    assert "Birthday wishes for your daughter Lily: every year on" in li.last_text
    await li.taps("🎂 Stop birthday wishes")
    assert "we will not send birthday wishes any more" in li.last_text
    await li.says("/profile")
    assert "Birthday wishes" not in li.last_text
    next_year = _moment(day.replace(year=day.year + 1), 9) + timedelta(minutes=5)
    with time_machine.travel(next_year, tick=False):
        assert await send_yearly_wishes(desk.desk) == 0


async def test_a_birthday_belongs_to_whom_the_cake_is_for(desk: DeskHarness) -> None:
    """A cake for the resident's daughter keeps her birthday with her name: the yearly
    wishes name her, and the resident's own birthday is not set from it; their own cake
    ("mine") is theirs."""
    li = desk.sim.user(8766, language_code="en")
    await register(li)
    lily_day, own_day = _local_day(2), _local_day(5)
    await order_cake(li, lily_day, whose="my daughter Lily")
    await li.taps("✍️ Sign")
    assert told(li, "May we send our birthday wishes to your daughter Lily") == 1
    await li.taps("Yes, please")
    assert await desk.scalar("select birthday from residents") is None
    assert await desk.scalar("select whom from birthdays") == "my daughter Lily"
    await li.says("/profile")
    assert "Birthday wishes for your daughter Lily: every year on" in li.last_text
    assert "Birthday wishes: every year on" not in li.last_text

    # Her own cake: the resident's birthday, asked about separately.
    await order_cake(li, own_day, whose="Mine")
    await li.taps("✍️ Sign")
    assert told(li, "May we send you our birthday wishes") == 1
    await li.taps("Yes, please")
    own = await desk.scalar("select birthday from residents")
    assert str(own) == own_day.isoformat()
    # Another cake for Lily: nothing asked again.
    await order_cake(li, lily_day, whose="My daughter  LILY")
    await li.taps("✍️ Sign")
    assert told(li, "May we send") == 0  # (the answered questions read as answered)
    assert await desk.scalar("select count(*) from birthdays") == 1

    # On Lily's birthday: wishes that name her, once, not the resident's own.
    await at(desk, _moment(lily_day, 9) + timedelta(minutes=1))
    assert told(li, "Happy birthday to your daughter Lily") == 1
    assert told(li, "Happy birthday from all of us") == 0
    next_year = _moment(lily_day.replace(year=lily_day.year + 1), 9) + timedelta(minutes=5)
    with time_machine.travel(next_year, tick=False):
        assert await send_yearly_wishes(desk.desk) == 1
        await desk.deliver()
        assert await send_yearly_wishes(desk.desk) == 0
    assert told(li, "Happy birthday to your daughter Lily") == 2
    assert told(li, "Happy birthday from all of us") == 0
    own_next = _moment(own_day.replace(year=own_day.year + 1), 9) + timedelta(minutes=5)
    with time_machine.travel(own_next, tick=False):
        assert await send_yearly_wishes(desk.desk) == 1
        await desk.deliver()
    assert told(li, "Happy birthday from all of us") == 1


async def test_a_birthday_cake_in_chinese_takes_eleven_or_ten(desk: DeskHarness) -> None:
    """With a card, delivered home: eleven. Her own, collected at the desk: ten."""
    mei = desk.sim.user(8772, language_code="zh-hans")
    await register(mei, name="韩梅梅", language="中文")
    day = _local_day(2)
    mei.actions = 0
    await mei.taps("🎂 委托代办")
    await mei.taps("生日/纪念日蛋糕")
    await mei.says("我女儿莉莉")  # the occasion and whose birthday, in one
    await mei.taps("8寸（4-8人）")
    await mei.taps("🍓 鲜果")
    await mei.says("莉莉生日快乐")
    await mei.taps(f"{'一二三四五六日'[day.weekday()]} 15:00")
    await mei.taps("💌 贺卡")
    await mei.says("爱你的爸爸妈妈")
    await mei.taps("🏠 送到我家")
    summary = mei.last_text
    assert "委托人：韩梅梅 · Building 3 1202 · +8613800138000" in summary
    assert "签收人：<b>韩梅梅</b>" in summary
    await mei.taps("✍️ 签字 · 微信支付")
    assert mei.actions == 11
    mei.actions = 0
    await mei.taps("🎂 委托代办")
    await mei.taps("生日/纪念日蛋糕")
    await mei.taps("🎂 我的生日")
    await mei.taps("6寸（2-4人）")
    await mei.taps("🍫 巧克力")
    await mei.says("生日快乐")
    await mei.taps(f"{'一二三四五六日'[day.weekday()]} 18:00")
    await mei.taps("都不要")
    await mei.taps("🏢 到服务中心自取")
    assert "寿星：<b>我自己</b>" in mei.last_text
    assert "签收人" not in mei.last_text  # collected: no recipient, phone or signature
    await mei.taps("✍️ 签字 · 前台现金")
    assert mei.actions == 10
    assert await desk.scalar("select count(*) from tickets where kind = 'concierge'") == 2


async def test_a_chinese_resident_orders_flowers(desk: DeskHarness) -> None:
    florist = await enroll(desk, 8671, "Department staff", "Concierge", "B")
    mei = desk.sim.user(8771, language_code="zh-hans")
    await register(mei, name="韩梅梅", language="中文")
    day = _local_day(1)
    await mei.taps("🎂 委托代办")
    await mei.taps("鲜花")
    await mei.taps("🌹 玫瑰")
    await mei.says("生日快乐")
    await mei.says(f"{day.month}月{day.day}日 18点")
    await mei.says("3栋1202")
    await mei.taps("韩梅梅")
    await mei.taps("+8613800138000")

    assert "请核对以下内容" in mei.last_text
    assert "18:00" in mei.last_text
    await mei.taps("✍️ 签字 · 支付宝")
    reference = str(await desk.scalar("select reference from tickets"))
    assert told(mei, f"您的委托<b>{reference}</b>已交由礼宾为您办理") == 1
    assert told(florist, reference) == 1
    assert "Flowers" in florist.transcript[-1].body  # staff read it in their own language


async def test_a_late_delivery_climbs_the_ladder(desk: DeskHarness) -> None:
    concierge = await enroll(desk, 8681, "Department staff", "Concierge", "B")
    supervisor = await enroll(desk, 8682, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8781, language_code="en")
    await register(li)
    day = _local_day(2)
    await order_cake(li, day, birthday=False)
    await li.taps("✍️ Sign")
    reference = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", reference)
    await concierge.says("300")
    await concierge.says("R-7")
    await at(desk, _moment(day, 15) - timedelta(minutes=1))
    assert told(supervisor, "Not done at the agreed time") == 0
    await at(desk, _moment(day, 15) + timedelta(minutes=20))
    assert told(supervisor, "Not done at the agreed time") == 1
    assert told(concierge, "Not done at the agreed time") == 1  # it is theirs now
    assert told(supervisor, "resolved") == 0  # the agreed time is the promise, not two
