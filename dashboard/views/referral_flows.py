"""Flows of referrals between organisations, in counts only: coordinators see the flows
their organisation takes part in, admins the whole network."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.auth import signed_in_actor
from dashboard.i18n import _, current_language, label, number_text, percent_text
from models.network import ServiceType, queries


def _number(value: object) -> float | None:
    """A number from a frame cell; ``None`` for a gap (None, NaN or NaT)."""
    if isinstance(value, int | float) and not math.isnan(value):
        return float(value)
    return None


def percent(value: object) -> str:
    number = _number(value)
    return percent_text(number)


def hours(value: object) -> str:
    number = _number(value)
    return number_text(number, decimals=1)


actor = signed_in_actor()
st.title(_("Referral flows"))
report = data.read(queries.flows, actor=actor, language=current_language())
if report is None:
    st.info(_("Your role does not show referral flows."))
    st.stop()
assert report is not None
st.caption(
    _("The whole network.")
    if report.network_wide
    else _("Flows in which your organisation takes part.")
)
first, second = st.columns(2)
first.metric(_("Acceptance rate"), percent(report.acceptance_rate))
second.metric(_("Median time to answer (hours)"), hours(report.median_hours_to_answer))

st.subheader(_("Between organisations"))
pairs = report.pairs
st.dataframe(
    pd.DataFrame(
        {
            _("Sending organisation"): pairs["from_organisation"],
            _("Receiving organisation"): pairs["to_organisation"],
            _("Sent"): pairs["sent"],
            _("Pending"): pairs["pending"],
            _("Accepted"): pairs["accepted"],
            _("Declined"): pairs["declined"],
            _("Completed"): pairs["completed"],
            _("Ended otherwise"): pairs["ended_otherwise"],
            _("Acceptance rate"): pairs["acceptance_rate"].map(percent),
            _("Median time to answer (hours)"): pairs["median_hours_to_answer"].map(hours),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(_("Capacity against demand"))
st.caption(_("Open places of the services covering each city, against open referrals there."))
capacity = report.capacity
st.dataframe(
    pd.DataFrame(
        {
            _("Service"): capacity["service"].map(lambda v: label(ServiceType(v))),
            _("City"): capacity["city"],
            _("Services taking referrals"): capacity["taking"],
            _("Open places"): capacity["open_places"],
            _("Open referrals"): capacity["demand"],
        }
    ),
    hide_index=True,
    width="stretch",
)
