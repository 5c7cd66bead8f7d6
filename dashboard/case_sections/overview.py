"""The case's summary with its risk, and its identity on request (audited)."""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from dashboard.case_sections.common import (
    IDENTITY_TOGGLE,
    IDENTITY_VIEWED_KEY,
    facts,
    plain_text,
)
from dashboard.i18n import _
from models.access import Action, Actor, permits
from models.audit import record
from models.case_queries import (
    CaseDetail,
    case_identity,
)
from models.database import session_scope
from models.enums import (
    AuditAction,
)


def summary(detail: CaseDetail) -> None:
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


def identity(actor: Actor, detail: CaseDetail) -> None:
    st.subheader(_("Identity"))
    if not permits(actor, Action.READ_IDENTITY):
        st.caption(_("Your role does not show identities."))
        return
    if not st.toggle(_("Show identity"), key=IDENTITY_TOGGLE):
        st.caption(_("Hidden until you ask for it; showing it is recorded in the audit trail."))
        return
    with session_scope(runtime.engine()) as session:
        person = case_identity(session, actor=actor, case_id=detail.case_id)
        if person is not None and st.session_state.get(IDENTITY_VIEWED_KEY) != detail.case.code:
            record(
                session,
                actor=actor,
                action=AuditAction.VIEW_IDENTITY,
                entity="person",
                entity_id=detail.case_id,
                case_id=detail.case_id,
                fields=("full_name", "name_cyrillic", "name_latin", "birth_year", "contact"),
            )
            st.session_state[IDENTITY_VIEWED_KEY] = detail.case.code
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
