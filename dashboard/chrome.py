"""What frames every page: the demo banner and the sidebar (user, language, sign-out)."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, state
from dashboard.i18n import _, current_language, label
from models.access import Actor
from models.accounts import set_language
from models.i18n import LANGUAGE_NAMES, Language


def demo_banner() -> None:
    st.warning(
        _("Demo mode: every person and case shown here is synthetic. Do not enter real data."),
        icon=":material/science:",
    )


def _remember_language() -> None:
    live = auth.current_actor()
    if live is None:
        return
    language = Language(st.session_state["wp_sidebar_language"])
    st.session_state[state.LANGUAGE] = language
    data.read(set_language, actor=live, language=language)  # changes no case: no cache to clear


def sidebar(actor: Actor) -> None:
    with st.sidebar:
        st.caption(
            _("Signed in as {username} ({role})", username=actor.username, role=label(actor.role))
        )
        languages = list(Language)
        st.selectbox(
            _("Language"),
            languages,
            index=languages.index(current_language()),
            format_func=lambda code: LANGUAGE_NAMES[Language(code)],
            key="wp_sidebar_language",
            on_change=_remember_language,
        )
        if st.button(_("Sign out"), icon=":material/logout:", key="wp_sign_out"):
            auth.sign_out()
            st.rerun()
