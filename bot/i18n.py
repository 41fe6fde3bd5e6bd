"""Texts for people, looked up by key in gettext catalogues (locales/<lang>/LC_MESSAGES).

`t` renders a text as Telegram HTML: the catalogue's own tags kept, its stray `&`, `<`
and `>` escaped, and every value escaped unless it is HTML the bot built (`Html`), so no
caller can forget. `text` renders the same entry as plain text, for buttons and alerts.

Counts use the catalogue's own plural forms (`ngettext`); dates, times and durations are
formatted for the reader's language by Babel, never by hand.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.messages.catalog import Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.units import format_unit

from bot.config import ConfigError
from bot.htmltext import Html, plain, template
from bot.resources import shipped

LOCALES_DIR = shipped("locales")
LANGUAGES = ("zh_Hans", "en")
DOMAIN = "messages"
BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "en": "en"}


def language_from_telegram(code: str | None, default: str) -> str:
    """Map Telegram's language_code (e.g. "zh-hans", "en-GB") to a catalogue we have."""
    if not code:
        return default
    code = code.lower()
    if code.startswith("zh"):
        return "zh_Hans"
    if code.startswith("en"):
        return "en"
    return default


@dataclass(frozen=True, slots=True)
class _Language:
    """One language's catalogue and the Babel locale that formats its numbers and dates."""

    translations: Translations
    locale: Locale
    moment_pattern: str  # the locale's day ("MMMEd") and time ("Hm") as one CLDR pattern
    keys: frozenset[str]
    plural_keys: frozenset[str]
    forms: dict[str, tuple[str, ...]]  # every form of every text, for checks


