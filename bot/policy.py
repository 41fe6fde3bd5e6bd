"""The policy file: house rules that differ between companies, validated at start."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from bot.config import ConfigError
from bot.domain.deadlines import Rules, ServiceClock
from bot.domain.emergencies import Emergency, Paging
from bot.domain.kinds import kinds, request_type
from bot.domain.references import normalise_prefix
from bot.domain.routing import Ownership
from bot.domain.staff import Department, Role
from bot.domain.tickets import Severity, TicketKind
from bot.files import read_toml

# The one rule for prefixes (bot.domain.references), applied as the policy is read.
ReferencePrefix = Annotated[str, AfterValidator(normalise_prefix)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DialoguePolicy(_Strict):
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_photos: int = Field(default=5, ge=0, le=10)
    max_text_chars: int = Field(default=2000, ge=50, le=3500)
    max_requested_days: int = Field(default=365, ge=1)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)


class SeverityPromise(_Strict):
    """One row of the house's table: who hears at once, who handles, the two promises."""

    notify: list[Role] = Field(default_factory=list)
    handled_by: Role | None = None  # handed the item at once: assignee, with the card
    first_answer_hours: float = Field(gt=0)
    resolve_hours: float = Field(gt=0)
    extension_approved_by: Role
    visit_by: Role | None = None  # not satisfied at follow-up: an in-person visit by
    review_by: Role | None = None  # checks every result before the resident hears it

    @property
    def first_answer(self) -> timedelta:
        return timedelta(hours=self.first_answer_hours)

    @property
    def resolve(self) -> timedelta:
        return timedelta(hours=self.resolve_hours)

    @model_validator(mode="after")
    def _answer_before_resolution(self) -> SeverityPromise:
        if self.first_answer_hours > self.resolve_hours:
            raise ValueError("first_answer_hours is later than resolve_hours")
        return self


class Categories(_Strict):
    complaint: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Categories:
        if len(set(self.complaint)) != len(self.complaint):
            raise ValueError("complaint categories repeat")
        return self


class OwnershipPolicy(_Strict):
    """首问责任制: who owns an item filed in the bot, and who takes it when nobody does."""

    zone_owner_role: Role = Role.BUTLER
    fallback_department: Department = Department.CUSTOMER_SERVICE
    fallback_roles: list[Role] = Field(
        default_factory=lambda: [Role.AGENT, Role.SUPERVISOR], min_length=1
    )
    cannot_judge: Role = Role.SENIOR_BUTLER  # classifies what the desk cannot judge
    suggestions_to: list[Role] = Field(default_factory=lambda: [Role.SENIOR_BUTLER])

    @property
    def rule(self) -> Ownership:
        return Ownership(
            zone_owner_role=self.zone_owner_role,
            fallback_department=self.fallback_department,
            fallback_roles=frozenset(self.fallback_roles),
        )


class DeadlinePolicy(_Strict):
    """Reminders and the escalation ladder."""

    remind_at: float = Field(default=0.8, gt=0, lt=1)
    late_notify: list[Role] = Field(default_factory=lambda: [Role.SUPERVISOR])
    twice_late_notify: list[Role] = Field(default_factory=lambda: [Role.SENIOR_BUTLER])
    twice_late_major_notify: list[Role] = Field(
        default_factory=lambda: [Role.CHIEF_BUTLER, Role.PROJECT_HEAD]
    )
    escalation_chain: list[Role] = Field(
        default_factory=lambda: [Role.BUTLER, Role.SENIOR_BUTLER, Role.CHIEF_BUTLER],
        min_length=2,
    )
    major_after_days: int = Field(default=30, ge=1)
    # A resident's own "solve by" date replaces the resolve time, up to this many days.
    resident_date_max_days: int = Field(default=14, ge=1)
    report_back_hours: float | None = Field(default=None, gt=0)
    sweep_seconds: int = Field(default=20, ge=1, le=3600)

    @model_validator(mode="after")
    def _resident_date_before_the_upgrade(self) -> DeadlinePolicy:
        # A date the resident asked for must not make their complaint major before it.
        if self.resident_date_max_days >= self.major_after_days:
            raise ValueError("resident_date_max_days must be less than major_after_days")
        return self

    @property
    def resident_date_longest(self) -> timedelta:
        return timedelta(days=self.resident_date_max_days)


