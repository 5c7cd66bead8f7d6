"""Reusable form pieces: enum pickers, optional dates, per-field error slots, and ``save``,
which runs a ``models`` write and turns its outcome into what the user sees.

Validation lives in ``models``; a form only collects values. An error is shown in the slot
under its field; a refused stale save and a success are carried over a rerun as a flash
message, so that the page redraws with the values now in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import auth, data
from dashboard.field_names import field_label
from dashboard.i18n import _, date_help, date_text, date_widget_format, label, moment_text
from models.cases import CaseNotFound, StaleCase
from models.enums import LabelledEnum
from models.errors import ValidationError

FLASH = "wp_form_flash"
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)
FORM_ERROR = "_form"

E = TypeVar("E", bound=LabelledEnum)
T = TypeVar("T")


class FieldErrors:
    """Placeholders under a form's fields, filled when ``models`` refuses the input."""

    def __init__(self) -> None:
        self._slots: dict[str, DeltaGenerator] = {}

    def slot(self, *fields: str) -> None:
        """Reserve the place for the error of ``fields``, right under the widget just drawn."""
        placeholder = st.empty()
        for field in fields:
            self._slots[field] = placeholder

    def show(self, error: ValidationError) -> None:
        for field, message in error.messages.items():
            text = _(message, **error.params.get(field, {}))
            target = self._slots.get(field) or self._slots.get(FORM_ERROR)
            if target is None:
                st.error(text)
            else:
                target.error(text)


def enum_select(
    text: str,
    enum: type[E],
    *,
    value: E | None,
    key: str,
    options: Sequence[E] | None = None,
) -> E:
    """A select box over enum members, showing their translated labels."""
    choices: list[E] = list(options if options is not None else list(enum))
    index = choices.index(value) if value in choices else 0
    chosen: E = st.selectbox(text, choices, index=index, key=key, format_func=label)
    return chosen


def optional_enum_select(text: str, enum: type[E], *, value: E | None, key: str) -> E | None:
    """Like ``enum_select``, with "—" (``None``) as the first choice."""
    choices: list[E | None] = [None, *enum]
    index = choices.index(value) if value in choices else 0
    chosen: E | None = st.selectbox(text, choices, index=index, key=key, format_func=label)
    return chosen


def choice_select(
    text: str,
    choices: Sequence[tuple[int, str]],
    *,
    value: int | None,
    key: str,
    optional: bool = True,
) -> int | None:
    """A select box over ``(id, name)`` pairs; returns the id (``None`` for "—")."""
    ids: list[int | None] = [None] if optional else []
    ids += [choice_id for choice_id, _name in choices]
    names = dict(choices)
    index = ids.index(value) if value in ids else 0
    return st.selectbox(
        text, ids, index=index, key=key, format_func=lambda i: "—" if i is None else names[i]
    )


def optional_date(text: str, *, value: dt.date | None, key: str) -> dt.date | None:
    return st.date_input(
        text,
        value=value,
        min_value=EARLIEST,
        max_value=LATEST,
        key=key,
        format=date_widget_format(),
        help=date_help(),
    )


def flash(kind: str, message: str, current: dict[str, object] | None = None) -> None:
    """Remember a message to show after the next rerun."""
    st.session_state[FLASH] = (kind, message, current)


def show_flash() -> None:
    """Show (once) the message left by the last save."""
    entry = st.session_state.pop(FLASH, None)
    if entry is None:
        return
    kind, message, current = entry
    if kind == "success":
        st.success(message)
        return
    st.error(message)
    if current:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Field"): [field_label(name) for name in current],
                    _("Current value"): [_display(v) for v in current.values()],
                }
            ),
            hide_index=True,
        )


def _display(value: object) -> str:
    if isinstance(value, dt.datetime):
        return moment_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, LabelledEnum):
        return label(value)
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def save(
    write: data.Command[T],
    *,
    errors: FieldErrors,
    success: str | Callable[[T], str],
    reset: Callable[[], None] | None = None,
) -> None:
    """Run ``write`` in one transaction (``data.write``), after ``auth.current_actor`` has
    checked that the account is active and the session alive (else: nothing is written, and
    the rerun shows the sign-in form). On success: the cache is cleared; flash ``success``
    and rerun. Bad input: errors under the fields, nothing written. A stale
    version: flash the refusal with the current values and rerun, so the form shows them.
    ``reset`` runs after a success or a refusal, before the rerun (to drop the held version)."""
    if auth.current_actor() is None:
        st.rerun()
    try:
        result = data.write(write)
        message = success(result) if callable(success) else success
    except ValidationError as error:
        errors.show(error)
        return
    except StaleCase as stale:
        data.clear()
        flash(
            "error",
            _(
                "Someone else saved this case while you were editing it. Your changes were not "
                "saved. The form now shows the current values; check them and save again."
            ),
            stale.current,
        )
        if reset is not None:
            reset()
        st.rerun()
    except CaseNotFound:
        st.error(_("Case not found."))
        return
    if reset is not None:
        reset()
    flash("success", message)
    st.rerun()
