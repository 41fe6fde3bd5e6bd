"""Who reads each catalogue text: residents, staff, or both.

The words a text may use depend on its reader (bot.glossary): a resident is addressed as
您 / "you" and never called 业户 or "the resident"; staff read 业户 and "item". So every key
of the catalogues belongs to one audience, decided here and nowhere else, and the words
test (tests/unit/test_words.py) walks every key with it.

How it is decided, most specific first:

- an explicit key (`KEYS`), for a namespace that mixes readers (an order's messages to the
  resident beside its card for the concierge);
- the longest matching prefix (`PREFIXES`): a namespace is named after its reader where it
  can be (`resident.*` and `requests.*` to residents, `notice.*` and `card.*` to staff);
- BOTH otherwise. The guided forms (complaint, repair, order, the summary, the prompts that
  refuse an input) are read by residents and by staff registering for someone (`/new`),
  labels (status, kind, category, department) appear on a resident's list and a staff
  card alike: such texts must read right for either, so both sets of rules hold.

A key no rule names is BOTH, the strictest reading, so a new text is never let off.
"""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    BOTH = "both"

    def reaches_residents(self) -> bool:
        return self is not Audience.STAFF

    def reaches_staff(self) -> bool:
        return self is not Audience.RESIDENT


R, S, B = Audience.RESIDENT, Audience.STAFF, Audience.BOTH

PREFIXES: dict[str, Audience] = {
    # residents: their menu, registration, profile, their items and what they are told
    "menu.": B,  # staff who live here have the resident menu too
    "onboarding.": R,
    "profile.": R,
    "free.": R,
    "ticket.": R,  # acknowledgements of what a resident filed
    "requests.": R,  # My requests
    "timeline.": R,  # a resident's own timeline (staff read event.*)
    "resident.": R,
    "followup.": R,
    "relay.": S,
    "privacy.": S,
    "survey.": R,
    "notice_board.": S,
    "order.": B,  # the order form; the resident's messages and the card are named below
    "repair.": B,  # the repair form; likewise
    "emergency.": B,  # anyone who types an emergency is answered
    # staff: cards, their headlines, the desk's commands and reports
    "card.": S,
    "notice.": S,
    "staff.": S,
    "duty.": S,
    "registry.": S,
    "report.": S,
    "export.": S,
    "ledger.": S,
    "handover.": S,
    "dispatch.": S,
    "webapp.": S,
    "invite.": S,
    "access.": S,
    "intake.": S,
    "leaving.": S,
    "incident.": S,
    "event.": S,
    "steps.": S,
    "photos.": S,
    "role.": S,  # titles on staff lists; residents read role_word.*
    "role_word.": B,  # a role inside a sentence, to residents and staff alike
    "nature.": S,
    "severity.": S,
    "waiting.": S,
    "channel.": S,
    "call.": S,
    "command.": S,
    # both: labels and the forms' prompts
    "common.": B,
    "button.": B,
    "invalid.": B,
    "status.": B,
    "kind.": B,
    "category.": B,
    "department.": B,  # a resident hears who has their item now
    "flow.": B,
    "summary.": B,
    "edit.": B,
    "complaint.": B,
    "suggestion.": B,
    "help.": B,
    "language.": B,
    "voice.": B,
    "flood.": B,
}