@dataclass(frozen=True, slots=True)
class Catalogues:
    """All catalogues in memory: lookups happen on every reply, so no file I/O there."""

    languages: dict[str, _Language]
    default: str = "zh_Hans"

    def _language(self, language: str) -> _Language:
        return self.languages.get(language) or self.languages[self.default]

    def t(self, language: str, key: str, /, **values: Any) -> Html:
        """The text for `key` as HTML, values escaped; a plural entry takes the form its
        language uses for `count`."""
        found_template = Html(self._template(language, key, values))
        return found_template.format(**values) if values else found_template

    def text(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` as plain text (a button, an alert): no tags, values as given."""
        found_template = plain(Html(self._template(language, key, values)))
        if not values:
            return found_template
        return found_template.format(
            **{k: plain(v) if isinstance(v, str) else v for k, v in values.items()}
        )

    def _template(self, language: str, key: str, values: dict[str, Any]) -> str:
        found = self._language(language)
        if key not in found.keys and key not in found.plural_keys:
            found = self.languages[self.default]
        if key in found.plural_keys:
            if not isinstance(values.get("count"), int):
                raise KeyError(f"text {key!r} needs an integer count")
            source = found.translations.ngettext(key, key, values["count"])
        elif key in found.keys:
            source = found.translations.gettext(key)
        else:
            raise KeyError(f"text {key!r} is in no catalogue")
        return str(source)

    def has(self, language: str, key: str) -> bool:
        found = self.languages[language]
        return key in found.keys or key in found.plural_keys

    def keys(self, language: str) -> set[str]:
        found = self.languages[language]
        return set(found.keys | found.plural_keys)

    def forms(self, language: str, key: str) -> tuple[str, ...]:
        """Every form of a text (one, or one per plural form of the language)."""
        return self.languages[language].forms[key]

    def all_variants(self, key: str) -> set[str]:
        """The text of one key in every language (to recognise a tapped menu button)."""
        return {
            plain(Html(found.translations.gettext(key)))
            for found in self.languages.values()
            if key in found.keys
        }

    # --- numbers, dates and durations, in the reader's language ---
    def locale(self, language: str) -> Locale:
        return self._language(language).locale

    def moment(self, language: str, value: datetime, tz: ZoneInfo) -> str:
        """A point in time as people read it: "Tue, Nov 24, 19:30" / "11月24日周二 19:30"."""
        found = self._language(language)
        return format_datetime(value, found.moment_pattern, tzinfo=tz, locale=found.locale)

    def day(self, language: str, value: date) -> str:
        """A calendar day: "Tue, Nov 24, 2026" / "2026年11月24日周二"."""
        return format_skeleton("yMMMEd", value, locale=self.locale(language))

    def short_day(self, language: str, value: date) -> str:
        """A day this week or next, for a button: "Tue, Nov 24" / "11月24日周二"."""
        return format_skeleton("MMMEd", value, locale=self.locale(language))

    def weekday(self, language: str, value: date) -> str:
        """A day of the next few, for a small button: "Tue" / "周二"."""
        return format_skeleton("E", value, locale=self.locale(language))

    def duration(self, language: str, value: timedelta) -> str:
        """A span as a promise is stated: "1 hour", "3 hours", "2 days", "30 minutes"."""
        minutes = value.total_seconds() / 60
        if minutes >= 48 * 60 and minutes % (24 * 60) == 0:
            amount, unit = minutes / (24 * 60), "duration-day"
        elif minutes >= 60:
            amount, unit = minutes / 60, "duration-hour"
        else:
            amount, unit = minutes, "duration-minute"
        number: int | float = int(amount) if amount == int(amount) else round(amount, 1)
        locale = self.locale(language)
        text = format_unit(number, unit, length="long", locale=locale)
        if unit in text:  # CLDR lacks some long forms (Chinese): the short one reads the same
            text = format_unit(number, unit, length="short", locale=locale)
        return text


def _moment_pattern(locale: Locale) -> str:
    """Resolved once per language: formatting then costs one Babel call, not three."""
    day = str(locale.datetime_skeletons["MMMEd"].pattern)
    time = str(locale.datetime_skeletons["Hm"].pattern)
    combined = str(locale.datetime_formats["short"])
    return combined.replace("{1}", day).replace("{0}", time)


def _finished(message: Message) -> bool:
    if message.fuzzy:
        return False
    if isinstance(message.string, tuple):
        return all(message.string)
    return bool(message.string)


def _load_language(path: Path, language: str) -> _Language:
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ConfigError(f"translation catalogue {path} is missing") from None
    return _compiled(path, language, changed)


@functools.lru_cache(maxsize=8)
def _compiled(path: Path, language: str, changed: int) -> _Language:
    """Parsing and compiling a catalogue takes a tenth of a second; a process that builds
    several desks (the tests, the demo) does it once per file version."""
    try:
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=BABEL_LOCALES[language])
    except FileNotFoundError:
        raise ConfigError(f"translation catalogue {path} is missing") from None
    # Only finished entries count: a fuzzy or empty one falls back to the default language.
    done = [m for m in catalogue if m.id and _finished(m)]
    for unfinished in [m.id for m in catalogue if m.id and not _finished(m)]:
        catalogue.delete(unfinished)
    for message in done:  # stored as HTML Telegram accepts ("Doors &amp; windows")
        if isinstance(message.string, tuple):
            message.string = tuple(str(template(form)) for form in message.string)
        else:
            message.string = str(template(str(message.string)))
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    locale = Locale.parse(BABEL_LOCALES[language])
    return _Language(
        translations=Translations(compiled, domain=DOMAIN),
        locale=locale,
        moment_pattern=_moment_pattern(locale),
        keys=frozenset(str(m.id) for m in done if isinstance(m.id, str)),
        plural_keys=frozenset(str(m.id[0]) for m in done if isinstance(m.id, tuple)),
        forms={
            str(m.id[0] if isinstance(m.id, tuple) else m.id): tuple(m.string)
            if isinstance(m.string, tuple)
            else (str(m.string),)
            for m in done
        },
    )


def load_catalogues(directory: Path = LOCALES_DIR, default: str = "zh_Hans") -> Catalogues:
    languages = {
        language: _load_language(directory / language / "LC_MESSAGES" / f"{DOMAIN}.po", language)
        for language in LANGUAGES
    }
    return Catalogues(languages=languages, default=default)
