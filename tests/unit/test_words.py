"""Clear words: every catalogue text, in both languages, keeps to the glossary for its
readers (bot.glossary, bot.audience), reads as a good desk clerk writes, and leaves no
placeholder unfilled by the code that renders it.

The rules encoded here are the ones that hold for every text; a text that breaks one is
named with its key and language, so a new or changed text is checked the day it is written.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.audience import Audience, audience
from bot.domain.tickets import EventKind
from bot.domain.timeline import Shown, TimelineEntry, for_resident
from bot.glossary import GLOSSARY
from bot.i18n import LANGUAGES, load_catalogues
from bot.views import Views, timeline_line
from tests.sim.markup import parse_html

TEXTS = load_catalogues()
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "scheduler")

CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # ideographs and full-width punctuation
_CODE = re.compile(r"<code>.*?</code>", re.S)
_TAG = re.compile(r"</?[a-z][a-z-]*(?:\s[^<>]*)?>")
_PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}")
_COMMAND = re.compile(r"/[a-z_]+")
_URL = re.compile(r"https?://\S+")


def _entries() -> Iterator[tuple[str, str, str]]:
    for language in LANGUAGES:
        for key in sorted(TEXTS.keys(language)):
            for form in TEXTS.forms(language, key):
                yield language, key, form


def _prose(form: str) -> str:
    """What people read as words: no code, tags, placeholders, commands or links (a
    placeholder stands as "X", so the punctuation around it is still seen)."""
    text = _CODE.sub("X", form)
    text = _TAG.sub("", text)
    text = _PLACEHOLDER.sub("X", text)
    text = _URL.sub("X", text)
    return _COMMAND.sub("X", text)


def _report(broken: list[str]) -> None:
    assert not broken, f"{len(broken)} texts break the rule:\n" + "\n".join(broken)


# --- the glossary --------------------------------------------------------------------------
def test_every_text_keeps_to_the_glossary_for_its_readers() -> None:
    broken = []
    for language, key, form in _entries():
        prose = _prose(form)
        readers = audience(key)
        for term in GLOSSARY:
            variants = list(term.avoid.of(language))
            if readers.reaches_residents():
                variants += term.avoid_for_residents.of(language)
            for variant in variants:
                found = re.search(variant, prose, re.I)
                if found:
                    broken.append(f"{language} {key}: {found.group()!r} ({term.concept})")
    _report(broken)


def test_a_resident_is_never_called_yezhu_in_what_they_read() -> None:
    """The issue's own example, kept as a test of its own: 您, never 业户, to a resident."""
    assert "业户" in GLOSSARY[0].avoid_for_residents.zh
    resident_keys = [k for k in TEXTS.keys("zh_Hans") if audience(k).reaches_residents()]
    assert len(resident_keys) > 300
    found = [k for k in resident_keys if any("业户" in f for f in TEXTS.forms("zh_Hans", k))]
    assert not found


def test_the_readme_shows_the_glossary() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Words", 1)[1].split("\n## ", 1)[0]
    for term in GLOSSARY:
        for word in (term.resident.en, term.resident.zh, term.staff.en, term.staff.zh):
            assert word in section, (term.concept, word)


# --- how the texts read --------------------------------------------------------------------
def test_chinese_uses_full_width_punctuation_and_one_quote_style() -> None:
    broken = []
    half = re.compile(rf"[{CJK}][,.:;!?()]|[,:;!?(][{CJK}]|[{CJK}]\.(?!\d)")
    for language, key, form in _entries():
        if language != "zh_Hans":
            continue
        prose = _prose(form)
        for found in (half.search(prose), re.search("[\"'「」『』]", prose)):
            if found:
                broken.append(f"{key}: {found.group()!r} in {form!r}")
    _report(broken)


def test_chinese_sets_placeholders_without_spaces() -> None:
    """One way: a value sits against the Chinese words around it ("已收到3张照片"), as
    the dates and spans Babel writes do ("1小时")."""
    broken = []
    spaced = re.compile(rf"[{CJK}] +\{{|\}} +[{CJK}]")
    for language, key, form in _entries():
        if language == "zh_Hans" and spaced.search(_TAG.sub("", form)):
            broken.append(f"{key}: {form!r}")
    _report(broken)


def test_english_articles_fit_the_word_after_them() -> None:
    """No "a order", "a item"; and no article before a value, whose first letter nobody
    knows when the text is written."""
    broken = []
    wrong = re.compile(r"\b[Aa] (?=[aeioAEIO]\w)|\b[Aa]n? \{")
    for language, key, form in _entries():
        if language == "en" and (found := wrong.search(form)):
            broken.append(f"{key}: {found.group()!r} in {form!r}")
    _report(broken)


