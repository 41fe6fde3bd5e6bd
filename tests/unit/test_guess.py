"""What a free message looks like: the policy's keywords, both languages, likeliest first."""

from __future__ import annotations

from bot.config import DEFAULTS_DIR
from bot.domain.guess import OFFERED, guess
from bot.domain.tickets import TicketKind
from bot.policy import load_policy

KEYWORDS = load_policy(DEFAULTS_DIR / "policy.toml").free_text.keywords


def test_every_kind_is_offered_the_likeliest_first() -> None:
    found = guess("The bathroom tap is broken", KEYWORDS)
    assert found[0].kind is TicketKind.REPAIR
    assert {g.kind for g in found} == set(OFFERED)
    assert found[0].category == "plumbing"


def test_chinese_keywords_and_categories() -> None:
    assert guess("物业费收费不合理，我要投诉", KEYWORDS)[0].kind is TicketKind.COMPLAINT
    assert guess("物业费收费不合理，我要投诉", KEYWORDS)[0].category == "fees"
    assert guess("建议在小区里多种些树", KEYWORDS)[0].kind is TicketKind.SUGGESTION
    assert guess("想订一个生日蛋糕", KEYWORDS)[0].kind is TicketKind.CONCIERGE


def test_nothing_recognised_keeps_the_menus_order() -> None:
    found = guess("hello", KEYWORDS)
    assert [g.kind for g in found] == list(OFFERED)
    assert all(g.category is None for g in found)
    assert [g.kind for g in guess(None, {})] == list(OFFERED)
