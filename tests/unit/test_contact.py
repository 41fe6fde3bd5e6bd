"""Which notices become the desk's tasks: the result and the follow-up of anyone who came
by phone or letter, or whom the bot cannot reach; and how such a task quotes the words the
resident would have read."""

from __future__ import annotations

from datetime import date
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from bot.domain.contact import Reach, Telling, desk_task, reach
from bot.domain.tickets import Channel
from bot.i18n import LANGUAGES, load_catalogues
from bot.services.notices import (
    Label,
    NoticeKind,
    from_json,
    relay,
    to_json,
    to_resident,
    with_buttons,
)
from bot.services.notifier import Notifier
from bot.views import Views
from storage.uow import UnitOfWork

TEXTS = load_catalogues()


@pytest.mark.parametrize(
    ("channel", "in_chat", "expected"),
    [
        (Channel.BOT, True, Reach.BOT),
        (Channel.ONLINE, True, Reach.BOT),
        (Channel.VISIT, True, Reach.BOT),  # came to the desk, but is on the bot
        (Channel.PHONE, True, Reach.PHONE),  # phoned in: answered by phone
        (Channel.LETTER, True, Reach.LETTER),  # wrote: answered in writing
        (Channel.PHONE, False, Reach.PHONE),
        (Channel.VISIT, False, Reach.PHONE),  # a caller not registered: their number
        (Channel.ONLINE, False, Reach.PHONE),
        (Channel.BOT, False, Reach.PHONE),  # a resident whose chat is gone
        (Channel.LETTER, False, Reach.LETTER),
    ],
)
def test_how_the_desk_reaches_someone(channel: Channel, in_chat: bool, expected: Reach) -> None:
    assert reach(channel, in_chat=in_chat) is expected


@pytest.mark.parametrize("telling", Telling)
def test_the_result_and_the_follow_up_become_tasks_unless_the_bot_can_tell(
    telling: Telling,
) -> None:
    assert desk_task(telling, Reach.BOT) is None
    assert desk_task(telling, Reach.PHONE) == f"notice.call_{telling.value}"
    assert desk_task(telling, Reach.LETTER) == f"notice.write_{telling.value}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_desk_task_has_its_text(language: str) -> None:
    for telling in Telling:
        for how in (Reach.PHONE, Reach.LETTER):
            key = desk_task(telling, how)
            assert key is not None
            assert TEXTS.has(language, key)


def test_a_task_quotes_the_residents_words_in_the_readers_language() -> None:
    told = with_buttons(
        to_resident(
            7,
            "repair.done_free",
            work="New washer",
            terms=Label.of("repair.warranty"),
            day=date(2026, 11, 26),
        ),
        (("repair.fixed", "so:y:7"),),
    )
    task = relay(3, told, "notice.call_result", caller="Li Lei (Building 3 1202)")
    assert task.kind is NoticeKind.STAFF_CARD
    assert (task.staff_id, task.ticket_id, task.relays) == (3, 7, "repair.done_free")
    assert task.buttons == ()  # the resident's sign-off is theirs, not the desk's
    assert from_json(to_json(task)) == task  # queued by a sweep, rendered when sent
    notifier = Notifier(cast(UnitOfWork, None), Views(TEXTS, ZoneInfo("Asia/Shanghai")))
    english = notifier.render("en", task)
    assert english.startswith("📞 Li Lei (Building 3 1202) is answered by phone")
    assert "the repair is done: New washer" in english
    assert "Under warranty: there is nothing to pay" in english
    chinese = notifier.render("zh_Hans", task)
    assert "需电话答复" in chinese
    assert "保修" in chinese
