"""The desk's own forms (complaint, suggestion, repair) filed as services: answers are held to
the form again where they are filed, so a forged or stale form is refused and stores nothing,
whatever the dialogue let through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.questions import Answer
from bot.domain.residents import ResidentCard
from bot.domain.tickets import TicketKind
from bot.services.actions import Refused
from bot.services.filing import file_report
from storage.models import Ticket
from tests.services.conftest import NOW, TZ, World

TODAY = NOW.astimezone(TZ).date()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
COMPLAINT: dict[str, Answer] = {
    "category": "facilities",
    "description": "The lobby lift is stuck",
    "photos": ["photo-1"],
    "location": "area:Lobby of building 3",
    "deadline": TOMORROW,
}
REPAIR: dict[str, Answer] = {
    "category": "plumbing",
    "location": "home",
    "description": "The kitchen tap drips",
    "windows": [f"{TOMORROW} 09:00-12:00", "Any weekday evening"],
    "enter": "yes",
}


async def _file(
    world: World,
    kind: TicketKind,
    answers: dict[str, Answer],
    resident: ResidentCard | None,
    quotes: str | None = None,
) -> int:
    filed = await file_report(
        world.uow,
        world.notifier(),
        kind=kind,
        answers=answers,
        resident=resident,
        policy=world.policy,
        tz=TZ,
        now=NOW,
        quotes=quotes,
    )
    return filed.ticket_id


async def _count(world: World) -> int:
    return int(await world.uow.session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_good_answers_become_the_item_and_its_work_order(world: World) -> None:
    li = await world.resident()
    complaint = await world.uow.tickets.get(
        await _file(world, TicketKind.COMPLAINT, COMPLAINT, li)
    )
    assert complaint is not None
    assert (complaint.category, complaint.location_kind) == ("facilities", "common_area")
    assert complaint.location_text == "Lobby of building 3"
    assert complaint.requested_by == TODAY + timedelta(days=1)
    repair = await world.uow.tickets.get(await _file(world, TicketKind.REPAIR, REPAIR, li))
    assert repair is not None
    assert (repair.service, repair.stage, repair.department) == (
        "plumbing",
        "requested",
        "engineering",
    )
    assert repair.location_kind == "own_unit"
    assert repair.details == {"windows": REPAIR["windows"], "may_enter": True}
    idea: dict[str, Answer] = {"description": "More benches by the pond"}
    suggestion = await _file(world, TicketKind.SUGGESTION, idea, li, quotes=None)
    assert suggestion > 0
    about = await _file(world, TicketKind.COMPLAINT, COMPLAINT, li, quotes="TS-20261124-0001")
    row = await world.uow.tickets.get(about)
    assert row is not None
    assert row.description == "[TS-20261124-0001] The lobby lift is stuck"


FORGED: list[tuple[TicketKind, dict[str, Answer]]] = [
    (TicketKind.COMPLAINT, {**COMPLAINT, "category": "bribery"}),  # not the policy's
    (TicketKind.COMPLAINT, {k: v for k, v in COMPLAINT.items() if k != "location"}),
    (TicketKind.COMPLAINT, {**COMPLAINT, "location": "area:"}),  # a common area unnamed
    (TicketKind.COMPLAINT, {**COMPLAINT, "location": "the roof"}),  # not a place answer
    (TicketKind.COMPLAINT, {**COMPLAINT, "deadline": "2020-01-01"}),  # passed
    (TicketKind.COMPLAINT, {**COMPLAINT, "deadline": "2099-01-01"}),  # beyond the horizon
    (TicketKind.COMPLAINT, {**COMPLAINT, "photos": [f"p{n}" for n in range(6)]}),  # > 5
    (TicketKind.COMPLAINT, {**COMPLAINT, "photos": "photo-1"}),  # one value, not a list
    (TicketKind.COMPLAINT, {**COMPLAINT, "description": "x" * 2001}),
    (TicketKind.COMPLAINT, {**COMPLAINT, "windows": ["tomorrow"]}),  # no such question
    (TicketKind.SUGGESTION, {"description": " "}),
    (TicketKind.REPAIR, {**REPAIR, "category": "roofing"}),  # not a repair type
    (TicketKind.REPAIR, {**REPAIR, "windows": []}),  # at least one time
    (TicketKind.REPAIR, {**REPAIR, "windows": ["x" * 101]}),
    (TicketKind.REPAIR, {**REPAIR, "enter": "maybe"}),
    (TicketKind.CONCIERGE, COMPLAINT),  # not a form of the desk's own
]


@pytest.mark.parametrize(("kind", "answers"), FORGED)
async def test_a_forged_or_stale_form_is_refused_and_stores_nothing(
    world: World, kind: TicketKind, answers: dict[str, Answer]
) -> None:
    li = await world.resident()
    with pytest.raises(Refused):
        await _file(world, kind, answers, li)
    assert await _count(world) == 0


async def test_only_a_resident_with_a_home_may_name_it(world: World) -> None:
    """A caller who is not registered (staff file for them) has no home on record."""
    with pytest.raises(Refused):
        await _file(world, TicketKind.REPAIR, REPAIR, None)
    with pytest.raises(Refused):
        await _file(world, TicketKind.COMPLAINT, COMPLAINT, None, quotes="not a reference")
    assert await _count(world) == 0
