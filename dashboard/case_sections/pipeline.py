"""Stage history, and the forms to move or close the case."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.case_sections.common import (
    forget_version,
    key,
    utc_minutes,
)
from dashboard.forms import (
    FORM_ERROR,
    FieldErrors,
    optional_enum_select,
    save,
)
from dashboard.i18n import _, label
from models import cases
from models.access import Action, Actor, permits
from models.case_queries import (
    CaseDetail,
)
from models.enums import (
    CaseStatus,
    Outcome,
    Stage,
)


def pipeline_section(
    actor: Actor, detail: CaseDetail, version: int, can_edit: bool, today: dt.date
) -> None:
    st.subheader(_("Stage history"))
    stages = detail.stages.copy()
    stages["from_stage"] = stages["from_stage"].map(
        lambda s: label(Stage(s)) if isinstance(s, str) else "—"
    )
    stages["to_stage"] = stages["to_stage"].map(lambda s: label(Stage(s)))
    stages[stages.columns[0]] = utc_minutes(stages[stages.columns[0]])
    stages.columns = [_("Changed at"), _("From"), _("To"), _("By")]
    st.dataframe(stages, hide_index=True)
    case = detail.case
    if not can_edit or case.status != CaseStatus.OPEN:
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
            save(
                lambda s: cases.move_stage(
                    s,
                    actor=actor,
                    case_id=detail.case_id,
                    expected_version=version,
                    to_stage=target,
                ),
                errors=errors,
                success=_("Stage changed."),
                reset=forget_version,
            )
    if not permits(actor, Action.CLOSE_CASE):
        return
    with st.expander(_("Close the case")), st.form(key("close", version)):
        errors = FieldErrors()
        outcome = optional_enum_select(
            _("Outcome"), Outcome, value=None, key=key("close_outcome", version)
        )
        errors.slot("outcome", FORM_ERROR)
        submitted = st.form_submit_button(_("Close the case"), key=key("close_save", version))
    if submitted:
        save(
            lambda s: cases.close_case(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                outcome=outcome,
                today=today,
            ),
            errors=errors,
            success=_("Case closed."),
            reset=forget_version,
        )
