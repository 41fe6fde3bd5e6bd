"""First contact and profile edits.

A newcomer is greeted in the language Telegram reports (one tap switches it), shares their
contact (phone, and the name on it), types their home as "3-1202" and confirms: four
interactions with /start. The building, floor and unit pickers stay for those who cannot
type the home; the summary has a button per field, each returning to it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.domain.estate import BuildingPlan, parse_unit_input
from bot.domain.validation import Invalid, clean_name, clean_phone
from bot.i18n import LANGUAGES
from bot.services.residents import (
    Profile,
    UnknownUnit,
    birthday_wishes,
    people_birthdays,
    profile_of,
    save_profile,
)
from bot.views.followup import WITHDRAW, Wishes, WishesTap
from handlers import dialogue
from handlers.common import PRIVATE, hotline_lines, note_expired, remind_dialogue
from handlers.dialogue import (
    Flow,
    StaleState,
    Step,
    button,
    goto,
    keep_state,
    reprompt,
    state,
    tapped,
    text_step,
)
from handlers.feature import Feature
from handlers.free_text import FirstMessage, offer_filing
from handlers.keyboards import contact_keyboard, grid
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "onboarding"
PROFILE_MODE = "profile"
SMALL_BUILDING = 12


class ProfileField(StrEnum):
    """What a resident may change from /profile, and the dialogue step that asks it."""

    NAME = "name"
    UNIT = "unit"
    PHONE = "phone"
    LANGUAGE = "lang"

    @property
    def step(self) -> str:
        return {"name": "name", "unit": "building", "phone": "phone", "lang": "language"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class ProfileTap(CallbackData, prefix="pf"):
    field: ProfileField


@dataclass(frozen=True, slots=True)
class LanguageTap(CallbackData, prefix="lg"):
    """The greeting's and the summary's language switch: good at any step of registering."""

    language: str


@dataclass(slots=True)
class Onboarding:
    """The profile being entered: a newcomer's, or (mode "profile") one field of a
    resident's, the rest prefilled from their profile."""

    mode: str | None = None
    language: str | None = None
    name: str | None = None
    building: str | None = None  # the building's code
    floor: str | None = None
    unit: str | None = None
    phone: str | None = None
    fixing: bool = False  # changing one field from the summary: back to it once done
    first: FirstMessage | None = None  # a newcomer's first message, offered once done

    @property
    def editing(self) -> bool:
        return self.mode == PROFILE_MODE


def _kept(turn: Turn) -> Onboarding:
    return state(turn, Onboarding)


def _building(turn: Turn) -> BuildingPlan | None:
    return turn.desk.estate.building(_kept(turn).building or "")


async def _advance(turn: Turn, kept: Onboarding, next_step: str) -> None:
    """Keep what was entered and move on; when editing one profile field, save as soon as
    that field is complete."""
    if kept.fixing and next_step in ("name", "building", "phone", "confirm"):
        kept.fixing, next_step = False, "confirm"
    keep_state(turn, kept)
    if kept.editing and next_step in ("name", "building", "phone", "confirm"):
        await _save(turn, welcome=False)
        return
    if next_step == "name" and kept.name is not None:
        next_step = "building"
    await goto(turn, next_step)


# --- language ----------------------------------------------------------------------------
async def ask_language(turn: Turn) -> None:
    buttons = [button(turn, turn.t(f"language.{code}"), code) for code in LANGUAGES]
    turn.reply(turn.t("profile.ask_language"), grid(buttons, 2))  # from /profile only