class FollowupPolicy(_Strict):
    """回访: asking residents whether it was solved, and reopening when it was not."""

    after_days: int = Field(default=1, ge=0, le=30)
    at: time = time(10, 0)
    remind_after_hours: float = Field(default=24, gt=0)
    close_after_hours: float = Field(default=48, gt=0)
    reopen_at_or_below: int = Field(default=2, ge=1, le=5)
    reopen_window_days: int = Field(default=7, ge=1)
    visit_days: float = Field(default=3, gt=0)


class ConciergePolicy(_Strict):
    """Orders from the service catalogue (委托代办)."""

    remind_before_hours: list[float] = Field(default_factory=lambda: [24.0, 2.0])
    birthday_escort: Role = Role.SENIOR_BUTLER
    wishes_at: time = time(9, 0)
    # A cancelled order's prepayment is back with the resident within this many days: the
    # cancellation tells them the date.
    refund_days: int = Field(default=3, ge=0, le=60)


class RepairPolicy(_Strict):
    """Repair requests (报修)."""

    visit_slots: list[str] = Field(
        default_factory=lambda: ["09:00-12:00", "14:00-17:00", "18:00-20:00"], min_length=1
    )
    visit_days: int = Field(default=3, ge=1, le=14)
    followup_days: dict[str, int] = Field(
        default_factory=lambda: {"safety_facility": 2, "water_leak": 3, "other": 2}
    )

    @model_validator(mode="after")
    def _slots(self) -> RepairPolicy:
        for slot in self.visit_slots:
            if not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", slot):
                raise ValueError(f"visit slot {slot!r} is not like 09:00-12:00")
        if "other" not in self.followup_days:
            raise ValueError("followup_days needs 'other'")
        return self


class FreeTextPolicy(_Strict):
    """What a resident types, photographs or says outside a dialogue: the kinds it looks
    like, by keywords (both languages, matched in lower case anywhere in the text). Keys:
    a kind ("repair") or a kind and one of its categories ("repair.plumbing",
    "complaint.fees"). None listed: every kind is offered in the menu's order."""

    keywords: dict[str, list[str]] = Field(default_factory=dict)
    voice_max_seconds: int = Field(default=120, ge=5, le=600)  # longest voice note taken


class ReportPolicy(_Strict):
    """The pushed reports, the analysis, the survey, the handover book and the ledger."""

    weekly_day: int = Field(default=0, ge=0, le=6)  # 0 = Monday
    weekly_at: time = time(9, 0)
    weekly_to: list[Role] = Field(
        default_factory=lambda: [Role.SENIOR_BUTLER, Role.CHIEF_BUTLER], min_length=1
    )
    monthly_day: int = Field(default=1, ge=1, le=28)
    monthly_at: time = time(9, 0)
    monthly_to: list[Role] = Field(
        default_factory=lambda: [Role.SENIOR_BUTLER, Role.CHIEF_BUTLER, Role.PROJECT_HEAD],
        min_length=1,
    )
    sign_off_by: Role = Role.CHIEF_BUTLER  # whose acknowledgement signs the report off
    repeat_times: int = Field(default=3, ge=2)
    repeat_days: int = Field(default=30, ge=1)
    followup_quotas: dict[Role, int] = Field(
        default_factory=lambda: {Role.SENIOR_BUTLER: 3, Role.PROJECT_HEAD: 1}
    )
    survey_questions: list[str] = Field(
        default_factory=lambda: ["overall", "service", "cleanliness", "security", "repairs"],
        min_length=1,
        max_length=10,
    )
    ledger_at: time = time(21, 0)  # the day's ledger goes to the duty supervisor
    ledger_to: list[Role] = Field(default_factory=lambda: [Role.SUPERVISOR], min_length=1)
    # … and to the staff on duty: one of each signs it (工作台帐: duty staff and supervisor)
    ledger_duty: list[Role] = Field(
        default_factory=lambda: [Role.AGENT, Role.BUTLER], min_length=1
    )
    handover_signed_by: Role = Role.SENIOR_BUTLER  # signs each day's handover book
    # An export of more rows than this says so first ("about N rows…").
    export_notice_rows: int = Field(default=5000, ge=0)
    shifts: dict[str, str] = Field(
        default_factory=lambda: {"day": "08:00-20:00", "night": "20:00-08:00"}, min_length=1
    )

    @model_validator(mode="after")
    def _shifts(self) -> ReportPolicy:
        for name, span in self.shifts.items():
            if not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", span):
                raise ValueError(f"shift {name!r}: {span!r} is not like 08:00-20:00")
        return self


