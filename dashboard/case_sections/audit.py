"""The case's own audit trail."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.audit_text import readable_trail
from dashboard.case_sections.common import CaseContext
from dashboard.i18n import _
from models.case_queries import case_audit_trail


def audit_section(ctx: CaseContext) -> None:
    st.subheader(_("Audit trail of this case"))
    trail = data.read(case_audit_trail, actor=ctx.actor, case_id=ctx.case_id)
    trail = readable_trail(trail)
    trail.columns = [_("When"), _("User"), _("Action"), _("Record"), _("Fields")]
    st.dataframe(trail, hide_index=True, width="stretch")
