"""Who the page plays, and how they come to be there: through the bot's own front doors.

At start an administrator (ADMIN_IDS, not shown on the page) invites the zone butler, an
engineer and the chief butler with `/invite`, and each opens their single-use link, as real
colleagues would; one resident registers through the onboarding dialogue in the sample
estate. A second resident is new and registers (or not) on the page. On a later start
with the same database, whoever is already enrolled or registered is not asked again.
"""

from __future__ import annotations

import re

from bot.demo.world import People
from storage.uow import UnitOfWork

ADMIN = 9000
INVITE = re.compile(r"start=(inv_[A-Za-z0-9_-]+)")


# (page key, Telegram id, first name, page role, invite: the catalogue keys of the buttons
# the administrator taps for role, department and zone; a zone's code is its own label)
STAFF = (
    ("butler", 2001, "Zhao", "butler", ("role.butler", "department.customer_service", "B")),
    ("engineer", 2002, "Qian", "engineer", ("role.staff", "department.engineering", None)),
    ("chief", 2003, "Zhou", "chief", ("role.chief_butler", "department.customer_service", None)),
)
# The registered resident: Building 3 is in zone B, the butler's.
RESIDENT = ("resident", 1001, "Li Lei", "resident")
HOME = ("Building 3", "12", "1202", "+8613800138000")
NEWCOMER = ("newcomer", 1002, "Wang Fang", "newcomer")


def cast(people: People, language: str) -> None:
    """Everyone on the page (and the hidden administrator), in the page's order."""
    telegram_language = "zh-hans" if language == "zh_Hans" else "en"
    people.add("admin", ADMIN, "Admin", "admin", "en")
    for key, user_id, name, role in (RESIDENT, NEWCOMER):
        people.add(key, user_id, name, role, telegram_language)
    for key, user_id, name, role, _ in STAFF:
        people.add(key, user_id, name, role, telegram_language)
    people.players["admin"].role = "hidden"


async def set_up(people: People, language: str) -> None:
    """Enrol the staff and register the resident, skipping whoever already is."""
    async with UnitOfWork(people.desk.sessions) as uow:
        enrolled = {
            user_id
            for _, user_id, *_ in STAFF
            if (found := await uow.staff.by_telegram_id(user_id)) is not None and found.active
        }
        registered = await uow.residents.by_telegram_id(RESIDENT[1]) is not None
    for key, user_id, _, _, invite in STAFF:
        if user_id not in enrolled:
            await enroll(people, key, *invite)
    if not registered:
        await register(people, language)
    people.setup = "ready"


async def enroll(people: People, key: str, role: str, department: str, zone: str | None) -> None:
    """The administrator's `/invite`, opened by the new colleague."""
    admin = people.players["admin"].persona
    await admin.says("/invite")
    await people.handled()
    label = people.desk.texts.text
    for button in (
        label("en", role),
        label("en", department),
        zone or label("en", "invite.no_zone"),
    ):
        await people.tap_label("admin", button)
    found = INVITE.search(admin.last_text)
    if found is None:
        raise RuntimeError(f"no invite link for {key}: {admin.last_text[:200]!r}")
    await people.players[key].persona.says(f"/start {found.group(1)}")
    await people.handled()


async def register(people: People, language: str) -> None:
    """Registering as a resident does: the greeting is already in their Telegram's
    language, the shared contact brings phone and name, the home from the pickers."""
    desk, persona = people.desk, people.players[RESIDENT[0]].persona
    key = RESIDENT[0]
    building, floor, unit, phone = HOME
    await persona.says("/start")
    await people.handled()
    await persona.shares_contact(phone, name=RESIDENT[2])
    await people.handled()
    for label in (building, floor, unit):
        await people.tap_label(key, label)
    await people.tap_label(key, desk.texts.text(language, "button.confirm"))
