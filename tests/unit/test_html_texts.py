"""Every text the bot renders is HTML Telegram accepts, whatever the values hold, and long
texts are cut where Telegram can still parse them."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.htmltext import Html, fit, join, plain, template, visible_length
from bot.i18n import LANGUAGES, load_catalogues
from bot.markup import markup_to_dict
from tests.sim.markup import BotAPIError, parse_html

TEXTS = load_catalogues()
HOSTILE = ("&", "<b>", "</i>", "&amp;", 'a "quote" & <tag>', "1 < 2 > 0")


def _placeholders(form: str) -> dict[str, str]:
    """Each placeholder of a template and its format spec ("{amount:.2f}" → ".2f")."""
    return {
        name: spec or ""
        for _, name, spec, _ in string.Formatter().parse(form)
        if name is not None and name != ""
    }


def _values(form: str, hostile: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, spec in _placeholders(form).items():
        if name == "count":
            values[name] = 3
        elif spec:
            values[name] = 12.5  # a number formatted by the template
        else:
            values[name] = f"{hostile} {name} {hostile}"
    return values


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_catalogue_text_is_valid_html_with_hostile_values(
    language: str, hostile: str
) -> None:
    checked = 0
    for key in sorted(TEXTS.keys(language)):
        for form in TEXTS.forms(language, key):
            values = _values(form, hostile)
            rendered = TEXTS.t(language, key, **values)
            try:
                shown = parse_html(rendered).text
            except BotAPIError as exc:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{language} {key!r} with {hostile!r}: {exc.description}: {rendered}")
            for value in values.values():
                if isinstance(value, str):
                    assert value in shown, (key, value, shown)
            checked += 1
    assert checked > 700


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_with_an_ampersand_reach_people_as_written(language: str) -> None:
    label = TEXTS.t(language, "repair.type_doors_windows")
    assert parse_html(label).text == TEXTS.text(language, "repair.type_doors_windows")
    assert "&amp;" not in TEXTS.text(language, "repair.type_doors_windows")
    sent = TEXTS.t(language, "summary.category", category=label)
    assert plain(label) in parse_html(sent).text


def test_a_catalogue_template_keeps_telegrams_tags_and_escapes_the_rest() -> None:
    assert template("<b>Doors & windows</b> <br> 1<2") == (
        "<b>Doors &amp; windows</b> &lt;br&gt; 1&lt;2"
    )
    assert template("Tom &amp; Jerry &#128578;") == "Tom &amp; Jerry &#128578;"


def test_values_are_escaped_unless_they_are_html_the_bot_built() -> None:
    bold = Html("<b>{}</b>").format("<i>")
    assert bold == "<b>&lt;i&gt;</b>"
    assert join("\n", ["a & b", bold]) == "a &amp; b\n<b>&lt;i&gt;</b>"


def test_button_labels_are_plain_text_whatever_they_were_rendered_as() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    label = TEXTS.t("en", "repair.type_doors_windows")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="x")]])
    shown = markup_to_dict(markup)  # what every request, fingerprint and outbox row holds
    assert shown is not None
    assert shown["inline_keyboard"][0][0]["text"] == "🚪 Doors & windows"


def test_a_keyboard_s_object_is_built_once_and_is_what_ptb_would_build() -> None:
    """A turn asks for it three or four times (fingerprint, outbox row, request)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    def keyboard() -> InlineKeyboardMarkup:
        label = TEXTS.t("en", "repair.type_doors_windows")
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="x")]])

    markup, twin = keyboard(), keyboard()
    first = markup_to_dict(markup)
    assert markup_to_dict(markup) is first
    assert markup_to_dict(twin) == first
    assert markup_to_dict(twin) is not first
    assert first is not None
    assert first["inline_keyboard"][0][0]["text"] == "🚪 Doors & windows"  # plain, not HTML


def test_a_keyboard_is_written_as_ptb_writes_it_whatever_its_buttons() -> None:
    """markup_to_dict writes plain buttons itself; what it does not know it leaves to PTB."""
    from telegram import (
        CopyTextButton,
        ForceReply,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        KeyboardButton,
        LoginUrl,
        ReplyKeyboardMarkup,
        ReplyKeyboardRemove,
        WebAppInfo,
    )

    inline = [
        InlineKeyboardButton("a", callback_data="x"),
        InlineKeyboardButton("b", url="https://example.org"),
        InlineKeyboardButton("c", web_app=WebAppInfo("https://example.org/app")),
        InlineKeyboardButton("d", login_url=LoginUrl("https://example.org/login")),
        InlineKeyboardButton("e", copy_text=CopyTextButton("BX-1")),
        InlineKeyboardButton("f", switch_inline_query_current_chat=""),
        InlineKeyboardButton("g", callback_data="y", api_kwargs={"future": 1}),
    ]
    keyboards = [
        InlineKeyboardMarkup([inline[:3], inline[3:]]),
        InlineKeyboardMarkup([]),
        InlineKeyboardMarkup([[inline[0]]], api_kwargs={"future": True}),
        ReplyKeyboardMarkup(
            [[KeyboardButton("📞", request_contact=True), "Menu"]],
            resize_keyboard=True,
            one_time_keyboard=False,
            input_field_placeholder="Type here",
        ),
        ReplyKeyboardMarkup([[KeyboardButton("App", web_app=WebAppInfo("https://e.org"))]]),
        ReplyKeyboardRemove(selective=True),
        ForceReply(input_field_placeholder="Your answer"),
    ]
    for markup in keyboards:
        assert markup_to_dict(markup) == markup.to_dict(), markup


# --- cutting long texts --------------------------------------------------------------------
def test_a_text_within_the_limit_is_left_alone() -> None:
    text = Html("<b>{}</b>").format("x" * 4000)
    assert fit(text) == text


@pytest.mark.parametrize(
    "value",
    ["&" * 5000, "<b>" * 2000, "a&b<c>" * 900, "长" * 5000, "🙂" * 3000, "x" * 4095 + "&"],
)
def test_long_texts_are_cut_outside_tags_and_entities(value: str) -> None:
    text = TEXTS.t("en", "registry.find_title", words=value)
    cut = fit(text)
    rendered = parse_html(cut)  # raises if a tag or an entity was cut
    assert visible_length(cut) <= 4096
    assert rendered.text.endswith("…")


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.tuples(
            st.sampled_from(["b", "i", "code", "u", None]),
            st.text(alphabet=st.sampled_from(list("a&<>\"'长🙂 \n")), max_size=400),
        ),
        max_size=40,
    ),
    limit=st.integers(min_value=2, max_value=600),
)
def test_any_cut_parses_and_fits(words: list[tuple[str | None, str]], limit: int) -> None:
    parts = [Html(f"<{tag}>{{}}</{tag}>").format(w) if tag else w for tag, w in words]
    text = join("", parts)
    cut = fit(text, limit)
    parse_html(cut)
    assert visible_length(cut) <= limit
    if visible_length(text) <= limit:
        assert cut == text
