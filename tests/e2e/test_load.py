"""The load benchmark (bench.load) in miniature, so its code cannot rot unnoticed.

Twenty residents, ten seconds at ten updates a second, through `python -m bot` over
loopback HTTP: every planned update is sent and answered, every planned complaint filed.
How fast is for the benchmark to say on a quiet machine, not for a test on a shared one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import Profile, draw_plan, report, run

SMOKE = Profile(residents=20, rate=10, seconds=10, think=(0.3, 1.0), grace=20)


def test_the_plan_keeps_the_rate_and_each_residents_order() -> None:
    profile = Profile(residents=2000, rate=30, seconds=180)
    plan = draw_plan(profile)
    assert len(plan.slots) == 5400
    assert [slot.at for slot in plan.slots[:3]] == [0.0, 1 / 30, 2 / 30]
    last: dict[int, tuple[float, int]] = {}
    for slot in plan.slots:
        if slot.resident in last:
            at, step = last[slot.resident]
            assert slot.step == step + 1
            assert slot.at - at >= profile.think[0]  # people take their time between steps
        else:
            assert slot.step == 0
        last[slot.resident] = (slot.at, slot.step)
    assert plan.complaints > 100
    assert len(plan.newcomers) == 200


@pytest.mark.long
def test_a_small_load_run_loses_nothing_and_files_everything(tmp_path: Path) -> None:
    result = run(SMOKE, f"sqlite+aiosqlite:///{tmp_path / 'load.db'}", tmp_path)
    report(result)  # shown by pytest if an assertion fails
    context = (tmp_path / "bot.log").read_text()[-3000:]
    assert result.exit_code == 0, context
    assert result.sent == 100, context
    assert result.stuck == 0, context
    assert not result.lost, (result.lost, context)
    assert result.answered == result.sent
    assert result.expected > 0
    assert result.filed == result.expected, context
    assert result.refusals == 0
    assert len(result.rss) >= 3  # the bot's memory was sampled
