"""The admin page's list of accounts: a search by username or name, role and organisation
filters, and one page of the matches at a time (all in SQL: a network has thousands)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.forms import choice_select, optional_enum_select
from dashboard.i18n import _, _n, label
from models import accounts
from models.access import Actor
from models.enums import Role

SEARCH = "wp_admin_search"
ROLE = "wp_admin_role_filter"
ORGANISATION = "wp_admin_org_filter"
PAGE = "wp_admin_page"


def accounts_table(rows: list[accounts.AccountRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("Username"): [row.username for row in rows],
            _("Name"): [row.display_name for row in rows],
            _("Role"): [label(row.role) for row in rows],
            _("Organisation"): [row.organisation or "—" for row in rows],
            _("Active"): [_("Yes") if row.active else _("No") for row in rows],
            _("Locked"): [_("Yes") if row.locked else _("No") for row in rows],
        }
    )


def account_list(
    actor: Actor, *, organisations: list[tuple[int, str]]
) -> list[accounts.AccountRow]:
    """Draw the filters and the page of accounts; returns the accounts shown."""
    search_column, role_column, organisation_column = st.columns(3)
    with search_column:
        search = st.text_input(
            _("Search"),
            key=SEARCH,
            max_chars=accounts.ACCOUNT_SEARCH_MAX_CHARS,
            help=_("Part of the username or the name."),
        )
    with role_column:
        role = optional_enum_select(_("Role"), Role, value=None, key=ROLE)
    with organisation_column:
        organisation = choice_select(_("Organisation"), organisations, value=None, key=ORGANISATION)
    listed = data.read(
        accounts.account_page,
        actor=actor,
        filters=accounts.AccountFilters(search, role, organisation),
        page=int(st.session_state.get(PAGE, 1) or 1),
    )
    st.caption(
        _n("{total} account matches.", "{total} accounts match.", listed.total, total=listed.total)
    )
    if listed.rows:
        st.dataframe(accounts_table(listed.rows), hide_index=True, width="stretch")
        if st.session_state.get(PAGE, 1) != listed.page:
            st.session_state[PAGE] = listed.page  # the filters left fewer pages
        st.number_input(_("Page"), min_value=1, max_value=listed.pages, step=1, key=PAGE)
        st.caption(_("Page {page} of {pages}", page=listed.page, pages=listed.pages))
    return listed.rows
