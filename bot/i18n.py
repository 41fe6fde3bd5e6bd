"""Texts for people, looked up by key in gettext catalogues (locales/<lang>/LC_MESSAGES)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from bot.config import ConfigError

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("zh_Hans", "en")
DOMAIN = "messages"


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
class Catalogues:
    """All catalogues in memory: lookups happen on every reply, so no file I/O there."""

    messages: dict[str, dict[str, str]]
    default: str = "zh_Hans"

    def t(self, language: str, key: str, /, **values: object) -> str:
        catalogue = self.messages.get(language) or self.messages[self.default]
        template = catalogue.get(key) or self.messages[self.default].get(key)
        if template is None:
            raise KeyError(f"text {key!r} is in no catalogue")
        return template.format(**values) if values else template

    def keys(self, language: str) -> set[str]:
        return set(self.messages[language])

    def all_variants(self, key: str) -> set[str]:
        """The text of one key in every language (to recognise a tapped menu button)."""
        return {m[key] for m in self.messages.values() if key in m}


def load_catalogues(directory: Path = LOCALES_DIR, default: str = "zh_Hans") -> Catalogues:
    messages: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        try:
            with path.open("rb") as handle:
                catalogue = read_po(handle, locale=language.replace("_Hans", "_Hans_CN"))
        except FileNotFoundError:
            raise ConfigError(f"translation catalogue {path} is missing") from None
        messages[language] = {
            str(m.id): str(m.string) for m in catalogue if m.id and m.string and not m.fuzzy
        }
    return Catalogues(messages=messages, default=default)
