"""Who works the case, and the form to assign it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.case_sections.common import CaseContext, key, save_case
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select
from dashboard.i18n import _
from models import cases
from models.access import Action


def assignment_section(ctx: CaseContext) -> None:
    if not ctx.may(Action.ASSIGN_CASE):
        return
    version = ctx.version
    with st.expander(_("Assign a caseworker")), st.form(key("assign", version)):
        errors = FieldErrors()
        chosen = choice_select(
            _("Caseworker"),
            [(c.id, c.name) for c in ctx.detail.caseworkers],
            value=ctx.detail.case.caseworker_id,
            key=key("assign_to", version),
        )
        errors.slot("caseworker", FORM_ERROR)
        submitted = st.form_submit_button(_("Assign"), key=key("assign_save", version))
    if submitted:
        save_case(
            ctx,
            partial(cases.assign_caseworker, caseworker_id=chosen),
            errors=errors,
            success=_("Caseworker assigned."),
        )
