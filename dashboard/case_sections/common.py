"""What every section of the case page shares: the ``CaseContext`` each is handed, the
requested code, the held version, ``save_case``, form keys and small formatters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.forms import FieldErrors, save
from dashboard.i18n import _, date_text, label, moment_text
from models.access import Action, Actor, permits
from models.case_queries import CODE_MAX_CHARS, CaseDetail, open_case
from models.enums import LabelledEnum
from models.risk import RiskLevel

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


@dataclass(frozen=True)
class CaseContext:
    """What every section of the case page is handed: who looks, at which case, as of which
    version (the one its forms were drawn from), and what they may do."""

    actor: Actor
    detail: CaseDetail
    version: int
    can_edit: bool
    today: dt.date

    @property
    def case_id(self) -> int:
        return self.detail.case_id

    @property
    def code(self) -> str:
        return self.detail.case.code

    def may(self, action: Action) -> bool:
        return permits(self.actor, action)


class CaseWrite(Protocol):
    """A ``models.cases`` write given all but the case it acts on (``functools.partial``)."""

    def __call__(
        self, session: data.Session, /, *, actor: Actor, case_id: int, expected_version: int
    ) -> object: ...


def save_case(ctx: CaseContext, write: CaseWrite, *, errors: FieldErrors, success: str) -> None:
    """``forms.save`` of ``write`` on the case of ``ctx``, refused if the case changed since
    the held version; after a save or a refusal the forms are drawn again from the database."""
    save(
        lambda session: write(
            session, actor=ctx.actor, case_id=ctx.case_id, expected_version=ctx.version
        ),
        errors=errors,
        success=success,
        reset=forget_version,
    )


def audit_view(actor: Actor, detail: CaseDetail) -> None:
    """One VIEW_CASE row each time a user opens a case (not at every rerun of the page)."""
    if st.session_state.get(VIEWED_KEY) == detail.case.code:
        return
    data.read(open_case, actor=actor, case_id=detail.case_id)
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


def plain_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, LabelledEnum | RiskLevel):
        return label(value)
    if isinstance(value, dt.datetime):
        return moment_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    return str(value)


def int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def key(name: str, version: int) -> str:
    return f"{FORM_PREFIX}{name}_v{version}"
