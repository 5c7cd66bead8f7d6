"""Referrals: the inbox (referrals sent to the user's organisation, or assigned to them) and
the outbox (referrals of the organisation's own cases), urgent cases first. A referral is
answered on its case's page."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.i18n import _
from dashboard.referral_widgets import referral_table
from models.access import Action, permits
from models.network import queries, referrals

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Referrals"))
data.read(referrals.expire_overdue)  # records what the deadline already ended
received = data.read(queries.inbox, actor=actor, today=today)
sent = data.read(queries.outbox, actor=actor, today=today)

tabs = st.tabs([_("Inbox"), _("Sent")] if permits(actor, Action.REFER_CASE) else [_("Inbox")])
with tabs[0]:
    st.caption(
        _(
            "Open referrals to your organisation: {count}. Open a case to answer.",
            count=len(received),
        )
    )
    referral_table(received, empty=_("No referral waits for you."))
if len(tabs) > 1:
    with tabs[1]:
        st.caption(_("Referrals of your organisation's cases: {count}.", count=len(sent)))
        referral_table(sent, empty=_("Your organisation has not referred any case."))
