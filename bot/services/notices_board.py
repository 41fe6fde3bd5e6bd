"""Notices to residents (小区通知): a supervisor or manager writes to a building, a zone or
the whole estate, now or at a set time. Each reader's copy is an outbox row (the sender
paces them within Telegram's limits) in their language, with *This affects me* and *Still
a problem* under it. Planned works and outages run from a start to an end: a resident who
reports their fault in the meantime hears it is known (bot.services.incidents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.residents import ResidentCard
from bot.domain.staff import Role, StaffMember
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.htmltext import CAPTION_LIMIT, Html, fit, join, visible_length
from bot.policy import Policy
from bot.services.notifier import Notifier
from bot.services.tickets import Filed, file_ticket
from bot.views import Button, Screen, Views
from bot.views.incidents import NoticeAnswer, notice_buttons
from storage.models import EstateNotice
from storage.repositories.incidents import IncidentRepository
from storage.uow import UnitOfWork

PURPOSE = "estate_notice"


class NoticeKind(StrEnum):
    NOTICE = "notice"
    WORKS = "works"  # planned works: a start and an end
    OUTAGE = "outage"  # water, power, lifts off: a start and an end


class Scope(StrEnum):
    BUILDING = "building"
    ZONE = "zone"
    ESTATE = "estate"


def may_publish(member: StaffMember) -> bool:
    """Supervisors and managers write to residents."""
    return member.role is Role.SUPERVISOR or member.is_manager


@dataclass(frozen=True, slots=True)
class NewNotice:
    scope: Scope
    target: str | None  # the building's code, or the zone
    kind: NoticeKind
    text: str
    send_at: datetime
    category: str | None = None  # the fault works or an outage explain
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    photo_file_id: str | None = None


def screen(views: Views, language: str, notice: EstateNotice) -> Screen:
    """A resident's copy: what kind of notice, its period, the text, and the two taps."""
    lines = _heading(views, language, notice)
    text = join("\n", [*lines, "", notice.text])  # what staff typed, escaped
    buttons = tuple(
        Button(views.t(language, key), data) for key, data in notice_buttons(notice.id)
    )
    return Screen(text, (buttons,))


@dataclass(frozen=True, slots=True)
class Copy:
    """One message of a resident's copy; with `photo`, that photo under `screen.text`."""

    screen: Screen
    photo: str | None = None


def copies(views: Views, language: str, notice: EstateNotice) -> list[Copy]:
    """What a resident is sent: the notice, or with a photo the photo captioned with the
    notice and its taps; a notice too long for Telegram's caption limit goes as the photo
    under its heading, then the notice in full with the taps (nothing cut)."""
    shown = screen(views, language, notice)
    if not notice.photo_file_id:
        return [Copy(shown)]
    if visible_length(shown.text) <= CAPTION_LIMIT:
        return [Copy(shown, notice.photo_file_id)]
    heading = fit(join("\n", _heading(views, language, notice)), CAPTION_LIMIT)
    return [Copy(Screen(heading), notice.photo_file_id), Copy(shown)]


def _heading(views: Views, language: str, notice: EstateNotice) -> list[Html]:
    t = views.t
    lines = [t(language, f"notice_board.header_{notice.kind}")]
    if notice.category:
        lines.append(
            t(
                language,
                "notice_board.about",
                category=f"{views.category(language, 'complaint', notice.category)}",
            )
        )
    if notice.starts_at and notice.ends_at:
        lines.append(
            t(
                language,
                "notice_board.period",
                start=views.moment(language, notice.starts_at),
                end=views.moment(language, notice.ends_at),
            )
        )
    return lines


async def publish(
    uow: UnitOfWork, views: Views, member: StaffMember, new: NewNotice, now: datetime
) -> int:
    """Store the notice and queue its copy for every registered resident it reaches, not
    before its time; how many residents it reaches."""
    repo = IncidentRepository(uow.session)
    notice = await repo.add_notice(
        EstateNotice(
            estate_id=member.estate_id,
            staff_id=member.id,
            scope=new.scope.value,
            target=new.target,
            kind=new.kind.value,
            category=new.category,
            text=new.text,
            photo_file_id=new.photo_file_id,
            send_at=new.send_at,
            starts_at=new.starts_at,
            ends_at=new.ends_at,
            created_at=now,
        )
    )
    readers = await repo.readers(member.estate_id, new.scope.value, new.target)
    for _resident_id, chat_id, language in readers:
        for copy in copies(views, language, notice):
            uow.outbox.add(
                chat_id=chat_id,
                text=copy.screen.text,
                reply_markup=copy.screen.keyboard(),
                photo_file_id=copy.photo,
                purpose=PURPOSE,
                now=now,
                not_before=max(new.send_at, now),
            )
    return len(readers)


async def answer(
    uow: UnitOfWork,
    notifier: Notifier,
    resident: ResidentCard,
    notice_id: int,
    choice: NoticeAnswer,
    *,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
) -> Filed | bool:
    """*This affects me* is counted; *Still a problem* files an item about the notice's
    fault (joining the notice's incident while its works or outage run). False: no such
    notice for this resident's estate; True: counted, or already answered."""
    repo = IncidentRepository(uow.session)
    notice = await repo.notice(notice_id)
    if notice is None or notice.estate_id != resident.estate_id:
        return False
    fresh = await repo.reply(notice.id, resident.id, choice.value, now)
    if choice is NoticeAnswer.AFFECTS or not fresh:
        return True
    categories = policy.categories.complaint
    category = notice.category if notice.category in categories else None
    category = category or ("other" if "other" in categories else categories[0])
    draft = Draft(
        kind=TicketKind.COMPLAINT,
        description=notice.text[:1000],
        category=category,
        location_kind=LocationKind.OWN_UNIT,
    )
    return await file_ticket(
        uow, notifier, resident=resident, draft=draft, policy=policy, tz=tz, now=now
    )
