"""Through Telegram: a person sending faster than the policy's pace gets one polite notice
and nothing they send is acted on until the pace falls back; long work shows progress
(a chat action while the file is built, and a large export says so first)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.clock import utcnow
from bot.config import DEFAULTS_DIR
from bot.policy import load_policy
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register

NOTICE = "You are sending faster than we can read"


async def test_a_person_over_the_flood_limit_is_told_once_and_held_for_the_window(
    desk: DeskHarness,
) -> None:
    limit = load_policy(DEFAULTS_DIR / "policy.toml").flood
    assert (limit.updates, limit.seconds) == (20, 10)  # the documented defaults
    desk.desk.policy = desk.desk.policy.model_copy(update={"flood": limit})  # tests lift it
    li = desk.sim.user(8811, language_code="en")
    wang = desk.sim.user(8812, language_code="zh-hans")
    await register(li)
    await register(wang, name="王芳", language="中文")
    later = utcnow() + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        for _ in range(limit.updates):  # up to the limit: each one answered
            await li.says("/start")
            assert li.replies
            assert NOTICE not in li.last_text
        await li.says("/start")  # one over: the notice, and only the notice
        assert [NOTICE in m.body for m in li.replies] == [True]
        assert "10 seconds" in li.last_text
        handled = await desk.scalar("select count(*) from handled_updates")
        items = await desk.scalar("select count(*) from tickets")
        for text in ("/start", "The lift is broken", "/start"):  # the rest: silence, no work
            await li.says(text)
            assert li.replies == []
        assert await desk.scalar("select count(*) from handled_updates") == handled
        assert await desk.scalar("select count(*) from tickets") == items
        await wang.says("/start")  # someone else is served meanwhile
        assert wang.replies
        assert NOTICE not in wang.last_text
    with time_machine.travel(later + timedelta(seconds=limit.seconds + 1), tick=False):
        await li.says("/start")  # the window has passed: served again, no second notice
        assert li.replies
        assert NOTICE not in li.last_text
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        for _ in range(limit.updates + 1):
            await wang.says("/start")
        assert "请等待约10秒" in wang.last_text  # in the person's language


async def test_report_and_export_show_progress_and_a_large_export_says_so_first(
    desk: DeskHarness,
) -> None:
    chief = await enroll(desk, 8821, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8822, language_code="en")
    await register(li)
    for n in range(3):
        await file_complaint(li, f"The corridor light flickers ({n})")

    def actions() -> list[str]:
        return [
            str(params.get("action"))
            for method, params in desk.api.calls
            if method == "sendChatAction" and params.get("chat_id") == chief.user_id
        ]

    await chief.says("/report week")
    assert actions() == ["upload_photo"]
    assert chief.transcript[-1].method == "sendPhoto"

    await chief.says("/export week")  # 3 rows: under the threshold, no note first
    assert actions()[-1] == "upload_document"
    assert [m.method for m in chief.replies] == ["sendDocument"]

    policy = desk.desk.policy
    desk.desk.policy = policy.model_copy(
        update={"reports": policy.reports.model_copy(update={"export_notice_rows": 2})}
    )
    await chief.says("/export week")
    said = chief.replies
    assert [m.method for m in said] == ["sendMessage", "sendDocument"]
    assert "Preparing the spreadsheet: about 3 rows" in said[0].body
    assert actions()[-1] == "upload_document"
