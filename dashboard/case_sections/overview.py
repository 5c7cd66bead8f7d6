"""The case's summary with its risk, and its identity on request (audited)."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.case_sections.common import (
    IDENTITY_TOGGLE,
    IDENTITY_VIEWED_KEY,
    CaseContext,
    facts,
    plain_text,
)
from dashboard.i18n import _
from models.access import Action
from models.case_queries import case_identity, reveal_identity


def summary(ctx: CaseContext) -> None:
    detail = ctx.detail
    case = detail.case
    st.header(case.code)
    level = detail.risk_level
    if level is None:
        st.text(_("Closed case: no risk level."))
    else:
        st.subheader(_(level.label))
        for reason in detail.reasons:
            st.text("• " + _(reason))
        if not detail.reasons:
            st.text(_("No risk rule applies."))
    facts(
        [
            (_("Category"), case.category),
            (_("Organisation"), detail.organisation),
            (_("City"), detail.city),
            (_("Caseworker"), detail.caseworker),
            (_("Stage"), case.stage),
            (_("Status"), case.status),
            (_("Outcome"), case.outcome),
            (_("Opened on"), case.opened_on),
            (_("Last updated"), case.updated_at),
        ]
    )


def identity(ctx: CaseContext) -> None:
    st.subheader(_("Identity"))
    if not ctx.may(Action.READ_IDENTITY):
        st.caption(_("Your role does not show identities."))
        return
    if not st.toggle(_("Show identity"), key=IDENTITY_TOGGLE):
        st.caption(_("Hidden until you ask for it; showing it is recorded in the audit trail."))
        return
    # Recorded once per opening of the case, not at every rerun of the page.
    if st.session_state.get(IDENTITY_VIEWED_KEY) == ctx.code:
        person = data.read(case_identity, actor=ctx.actor, case_id=ctx.case_id)
    else:
        person = data.read(reveal_identity, actor=ctx.actor, case_id=ctx.case_id)
        if person is not None:
            st.session_state[IDENTITY_VIEWED_KEY] = ctx.code
    if person is None:
        st.caption(_("No identity is held for this case: it was purged."))
        return
    for caption, value in [
        (_("Full name"), person.full_name),
        (_("Name in Cyrillic"), person.name_cyrillic),
        (_("Name in Latin letters"), person.name_latin),
        (_("Other spellings"), person.other_spellings),
        (_("Birth year"), person.birth_year),
        (_("Contact"), person.contact),
    ]:
        st.text(f"{caption}: {plain_text(value)}")