def test_residents_are_never_told_as_soon_as_possible() -> None:
    """Where a time is known the message gives it; where none is, it says what happens."""
    broken = []
    vague = re.compile(r"as soon as possible|\basap\b|尽快|尽早", re.I)
    for language, key, form in _entries():
        if audience(key).reaches_residents() and vague.search(form):
            broken.append(f"{language} {key}: {form!r}")
    _report(broken)


# What a resident is told as their request moves: what happens next and by when (the
# value that says when), thanks, and an apology where we are at fault.
@dataclass(frozen=True, slots=True)
class Told:
    when: str | None  # the placeholder that gives the day or time, if one is known
    sorry: bool = False


PROGRESS = {
    "ticket.ack": Told("due", sorry=True),
    "ticket.ack_suggestion": Told("due"),
    "repair.ack": Told("due"),
    "order.ack": Told("due"),
    "resident.accepted": Told("until"),
    "resident.accepted_plain": Told(None),
    "resident.reopened": Told("due", sorry=True),
    "resident.extended": Told("until", sorry=True),
    "resident.upgraded": Told("until", sorry=True),
    "resident.out_of_scope": Told(None),
    "resident.transferred": Told("until"),
    "resident.waiting_parts": Told("day", sorry=True),
    "resident.waiting_resident": Told("day"),
    "resident.waiting_access": Told("day"),
    "resident.resolved": Told(None),
    "order.confirmed": Told("at"),
    "order.confirmed_plain": Told("at"),
    "order.ordered": Told("at"),
    "order.out": Told("at"),
    "order.ready": Told("at"),
    "order.cancelled": Told("refund_by"),
    "order.cancelled_unpaid": Told(None),
    "repair.visit_agreed": Told("at"),
    "repair.done": Told("day"),
    "repair.done_free": Told("day"),
    "repair.signed_off": Told("day"),
    "repair.reopened": Told("due", sorry=True),
    "followup.heard_not_solved": Told("due", sorry=True),
    "followup.thanks_reopened": Told("due", sorry=True),
    "requests.message_sent": Told("due"),
    "requests.message_sent_plain": Told(None),
    "requests.message_sent_resolved": Told(None),
}


@pytest.mark.parametrize("key", sorted(PROGRESS))
def test_each_step_tells_the_resident_what_next_and_by_when(key: str) -> None:
    told = PROGRESS[key]
    assert audience(key).reaches_residents()
    for language in LANGUAGES:
        for form in TEXTS.forms(language, key):
            if told.when is not None:
                assert "{" + told.when + "}" in form, (language, key, form)
            assert re.search("thank|谢", form, re.I), (language, key, form)
            if told.sorry:
                assert re.search("sorry|apolog|抱歉|歉意", form, re.I), (language, key, form)


def test_a_residents_timeline_reads_in_their_words() -> None:
    """My requests shows the timeline in the resident's words (timeline.*), never the
    staff's entries ("Replied to the resident", "Registered (Registered, awaiting staff)")."""
    views = Views(TEXTS, tz=ZoneInfo("Asia/Shanghai"))
    shown = [k for k in EventKind if for_resident(k.value, "resolved") is not Shown.HIDDEN]
    assert len(shown) >= 10
    for kind in shown:
        key = f"timeline.{kind.value}"
        assert audience(key) is Audience.RESIDENT
        entry = TimelineEntry(datetime(2026, 11, 24, tzinfo=UTC), kind.value, "new", "x")
        for language in LANGUAGES:
            assert TEXTS.has(language, key), (language, key)
            line = timeline_line(views, language, entry, note=True, resident=True)
            staff_line = timeline_line(views, language, entry, note=True)
            assert "{" not in line, (language, key, line)
            assert line != staff_line, (language, key, line)


# --- placeholders --------------------------------------------------------------------------
def _placeholders(form: str) -> dict[str, str]:
    return {name: spec or "" for _, name, spec, _ in string.Formatter().parse(form) if name}


def test_both_languages_fill_the_same_placeholders() -> None:
    broken = []
    for key in sorted(TEXTS.keys("en") & TEXTS.keys("zh_Hans")):
        names = [
            {n for f in TEXTS.forms(language, key) for n in _placeholders(f)}
            for language in LANGUAGES
        ]
        if names[0] != names[1]:
            broken.append(f"{key}: {names}")
    _report(broken)


