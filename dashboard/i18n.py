"""The dashboard's side of the translation layer: ``_()`` in the signed-in user's language,
and dates, times, numbers and country names as that language writes them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import state
from models import i18n
from models.enums import LabelledEnum
from models.i18n import Language, translate, translate_plural
from models.risk import RiskLevel


def current_language() -> Language:
    language = st.session_state.get(state.LANGUAGE)
    if language is None:
        locale = (getattr(st.context, "locale", None) or "").lower()
        language = Language.RU if locale.startswith("ru") else Language.EN
        st.session_state[state.LANGUAGE] = language
    return Language(language)


def _(message: str, **params: object) -> str:
    """``message`` translated to the current language, with ``params`` formatted in."""
    text = translate(message, current_language())
    return text.format(**params) if params else text


def _n(singular: str, plural: str, n: int, **params: object) -> str:
    """The form of a message for the number ``n`` (Russian: 1 дело, 2 дела, 5 дел), translated to
    the current language, with ``params`` formatted in; ``n`` is usually one of them."""
    return translate_plural(singular, plural, n, current_language()).format(**params)


def label(member: LabelledEnum | RiskLevel | None) -> str:
    """The translated label of an enum member; an em dash for none."""
    return "—" if member is None else _(member.label)


def local_zone() -> ZoneInfo:
    """The deployment's time zone (``WAYPOINT_TIME_ZONE``), in which every time is shown."""
    from dashboard import runtime  # runtime translates its own messages with this module

    return runtime.settings().zone


def date_text(value: dt.date | None) -> str:
    """A date as the reader writes it: «23.11.2026» in Russian, 2026-11-23 in English."""
    return i18n.format_date(value, current_language())


def month_text(value: dt.date) -> str:
    """A month: «янв. 2025», "Jan 2025"."""
    return i18n.format_month(value, current_language())


def moment_text(value: dt.datetime | str | None) -> str:
    """A stored (UTC) time in the deployment's zone, to the minute: «23.11.2026 11:00»."""
    return i18n.format_moment(value, current_language(), local_zone())


def moments(column: pd.Series) -> pd.Series:
    """A column of stored times as ``moment_text`` writes each of them."""
    language, zone = current_language(), local_zone()
    return column.map(lambda value: i18n.format_moment(value, language, zone))


def number_text(value: float | None, *, decimals: int = 0, trailing_zeros: bool = True) -> str:
    """A number with the reader's decimal mark: «16,5», "16.5"."""
    return i18n.format_number(
        value, current_language(), decimals=decimals, trailing_zeros=trailing_zeros
    )


def percent_text(share: float | None) -> str:
    """A share as a percentage: «45 %», "45%"."""
    return i18n.format_percent(share, current_language())


def country(code: str | None) -> str:
    """A country's name from its ISO code: «Германия» for DE."""
    return i18n.country_name(code, current_language())


def date_widget_format() -> str:
    """The ``format`` of every ``st.date_input`` and date column: DD.MM.YYYY in Russian."""
    return i18n.DATE_INPUT_FORMATS[current_language()]


def date_help() -> str:
    """The help beside every date input: the format to type. Streamlit's calendar names its
    months in English only, so a Russian reader is told to type the date."""
    return _("Type the date as YYYY-MM-DD, or pick it in the calendar.")
