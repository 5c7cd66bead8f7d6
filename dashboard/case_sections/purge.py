"""The urgent-purge section of the case page: coordinators (own organisation) and admins
destroy a person's identity now. The logic is ``models.identity.purge``; this only asks."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.case_sections.common import CaseContext
from dashboard.forms import FORM_ERROR, FieldErrors, enum_select, flash
from dashboard.i18n import _, moment_text
from models.enums import PurgeReason
from models.errors import ValidationError
from models.identity.purge import CaseNotFound, PurgeResult, may_purge, purge_now

PREFIX = "wp_purge_"
CONFIRM = f"{PREFIX}confirm"
REASON = f"{PREFIX}reason"
WHOLE_CASE = f"{PREFIX}whole_case"
SUBMIT = f"{PREFIX}submit"
URGENT_REASONS = [r for r in PurgeReason if r is not PurgeReason.RETENTION]


def _done_message(result: PurgeResult) -> str:
    message = (
        _("Case {code} and its identity were deleted; the data key is destroyed.")
        if result.whole_case
        else _("The identity of {code} was purged; the data key is destroyed.")
    ).format(code=result.case_code)
    if not result.exports:
        return message + " " + _("No export recorded in the audit trail included it.")
    exports = "; ".join(
        f"{moment_text(e.at)} {e.username or '—'} ({e.entity})" for e in result.exports
    )
    return (
        message
        + " "
        + _("Exports that may hold a copy, to chase: {exports}").format(exports=exports)
    )


def purge_section(ctx: CaseContext) -> None:
    """An expander with the purge form, for the roles that may purge."""
    if not may_purge(ctx.actor):
        return
    with st.expander(_("Urgent purge of this person's identity")):
        st.caption(
            _(
                "Destroys the person's data key, then deletes their name, contact, notes and "
                "name-index entries. Backups and copies of the database become unreadable for "
                "this person. The case facts stay, for the statistics, unless you delete the "
                "whole case. This cannot be undone."
            )
        )
        with st.form(f"{PREFIX}form", clear_on_submit=True):
            errors = FieldErrors()
            confirmation = st.text_input(_("Type the case code to confirm"), key=CONFIRM)
            errors.slot("confirmation", FORM_ERROR)
            reason = enum_select(
                _("Reason"), PurgeReason, value=None, key=REASON, options=URGENT_REASONS
            )
            errors.slot("reason")
            whole_case = st.checkbox(_("Delete the whole case too"), key=WHOLE_CASE)
            submitted = st.form_submit_button(_("Purge now"), key=SUBMIT, type="primary")
    if not submitted:
        return
    try:
        result = data.write_in_steps(
            purge_now,
            actor=ctx.actor,
            code=ctx.code,
            confirmation=confirmation,
            reason=reason,
            whole_case=whole_case,
        )
    except ValidationError as error:
        errors.show(error)
        return
    except CaseNotFound:
        st.error(_("Case not found."))
        return
    flash("success", _done_message(result))
    st.rerun()
