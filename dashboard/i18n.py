"""The dashboard's side of the translation layer: ``_()`` in the signed-in user's language."""

from __future__ import annotations

import streamlit as st

from dashboard import state
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
