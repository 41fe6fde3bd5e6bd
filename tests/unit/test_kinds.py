"""Kinds as data: what each family never allows, the steps a stage offers, a kind added at
run time, and answers held to their form's rules where they are filed."""

from __future__ import annotations

import pytest

from bot.config import DEFAULTS_DIR
from bot.domain import forms
from bot.domain.kinds import (
    Family,
    PrefixTaken,
    RequestType,
    family_of,
    find,
    kind_allows,
    own_form,
    register,
    request_type,
    steps,
    unregister,
    with_own_forms,
)
from bot.domain.lifecycle import Action, Situation
from bot.domain.questions import AnswersInvalid, Form, check_answers
from bot.domain.tickets import TicketKind, TicketStatus
from bot.policy import load_policy

FORM = Form.model_validate(
    {
        "questions": [
            {"id": "what", "kind": "text", "max": 10, "ask": {"en": "What?", "zh_Hans": "什么？"}},
            {
                "id": "size",
                "kind": "choice",
                "ask": {"en": "Size?", "zh_Hans": "大小？"},
                "choices": [
                    {"value": "s", "label": {"en": "Small", "zh_Hans": "小"}},
                    {"value": "l", "label": {"en": "Large", "zh_Hans": "大"}},
                ],
            },
            {
                "id": "how_many",
                "kind": "number",
                "min": 1,
                "max": 5,
                "when": {"size": "l"},
                "ask": {"en": "How many?", "zh_Hans": "几个？"},
            },
            {
                "id": "on",
                "kind": "date",
                "required": False,
                "ask": {"en": "When?", "zh_Hans": "何时？"},
            },
        ]
    }
)


def _at(kind: str, status: TicketStatus, stage: str | None = None, service: str | None = None):
    return Situation(status, True, True, kind=kind, stage=stage, service=service)


def test_an_orders_and_a_repairs_result_comes_from_their_stages() -> None:
    working = TicketStatus.IN_PROGRESS
    assert not kind_allows(Action.RESOLVE, _at("concierge", working, "ordered"))
    assert not kind_allows(Action.RESOLVE, _at("repair", working, "working"))
    assert not kind_allows(Action.WAIT, _at("concierge", working, "ordered"))
    assert kind_allows(Action.WAIT, _at("repair", working, "working"))  # parts, access
    assert kind_allows(Action.RESOLVE, _at("complaint", working))
    assert not kind_allows(Action.TRANSFER, _at("task", working))
    assert kind_allows(Action.TRANSFER, _at("visit", working))


def test_steps_follow_the_stage_and_only_staged_kinds_have_them() -> None:
    assert steps("concierge", "submitted", "cake") == ("confirm", "cancel")
    assert steps("concierge", "delivered", "cake") == ("settle",)
    assert steps("concierge", "settled", "cake") == ()
    assert steps("repair", "working", "plumbing") == ("done",)
    assert steps("repair", "working", "water_leak") == ("leak_test", "done")
    assert steps("complaint", None, None) == ()
    assert kind_allows(Action.ADVANCE, _at("concierge", TicketStatus.NEW, "submitted"))
    assert not kind_allows(Action.ADVANCE, _at("complaint", TicketStatus.NEW))
    # A cancelled order is over: it cannot be reopened into a cancelled, open order.
    assert not kind_allows(Action.REOPEN, _at("concierge", TicketStatus.CLOSED, "cancelled"))
    assert kind_allows(Action.REOPEN, _at("concierge", TicketStatus.CLOSED, "settled"))


def test_a_kind_added_at_run_time_is_a_ticket_kind_with_the_policys_defaults() -> None:
    policy = load_policy(DEFAULTS_DIR / "policy.toml")
    kind = register(RequestType("lockout", Family.COMPLAINT, "KS", form=FORM))
    try:
        assert TicketKind("lockout") is TicketKind("lockout")
        assert TicketKind("lockout") == "lockout"
        assert family_of("lockout") is Family.COMPLAINT
        assert policy.prefix("lockout") == "KS"  # the policy file never names it
        assert policy.prefix("complaint") == "TS"
        assert request_type("lockout") is kind
    finally:
        unregister("lockout")
    assert find("lockout") is None
    unregister("complaint")  # the built-in kinds stay
    unregister("emergency")  # shipped too, though not one of TicketKind's members
    assert find("complaint") is not None
    assert find("emergency") is not None
    with pytest.raises(ValueError, match="nonsense"):
        TicketKind("nonsense")


def test_a_prefix_already_taken_is_refused_when_a_kind_is_registered() -> None:
    with pytest.raises(PrefixTaken, match="complaint"):
        register(RequestType("lockout", Family.COMPLAINT, "TS", form=FORM))
    with pytest.raises(PrefixTaken, match="suggestion"):
        register(RequestType("lockout", Family.COMPLAINT, " jy ", form=FORM))  # as stored
    assert find("lockout") is None
    with pytest.raises(ValueError, match="prefix"):
        register(RequestType("lockout", Family.COMPLAINT, "T-S", form=FORM))
    assert find("lockout") is None
    # Registering a kind again (a changed entry) keeps its own prefix.
    kind = register(RequestType("lockout", Family.COMPLAINT, "KS", form=FORM))
    try:
        assert register(RequestType("lockout", Family.COMPLAINT, "KS")) is not kind
        assert request_type("lockout").form is None
    finally:
        unregister("lockout")


def test_the_desks_own_forms_are_found_through_their_entries() -> None:
    limits = forms.Limits(text=500, photos=2, days=30)
    assert {k.code for k in with_own_forms()} == {"complaint", "suggestion", "repair"}
    assert own_form("complaint", limits) is forms.complaint(text=500, photos=2, days=30)
    assert own_form("suggestion", limits) is forms.suggestion(text=500, photos=2)
    assert own_form("repair", limits) is forms.repair(text=500, photos=2)
    for kind in ("concierge", "visit", "task", "emergency", "nonsense"):
        with pytest.raises(ValueError, match="no form"):
            own_form(kind, limits)
    # A kind whose entry points to a builder has that form, with no other change.
    kind = register(RequestType("lockout", Family.COMPLAINT, "KS", builds=forms.suggestion_form))
    try:
        assert own_form("lockout", limits) is forms.suggestion(text=500, photos=2)
    finally:
        unregister(kind.code)


def test_answers_are_held_to_their_form() -> None:
    assert check_answers(FORM, {"what": " Keys ", "size": "s", "on": ""}) == {
        "what": "Keys",
        "size": "s",
    }
    assert check_answers(FORM, {"what": "Keys", "size": "l", "how_many": "3"})["how_many"] == "3"
    # A question that no longer applies is dropped, not kept.
    assert "how_many" not in check_answers(FORM, {"what": "K", "size": "s", "how_many": "9"})
    bad = [
        ({"size": "s"}, "what"),  # required, missing
        ({"what": "x" * 11, "size": "s"}, "what"),  # too long
        ({"what": "K", "size": "xl"}, "size"),  # not a choice
        ({"what": "K", "size": "l", "how_many": "6"}, "how_many"),  # out of range
        ({"what": "K", "size": "l", "how_many": "two"}, "how_many"),
        ({"what": "K", "size": "s", "on": "2026-13-01"}, "on"),
        ({"what": "K", "size": "s", "colour": "red"}, "colour"),  # no such question
    ]
    for answers, question in bad:
        with pytest.raises(AnswersInvalid) as caught:
            check_answers(FORM, answers)
        assert caught.value.question == question, answers
