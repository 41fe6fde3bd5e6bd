"""A scripted conversation of residents and staff over four days, for the kill -9 matrix.

Each step is one update and the messages it must bring (chat and key phrase), so a run can
say what "exactly once" means: at the end every message in every chat is matched by
exactly one expected phrase, as often as the script says. The clock starts on a fixed
Tuesday (no weekly or monthly report falls due while it runs) and moves to later days
between segments, so the follow-ups, reminders, wishes and a late item's ladder fall due
at known moments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tests.sim import Persona, SentMessage, TelegramSim

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2030, 4, 16, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, in the day shift
ADMIN = 9300


def on_day(days: int, at: time) -> datetime:
    """A local moment `days` after the script's first day."""
    return datetime.combine(START.date() + timedelta(days=days), at, SHANGHAI)


def first_body(message: SentMessage) -> str:
    """What the bot sent in the first place (a card edited since reads otherwise now)."""
    if message.edits:
        first = message.edits[0]
        return str(first.get("text") if first.get("text") is not None else first.get("caption"))
    return message.body


@dataclass(frozen=True)
class Said:
    """A message the bot must send to a chat: one whose text begins with `phrase` (or
    is exactly it), and holds each of `also`."""

    chat: int
    phrase: str
    whole: bool = False
    also: tuple[str, ...] = ()

    def matches(self, body: str) -> bool:
        if body != self.phrase and (self.whole or not body.startswith(self.phrase)):
            return False
        return all(part in body for part in self.also)


def to(person: Persona, *phrases: str) -> tuple[Said, ...]:
    """Messages to `person` beginning with each of `phrases`."""
    return tuple(Said(person.chat_id, phrase) for phrase in phrases)


def msg(person: Persona, start: str, *also: str) -> Said:
    """A message to `person` beginning with `start` and holding each of `also`."""
    return Said(person.chat_id, start, also=also)


def done(person: Persona) -> Said:
    """Staff are told "Done." after a step they typed."""
    return Said(person.chat_id, "Done.", whole=True)