# Functions that render a text, or queue it to be rendered, with the values given as
# keywords (or, for Invalid, as a dict); the steps and refusals render with none.
_WITH_KEYWORDS = {"t", "text", "to_resident", "to_resident_plain", "staff_card", "others"}
_WITH_NONE = {"choice_step", "text_step", "day_step", "moment_step", "reprompt", "refuse"}


@dataclass(frozen=True, slots=True)
class CallSite:
    where: str
    keys: re.Pattern[str]  # the key, or the keys an f-string can name
    values: frozenset[str] | None  # None: passed on as **values, not known here
    literal: bool  # the key is written out (not built by an f-string)


def _key_pattern(node: ast.expr) -> re.Pattern[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.compile(re.escape(node.value)) if TEXTS.has("en", node.value) else None
    if isinstance(node, ast.JoinedStr):
        # A value is one word of a key ("status.{status}": in_progress); with words after
        # it (f"duty.{what}ed") a plain one, so "duty.morning_reopened" is not taken for it.
        value = "[a-z0-9]+" if isinstance(node.values[-1], ast.Constant) else "[a-z0-9_]+"
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else value for v in node.values]
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and "." in str(first.value):
            return re.compile("".join(parts))
    return None


def _call_sites() -> list[CallSite]:
    sites = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in _WITH_KEYWORDS | _WITH_NONE | {"Invalid"}:
                    continue
                for arg in node.args:
                    if (pattern := _key_pattern(arg)) is None:
                        continue
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    values: frozenset[str] | None = frozenset()
                    if name in _WITH_KEYWORDS:
                        given = [k.arg for k in node.keywords]
                        values = None if None in given else frozenset(str(k) for k in given)
                    elif name == "Invalid" and len(node.args) > 1:
                        given_dict = node.args[1]
                        keys = given_dict.keys if isinstance(given_dict, ast.Dict) else [None]
                        values = (
                            frozenset(k.value for k in keys if isinstance(k, ast.Constant))
                            if all(isinstance(k, ast.Constant) for k in keys)
                            else None
                        )
                    literal = isinstance(arg, ast.Constant)
                    sites.append(CallSite(where, pattern, values, literal))
                    break
    return sites


def _value(name: str, spec: str) -> object:
    if name == "count":
        return 3
    return 12.5 if spec else f"‹{name}›"


def test_every_placeholder_is_filled_by_the_code_that_renders_it() -> None:
    """Each text is rendered with exactly the values its call sites pass: a placeholder
    nobody fills would reach people as "{due}" (or stop the message with a KeyError)."""
    sites = _call_sites()
    assert len(sites) > 300
    every = sorted(TEXTS.keys("en"))
    # A key written out somewhere is rendered there; an f-string (f"status.{status}")
    # stands for the keys of its family that are not.
    written = {k for s in sites if s.literal for k in every if s.keys.fullmatch(k)}
    broken, checked = [], 0
    for site in sites:
        if site.values is None:
            continue
        for key in [k for k in every if site.keys.fullmatch(k)]:
            if not site.literal and key in written:
                continue
            for language in LANGUAGES:
                for form in TEXTS.forms(language, key):
                    wanted = _placeholders(form)
                    values = {n: _value(n, wanted.get(n, "")) for n in site.values}
                    if "count" in wanted and "count" not in values:
                        broken.append(f"{site.where} {key}: no count")
                        continue
                    try:
                        shown = parse_html(TEXTS.t(language, key, **values)).text
                    except (KeyError, IndexError) as exc:
                        broken.append(f"{site.where} {language} {key}: {exc!r} not passed")
                        continue
                    if re.search(r"\{[a-z_]*\}", shown):
                        broken.append(f"{site.where} {language} {key}: {shown!r}")
                    checked += 1
    _report(broken)
    assert checked > 800


def test_keys_queued_for_residents_and_staff_are_theirs() -> None:
    """What is queued to a resident is a resident's text, a card's headline a staff text:
    the audience map agrees with the code that sends them."""
    broken = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                for arg in node.args:
                    if (pattern := _key_pattern(arg)) is None:
                        continue
                    for key in [k for k in TEXTS.keys("en") if pattern.fullmatch(k)]:
                        readers = audience(key)
                        if node.func.id.startswith("to_resident") and (
                            not readers.reaches_residents()
                        ):
                            broken.append(f"{path.name}:{node.lineno} {key} is {readers}")
                        if node.func.id == "staff_card" and not readers.reaches_staff():
                            broken.append(f"{path.name}:{node.lineno} {key} is {readers}")
    _report(broken)
