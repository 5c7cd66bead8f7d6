"""The translation layer: gettext-style catalogues (``locales/<lang>/LC_MESSAGES/*.po``).

English strings are the message ids. Every ``.po`` file of a language is merged into one
catalogue, so that each feature keeps its own file. ``N_`` marks a string for extraction
without translating it (enum labels, validation messages built in ``models/``).

A message with a number before a noun has plural forms (``msgid_plural`` and ``msgstr[0]``,
``msgstr[1]``, … in the ``.po`` file); the catalogue's ``Plural-Forms`` header picks the form
for a number, as gettext's ``ngettext`` does. Russian has three: 1, 21 дело; 2, 22 дела; 5, 11 дел.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as format_babel_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as format_babel_percent

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


# Formats ----------------------------------------------------------------------------------
# Russian readers get the forms they write by hand (23.11.2026, 23.11.2026 11:00, 16,5);
# English readers get ISO dates, unambiguous in every English-speaking country.

NO_VALUE = "—"
_DATE_PATTERNS = {Language.EN: "yyyy-MM-dd", Language.RU: "dd.MM.yyyy"}
_MONTH_PATTERN = "LLL y"  # "Jan 2025", «янв. 2025»
# Streamlit's date_input takes its own format names.
DATE_INPUT_FORMATS = {Language.EN: "YYYY-MM-DD", Language.RU: "DD.MM.YYYY"}
# Plotly's d3 time formats, for date axes and hover labels. Plotly names months in English
# only (a locale of its own would have to be loaded in the browser): Russian gets numbers.
PLOT_DAY_FORMATS = {Language.EN: "%d %b", Language.RU: "%d.%m"}
PLOT_DATE_FORMATS = {Language.EN: "%d %b %Y", Language.RU: "%d.%m.%Y"}


def _missing(value: object) -> bool:
    # pandas' NaT and NaN pass isinstance checks for dates and numbers alike.
    return value is None or value != value


def format_date(value: dt.date | None, language: str) -> str:
    """``value`` as a date in ``language`` (23.11.2026, 2026-11-23); a dash for none."""
    if _missing(value):
        return NO_VALUE
    assert value is not None
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_babel_date(day, _DATE_PATTERNS[Language(language)], locale=language)


def format_month(value: dt.date, language: str) -> str:
    """The month of ``value`` in ``language``: «янв. 2025», "Jan 2025"."""
    return format_babel_date(value, _MONTH_PATTERN, locale=language)


def as_utc(value: dt.datetime | str) -> dt.datetime:
    """A stored moment as an aware UTC datetime: SQLite hands back naive UTC values."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def format_moment(value: dt.datetime | str | None, language: str, zone: ZoneInfo) -> str:
    """A stored (UTC) moment as read in ``zone``, to the minute: «23.11.2026 11:00»."""
    if _missing(value) or value == "":
        return NO_VALUE
    assert value is not None
    local = as_utc(value).astimezone(zone)
    return f"{format_date(local.date(), language)} {local:%H:%M}"


def format_number(
    value: float | None, language: str, *, decimals: int = 0, trailing_zeros: bool = True
) -> str:
    """``value`` rounded to ``decimals`` places, with the language's decimal mark and digit
    grouping: «16,5», «1 234», "1,234.5"; a dash for none. Without ``trailing_zeros`` a
    whole number has no decimals: «16», «16,5»."""
    if value is None or _missing(value):
        return NO_VALUE
    digit = "0" if trailing_zeros else "#"
    pattern = "#,##0" + ("." + digit * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=language)


def format_percent(share: float | None, language: str) -> str:
    """A share (0.45) as a whole percentage: «45 %», "45%"; a dash for none."""
    if share is None or _missing(share):
        return NO_VALUE
    return format_babel_percent(share, locale=language)


def country_name(code: str | None, language: str) -> str:
    """The name of the country with ISO 3166 code ``code`` in ``language``; the code itself
    when it names no country Babel knows."""
    if not code:
        return NO_VALUE
    return Locale.parse(language).territories.get(code.upper(), code)
