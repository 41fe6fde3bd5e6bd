"""Emergencies as plain rules: which words name one, who each page reaches, and the
texts every listed emergency needs in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.deadlines import AlarmKind
from bot.domain.emergencies import by_code, match, ordinary, paged, paged_groups
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import TicketKind
from bot.files import load_estate
from bot.i18n import LANGUAGES, load_catalogues
from bot.policy import load_policy

DEFAULTS = Path(__file__).resolve().parents[2] / "bot" / "defaults"
POLICY = load_policy(DEFAULTS / "policy.toml")
LISTED = POLICY.emergencies.listed()


def test_keywords_in_both_languages_and_whole_words() -> None:
    def code(text: str) -> str | None:
        found = match(text, LISTED)
        return found.code if found else None

    assert code("I smell gas in the corridor") == "gas"
    assert code("My gas bill is wrong") == "gas"  # a misfire the reporter can undo
    assert code("厨房有煤气味") == "gas"
    assert code("Smoke is coming from the bin room") == "fire"
    assert code("楼道里冒烟了") == "fire"
    assert code("A burst pipe in the garage") == "flood"
    assert code("My son is stuck in the lift!") == "lift"
    assert code("电梯困人了") == "lift"
    assert code("整栋楼停电") == "power"
    assert code("An old man fell and is bleeding") == "injury"
    assert code("有人受伤") == "injury"
    # Whole words only for Latin keywords; a flat's own power or a leak is a repair.
    assert code("The firewall of the wifi") is None
    assert code("The lobby lift is stuck again") is None
    assert code("Water is pouring from my kitchen ceiling") is None
    assert code("家里停电了，插座跳闸") is None


def test_pages_climb_the_chain_after_unanswered_pages() -> None:
    rules = POLICY.emergencies.paging()
    assert rules.every == timedelta(minutes=5)
    assert [rules.rungs(n) for n in range(1, 6)] == [
        (),
        (),
        (Role.SENIOR_BUTLER,),
        (Role.SENIOR_BUTLER,),
        (Role.SENIOR_BUTLER, Role.CHIEF_BUTLER),
    ]
    start = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert rules.next_page(start, 3) == start + timedelta(minutes=15)
    assert POLICY.emergencies.answer == timedelta(minutes=15)
    assert AlarmKind.EMERGENCY_PAGE.value == "emergency_page"


def test_every_listed_emergency_has_its_texts_and_the_estate_its_hotline() -> None:
    catalogues = load_catalogues()
    for language in LANGUAGES:
        keys = catalogues.keys(language)
        for emergency in LISTED:
            assert f"emergency.name_{emergency.code}" in keys, (language, emergency.code)
            assert f"emergency.do_{emergency.code}" in keys, (language, emergency.code)
    estate = load_estate(DEFAULTS / "estate.toml")
    assert estate.hotline == "400-800-1234"
    assert estate.office_address.startswith("Management office")


def test_a_misfire_becomes_what_its_words_look_like() -> None:
    """ "Not an emergency": the free-text keywords pick the kind and category; a word of
    no kind leaves a complaint of the emergency's own category."""
    gas = by_code(LISTED)["gas"]
    words, categories = POLICY.free_text.keywords, POLICY.categories.complaint

    def becomes(text: str) -> tuple[TicketKind, str | None]:
        found = ordinary(text, gas, words, categories)
        return found.kind, found.category

    assert becomes("My gas bill is wrong") == (TicketKind.COMPLAINT, "fees")
    assert becomes("燃气热水器坏了") == (TicketKind.REPAIR, "appliance")
    assert becomes("The gas meter is broken") == (TicketKind.REPAIR, "other")
    assert becomes("I suggest a gas safety talk") == (TicketKind.SUGGESTION, None)
    assert becomes("Gas") == (TicketKind.COMPLAINT, "facilities")  # nothing else named
    # An order needs its own form: never guessed here.
    assert becomes("Order a birthday cake for the gas man") == (TicketKind.COMPLAINT, "facilities")


def _member(n: int, role: Role, department: Department) -> StaffMember:
    return StaffMember(n, f"m{n}", role, department, "B", 1, "en", n)


def test_each_department_and_role_is_asked_the_roster_on_its_own() -> None:
    rules = POLICY.emergencies.paging()
    security = _member(1, Role.STAFF, Department.SECURITY)
    engineer = _member(2, Role.STAFF, Department.ENGINEERING)
    supervisor = _member(3, Role.SUPERVISOR, Department.CUSTOMER_SERVICE)
    concierge = _member(4, Role.STAFF, Department.CONCIERGE)
    groups = paged_groups(paged([security, engineer, supervisor, concierge], rules, "B"), rules)
    assert groups == [[supervisor], [security], [engineer]]