class FloodPolicy(_Strict):
    """A person sending more than `updates` updates within `seconds` gets one polite notice,
    and nothing they send is acted on until their pace falls back under the limit."""

    updates: int = Field(default=20, ge=1, le=10_000)
    seconds: float = Field(default=10, gt=0, le=3600)

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.seconds)


class ProcessPolicy(_Strict):
    """Several processes on one PostgreSQL: one consumes updates under a lease; a standby
    takes over within `takeover_seconds` of its death (the lease runs out after
    `lease_seconds`, and standbys try for it every `renew_seconds`, as the holder renews)."""

    lease_seconds: float = Field(default=10, gt=0, le=600)
    renew_seconds: float = Field(default=3, gt=0, le=60)
    takeover_seconds: float = Field(default=15, gt=0, le=900)

    @model_validator(mode="after")
    def _in_time(self) -> ProcessPolicy:
        if self.renew_seconds * 2 > self.lease_seconds:
            raise ValueError("renew_seconds must be at most half of lease_seconds")
        if self.lease_seconds + self.renew_seconds > self.takeover_seconds:
            raise ValueError("lease_seconds + renew_seconds must not exceed takeover_seconds")
        return self

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


# A kind's next-morning time: one for every severity, or one per severity ("default": the
# severities the table does not name).
MorningTimes = time | dict[Severity | Literal["default"], time]


def _mornings() -> dict[TicketKind, MorningTimes]:
    return {
        TicketKind.COMPLAINT: time(9, 0),
        TicketKind.SUGGESTION: time(10, 0),
        TicketKind.REPAIR: time(9, 0),
        TicketKind.CONCIERGE: time(9, 0),
    }


class DutyPolicy(_Strict):
    """Round the clock (24小时值班): which shift is the day, what the night promises, and
    how late messages are bundled and escalations acknowledged. The shifts' times are
    [reports] shifts; the roster is set with /duty."""

    day_shift: str = "day"  # the shift of [reports] shifts that is the day; the rest is night
    # Filed at night: the first answer is promised for this local time of the next morning,
    # per kind: one time for every severity, or a table by severity (see `morning_at`).
    next_morning: dict[TicketKind, MorningTimes] = Field(default_factory=_mornings)
    # More than this many late items for one person in one sweep: one digest instead.
    digest_over: int = Field(default=3, ge=1)
    morning_digest_at: time = time(8, 30)
    # An escalation to a manager not marked Seen within this many minutes goes up a rung.
    seen_minutes: int = Field(default=30, ge=1)

    def morning_at(self, kind: str, severity: str | None) -> time | None:
        """The next morning's time promised for an item of `kind` and `severity` (unset:
        general) filed at night: the kind's time, or its table's entry for the severity,
        else the table's "default"; None (the usual promise) for a kind or a severity the
        policy does not name."""
        found = self.next_morning.get(kind)  # type: ignore[call-overload]
        if not isinstance(found, dict):
            return found
        level = Severity(severity) if severity else Severity.GENERAL
        return found.get(level, found.get("default"))


class ClockPolicy(_Strict):
    """Opening hours for the clocks (optional): with none, promises run day and night."""

    opens: time | None = None
    closes: time | None = None
    closed_days: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _both_or_none(self) -> ClockPolicy:
        if (self.opens is None) != (self.closes is None):
            raise ValueError("give both opens and closes, or neither")
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class StaffPolicy(_Strict):
    invite_hours: int = Field(default=72, ge=1, le=24 * 30)
    sign_with_name: bool = False
    # Access beyond one's remit, once both approvers said yes, runs this long.
    access_hours: float = Field(default=24, gt=0, le=24 * 30)


