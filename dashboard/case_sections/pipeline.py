"""Stage history, and the forms to move or close the case."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.case_sections.common import CaseContext, key, save_case
from dashboard.forms import FORM_ERROR, FieldErrors, optional_enum_select
from dashboard.i18n import _, label, moments
from models import cases
from models.access import Action
from models.enums import CaseStatus, Outcome, Stage


def pipeline_section(ctx: CaseContext) -> None:
    st.subheader(_("Stage history"))
    version = ctx.version
    stages = ctx.detail.stages.copy()
    stages["from_stage"] = stages["from_stage"].map(
        lambda s: label(Stage(s)) if isinstance(s, str) else "—"
    )
    stages["to_stage"] = stages["to_stage"].map(lambda s: label(Stage(s)))
    stages[stages.columns[0]] = moments(stages[stages.columns[0]])
    stages.columns = [_("Changed at"), _("Stage before"), _("Stage after"), _("By")]
    st.dataframe(stages, hide_index=True)
    case = ctx.detail.case
    if not ctx.can_edit or case.status != CaseStatus.OPEN:
        return
    following = cases.next_stage(case.stage)
    if following is not None:
        with st.expander(_("Move to the next stage")), st.form(key("stage", version)):
            errors = FieldErrors()
            st.text(
                _(
                    "From {current} to {following}",
                    current=label(case.stage),
                    following=label(following),
                )
            )
            target = st.selectbox(
                _("Next stage"),
                [following.value],
                key=key("stage_to", version),
                format_func=lambda value: label(type(following)(value)),
            )
            errors.slot("stage", FORM_ERROR)
            submitted = st.form_submit_button(_("Move"), key=key("stage_save", version))
        if submitted:
            save_case(
                ctx,
                partial(cases.move_stage, to_stage=target),
                errors=errors,
                success=_("Stage changed."),
            )
    if not ctx.may(Action.CLOSE_CASE):
        return
    with st.expander(_("Close the case")), st.form(key("close", version)):
        errors = FieldErrors()
        outcome = optional_enum_select(
            _("Outcome"), Outcome, value=None, key=key("close_outcome", version)
        )
        errors.slot("outcome", FORM_ERROR)
        submitted = st.form_submit_button(_("Close the case"), key=key("close_save", version))
    if submitted:
        save_case(
            ctx,
            partial(cases.close_case, outcome=outcome, today=ctx.today),
            errors=errors,
            success=_("Case closed."),
        )
