"""Waypoint's entry script: settings, database, sign-in, then the pages of the user's role."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import auth, chrome, data, navigation, runtime
from dashboard.i18n import _
from models.database import DatabaseUnavailable, SchemaOutOfDate
from models.settings import ConfigurationError

ICON = Path(__file__).resolve().parent / "icon.png"  # served by the app: no icon CDN
st.set_page_config(page_title="Waypoint", page_icon=str(ICON), layout="wide")
runtime.configure_logging()

try:
    settings = runtime.settings()
    runtime.engine()
    data.refresh_stored_risk()
except (ConfigurationError, SchemaOutOfDate, DatabaseUnavailable) as error:
    st.error(_("Waypoint cannot start: {reason}", reason=str(error)))
    st.stop()


def main() -> None:
    if settings.demo_mode:
        chrome.demo_banner()
    actor = auth.current_actor()
    if actor is None:
        page = st.navigation(navigation.build_signed_out(auth.login_page), position="hidden")
    else:
        # Every page of the role in view: with the network pages a menu passes twelve items.
        page = st.navigation(navigation.build(actor), expanded=True)
        chrome.sidebar(actor)
    page.run()


runtime.run_guarded(main)
