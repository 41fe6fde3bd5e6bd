"""A resident who just types, sends a photo (with or without a caption) or a voice note
outside a dialogue is never refused: the desk answers with what it looks like — a repair,
a complaint, a suggestion, an order, the likeliest first (bot.domain.guess, by the
policy's keywords), or an emergency (which one is asked next) — and one tap files it
with the message already as the description.
Only the questions still open are asked (for a repair: its type if not guessed, where,
when someone may come); nothing left open, it is filed at once.

The one entry point is `offer_filing(turn, inp)`: the fallbacks call it for a registered
resident's free message (after any emergency check and a reply about an item), and
registration calls it with a newcomer's first message once they are registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain import forms
from bot.domain.guess import guess
from bot.domain.questions import Answer
from bot.domain.repairs import RepairType
from bot.domain.tickets import TicketKind
from bot.domain.validation import Invalid, clean_text
from bot.htmltext import Html
from bot.services.filing import own_form
from handlers import complaint, dialogue, emergencies, form, menu, repairs
from handlers.dialogue import Flow, Step, button, keep_state, reprompt, state, tapped
from handlers.feature import Feature
from handlers.keyboards import grid
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn

FLOW = "free_text"
NONE = "none"
EMERGENCY = "emergency"  # chosen as an emergency: which one is asked next
# The desk's own forms a free message may begin; an order goes to the order menu.
FLOWS = {
    TicketKind.REPAIR: repairs.FLOW,
    TicketKind.COMPLAINT: complaint.COMPLAINT,
    TicketKind.SUGGESTION: complaint.SUGGESTION,
}
MENU_OF_ORDERS = "menu.order"


@dataclass(slots=True)
class Message:
    """The free message kept while the resident chooses what it is."""

    text: str = ""
    photos: list[str] = field(default_factory=list)
    voice: str = ""
    voice_seconds: int = 0


@dataclass(slots=True)
class FirstMessage:
    """A newcomer's first message (text, photo or voice note), kept while they register and
    offered for filing once they are (its fields are the Input's, as stored before)."""

    kind: InputKind
    text: str | None = None
    photo_file_id: str | None = None
    voice_file_id: str | None = None
    voice_seconds: int = 0

    @classmethod
    def of(cls, inp: Input) -> FirstMessage | None:
        """The message if worth keeping, else None."""
        if inp.kind not in (InputKind.TEXT, InputKind.PHOTO, InputKind.VOICE):
            return None
        return cls(inp.kind, inp.text, inp.photo_file_id, inp.voice_file_id, inp.voice_seconds)

    def input(self) -> Input:
        """The kept message back as the input it was."""
        return Input(
            self.kind,
            text=self.text or None,
            photo_file_id=self.photo_file_id or None,
            voice_file_id=self.voice_file_id or None,
            voice_seconds=self.voice_seconds,
        )


def _add(turn: Turn, kept: Message, inp: Input) -> Invalid | None:
    """Add a message to what is kept (a second line of text, another photo, a voice)."""
    limit = turn.desk.policy.dialogue.max_text_chars
    if inp.kind is InputKind.VOICE:
        longest = turn.desk.policy.free_text.voice_max_seconds
        if inp.voice_seconds > longest:
            return Invalid("invalid.voice_too_long", {"max": longest})
        kept.voice, kept.voice_seconds = inp.voice_file_id or "", inp.voice_seconds
    room = len(kept.photos) < turn.desk.policy.dialogue.max_photos
    if inp.kind is InputKind.PHOTO and inp.photo_file_id and room:
        kept.photos.append(inp.photo_file_id)
    typed = (inp.text or "").strip()
    if typed:
        text = clean_text("\n".join(t for t in (kept.text, typed) if t), max_chars=limit)
        if isinstance(text, Invalid):
            return text
        kept.text = text
    return None


async def offer_filing(turn: Turn, inp: Input) -> None:
    """A resident's free message: offer to file it as what it looks like."""
    kept = Message()
    problem = _add(turn, kept, inp)
    if problem is not None:
        turn.reply(turn.t(problem.reason, **(problem.values or {})), main_menu(turn))
        return
    await dialogue.begin(turn, FLOW, "offer", kept)


def _kinds(turn: Turn) -> list[tuple[TicketKind, str | None]]:
    """The kinds offered, the likeliest first, with a category each names."""
    kept = state(turn, Message)
    offered = []
    for found in guess(kept.text, turn.desk.policy.free_text.keywords):
        no_orders = MENU_OF_ORDERS not in menu.ENTRIES or turn.desk.services is None
        if found.kind is TicketKind.CONCIERGE and no_orders:
            continue  # no service catalogue at this desk: nothing to order
        offered.append((found.kind, found.category))
    return offered


def _shown(turn: Turn, kept: Message) -> Html:
    parts: list[Html] = []
    if kept.text:
        parts.append(turn.esc(kept.text[:300]))
    if kept.photos:
        parts.append(turn.t("free.photos", count=len(kept.photos)))
    if kept.voice:
        parts.append(turn.esc(form.voice_text(turn, kept.voice_seconds)))
    return Html("\n").join(parts)


async def ask_offer(turn: Turn) -> None:
    kept = state(turn, Message)
    buttons = [
        button(turn, turn.t(f"free.kind_{kind.value}"), kind.value) for kind, _ in _kinds(turn)
    ]
    buttons.append(button(turn, turn.t("emergency.choose"), EMERGENCY))
    buttons.append(button(turn, turn.t("free.not_now"), NONE))
    turn.reply(turn.t("free.offer", message=_shown(turn, kept)), grid(buttons, 2))


async def on_offer(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    kept = state(turn, Message)
    if choice is None:
        if inp.kind is InputKind.BUTTON:
            await reprompt(turn, "invalid.use_buttons")
            return
        problem = _add(turn, kept, inp)  # more of the same message: kept with it
        if problem is not None:
            await reprompt(turn, problem)
            return
        keep_state(turn, kept)
        await dialogue.prompt_again(turn)
        return
    if choice == NONE:
        turn.edit(_shown(turn, kept))
        turn.end()
        turn.reply(turn.t("free.not_filed"), main_menu(turn))
        return
    if choice == EMERGENCY:
        turn.edit(_shown(turn, kept))
        turn.end()
        await emergencies.choose(turn, kept.text)
        return
    chosen = dict(_kinds(turn))
    kind = next((k for k in chosen if k.value == choice), None)
    if kind is None:
        await reprompt(turn, "invalid.use_buttons")
        return
    turn.edit(
        turn.t("free.chosen", kind=turn.t(f"free.kind_{kind.value}"), message=_shown(turn, kept))
    )
    turn.end()
    if kind not in FLOWS:
        await menu.run(turn, MENU_OF_ORDERS)  # an order's own form asks what it needs
        return
    await form.begin(
        turn, FLOWS[kind], own_form(kind, turn.desk.policy), _given(turn, kind, chosen[kind], kept)
    )


def _given(turn: Turn, kind: TicketKind, category: str | None, kept: Message) -> form.Asking:
    """The answers the message already gives; a repair's entry when nobody is home: no
    (the safe answer, changed by staff with the resident)."""
    answers: dict[str, Answer] = {forms.PHOTOS: list(kept.photos)}
    if kept.text:
        answers[forms.DESCRIPTION] = kept.text
    elif kept.voice:
        answers[forms.DESCRIPTION] = form.voice_text(turn, kept.voice_seconds)
    known = {
        TicketKind.REPAIR: [t.value for t in RepairType],
        TicketKind.COMPLAINT: list(turn.desk.policy.categories.complaint),
    }
    if category is not None and category in known.get(kind, []):
        answers[forms.CATEGORY] = category
    if kind is TicketKind.REPAIR:
        answers[forms.ENTER] = "no"
    return form.Asking(
        answers=answers,
        photos=list(kept.photos),
        quick=True,
        voice=kept.voice,
        voice_seconds=kept.voice_seconds,
    )


FEATURE = Feature(
    "free_text",
    flows=(Flow(FLOW, {"offer": Step(ask_offer, on_offer)}),),
)