class Stage(Protocol):
    """What the script runs on (test_kill_matrix: the real process, killed at random)."""

    async def act(
        self,
        who: Persona,
        what: str,
        action: Callable[[], Awaitable[None]],
        *expect: Said,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        """Do one thing as `who` (one update) once `ready` says it can be done (the button
        is shown); it must bring the messages `expect`, by the end of the day at the
        latest (a person does not wait for what others are told)."""

    def wait_for(self, *expect: Said) -> None:
        """Until these messages, expected by earlier steps, have come (a link to read, or a
        report that must reach this manager before the next one is enrolled)."""

    async def new_day(self, at: datetime, *expect: Said) -> None:
        """Everything so far said; the next process starts at `at` (later than now)."""


@dataclass(frozen=True)
class Cast:
    """Who takes part: the administrator, five staff and six residents (one in Chinese)."""

    admin: Persona
    butler: Persona
    engineer: Persona
    concierge: Persona
    senior: Persona
    chief: Persona
    li: Persona
    wang: Persona
    chen: Persona
    zhang: Persona
    mei: Persona
    sun: Persona

    @classmethod
    def of(cls, sim: TelegramSim) -> Cast:
        def staff(user_id: int, name: str) -> Persona:
            return sim.user(user_id, first_name=name, language_code="en")

        return cls(
            admin=staff(ADMIN, "Admin"),
            butler=staff(9301, "Zhao"),
            engineer=staff(9302, "Qian"),
            concierge=staff(9303, "Sun"),
            senior=staff(9304, "Li"),
            chief=staff(9305, "Zhou"),
            li=sim.user(9401, first_name="Lei", language_code="en"),
            wang=sim.user(9402, first_name="Fang", language_code="en"),
            chen=sim.user(9403, first_name="Jie", language_code="en"),
            zhang=sim.user(9404, first_name="Wei", language_code="en"),
            mei=sim.user(9405, first_name="Meimei", language_code="zh-hans"),
            sun=sim.user(9406, first_name="Xiaoming", language_code="zh-hans"),
        )

    def everyone(self) -> list[Persona]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


class Script:
    """The steps, in the words of the people taking them."""

    def __init__(self, stage: Stage, cast: Cast) -> None:
        self.stage = stage
        self.cast = cast

    async def says(self, who: Persona, text: str, *expect: Said) -> None:
        await self.stage.act(who, f"says {text!r}", lambda: who.says(text), *expect)

    async def taps(self, who: Persona, label: str, *expect: Said, on: str | None = None) -> None:
        """Tap a button of the newest keyboard, or of the newest message about `on`."""

        async def action() -> None:
            await (who.taps(label) if on is None else who.taps_on(label, on))

        what = f"taps {label!r}" + (f" on {on}" if on else "")
        await self.stage.act(who, what, action, *expect, ready=lambda: shown(who, label, on))

    async def photo(self, who: Persona, *expect: Said, caption: str | None = None) -> None:
        async def send() -> None:
            await who.sends_photo(caption)

        await self.stage.act(who, "sends a photo", send, *expect)

    async def contact(self, who: Persona, phone: str, *expect: Said) -> None:
        await self.stage.act(who, "shares a contact", lambda: who.shares_contact(phone), *expect)


def shown(person: Persona, label: str, on: str | None) -> bool:
    """Whether `person` sees a button with `label` (on a message about `on`)."""
    if on is None:
        return any(label in text for text in person.buttons())
    return any(
        on in message.body and any(label in b["text"] for b in message.inline_buttons())
        for message in person.transcript
        if not message.deleted
    )


def count(person: Persona, said: Said) -> int:
    return sum(said.matches(first_body(m)) for m in person.transcript)


def transcript_problems(cast: Cast, expected: Counter[Said]) -> list[str]:
    """Every message in every chat matched by exactly one expected phrase, each phrase
    matched as often as expected: what is left is a lost, a repeated or a stray message."""
    problems = []
    for person in cast.everyone():
        mine = [said for said in expected if said.chat == person.chat_id]
        for message in person.transcript:
            body = first_body(message)
            hits = [said.phrase for said in mine if said.matches(body)]
            if len(hits) != 1:
                what = "unexpected" if not hits else f"matched by {hits}"
                problems.append(f"chat {person.chat_id}: {what}: {body[:100]!r}")
        for said in mine:
            got = count(person, said)
            if got != expected[said]:
                problems.append(
                    f"chat {person.chat_id}: {got} messages, {expected[said]} expected: "
                    f"{said.phrase[:60]!r} {said.also}"
                )
    return problems


def newest(person: Persona, pattern: re.Pattern[str]) -> str:
    """The newest match of `pattern` in what the bot told `person`."""
    for message in reversed(person.transcript):
        found = pattern.search(first_body(message))
        if found:
            return found.group(0)
    raise AssertionError(f"nothing like {pattern.pattern} in chat {person.chat_id}")


INVITE = re.compile(r"start=(inv_[A-Za-z0-9_-]+)")


async def enroll(
    s: Script, who: Persona, role: str, department: str, zone: str, *expect: Said
) -> None:
    """The administrator's invite, opened by the new colleague."""
    admin = s.cast.admin
    await s.says(admin, "/invite", *to(admin, "Invite a staff member: which role?"))
    await s.taps(admin, role, Said(admin.chat_id, "Department?", whole=True))
    await s.taps(admin, department, Said(admin.chat_id, "Zone of buildings?", whole=True))
    link = to(admin, f"Send this link to your new colleague ({role}).")
    await s.taps(admin, zone, *link)
    s.stage.wait_for(*link)
    token = newest(admin, INVITE).removeprefix("start=")
    await s.says(who, f"/start {token}", *to(who, "Welcome aboard!"), *expect)


async def register(
    s: Script, who: Persona, name: str, building: str, floor: str, unit: str, phone: str
) -> None:
    """Onboarding by a shared contact and the pickers; the name on the contact card is
    only the first name, so it is put right from the summary."""
    welcome = "Hello and welcome to the estate service desk!"
    await s.says(who, "/start", *to(who, welcome, "Please leave a contact phone"))
    await s.contact(who, phone, *to(who, f"Phone: {phone}", "Which building do you live in?"))
    await s.taps(
        who, building, *to(who, f"{building}: choose your {'floor' if floor else 'unit'}")
    )
    if floor:
        await s.taps(who, floor, *to(who, f"{building}: choose your unit."))
    offered = f"Name: {who.user['first_name']}\n"  # from the contact card
    await s.taps(who, unit, msg(who, "Please check your details:", offered))
    await s.taps(who, "✏️ Name", *to(who, "How may we address you?"))
    await s.says(who, name, msg(who, "Please check your details:", f"Name: {name}\n"))
    await s.taps(who, "Confirm", *to(who, f"Thank you, {name}, you are registered."))


def card(person: Persona, header: str, reference: str) -> Said:
    """A card (or a notice with the card) about one item, under its header line."""
    return Said(person.chat_id, header, also=(f"\n<b>{reference}</b> · ",))


ACCEPTED = "Thank you for waiting: our butler has accepted your request"


def about(person: Persona, reference: str, what: str) -> Said:
    """A message to a resident about one of their items."""
    return Said(person.chat_id, f"About your request {reference}:\n{what}")


def label_day(days: int) -> str:
    """A day button's label, as the bot writes it in English ("Wed, Apr 17")."""
    day = START.date() + timedelta(days=days)
    return f"{day:%a}, {day:%b} {day.day}"


# The references the items get (a fixed day, in filing order).
LIFT, RUBBISH, DRIP = "TS-20300416-0001", "TS-20300416-0002", "BX-20300416-0001"
CAKE, ESCORT = "WT-20300416-0001", "RW-20300416-0001"
BENCHES, GATE = "JY-20300417-0001", "TS-20300418-0001"


async def conversation(stage: Stage, cast: Cast) -> None:
    """Four days at the desk; see the module's docstring."""
    s = Script(stage, cast)
    await first_day(s, cast)
    await second_day(s, cast)
    await third_day(s, cast)
    await fourth_day(s, cast)


async def first_day(s: Script, c: Cast) -> None:
    # Yesterday's ledger and the last week's and month's reports go to the first readers
    # enrolled (they are sent once): to them alone, before anyone else is enrolled.
    ledger = to(c.butler, "<b>📒 Daily ledger</b> Mon, Apr 15, 2030")
    await enroll(s, c.butler, "Butler", "Customer service", "B", *ledger)
    s.stage.wait_for(*ledger)
    await enroll(s, c.engineer, "Department staff", "Engineering", "B")
    await enroll(s, c.concierge, "Department staff", "Concierge", "B")
    reports = to(c.senior, "<b>📈 Weekly report</b>", "<b>📈 Monthly report</b>")
    await enroll(s, c.senior, "Senior butler", "Customer service", "B", *reports)
    s.stage.wait_for(*reports)
    await enroll(s, c.chief, "Chief butler", "Customer service", "No zone")
    await s.says(c.chief, "/status", *to(c.chief, "<b>📊 Status</b>"))
    await register(s, c.li, "Li Lei", "Building 3", "12", "1202", "+8613800000001")
    await register(s, c.wang, "Wang Fang", "Building 3", "8", "802", "+8613800000002")
    await register(s, c.chen, "Chen Jie", "Villas", "", "V02", "+8613800000003")
    await register(s, c.zhang, "Zhang Wei", "Building 3", "20", "2001", "+8613800000004")

    # Li files a complaint with two photos; the butler accepts, replies and resolves it.
    li, butler, engineer = c.li, c.butler, c.engineer
    await s.taps(li, "📝 Complaint", *to(li, "We are sorry for the trouble. What is it about?"))
    await s.taps(
        li,
        "Facilities (lifts, lights, water, power, A/C)",
        *to(li, "Please describe what happened"),
    )
    await s.says(li, "The lobby lift stops between floors", *to(li, "Where is it?"))
    await s.photo(li, *to(li, "📷 Photo 1/5 added"))
    await s.photo(li, *to(li, "📷 Photo 2/5 added"))
    await s.says(li, "Lobby", *to(li, "<b>Please check your complaint</b>"))
    await s.photo(li, *to(li, "📷 Photo 3/5 added", "<b>Please check your complaint</b>"))
    await s.taps(li, "✏️ Edit a field", *to(li, "Which part would you like to change?"))
    await s.taps(li, "Place", *to(li, "Where is it?"))
    await s.says(li, "Lobby of building 3", *to(li, "<b>Please check your complaint</b>"))
    await s.taps(
        li,
        "Confirm",
        msg(li, "Thank you, Li Lei, and we are sorry", f"registered as <b>{LIFT}</b>"),
        card(butler, "🆕 New item for you:", LIFT),
        card(engineer, "🆕 New item for Engineering:", LIFT),
    )
    await s.taps(butler, "✅ Accept", about(li, LIFT, ACCEPTED), on=LIFT)
    await s.taps(butler, "💬 Reply", *to(butler, "Type your reply to the resident"), on=LIFT)
    await s.says(
        butler,
        "The lift company comes at noon.",
        done(butler),
        about(li, LIFT, "Reply from our butler: The lift company comes at noon."),
    )
    await s.taps(butler, "📝 Note", *to(butler, "Type an internal note"), on=LIFT)
    await s.says(butler, "Lift company ticket 4471", done(butler))  # nothing to the resident
    await s.taps(butler, "✔️ Resolve", *to(butler, "Type the result of the work"), on=LIFT)
    await s.says(
        butler,
        "The door sensor was replaced.",
        done(butler),
        about(li, LIFT, "Your request is resolved: The door sensor was replaced."),
    )

    # Wang sends a photo with a caption: the desk offers to file it, and asks what is open.
    wang = c.wang
    smell = "The rubbish room on floor 8 smells terrible"
    await s.photo(
        wang, msg(wang, "Thank you for your message:", "Shall we file it for you?"), caption=smell
    )
    await s.taps(wang, "📝 Complaint", *to(wang, "Where is it?"))
    await s.photo(wang, *to(wang, "📷 Photo 2/5 added"))  # the caption's photo was the first
    await s.says(
        wang,
        "Rubbish room, floor 8",
        msg(wang, "<b>Please check your complaint</b>", f"Submitted as {RUBBISH}"),
        msg(wang, "Thank you, Wang Fang, and we are sorry", f"registered as <b>{RUBBISH}</b>"),
        card(butler, "🆕 New item for you:", RUBBISH),
    )
    await s.taps(butler, "🏷 Classify", *to(butler, "Nature of the complaint:"), on=RUBBISH)
    await s.taps(butler, "Valid", *to(butler, "Severity:"))
    await s.taps(butler, "General")  # the question is redrawn as the answer
    await s.taps(butler, "✅ Accept", about(wang, RUBBISH, ACCEPTED), on=RUBBISH)
    await s.says(wang, "/help", *to(wang, "This is the estate service desk."))
    await s.taps(butler, "✔️ Resolve", *to(butler, "Type the result of the work"), on=RUBBISH)
    await s.says(
        butler,
        "The room was cleaned and disinfected.",
        done(butler),
        about(wang, RUBBISH, "Your request is resolved: The room was cleaned"),
    )

    # Chen asks for a repair; the engineer proposes a visit tomorrow at 14:00.
    chen = c.chen
    await s.taps(chen, "🔧 Repair request", *to(chen, "What needs repairing?"))
    await s.taps(chen, "🚰 Plumbing", *to(chen, "Please describe what happened"))
    await s.says(chen, "The kitchen tap drips all night", *to(chen, "When may our engineer"))
    await s.photo(chen, *to(chen, "📷 Photo 1/5 added"))
    summary = "<b>Please check your repair request</b>"
    await s.taps(chen, f"{label_day(1)} 14:00-17:00", *to(chen, summary))
    await s.photo(chen, *to(chen, "📷 Photo 2/5 added", summary))
    await s.taps(chen, "✏️ Edit a field", *to(chen, "Which part would you like to change?"))
    await s.taps(chen, "Entry when nobody is home", *to(chen, "If nobody is home"))
    await s.taps(chen, "Yes", *to(chen, summary))
    await s.taps(
        chen,
        "✅ Confirm",
        *to(chen, f"Thank you, Chen Jie. Your repair request is registered as <b>{DRIP}</b>"),
        card(butler, "🆕 New item for you:", DRIP),
        card(engineer, "🆕 New item for Engineering:", DRIP),
    )
    await s.taps(engineer, "📅 Schedule visit", *to(engineer, "On which day"), on=DRIP)
    await s.taps(engineer, label_day(1), *to(engineer, "At what time?"))
    await s.taps(engineer, "14:00", about(chen, DRIP, "📅 Our engineer can come on"))
    agreed = "✅ The resident agreed to the visit time:"
    await s.taps(
        chen, "👍 That suits me", card(engineer, agreed, DRIP), card(butler, agreed, DRIP)
    )

    # Zhang orders a birthday CAKE for the day after tomorrow.
    zhang, concierge, senior = c.zhang, c.concierge, c.senior
    party = START.date() + timedelta(days=2)
    await s.taps(zhang, "🎂 Order a service", *to(zhang, "What would you like us to arrange"))
    await s.taps(zhang, "Birthday or occasion cake", *to(zhang, "What is the occasion?"))
    # Typed: a birthday, and whose. The birthday is the cake's day; recipient and phone
    # are Zhang's (all on the summary).
    await s.says(zhang, "My daughter Lily", *to(zhang, "Which size?"))
    await s.taps(zhang, "8 inch", *to(zhang, "Design and colours"))
    await s.says(zhang, "Chocolate, with pink roses", *to(zhang, "Words to write on the cake"))
    await s.says(zhang, "Happy birthday Lily", *to(zhang, "When should it be ready?"))
    await s.says(zhang, f"{party:%m-%d} 15:00", *to(zhang, "Add a greeting card or flowers?"))
    await s.taps(zhang, "💌 A card", *to(zhang, "What should the card say?"))
    await s.says(zhang, "Love, Mum and Dad", *to(zhang, "Deliver it to your home"))
    order = "<b>Your order: Birthday or occasion cake</b>"
    await s.says(zhang, "Building 3, 2001", *to(zhang, order))  # typed: where to deliver it
    # The bakery is the partner's unless changed: Zhang wants Holiland, and candles.
    await s.taps(zhang, "✏️ Edit a field", *to(zhang, "Which part would you like to change?"))
    await s.taps(zhang, "Bakery", *to(zhang, "Which brand or bakery?"))
    await s.taps(zhang, "Holiland", *to(zhang, order))
    await s.taps(zhang, "✏️ Edit a field", *to(zhang, "Which part would you like to change?"))
    await s.taps(zhang, "Special arrangements", *to(zhang, "Any special arrangements?"))
    await s.says(zhang, "Eight candles, please", *to(zhang, order))
    # A sticker at the summary: the form asks again, and the next answer is taken.
    again = to(
        zhang,
        "Please choose with the buttons below.",
        "<b>Your order: Birthday or occasion cake</b>",
    )
    await s.stage.act(zhang, "sends a sticker", zhang.sends_sticker, *again)
    await s.taps(
        zhang,
        "✍️ Sign · WeChat Pay",
        *to(zhang, f"Thank you, Zhang Wei. Your order <b>{CAKE}</b> is with our concierge"),
        *to(zhang, "🎂 May we send our birthday wishes to your daughter Lily"),
        card(butler, "🆕 New item for you:", CAKE),
        card(concierge, "🆕 New item for Concierge:", CAKE),
        *to(senior, f"🎂 Birthday delivery {CAKE}: please go along with it"),
    )
    await s.taps(zhang, "Yes, please")
    await s.taps(
        concierge,
        "✅ Confirm & prepayment",
        *to(concierge, "Prepayment received, in yuan"),
        on=CAKE,
    )
    await s.says(concierge, "300", *to(concierge, "Receipt number:"))
    await s.says(
        concierge,
        "R-2030-0416",
        done(concierge),
        card(butler, "✅ Order confirmed:", CAKE),
        about(zhang, CAKE, "✅ Thank you: your order is confirmed, and your prepayment of ¥300"),
    )
    await s.taps(concierge, "🛒 Ordered", *to(concierge, "Ordered from which bakery"), on=CAKE)
    await s.says(concierge, "Holiland, Century Ave", *to(concierge, "Purchase voucher number:"))
    await s.says(
        concierge,
        "PV-778",
        done(concierge),
        card(butler, "🛒 Ordered from the supplier:", CAKE),
        about(zhang, CAKE, "🛒 We have placed your order with the supplier."),
    )

    await s.stage.new_day(
        on_day(1, time(10, 5)),
        *to(butler, "<b>📒 Daily ledger</b> Tue, Apr 16, 2030"),
        card(engineer, "⏰ Due at Wed, Apr 17, 14:00", DRIP),
        solved(li, LIFT),
        solved(wang, RUBBISH),
    )


def solved(person: Persona, reference: str) -> Said:
    """The follow-up question, asked by the clock."""
    return about(person, reference, "We hope all is well now. Was it solved?")


async def follow_up(
    s: Script, who: Persona, answer: str, stars: int, comment: str | None, *told: Said
) -> None:
    """Answer the follow-up: solved or not, a rating, a comment (or Skip)."""
    await s.taps(who, answer)  # the question is redrawn as the rating
    await s.taps(who, f"{stars} ★", *to(who, "Anything you would like to add?"))
    if comment is None:
        await s.taps(who, "Skip", *to(who, "Thank you for your feedback!"))
    else:
        await s.says(who, comment, *to(who, "Thank you for your feedback!"), *told)


def comment(person: Persona, text: str, reference: str) -> Said:
    return card(person, f"💬 The resident's comment at follow-up: {text}", reference)


async def second_day(s: Script, c: Cast) -> None:
    li, wang, chen, butler, engineer = c.li, c.wang, c.chen, c.butler, c.engineer
    # The follow-ups: Li is satisfied; Wang is not, and the item is reopened.
    praise = "Quick and friendly, thank you"
    await follow_up(s, li, "👍 Yes, solved", 5, praise, comment(butler, praise, LIFT))
    await s.taps(
        wang,
        "👎 No, not yet",
        card(butler, "🔁 Reopened (the resident says it is not solved):", RUBBISH),
        about(wang, RUBBISH, "We are sorry it is not right yet. We have reopened your request"),
    )
    await s.taps(wang, "2 ★", *to(wang, "Anything you would like to add?"))
    await s.taps(wang, "Skip", *to(wang, "Thank you for your feedback!"))
    await s.taps(butler, "✔️ Resolve", *to(butler, "Type the result of the work"), on=RUBBISH)
    await s.says(
        butler,
        "Cleaned again, and the bins are now emptied twice a day.",
        done(butler),
        about(wang, RUBBISH, "Your request is resolved: Cleaned again"),
    )
    # Chen adds a word about the visit; the repair is done before its time and signed off.
    await s.taps(chen, "📋 My requests", *to(chen, "<b>My requests</b> (1 in all"))
    await s.taps(chen, DRIP)  # the list is redrawn as the item
    await s.taps(chen, "✉️ Add message", *to(chen, "Type your message; we will pass it"))
    ring = "Please ring the bell twice, it is faint"
    await s.says(
        chen,
        ring,
        *to(chen, "Thank you: your message is passed on to the staff handling your request"),
        card(engineer, f"✉️ The resident writes: {ring}", DRIP),
        card(butler, f"✉️ The resident writes: {ring}", DRIP),
    )
    await s.taps(
        engineer, "🔧 In progress", about(chen, DRIP, "🔧 Our engineer has started work"), on=DRIP
    )
    await s.taps(engineer, "✅ Done", *to(engineer, "What was done?"), on=DRIP)
    await s.says(
        engineer, "Replaced the washer and the cartridge", *to(engineer, "Under warranty?")
    )
    await s.taps(engineer, "No", *to(engineer, "What does the resident pay, in yuan?"))
    await s.says(
        engineer,
        "80",
        done(engineer),
        card(butler, "Resolved:", DRIP),
        about(chen, DRIP, "✅ Thank you for waiting: the repair is done: Replaced the washer"),
    )
    await s.taps(chen, "✅ Fixed, thank you")
    # Meimei registers in Chinese, typing her unit and phone, and makes a suggestion; the
    # senior butler adopts it.
    mei, senior, chief = c.mei, c.senior, c.chief
    await s.says(mei, "/start", *to(mei, "您好，欢迎使用物业服务中心！", "请留下联系电话"))
    await s.says(mei, "13800000005", *to(mei, "联系电话：+8613800000005", "请问您怎么称呼？"))
    await s.says(mei, "韩梅梅", *to(mei, "请选择您所在的楼栋"))
    await s.says(mei, "V-V05", *to(mei, "请核对您的资料"))
    await s.taps(mei, "确认", *to(mei, "谢谢您，韩梅梅！登记完成。"))
    await s.taps(mei, "💡 建议", *to(mei, "谢谢您愿意提出建议！"))
    await s.says(mei, "池塘边能不能多放几张长椅？", *to(mei, "<b>请确认您的建议</b>"))
    await s.photo(mei, *to(mei, "📷 已添加照片（1/5）", "<b>请确认您的建议</b>"))
    await s.taps(
        mei,
        "确认",
        *to(mei, f"韩梅梅，感谢您的宝贵建议！已登记，编号：<b>{BENCHES}</b>"),
        card(senior, "💡 A new suggestion", BENCHES),
        card(butler, "🆕 New item for you:", BENCHES),
        card(chief, "🆕 New item for Customer service:", BENCHES),
    )
    await s.taps(senior, "👍 Adopt", *to(senior, "What will be done with it?"), on=BENCHES)
    await s.says(
        senior,
        "Four benches go in next week.",
        done(senior),
        card(butler, "💡 Suggestion adopted: Four benches go in next week.", BENCHES),
        Said(mei.chat_id, f"关于您的事项{BENCHES}：\n感谢您的建议：我们决定采纳。"),
    )
    # Residents look around: their requests, and the help.
    zhang = c.zhang
    await s.taps(zhang, "📋 My requests", *to(zhang, "<b>My requests</b> (2 in all"))
    await s.taps(zhang, CAKE)  # redrawn as the order
    await s.says(li, "/help", *to(li, "This is the estate service desk."))
    await s.says(mei, "/help", *to(mei, "这里是物业服务中心的在线客服。"))
    await s.stage.new_day(
        on_day(2, time(13, 30)),
        *to(butler, "<b>📒 Daily ledger</b> Wed, Apr 17, 2030"),
        *to(butler, "☀️ <b>Good morning — your digest</b>"),
        card(c.concierge, "⏰ Due at Thu, Apr 18, 15:00", CAKE),
        card(c.concierge, "⏰ Due at Thu, Apr 18, 15:00", CAKE),
        card(senior, "⏰ Due at Thu, Apr 18, 15:00", ESCORT),
        card(senior, "⏰ Due at Thu, Apr 18, 15:00", ESCORT),
        solved(wang, RUBBISH),
        *to(zhang, "🎂 Happy birthday to your daughter Lily"),
    )


async def third_day(s: Script, c: Cast) -> None:
    wang, zhang, concierge, senior, butler = c.wang, c.zhang, c.concierge, c.senior, c.butler
    await follow_up(s, wang, "👍 Yes, solved", 4, None)
    # Xiaoming's Telegram is in Chinese; he switches to English on the greeting, registers
    # by typing, and files a complaint without photos, which nobody answers today.
    sun = c.sun
    await s.says(sun, "/start", *to(sun, "您好，欢迎使用物业服务中心！", "请留下联系电话"))
    await s.taps(sun, "English", *to(sun, "Please leave a contact phone"))
    await s.says(sun, "13800000006", *to(sun, "Phone: +8613800000006", "How may we address"))
    await s.says(sun, "Sun Xiaoming", *to(sun, "Which building do you live in?"))
    await s.says(sun, "3-1502", *to(sun, "Please check your details:"))
    await s.taps(sun, "Confirm", *to(sun, "Thank you, Sun Xiaoming, you are registered."))
    await s.taps(sun, "📝 Complaint", *to(sun, "We are sorry for the trouble. What is it about?"))
    await s.taps(sun, "Security", *to(sun, "Please describe what happened"))
    await s.says(sun, "A stranger at the north gate", *to(sun, "Where is it?"))
    await s.taps(sun, "🏠 My home", *to(sun, "<b>Please check your complaint</b>"))
    await s.taps(sun, "✏️ Edit a field", *to(sun, "Which part would you like to change?"))
    await s.taps(sun, "Description", *to(sun, "Please describe what happened"))
    await s.says(
        sun,
        "A stranger tailgated through the north gate",
        *to(sun, "<b>Please check your complaint</b>"),
    )
    await s.taps(
        sun,
        "Confirm",
        msg(sun, "Thank you, Sun Xiaoming, and we are sorry", f"registered as <b>{GATE}</b>"),
        card(butler, "🆕 New item for you:", GATE),
    )
    await s.says(zhang, "/profile", *to(zhang, "<b>My profile</b>"))
    await s.taps(
        concierge,
        "🚚 Out for delivery",
        card(butler, "🚚 Out for delivery:", CAKE),
        about(zhang, CAKE, "🚚 Your order is on its way"),
        on=CAKE,
    )
    await s.taps(
        concierge, "📦 Delivered", *to(concierge, "Received and signed for by whom?"), on=CAKE
    )
    await s.taps(
        concierge,
        "Zhang Wei",
        card(butler, "📦 Delivered:", CAKE),
        about(zhang, CAKE, "📦 Delivered and signed for by Zhang Wei."),
    )
    await s.taps(concierge, "🧾 Settle", *to(concierge, "Final amount, in yuan:"), on=CAKE)
    await s.says(concierge, "328", *to(concierge, "Did the resident ask for an invoice?"))
    await s.taps(concierge, "Yes", *to(concierge, "Invoice number:"))
    await s.says(
        concierge,
        "INV-5521",
        done(concierge),
        card(butler, "🧾 Settled:", CAKE),
        about(zhang, CAKE, "🧾 Settled: final amount ¥328.00; ¥28.00 is still to pay"),
    )
    await s.taps(senior, "✔️ Resolve", *to(senior, "Type the result of the work"), on=ESCORT)
    went = "Went along; the gift basket was handed over"
    resolved = about(zhang, ESCORT, f"Your request is resolved: {went}")
    await s.says(senior, went, done(senior), resolved)
    await s.stage.new_day(
        on_day(3, time(10, 5)),
        *to(butler, "<b>📒 Daily ledger</b> Thu, Apr 18, 2030"),
        solved(c.chen, DRIP),
        solved(zhang, CAKE),
        card(butler, "⚠️ Late: the first answer was due", GATE),
        card(c.senior, "🚨 Twice late: the first answer was due", GATE),
        *to(butler, "☀️ <b>Good morning — your digest</b>"),
    )


async def fourth_day(s: Script, c: Cast) -> None:
    chen, zhang, chief, butler = c.chen, c.zhang, c.chief, c.butler
    tidy = "The engineer was very tidy"
    told = comment(butler, tidy, DRIP), comment(c.engineer, tidy, DRIP)
    await follow_up(s, chen, "👍 Yes, solved", 5, tidy, *told)
    loved = "Lily loved it"
    told = comment(butler, loved, CAKE), comment(c.concierge, loved, CAKE)
    await follow_up(s, zhang, "👍 Yes, solved", 5, loved, *told)
    # Nobody answered Xiaoming yesterday: the ladder has climbed overnight; now the butler
    # answers.
    sun = c.sun
    await s.taps(butler, "✅ Accept", about(sun, GATE, ACCEPTED), on=GATE)
    await s.taps(butler, "✔️ Resolve", *to(butler, "Type the result of the work"), on=GATE)
    await s.says(
        butler,
        "The guards now check every entry at the north gate.",
        done(butler),
        about(sun, GATE, "Your request is resolved: The guards now check"),
    )
    await s.says(chief, "/status", *to(chief, "<b>📊 Status</b>"))
    await s.says(
        chief,
        f"/ticket {RUBBISH}",
        msg(chief, f"<b>{RUBBISH}</b> · Complaint · Closed"),
        *to(chief, "<b>🕒 Timeline</b>"),
    )
    await s.taps(c.wang, "📋 My requests", *to(c.wang, "<b>My requests</b> (1 in all"))
    await s.says(c.chen, "/help", *to(c.chen, "This is the estate service desk."))
    await s.says(c.sun, "/help", *to(c.sun, "This is the estate service desk."))
    await s.says(c.wang, "/profile", *to(c.wang, "<b>My profile</b>"))


STEPS = 200  # one update each
# What the registry holds at the end: each item once, its timeline without a repeat.
STATUSES = {
    LIFT: "closed",
    RUBBISH: "closed",
    DRIP: "closed",
    CAKE: "closed",
    ESCORT: "resolved",
    BENCHES: "resolved",
    GATE: "resolved",
}
TIMELINES = {
    LIFT: [
        "created",
        "accepted",
        "replied: The lift company comes at noon.",
        "note: Lift company ticket 4471",
        "resolved: The door sensor was replaced.",
        "followup_asked",
        "followup_answered: solved",
        "followup_answered: rating 5",
        "closed",
        "message: Quick and friendly, thank you",
    ],
    RUBBISH: [
        "created",
        "classified: valid/general",
        "accepted",
        "resolved: The room was cleaned and disinfected.",
        "followup_asked",
        "followup_answered: not solved",
        "reopened: followup.not_solved",
        "followup_answered: rating 2",
        "resolved: Cleaned again, and the bins are now emptied twice a day.",
        "followup_asked",
        "followup_answered: solved",
        "followup_answered: rating 4",
        "closed",
    ],
    DRIP: [
        "created",
        "status_changed: visit 2030-04-17T14:00:00+08:00",
        "message: visit agreed",
        "reminded: service_soon",
        "message: Please ring the bell twice, it is faint",
        "status_changed: repair working",
        "resolved: Replaced the washer and the cartridge",
        "message: signed off",
        "followup_asked",
        "followup_answered: solved",
        "followup_answered: rating 5",
        "closed",
        "message: The engineer was very tidy",
    ],
    CAKE: [
        "created",
        "status_changed: order confirmed",
        "status_changed: order ordered",
        "reminded: service_soon",
        "reminded: birthday wishes",
        "reminded: service_soon",
        "status_changed: order out",
        "status_changed: order delivered",
        "status_changed: order settled",
        "followup_asked",
        "followup_answered: solved",
        "followup_answered: rating 5",
        "closed",
        "message: Lily loved it",
    ],
    ESCORT: [
        f"created: {CAKE}",
        "reminded: service_soon",
        "reminded: service_soon",
        "resolved: Went along; the gift basket was handed over",
    ],
    BENCHES: ["created", "adopted: Four benches go in next week."],
    GATE: [
        "created",
        "reminded: answer_late",
        "reminded: answer_late_2x",
        "accepted",
        "resolved: The guards now check every entry at the north gate.",
    ],
}
# Every alarm that fell due, each fired once: (item, kind, local due time); the ladder of an
# item filed at a time the kills move by minutes is not held to its minute (""). The reminder
# due before the first answer was late fires too, but says nothing: it is too late for it.
ALARMS = sorted(
    [
        (LIFT, "followup_ask", "04-17 10:00"),
        (RUBBISH, "followup_ask", "04-17 10:00"),
        (DRIP, "service_soon", "04-16 14:00"),
        (CAKE, "birthday_wishes", "04-18 09:00"),
        (CAKE, "service_soon", "04-17 15:00"),
        (CAKE, "service_soon", "04-18 13:00"),
        (ESCORT, "service_soon", "04-17 15:00"),
        (ESCORT, "service_soon", "04-18 13:00"),
        (RUBBISH, "followup_ask", "04-18 10:00"),
        (DRIP, "followup_ask", "04-19 10:00"),
        (GATE, "answer_soon", ""),
        (GATE, "answer_late", ""),
        (GATE, "answer_late_2x", ""),
        (CAKE, "followup_ask", "04-19 10:00"),
    ]
)