class IncidentPolicy(_Strict):
    """Many reports of one fault: `reports` of the same category in the same building within
    `within_minutes` offer the desk to link them into one incident."""

    reports: int = Field(default=3, ge=2, le=100)
    within_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)

    @property
    def within(self) -> timedelta:
        return timedelta(minutes=self.within_minutes)


class DoctorPolicy(_Strict):
    """What `python -m bot doctor` calls late: a queued message or an alarm still waiting
    this long after its time means no process is sending or sweeping."""

    outbox_late_minutes: int = Field(default=10, ge=1, le=7 * 24 * 60)
    alarm_late_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)


class WebAppPolicy(_Strict):
    """The managers' Mini App. Telegram signs the launch data with its time (`auth_date`);
    the API takes it for this long after, so a launch string that leaked (a screenshot, a
    log) stops opening the registry; a reader past it reopens the app from the chat."""

    auth_max_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)

    @property
    def auth_max_age(self) -> timedelta:
        return timedelta(minutes=self.auth_max_minutes)


def _emergencies() -> dict[str, EmergencyWords]:
    """The house's emergencies (突发事件) and the words that name them, both languages."""
    words = {
        "gas": (
            "facilities",
            ["gas", "smell of gas", "gas leak", "煤气", "燃气", "天然气"],
        ),
        "fire": (
            "security",
            ["fire", "smoke", "burning", "起火", "着火", "失火", "火灾", "冒烟", "烟雾"],
        ),
        "flood": (
            "facilities",
            [
                "flood",
                "flooding",
                "flooded",
                "burst pipe",
                "pipe burst",
                "爆管",
                "水管爆裂",
                "淹水",
                "水淹",
            ],
        ),
        "lift": (
            "facilities",
            [
                "trapped in the lift",
                "stuck in the lift",
                "trapped in a lift",
                "stuck in a lift",
                "trapped in the elevator",
                "stuck in the elevator",
                "电梯困人",
                "困在电梯",
                "被困电梯",
                "关在电梯",
            ],
        ),
        "power": (
            "facilities",
            [
                "power cut",
                "power outage",
                "blackout",
                "整栋停电",
                "整栋楼停电",
                "全楼停电",
                "大面积停电",
            ],
        ),
        "injury": (
            "incident",
            [
                "hurt",
                "injured",
                "bleeding",
                "unconscious",
                "ambulance",
                "受伤",
                "流血",
                "昏迷",
                "晕倒",
                "急救",
            ],
        ),
    }
    return {
        code: EmergencyWords(category=category, keywords=keywords)
        for code, (category, keywords) in words.items()
    }


class EmergencyWords(_Strict):
    """One emergency: the words that name it (any language, matched in what people type)
    and the complaint category it becomes when a tap says it was not an emergency and the
    free-text keywords name no other kind or category (bot.domain.emergencies.ordinary)."""

    keywords: list[str] = Field(min_length=1)
    category: str = "other"


class EmergencyPolicy(_Strict):
    """突发事件: answered at once, filed at once, the staff on duty paged until one is on
    the way, and up the chain when nobody answers."""

    kinds: dict[str, EmergencyWords] = Field(default_factory=_emergencies, min_length=1)
    page_every_minutes: float = Field(default=5, gt=0)
    escalate_after_pages: int = Field(default=2, ge=1)
    page_departments: list[Department] = Field(
        default_factory=lambda: [Department.SECURITY, Department.ENGINEERING], min_length=1
    )
    page_roles: list[Role] = Field(default_factory=lambda: [Role.SUPERVISOR])
    chain: list[Role] = Field(
        default_factory=lambda: [Role.SENIOR_BUTLER, Role.CHIEF_BUTLER], min_length=1
    )
    answer_minutes: float = Field(default=15, gt=0)

    @property
    def answer(self) -> timedelta:
        return timedelta(minutes=self.answer_minutes)

    def listed(self) -> list[Emergency]:
        return [
            Emergency(code, tuple(entry.keywords), entry.category)
            for code, entry in self.kinds.items()
        ]

    def paging(self) -> Paging:
        return Paging(
            every=timedelta(minutes=self.page_every_minutes),
            escalate_after=self.escalate_after_pages,
            departments=tuple(self.page_departments),
            roles=tuple(self.page_roles),
            chain=tuple(self.chain),
        )


