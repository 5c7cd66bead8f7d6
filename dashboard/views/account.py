"""My account: who I am, my language, and changing my password."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.auth import current_actor, sign_out, signed_in_actor
from dashboard.i18n import _, label
from models.accounts import PasswordChange, account_summary, change_own_password
from models.errors import ValidationError

actor = signed_in_actor()
st.title(_("My account"))

account = data.read(account_summary, actor=actor)
if account is not None:
    st.markdown(f"**{_('Username')}:** `{account.username}`")
    st.text(_("Name: {name}", name=account.display_name))
    st.text(_("Role: {role}", role=label(actor.role)))
    st.text(_("Organisation: {name}", name=account.organisation or "—"))

st.subheader(_("Change password"))
with st.form("wp_change_password", clear_on_submit=True):
    current = st.text_input(_("Current password"), type="password")
    new = st.text_input(
        _("New password"),
        type="password",
        help=_("At least 12 characters; common passwords are refused."),
    )
    repeat = st.text_input(_("Repeat the new password"), type="password")
    submitted = st.form_submit_button(_("Change password"))

if submitted and current_actor() is None:
    st.rerun()
elif submitted:
    if new != repeat:
        st.error(_("The two new passwords differ."))
    else:
        try:
            outcome = data.write(
                change_own_password, actor=actor, current_password=current, new_password=new
            )
        except ValidationError as error:
            for field, message in error.messages.items():
                st.error(_(message, **error.params[field]))
        else:
            if outcome is PasswordChange.LOCKED:
                sign_out()
                st.rerun()
            elif outcome is PasswordChange.WRONG_CURRENT:
                st.error(_("The current password is not correct."))
            else:
                st.success(_("Your password has been changed."))
