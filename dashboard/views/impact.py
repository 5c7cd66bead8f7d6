"""Placeholder until its issue lands."""

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.i18n import _

signed_in_actor()
st.info(_("This page is being built."))
