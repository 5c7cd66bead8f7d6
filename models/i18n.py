"""The translation layer: gettext-style catalogues (``locales/<lang>/LC_MESSAGES/*.po``).

English strings are the message ids. Every ``.po`` file of a language is merged into one
catalogue, so that each feature keeps its own file. ``N_`` marks a string for extraction
without translating it (enum labels, validation messages built in ``models/``).

A message with a number before a noun has plural forms (``msgid_plural`` and ``msgstr[0]``,
``msgstr[1]``, … in the ``.po`` file); the catalogue's ``Plural-Forms`` header picks the form
for a number, as gettext's ``ngettext`` does. Russian has three: 1, 21 дело; 2, 22 дела; 5, 11 дел.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class PluralCatalogue:
    """The messages of a language that have plural forms, and its rule choosing the form."""

    forms: dict[tuple[str, str], tuple[str, ...]]
    choose: Callable[[int], int]


def _english_form(n: int) -> int:
    return 0 if n == 1 else 1


@cache
def plural_catalogue(language: str) -> PluralCatalogue:
    """Every message of ``language`` that has plural forms, keyed by (singular, plural) id."""
    forms: dict[tuple[str, str], tuple[str, ...]] = {}
    choose: Callable[[int], int] = _english_form
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle, locale=language)
        choose = gettext.c2py(po.plural_expr)
        for message in po:
            translated = message.string
            if isinstance(message.id, tuple) and isinstance(translated, tuple) and all(translated):
                forms[(message.id[0], message.id[1])] = tuple(str(form) for form in translated)
    return PluralCatalogue(forms=forms, choose=choose)


def translate_plural(singular: str, plural: str, n: int, language: str) -> str:
    """The form of ``singular``/``plural`` in ``language`` for the number ``n``.

    English, the message ids themselves, when no translation exists.
    """
    english = singular if _english_form(n) == 0 else plural
    if language == Language.EN:
        return english
    plurals = plural_catalogue(language)
    translated = plurals.forms.get((singular, plural))
    if translated is None:
        return english
    return translated[min(plurals.choose(n), len(translated) - 1)]
