"""Who works the case, and the form to assign it."""

from __future__ import annotations

import streamlit as st

from dashboard.case_sections.common import (
    forget_version,
    key,
)
from dashboard.forms import (
    FORM_ERROR,
    FieldErrors,
    choice_select,
    save,
)
from dashboard.i18n import _
from models import cases
from models.access import Action, Actor, permits
from models.case_queries import (
    CaseDetail,
)


def assignment_section(actor: Actor, detail: CaseDetail, version: int) -> None:
    if not permits(actor, Action.ASSIGN_CASE):
        return
    with st.expander(_("Assign a caseworker")), st.form(key("assign", version)):
        errors = FieldErrors()
        chosen = choice_select(
            _("Caseworker"),
            [(c.id, c.name) for c in detail.caseworkers],
            value=detail.case.caseworker_id,
            key=key("assign_to", version),
        )
        errors.slot("caseworker", FORM_ERROR)
        submitted = st.form_submit_button(_("Assign"), key=key("assign_save", version))
    if submitted:
        save(
            lambda s: cases.assign_caseworker(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                caseworker_id=chosen,
            ),
            errors=errors,
            success=_("Caseworker assigned."),
            reset=forget_version,
        )
