"""The audit trail's codes in words (dashboard.audit_text), in the reader's language."""

from __future__ import annotations

import pytest
import streamlit as st

from dashboard import state
from dashboard.audit_text import detail_text, entity_text, fields_text, user_text
from models.enums import PurgeReason
from models.i18n import Language, translate
from models.network import ReferralState


def ru(message: str) -> str:
    """The catalogue's Russian for ``message``, whatever its wording becomes."""
    return translate(message, Language.RU)


@pytest.fixture
def russian():
    st.session_state[state.LANGUAGE] = Language.RU
    yield
    st.session_state[state.LANGUAGE] = Language.EN


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            "pending->expired",
            f"{ru(ReferralState.PENDING.label)} → {ru(ReferralState.EXPIRED.label)}",
        ),
        ("immediate_danger", ru(PurgeReason.IMMEDIATE_DANGER.label)),
        ("case out of scope", "Дело вне доступа пользователя"),
        ("wrong password", "Неверный пароль"),
        ("2026Q1, epsilon=1", "1 кв. 2026, бюджет приватности ε = 1"),
        ("2026Q1, epsilon=0.5", "1 кв. 2026, бюджет приватности ε = 0,5"),
        ("2026Q3, csv", "3 кв. 2026, CSV"),
        ("2026Q3", "3 кв. 2026"),
        ("5 failed password checks", "Заблокировано после неверных паролей подряд: 5"),
        ("csv, 12000 rows", "CSV, строк: 12\xa0000"),
        ("3 possible matches", "Возможных совпадений: 3"),
        ("1200 names of a file", "Имён в файле: 1\xa0200"),
        ("something new", "something new"),
        ("2026Q9", "2026Q9"),
        (None, "—"),
    ],
)
def test_known_details_are_translated_and_unknown_ones_kept(russian, stored, shown):
    assert detail_text(stored) == shown


def test_records_fields_and_the_system_are_named(russian):
    assert entity_text("referral") == ru("Referral")
    assert entity_text("unheard_of") == "unheard_of"
    assert fields_text("caseworker_id,permit_expires_on") == (
        f"{ru('Caseworker')}, {ru('Permit expires on')}"
    )
    assert user_text(None) == "Система"
    assert user_text("anna") == "anna"


def test_english_details_read_as_words_too():
    assert detail_text("pending->expired") == "Pending → Expired without answer"
    assert detail_text("300 synthetic cases, seed 7") == "Synthetic cases: 300 (seed 7)"
