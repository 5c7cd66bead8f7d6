"""The translation layer: gettext-style catalogues (``locales/<lang>/LC_MESSAGES/*.po``).

English strings are the message ids. Every ``.po`` file of a language is merged into one
catalogue, so that each feature keeps its own file. ``N_`` marks a string for extraction
without translating it (enum labels, validation messages built in ``models/``).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


class Language(StrEnum):
    EN = "en"
    RU = "ru"


LANGUAGE_NAMES: dict[Language, str] = {Language.EN: "English", Language.RU: "Русский"}


def N_(message: str) -> str:
    """Mark ``message`` for translation; return it unchanged."""
    return message


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every translated message of ``language``, merged from all of its ``.po`` files."""
    messages: dict[str, str] = {}
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and isinstance(message.id, str) and message.string:
                    messages[message.id] = str(message.string)
    return messages


def translate(message: str, language: str) -> str:
    """``message`` in ``language``; English, the message id itself, when no translation exists."""
    if language == Language.EN:
        return message
    return catalogue(language).get(message, message)