_RESIDENT_KEYS = (
    "common.welcome_back",
    "common.register_first",
    "common.cancelled_onboarding",
    # an order: acknowledged, each step told, cancelled, birthday wishes
    "order.ack",
    "order.ask_wishes",
    "order.ask_wishes_for",
    "order.wishes_yes",
    "order.wishes_no",
    "order.wishes_kept",
    "order.wishes_declined",
    "order.birthday_wishes",
    "order.birthday_wishes_for",
    "order.cancel_button",
    "order.ask_cancel_reason",
    "order.cancel_heard",
    "order.cannot_cancel",
    "order.cancelled",
    "order.cancelled_unpaid",
    "order.confirmed",
    "order.confirmed_plain",
    "order.ordered",
    "order.out",
    "order.ready",
    "order.delivered",
    "order.settled",
    "order.settled_owing",
    "order.settled_refund",
    # a repair: the visit agreed, the work, the sign-off
    "repair.ack",
    "repair.visit_proposed",
    "repair.visit_ok",
    "repair.visit_other",
    "repair.ask_other_time",
    "repair.visit_agreed",
    "repair.visit_asked_other",
    "repair.working",
    "repair.leak_test",
    "repair.done",
    "repair.done_free",
    "repair.fixed",
    "repair.not_fixed",
    "repair.signed_off",
    "repair.reopened",
    # the message relay, as the resident reads it
    "relay.to_resident",
    "relay.reply",
    "relay.closed",
    "relay.ask_answer",
    "relay.answer_sent",
    "flow.relay_answer",
    # confidential service, as the resident is told
    "privacy.confidential_on",
    "privacy.confidential_off",
    # a notice as residents read it, and their taps under it
    "notice_board.header_notice",
    "notice_board.header_works",
    "notice_board.header_outage",
    "notice_board.about",
    "notice_board.period",
    "notice_board.affects_me",
    "notice_board.still_a_problem",
    "notice_board.thanks",
)

_STAFF_KEYS = (
    # the commands everyone has are read by residents too
    # (command.start … are set below as BOTH)
    "order.card_service",
    "order.card_stage",
    "order.stage_submitted",
    "order.stage_confirmed",
    "order.stage_ordered",
    "order.stage_out",
    "order.stage_delivered",
    "order.stage_settled",
    "order.stage_cancelled",
    "order.step_confirm",
    "order.step_ordered",
    "order.step_out",
    "order.step_delivered",
    "order.step_settle",
    "order.step_cancel",
    "repair.card_type",
    "repair.card_stage",
    "repair.card_windows",
    "repair.card_visit",
    "repair.stage_requested",
    "repair.stage_scheduled",
    "repair.stage_confirmed",
    "repair.stage_working",
    "repair.stage_done",
    "repair.stage_signed_off",
    "repair.step_schedule",
    "repair.step_start",
    "repair.step_leak_test",
    "repair.step_done",
    "repair.reported_not_fixed",
    "emergency.misfire_staff",
    "emergency.page",
    "emergency.page_again",
    "emergency.on_my_way",
    "emergency.on_way_thanks",
    "emergency.already_coming",
    "emergency.on_way_others",
    "emergency.place_staff",
    # why an item was reopened, on the staff's card
    "followup.not_solved",
    "followup.low_rating",
    "followup.phone_not_satisfied",
    "followup.resident_wrote",
    "survey.confirm",
    "survey.send",
    "survey.started",
    "invalid.liaison_future",
    "invalid.amount",
    "flow.invite",
    "flow.staff_input",
    "flow.intake",
    "flow.service_step",
    "flow.find",
    "flow.handover",
    "flow.survey",
    "flow.notice",
)

_BOTH_KEYS = (
    "command.start",
    "command.menu",
    "command.profile",
    "command.help",
    "command.cancel",
    "survey.q.overall",  # asked of residents, quoted in the staff's report
    "survey.q.service",
    "survey.q.cleanliness",
    "survey.q.security",
    "survey.q.repairs",
)

KEYS: dict[str, Audience] = {
    **dict.fromkeys(_RESIDENT_KEYS, R),
    **dict.fromkeys(_STAFF_KEYS, S),
    **dict.fromkeys(_BOTH_KEYS, B),
}


def audience(key: str) -> Audience:
    """Who reads the text `key`: the explicit entry, else the longest prefix, else BOTH."""
    if key in KEYS:
        return KEYS[key]
    found = [prefix for prefix in PREFIXES if key.startswith(prefix)]
    return PREFIXES[max(found, key=len)] if found else Audience.BOTH
