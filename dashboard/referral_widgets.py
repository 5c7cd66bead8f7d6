"""Rendering shared by the referral pages, the case page's referral section and the weekly
review: referral tables (codes as links, never names) and the overdue list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.i18n import _, label, moments
from dashboard.links import CASE_LINK_DISPLAY, case_url
from models.access import Actor
from models.enums import Urgency
from models.network import ReferralState, ServiceType
from models.network import queries as network_queries


def referral_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Referral rows as shown: translated labels, the case code as a link; the free texts
    when the rows carry them (one case's referrals)."""
    shown = pd.DataFrame(
        {
            _("Case"): rows["code"].map(case_url),
            _("Urgent case"): rows["urgent"].map(lambda v: _("Yes") if v else _("No")),
            _("Urgency"): rows["urgency"].map(lambda v: label(Urgency(v))),
            _("Service"): rows["service"].map(lambda v: label(ServiceType(v))),
            _("State"): rows["state"].map(lambda v: label(ReferralState(v))),
            _("Sending organisation"): rows["from_organisation"],
            _("Receiving organisation"): rows["to_organisation"],
            _("Sent"): moments(rows["sent_at"]),
            _("Answer by"): moments(rows["answer_by"]),
            _("Assigned to"): rows["assignee"].fillna("—"),
        }
    )
    if "reason" in rows:
        shown[_("Reason")] = rows["reason"].fillna("—")
        shown[_("Answer")] = [
            declined or delivered or "—"
            for declined, delivered in zip(
                rows["decline_reason"], rows["service_delivered"], strict=True
            )
        ]
    return shown


def referral_table(rows: pd.DataFrame, *, empty: str) -> None:
    if rows.empty:
        st.info(empty)
        return
    st.dataframe(
        referral_frame(rows),
        hide_index=True,
        width="stretch",
        column_config={_("Case"): st.column_config.LinkColumn(display_text=CASE_LINK_DISPLAY)},
    )


def overdue_section(actor: Actor, today: dt.date) -> None:
    """The weekly review's list of referrals pending for more than 72 hours, sent or received."""
    rows = data.read(network_queries.overdue_pending, actor=actor, today=today)
    st.subheader(
        _("Referrals pending for more than {hours} hours", hours=network_queries.OVERDUE_HOURS)
    )
    st.caption(_("{count} referrals wait for an answer.", count=len(rows)))
    referral_table(rows, empty=_("No referral has waited that long."))
