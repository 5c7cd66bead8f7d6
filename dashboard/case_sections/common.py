"""What every section of the case page shares: the requested code, the held version, form keys and small formatters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import runtime
from dashboard.i18n import _, label
from models.access import Actor
from models.audit import record
from models.case_queries import (
    CODE_MAX_CHARS,
    CaseDetail,
)
from models.database import session_scope
from models.enums import (
    AuditAction,
)

CODE_INPUT = "wp_case_code"
IDENTITY_TOGGLE = "wp_case_show_identity"
VERSION_KEY = "wp_case_held_version"
VIEWED_KEY = "wp_case_viewed"
IDENTITY_VIEWED_KEY = "wp_case_identity_viewed"
FORM_PREFIX = "wp_cf_"


def requested_code() -> str:
    """The code from the address, or typed into the box (which then updates the address)."""
    from_url = str(st.query_params.get("code", "")).strip().upper()
    typed = (
        st.text_input(
            _("Case code"),
            value=from_url[:CODE_MAX_CHARS],
            key=CODE_INPUT,
            placeholder="WP-24-0137",
            max_chars=CODE_MAX_CHARS,
        )
        .strip()
        .upper()
    )
    if typed != from_url:
        st.query_params["code"] = typed
    return typed


def held_version(code: str, current: int) -> int:
    """The version the forms' values were drawn from. Kept while the forms' widgets live
    (reruns of this page); reset to the database's after a save, a refusal or a return."""
    held = st.session_state.get(VERSION_KEY)
    alive = held is not None and any(
        isinstance(key, str) and key.startswith(FORM_PREFIX) and key.endswith(f"_v{held[1]}")
        for key in st.session_state
    )
    if held is None or held[0] != code or not alive:
        held = (code, current)
        st.session_state[VERSION_KEY] = held
    return int(held[1])


def forget_version() -> None:
    st.session_state.pop(VERSION_KEY, None)


def audit_view(actor: Actor, detail: CaseDetail) -> None:
    """One VIEW_CASE row each time a user opens a case (not at every rerun of the page)."""
    if st.session_state.get(VIEWED_KEY) == detail.case.code:
        return
    with session_scope(runtime.engine()) as session:
        record(
            session,
            actor=actor,
            action=AuditAction.VIEW_CASE,
            entity="case",
            entity_id=detail.case_id,
            case_id=detail.case_id,
        )
    st.session_state[VIEWED_KEY] = detail.case.code
    st.session_state.pop(IDENTITY_VIEWED_KEY, None)


def facts(rows: list[tuple[str, object]]) -> None:
    """Label/value pairs as a table: values are data, never markup."""
    st.dataframe(
        pd.DataFrame(
            {_("Field"): [r[0] for r in rows], _("Value"): [plain_text(r[1]) for r in rows]}
        ),
        hide_index=True,
        width="stretch",
    )


def utc_minutes(column: pd.Series) -> pd.Series:
    """Timestamps as "2026-11-23 14:05 UTC": no seconds, no offset digits."""
    return pd.to_datetime(column, utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")


def plain_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "label"):
        return label(value)  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def key(name: str, version: int) -> str:
    return f"{FORM_PREFIX}{name}_v{version}"
