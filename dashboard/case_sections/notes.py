"""Notes, and the form to add one."""

from __future__ import annotations

import streamlit as st

from dashboard.case_sections.common import CaseContext, forget_version, key
from dashboard.forms import FORM_ERROR, FieldErrors, save
from dashboard.i18n import _, moments
from models import cases


def notes_section(ctx: CaseContext) -> None:
    st.subheader(_("Notes"))
    detail, version = ctx.detail, ctx.version
    if detail.notes.empty:
        st.caption(_("No notes yet."))
    else:
        notes = detail.notes.copy()
        notes[notes.columns[0]] = moments(notes[notes.columns[0]])
        notes.columns = [_("Written at"), _("Author"), _("Note")]
        st.dataframe(notes, hide_index=True, width="stretch")
    if not ctx.can_edit:
        return
    with st.form(key("note", version), clear_on_submit=False):
        errors = FieldErrors()
        body = st.text_area(_("New note"), key=key("note_body", version))
        errors.slot("body", FORM_ERROR)
        submitted = st.form_submit_button(_("Add note"), key=key("note_save", version))
    if submitted:
        save(
            # A note needs no held version: it changes no value that a form shows.
            lambda s: cases.add_note(s, actor=ctx.actor, case_id=ctx.case_id, body=body),
            errors=errors,
            success=_("Note added."),
            reset=forget_version,
        )
