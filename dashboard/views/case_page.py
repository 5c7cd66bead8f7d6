"""One case, at its shareable address /case?code=WP-24-0137: summary and risk, identity where
the role allows, legal status, detentions, needs, stage history, notes, the case's audit trail,
and the forms the role may use. A case out of the user's scope reads exactly as a missing one.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.case_sections.assignment import assignment_section
from dashboard.case_sections.audit import audit_section
from dashboard.case_sections.common import CaseContext, audit_view, held_version, requested_code
from dashboard.case_sections.detention import detention_section
from dashboard.case_sections.legal import legal_section
from dashboard.case_sections.needs import need_section
from dashboard.case_sections.notes import notes_section
from dashboard.case_sections.overview import identity, summary
from dashboard.case_sections.pipeline import pipeline_section
from dashboard.case_sections.purge import purge_section
from dashboard.case_sections.received import received_view
from dashboard.case_sections.referrals import owner_section
from dashboard.forms import show_flash
from dashboard.i18n import _, current_language
from models.access import Action, permits
from models.case_codes import code_problem
from models.case_queries import CaseDetail, case_detail

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Case"))
code = requested_code()
if not code:
    st.info(_("Enter a case code, for example WP-24-0137, or open a case from the case list."))
    st.stop()

typo = code_problem(code)
if typo is not None:
    st.error(_(typo))
    st.stop()
found = data.read(case_detail, actor=actor, code=code, today=today, language=current_language())
if found is None:
    show_flash()  # e.g. the message of a purge that deleted the whole case
    st.error(_("Case not found."))
    st.stop()
assert found is not None
detail: CaseDetail = found
audit_view(actor, detail)
show_flash()
ctx = CaseContext(
    actor=actor,
    detail=detail,
    version=held_version(detail.case.code, detail.case.version),
    can_edit=permits(actor, Action.EDIT_CASE),
    today=today,
)
if detail.consent is not None:  # the receiving side of a referral: its own, narrower page
    received_view(ctx)
    st.stop()

summary(ctx)
assignment_section(ctx)
identity(ctx)
legal_section(ctx)
detention_section(ctx)
need_section(ctx, housing=True)
need_section(ctx, housing=False)
pipeline_section(ctx)
notes_section(ctx)
owner_section(ctx)
audit_section(ctx)
purge_section(ctx)
