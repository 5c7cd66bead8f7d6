"""The retention section of the admin page: which identities are due for purging, a button
to purge those due now, and each organisation's retention period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, flash, save
from dashboard.i18n import _, _n
from models.access import Actor
from models.identity.retention import (
    DEFAULT_RETENTION_MONTHS,
    MAX_RETENTION_MONTHS,
    apply_retention,
    retention_overview,
    set_retention_months,
)

PREFIX = "wp_retention_"
SOON_DAYS = 30
SHOWN = 100


def retention_section(
    actor: Actor, *, organisations: list[tuple[int, str]], today: dt.date
) -> None:
    """``organisations``: (id, name) of those whose retention period may be set."""
    st.subheader(_("Identity retention"))
    st.caption(
        _(
            "The identity of a closed case is purged automatically when its organisation's "
            "retention period has passed (run `waypoint retention --apply` daily). The case "
            "facts stay for the statistics."
        )
    )
    overview = data.read(
        retention_overview, today=today, actor=actor, within_days=SOON_DAYS, shown=SHOWN
    )
    due = overview.soonest
    st.dataframe(
        pd.DataFrame(
            {
                _("Case"): [d.case_code for d in due],
                _("Organisation"): [d.organisation for d in due],
                _("Closed on"): [d.closed_on for d in due],
                _("Purge due on"): [d.due_on for d in due],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        _("{now} due now, {soon} more within {days} days.").format(
            now=overview.due_now, soon=overview.due_soon, days=SOON_DAYS
        )
        + (
            " "
            + _n(
                "The soonest {shown} is listed.",
                "The soonest {shown} are listed.",
                SHOWN,
                shown=SHOWN,
            )
            if overview.due_now + overview.due_soon > SHOWN
            else ""
        )
    )
    if overview.due_now and st.button(_("Purge the identities due now"), key=f"{PREFIX}apply"):
        codes = data.write_in_steps(apply_retention, today=today, actor=actor)
        flash(
            "success",
            _n(
                "{count} identity purged.",
                "{count} identities purged.",
                len(codes),
                count=len(codes),
            ),
        )
        st.rerun()
    with st.form(f"{PREFIX}months"):
        errors = FieldErrors()
        organisation = choice_select(
            _("Organisation"), organisations, value=None, key=f"{PREFIX}organisation"
        )
        errors.slot("organisation")
        months = st.number_input(
            _("Months after closing"),
            min_value=1,
            max_value=MAX_RETENTION_MONTHS,
            value=DEFAULT_RETENTION_MONTHS,
            step=1,
            key=f"{PREFIX}months_value",
        )
        errors.slot("months", FORM_ERROR)
        if st.form_submit_button(_("Set the retention period"), key=f"{PREFIX}months_save"):
            save(
                lambda s: set_retention_months(
                    s, actor=actor, organisation_id=organisation or 0, months=int(months)
                ),
                errors=errors,
                success=_("Retention period set."),
            )