class Policy(_Strict):
    dialogue: DialoguePolicy = DialoguePolicy()
    emergencies: EmergencyPolicy = EmergencyPolicy()
    # A kind the file does not name numbers with its registry entry's prefix.
    references: dict[TicketKind, ReferencePrefix] = Field(default_factory=dict)
    categories: Categories
    severity: dict[Severity, SeverityPromise]
    routing: dict[str, Department] = Field(default_factory=dict)
    ownership: OwnershipPolicy = OwnershipPolicy()
    deadlines: DeadlinePolicy = DeadlinePolicy()
    followup: FollowupPolicy = FollowupPolicy()
    clock: ClockPolicy = ClockPolicy()
    concierge: ConciergePolicy = ConciergePolicy()
    repairs: RepairPolicy = RepairPolicy()
    reports: ReportPolicy = ReportPolicy()
    duty: DutyPolicy = DutyPolicy()
    staff: StaffPolicy = StaffPolicy()
    free_text: FreeTextPolicy = FreeTextPolicy()
    incidents: IncidentPolicy = IncidentPolicy()
    flood: FloodPolicy = FloodPolicy()
    processes: ProcessPolicy = ProcessPolicy()
    doctor: DoctorPolicy = DoctorPolicy()
    webapp: WebAppPolicy = WebAppPolicy()

    def department_for(self, category: str | None) -> Department:
        """Unrouted categories go to the customer-service desk: nobody refuses an item."""
        return self.routing.get(category or "", Department.CUSTOMER_SERVICE)

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        missing = [s.value for s in Severity if s not in self.severity]
        if missing:
            raise ValueError(f"severity promises missing for {', '.join(missing)}")
        prefixes = [self.prefix(k.code) for k in kinds()]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("reference prefixes must differ per kind")
        unknown = sorted(set(self.routing) - set(self.categories.complaint))
        if unknown:
            raise ValueError(f"routing names unknown categories: {', '.join(unknown)}")
        strays = sorted(
            {e.category for e in self.emergencies.kinds.values()} - set(self.categories.complaint)
        )
        if strays:
            raise ValueError(f"emergencies name unknown categories: {', '.join(strays)}")
        if self.duty.day_shift not in self.reports.shifts:
            raise ValueError(f"duty.day_shift {self.duty.day_shift!r} is not in reports.shifts")
        return self

    def prefix(self, kind: str) -> str:
        """How this kind's references start: the policy's prefix, else the registry's."""
        found = self.references.get(TicketKind(kind))
        return found if found is not None else request_type(kind).prefix

    def promise(self, severity: Severity | None) -> SeverityPromise:
        """Until staff classify an item it carries the general promise."""
        return self.severity[severity or Severity.GENERAL]

    def service_clock(self, tz: ZoneInfo) -> ServiceClock:
        return ServiceClock(
            tz, self.clock.opens, self.clock.closes, frozenset(self.clock.closed_days)
        )

    def alarm_rules(self, tz: ZoneInfo) -> Rules:
        return Rules(
            remind_at=self.deadlines.remind_at,
            major_after=timedelta(days=self.deadlines.major_after_days),
            followup_days=self.followup.after_days,
            followup_at=self.followup.at,
            followup_remind_after=timedelta(hours=self.followup.remind_after_hours),
            followup_close_after=timedelta(hours=self.followup.close_after_hours),
            tz=tz,
            service_reminders=tuple(
                timedelta(hours=h) for h in self.concierge.remind_before_hours
            ),
            wishes_at=self.concierge.wishes_at,
        )


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file, failing with one readable line."""
    raw = read_toml(path, "policy file")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"policy file {path}: {where}: {message}") from None