async def on_language(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    if choice is None and inp.kind is InputKind.TEXT:
        typed = (inp.text or "").strip()
        choice = next((c for c in LANGUAGES if typed == turn.t(f"language.{c}")), None)
    if choice not in LANGUAGES:
        await reprompt(turn, "invalid.use_buttons")
        return
    turn.language = choice
    kept = _kept(turn)
    kept.language = choice
    turn.edit(turn.t("onboarding.language_set"))
    await _advance(turn, kept, "confirm" if kept.editing else "name")


def _switches(turn: Turn) -> list[InlineKeyboardButton]:
    """A button for each other language, named in that language."""
    return [
        InlineKeyboardButton(
            turn.desk.t(code, f"language.{code}"), callback_data=LanguageTap(code).pack()
        )
        for code in LANGUAGES
        if code != turn.language
    ]


def _greeting(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    """The welcome, with the 24-hour hotline and the office (for anyone, registered or
    not), and the language switch."""
    text = turn.t("onboarding.greeting") + "\n\n" + hotline_lines(turn)
    return text, InlineKeyboardMarkup([_switches(turn)])


@entry
async def switch_language(turn: Turn) -> None:
    """The language switch: the greeting (or the summary) redrawn in the language chosen,
    and the question on screen asked again in it."""
    query = turn.update.callback_query
    tap = LanguageTap.unpack(query.data if query else None)
    state = turn.dialogue
    if tap is None or tap.language not in LANGUAGES or state is None or state.flow != FLOW:
        turn.answer(turn.t("common.stale_button"))
        return
    turn.language = tap.language
    kept = _kept(turn)
    kept.language = tap.language
    keep_state(turn, kept)
    if state.step == "confirm":
        turn.edit(_summary(turn), _confirm_markup(turn))
        return
    turn.edit(*_greeting(turn))
    await dialogue.prompt_again(turn)


# --- name ----------------------------------------------------------------------------------
async def on_name(turn: Turn, name: str) -> None:
    kept = _kept(turn)
    kept.name = name
    await _advance(turn, kept, "building")


# --- building, floor, unit -----------------------------------------------------------------
async def ask_building(turn: Turn) -> None:
    buttons = [button(turn, b.name, b.code) for b in turn.desk.estate.buildings]
    turn.reply(turn.t("onboarding.ask_building"), grid(buttons, 3))


async def on_building(turn: Turn, inp: Input) -> None:
    estate = turn.desk.estate
    code = tapped(turn, inp)
    if code is None and inp.kind is InputKind.TEXT:
        typed = (inp.text or "").strip()
        address = parse_unit_input(typed, estate)
        if address is not None:
            kept = _kept(turn)
            kept.building, kept.unit = address[0].code, address[1]
            await _advance(turn, kept, "confirm")
            return
        match = estate.building(typed) or next(
            (b for b in estate.buildings if b.name == typed), None
        )
        code = match.code if match else None
    building = estate.building(code or "")
    if building is None:
        await reprompt(turn, "invalid.building")
        return
    kept = _kept(turn)
    kept.building, kept.floor = building.code, None
    keep_state(turn, kept)
    turn.edit(turn.t("onboarding.building_chosen", building=turn.esc(building.name)))
    await goto(turn, "unit" if len(building.units) <= SMALL_BUILDING else "floor")


async def ask_floor(turn: Turn) -> None:
    building = _building(turn)
    assert building is not None
    buttons = [button(turn, floor, floor) for floor in building.floors()]
    turn.reply(turn.t("onboarding.ask_floor", building=turn.esc(building.name)), grid(buttons, 6))


async def _typed_unit(turn: Turn, inp: Input, building: BuildingPlan) -> bool:
    unit = (inp.text or "").strip().upper() if inp.kind is InputKind.TEXT else ""
    if unit in building.units:
        kept = _kept(turn)
        kept.unit = unit
        await _advance(turn, kept, "confirm")
        return True
    return False


async def on_floor(turn: Turn, inp: Input) -> None:
    building = _building(turn)
    assert building is not None
    floor = tapped(turn, inp)
    if floor is None and await _typed_unit(turn, inp, building):
        return
    if (
        floor is None
        and inp.kind is InputKind.TEXT
        and (inp.text or "").strip() in building.floors()
    ):
        floor = (inp.text or "").strip()
    if floor not in building.floors():
        await reprompt(turn, Invalid("invalid.unit", {"building": building.name}))
        return
    kept = _kept(turn)
    kept.floor = floor
    keep_state(turn, kept)
    turn.edit(turn.t("onboarding.floor_chosen", floor=turn.esc(floor)))
    await goto(turn, "unit")


async def ask_unit(turn: Turn) -> None:
    building = _building(turn)
    assert building is not None
    floor = _kept(turn).floor
    units = building.units_on(floor) if floor else list(building.units)
    buttons = [button(turn, unit, unit) for unit in units]
    turn.reply(turn.t("onboarding.ask_unit", building=turn.esc(building.name)), grid(buttons, 4))


async def on_unit(turn: Turn, inp: Input) -> None:
    building = _building(turn)
    assert building is not None
    unit = tapped(turn, inp)
    if unit is None:
        if not await _typed_unit(turn, inp, building):
            await reprompt(turn, Invalid("invalid.unit", {"building": building.name}))
        return
    if unit not in building.units:
        await reprompt(turn, Invalid("invalid.unit", {"building": building.name}))
        return
    kept = _kept(turn)
    kept.unit = unit
    turn.edit(turn.t("onboarding.unit_chosen", building=turn.esc(building.name), unit=unit))
    await _advance(turn, kept, "confirm")


# --- phone -----------------------------------------------------------------------------------
async def ask_phone(turn: Turn) -> None:
    turn.reply(turn.t("onboarding.ask_phone"), contact_keyboard(turn))


async def on_phone(turn: Turn, inp: Input) -> None:
    if inp.kind is InputKind.CONTACT:
        if not inp.contact_is_own:
            await reprompt(turn, "invalid.contact_not_own")
            return
        raw = inp.phone or ""
        phone = clean_phone(raw if raw.startswith("+") else f"+{raw}")
    elif inp.kind is InputKind.TEXT:
        phone = clean_phone(inp.text)
    else:
        await reprompt(turn, "invalid.phone_input")
        return
    if isinstance(phone, Invalid):
        await reprompt(turn, phone)
        return
    kept = _kept(turn)
    kept.phone = phone
    if inp.kind is InputKind.CONTACT and kept.name is None and inp.contact_name:
        name = clean_name(inp.contact_name)  # offered: the summary lets them change it
        kept.name = name if isinstance(name, str) else None
    turn.reply(turn.t("onboarding.phone_saved", phone=phone), ReplyKeyboardRemove())
    await _advance(turn, kept, "name")


# --- confirmation ---------------------------------------------------------------------------
def _summary(turn: Turn) -> str:
    kept = _kept(turn)
    building = _building(turn)
    return turn.t(
        "onboarding.summary",
        name=turn.esc(kept.name or ""),
        building=turn.esc(building.name if building else ""),
        unit=turn.esc(kept.unit or ""),
        phone=turn.esc(kept.phone or ""),
        language=turn.t(f"language.{turn.language}"),
    )


FIXES = {"name": "name", "unit": "building", "phone": "phone"}  # summary button: its step


def _confirm_markup(turn: Turn) -> InlineKeyboardMarkup:
    fixes = [button(turn, turn.t(f"onboarding.fix_{f}"), f) for f in FIXES]
    return InlineKeyboardMarkup(
        [[button(turn, turn.t("button.confirm"), "yes")], fixes, _switches(turn)]
    )


async def ask_confirm(turn: Turn) -> None:
    turn.reply(_summary(turn), _confirm_markup(turn))


async def on_confirm(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    if choice in FIXES:
        kept = _kept(turn)
        kept.fixing = True
        keep_state(turn, kept)
        turn.edit(_summary(turn))
        await goto(turn, FIXES[choice])
        return
    if choice != "yes":
        await reprompt(turn, "invalid.use_buttons")
        return
    turn.edit(_summary(turn))
    await _save(turn, welcome=True)


async def _save(turn: Turn, *, welcome: bool) -> None:
    kept = _kept(turn)
    if kept.name is None or kept.building is None or kept.unit is None or kept.phone is None:
        raise StaleState("a profile without all its parts")
    profile = Profile(
        name=kept.name,
        building=kept.building,
        unit=kept.unit,
        phone=kept.phone,
        language=turn.language,
    )
    try:
        turn.resident = await save_profile(
            turn.uow,
            estate_code=turn.desk.estate.code,
            telegram_user_id=turn.user_id,
            chat_id=turn.chat_id,
            profile=profile,
            now=turn.now,
        )
    except UnknownUnit:
        kept.unit = None
        keep_state(turn, kept)
        turn.reply(turn.t("invalid.unit_gone"))
        await goto(turn, "building")
        return
    turn.end()
    if welcome:
        turn.reply(turn.t("onboarding.done", name=turn.esc(profile.name)), main_menu(turn))
        if kept.first:
            await offer_filing(turn, kept.first.input())
    else:
        turn.reply(turn.t("profile.saved"), main_menu(turn))
        await show_profile(turn)


# --- /profile ---------------------------------------------------------------------------------
async def show_profile(turn: Turn) -> None:
    assert turn.resident is not None
    profile = profile_of(turn.resident)
    building = turn.desk.estate.building(profile.building)
    text = turn.t(
        "profile.show",
        name=turn.esc(profile.name),
        building=turn.esc(building.name if building else profile.building),
        unit=turn.esc(profile.unit),
        phone=turn.esc(profile.phone),
        language=turn.t(f"language.{profile.language}"),
    )
    buttons = [
        InlineKeyboardButton(
            turn.t(f"profile.edit_{field.value}"), callback_data=ProfileTap(field).pack()
        )
        for field in ProfileField
    ]
    wishes = await birthday_wishes(turn.uow, turn.resident.id)
    theirs = await people_birthdays(turn.uow, turn.resident.id)
    if wishes is not None:  # asked for with a birthday order; withdrawn here
        text += "\n" + turn.t("profile.wishes_on", day=turn.short_day(wishes))
    for whom, day in theirs:  # someone else's cake: their birthday, not the resident's
        text += "\n" + turn.t("profile.wishes_for", whom=turn.esc(whom), day=turn.short_day(day))
    if wishes is not None or theirs:
        withdraw = WishesTap(Wishes.NO, WITHDRAW).pack()
        buttons.append(
            InlineKeyboardButton(turn.t("profile.wishes_withdraw"), callback_data=withdraw)
        )
    turn.reply(text, grid(buttons, 2))


@entry
async def profile(turn: Turn) -> None:
    """Show the resident's profile with buttons to change each part."""
    note_expired(turn)
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        await show_profile(turn)


@entry
async def edit_profile_field(turn: Turn) -> None:
    """A profile button: a one-field dialogue prefilled with the current profile."""
    query = turn.update.callback_query
    tap = ProfileTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
        await dialogue.prompt_again(turn)
        return
    profile = profile_of(turn.resident)
    kept = Onboarding(
        mode=PROFILE_MODE,
        name=profile.name,
        building=profile.building,
        unit=profile.unit,
        phone=profile.phone,
        language=profile.language,
    )
    await dialogue.begin(turn, FLOW, tap.field.step, kept)


async def start_onboarding(turn: Turn, first: FirstMessage | None = None) -> None:
    """Register a newcomer; `first`: the message they began with, kept to offer for filing
    once they are registered (handlers.free_text)."""
    turn.reply(*_greeting(turn))
    await dialogue.begin(turn, FLOW, "phone", Onboarding(first=first) if first else None)


FEATURE = Feature(
    "onboarding",
    handlers=(
        CommandHandler("profile", profile, filters=PRIVATE),
        CallbackQueryHandler(edit_profile_field, pattern=ProfileTap.pattern()),
        CallbackQueryHandler(switch_language, pattern=LanguageTap.pattern()),
    ),
    flows=(
        Flow(
            name=FLOW,
            steps={
                "language": Step(ask_language, on_language),
                "name": text_step(
                    "onboarding.ask_name", on_name, clean=lambda _, t: clean_name(t)
                ),
                "building": Step(ask_building, on_building),
                "floor": Step(ask_floor, on_floor),
                "unit": Step(ask_unit, on_unit),
                "phone": Step(ask_phone, on_phone),
                "confirm": Step(ask_confirm, on_confirm),
            },
        ),
    ),
)
