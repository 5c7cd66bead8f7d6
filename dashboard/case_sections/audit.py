"""The case's own audit trail."""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from dashboard.case_sections.common import (
    utc_minutes,
)
from dashboard.i18n import _, label
from models.access import Actor
from models.case_queries import (
    CaseDetail,
    case_audit_trail,
)
from models.database import session_scope
from models.enums import (
    AuditAction,
)


def audit_section(actor: Actor, detail: CaseDetail) -> None:
    st.subheader(_("Audit trail of this case"))
    with session_scope(runtime.engine()) as session:
        trail = case_audit_trail(session, actor=actor, case_id=detail.case_id)
    trail["action"] = trail["action"].map(lambda a: label(AuditAction(a)))
    trail[trail.columns[0]] = utc_minutes(trail[trail.columns[0]])
    trail.columns = [_("When"), _("User"), _("Action"), _("Record"), _("Fields")]
    st.dataframe(trail, hide_index=True, width="stretch")
