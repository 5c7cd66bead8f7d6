"""The audit trail: who did what and when, filtered; admins see every row, coordinators
their organisation's. A CSV export is prepared on request and is itself audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.audit_text import readable_trail
from dashboard.auth import current_actor, guarded_download, signed_in_actor
from dashboard.i18n import _, date_help, date_widget_format, label
from models.access import Action, permits
from models.audit_queries import AuditFilters, audit_events, export_audit_events
from models.case_queries import CODE_MAX_CHARS
from models.enums import AuditAction
from reports.files import to_csv

SINCE = "wp_audit_since"
UNTIL = "wp_audit_until"
ACTION = "wp_audit_action"
USERNAME = "wp_audit_username"
CASE_CODE = "wp_audit_case"
PREPARE = "wp_audit_prepare"
EXPORT = "wp_audit_export"


def filters_form() -> AuditFilters:
    first, second, third = st.columns(3)
    with first:
        since = st.date_input(
            _("From"), value=None, key=SINCE, format=date_widget_format(), help=date_help()
        )
        until = st.date_input(
            _("To"), value=None, key=UNTIL, format=date_widget_format(), help=date_help()
        )
    with second:
        action = st.selectbox(_("Action"), [None, *AuditAction], key=ACTION, format_func=label)
        username = st.text_input(_("Username"), key=USERNAME, max_chars=64)
    with third:
        case_code = st.text_input(_("Case code"), key=CASE_CODE, max_chars=CODE_MAX_CHARS)
    return AuditFilters(
        since=since, until=until, action=action, username=username, case_code=case_code
    )


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    shown = readable_trail(frame)
    shown.columns = [
        _("When"),
        _("User"),
        _("Action"),
        _("Record"),
        _("Record id"),
        _("Case"),
        _("Fields"),
        _("Detail"),
    ]
    return shown


actor = signed_in_actor()
st.title(_("Audit trail"))
st.caption(
    _("Each row says who did what, when, to which record and which fields; never the values.")
)
filters = filters_form()
rows = data.read(audit_events, actor=actor, filters=filters)
st.caption(_("The newest {count} matching rows.", count=len(rows)))
st.dataframe(readable(rows), hide_index=True, width="stretch")

if permits(actor, Action.EXPORT):
    if st.button(_("Prepare a CSV export"), key=PREPARE) and current_actor() is not None:
        exported = data.read(export_audit_events, actor=actor, filters=filters)
        st.session_state[EXPORT] = to_csv(readable(exported))
    prepared: bytes | None = st.session_state.get(EXPORT)
    if prepared is not None:
        csv_file: bytes = prepared
        st.download_button(
            _("Download the CSV file"),
            # Made on click, and only for a live session: a static file would stay
            # downloadable by its address after the account is deactivated.
            data=guarded_download(actor, lambda: csv_file),
            file_name="audit-trail.csv",
            mime="text/csv",
            key="wp_audit_download",
            on_click="ignore",
        )
