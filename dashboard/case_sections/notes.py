"""Notes, and the form to add one."""

from __future__ import annotations

import streamlit as st

from dashboard.case_sections.common import (
    forget_version,
    key,
    utc_minutes,
)
from dashboard.forms import (
    FORM_ERROR,
    FieldErrors,
    save,
)
from dashboard.i18n import _
from models import cases
from models.access import Actor
from models.case_queries import (
    CaseDetail,
)


def notes_section(actor: Actor, detail: CaseDetail, version: int, can_edit: bool) -> None:
    st.subheader(_("Notes"))
    if detail.notes.empty:
        st.caption(_("No notes yet."))
    else:
        notes = detail.notes.copy()
        notes[notes.columns[0]] = utc_minutes(notes[notes.columns[0]])
        notes.columns = [_("Written at"), _("Author"), _("Note")]
        st.dataframe(notes, hide_index=True, width="stretch")
    if not can_edit:
        return
    with st.form(key("note", version), clear_on_submit=False):
        errors = FieldErrors()
        body = st.text_area(_("New note"), key=key("note_body", version))
        errors.slot("body", FORM_ERROR)
        submitted = st.form_submit_button(_("Add note"), key=key("note_save", version))
    if submitted:
        save(
            lambda s: cases.add_note(s, actor=actor, case_id=detail.case_id, body=body),
            errors=errors,
            success=_("Note added."),
            reset=forget_version,
        )
