"""Organisations and accounts (admins only): create, deactivate or reactivate, change the
role, reset a password, unlock. Accounts are searched, filtered and paged in SQL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.account_list import account_list
from dashboard.auth import signed_in_actor
from dashboard.case_sections.retention import retention_section
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select, save, show_flash
from dashboard.i18n import _
from models import accounts
from models.enums import Role

ORG_NAME = "wp_admin_org_name"
USER = "wp_admin_user"


actor = signed_in_actor()
st.title(_("Organisations and accounts"))
show_flash()
organisations = data.read(accounts.list_organisations)
org_choices = [(o.id, o.name) for o in organisations if o.id is not None]

st.subheader(_("Organisations"))
st.dataframe(
    pd.DataFrame(
        {
            _("Name"): [o.name for o in organisations],
            _("Active"): [_("Yes") if o.active else _("No") for o in organisations],
            _("Identities kept after closing (months)"): [
                o.identity_retention_months for o in organisations
            ],
        }
    ),
    hide_index=True,
)
with st.form("wp_admin_new_org"):
    errors = FieldErrors()
    name = st.text_input(_("New organisation"), key=ORG_NAME)
    errors.slot("name", FORM_ERROR)
    if st.form_submit_button(_("Add the organisation"), key="wp_admin_org_save"):
        save(
            lambda s: accounts.create_organisation(s, actor=actor, name=name),
            errors=errors,
            success=_("Organisation added."),
        )

retention_section(actor, organisations=org_choices, today=runtime.settings().today())

st.subheader(_("Accounts"))
users = account_list(actor, organisations=org_choices)

with st.expander(_("Create an account")), st.form("wp_admin_new_user"):
    errors = FieldErrors()
    username = st.text_input(_("Username"), key="wp_admin_new_username")
    errors.slot("username")
    display_name = st.text_input(_("Name"), key="wp_admin_new_display")
    errors.slot("display_name")
    role = enum_select(_("Role"), Role, value=Role.CASEWORKER, key="wp_admin_new_role")
    organisation = choice_select(_("Organisation"), org_choices, value=None, key="wp_admin_new_org")
    errors.slot("organisation")
    password = st.text_input(
        _("Initial password"),
        type="password",
        key="wp_admin_new_password",
        help=_("At least 12 characters; common passwords are refused."),
    )
    errors.slot("password", FORM_ERROR)
    if st.form_submit_button(_("Create the account"), key="wp_admin_new_save"):
        save(
            lambda s: accounts.create_user(
                s,
                actor=actor,
                username=username,
                display_name=display_name,
                role=role,
                organisation_id=organisation,
                password=password,
            ),
            errors=errors,
            success=_("Account created."),
        )

st.subheader(_("Change an account"))
st.caption(_("Choose among the accounts listed above; search to find another."))
user_choices = [(u.id, u.username) for u in users]
chosen_id = choice_select(_("Account"), user_choices, value=None, key=USER)
chosen = next((u for u in users if u.id == chosen_id), None)
if chosen is not None:
    target = chosen.id
    errors = FieldErrors()
    errors.slot(FORM_ERROR, "user")
    first, second = st.columns(2)
    with first:
        if chosen.active:
            if st.button(_("Deactivate"), key="wp_admin_deactivate"):
                save(
                    lambda s: accounts.set_active(s, actor=actor, user_id=target, active=False),
                    errors=errors,
                    success=_("Account deactivated."),
                )
        elif st.button(_("Reactivate"), key="wp_admin_reactivate"):
            save(
                lambda s: accounts.set_active(s, actor=actor, user_id=target, active=True),
                errors=errors,
                success=_("Account reactivated."),
            )
    with second:
        if st.button(_("Unlock"), key="wp_admin_unlock"):
            save(
                lambda s: accounts.unlock(s, actor=actor, user_id=target),
                errors=errors,
                success=_("Account unlocked."),
            )
    with st.form(f"wp_admin_role_{chosen.id}"):
        role_errors = FieldErrors()
        new_role = enum_select(
            _("Role"), Role, value=chosen.role, key=f"wp_admin_role_value_{chosen.id}"
        )
        new_organisation = choice_select(
            _("Organisation"),
            org_choices,
            value=chosen.organisation_id,
            key=f"wp_admin_role_org_{chosen.id}",
        )
        role_errors.slot("role", "organisation", FORM_ERROR)
        if st.form_submit_button(_("Change the role"), key=f"wp_admin_role_save_{chosen.id}"):
            save(
                lambda s: accounts.change_role(
                    s,
                    actor=actor,
                    user_id=target,
                    role=new_role,
                    organisation_id=new_organisation,
                ),
                errors=role_errors,
                success=lambda unassigned: (
                    _("Role changed.")
                    if not unassigned
                    else _(
                        "Role changed. {count} open cases were unassigned from this account; "
                        "its former organisation should reassign them.",
                        count=unassigned,
                    )
                ),
            )
    with st.form(f"wp_admin_reset_{chosen.id}", clear_on_submit=True):
        reset_errors = FieldErrors()
        new_password = st.text_input(
            _("New password"), type="password", key=f"wp_admin_reset_value_{chosen.id}"
        )
        reset_errors.slot("new_password", FORM_ERROR)
        if st.form_submit_button(_("Reset the password"), key=f"wp_admin_reset_save_{chosen.id}"):
            save(
                lambda s: accounts.reset_password(
                    s, actor=actor, user_id=target, new_password=new_password
                ),
                errors=reset_errors,
                success=_("Password reset; the account is unlocked."),
            )
