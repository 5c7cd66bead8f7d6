"""Permit expiry: when the open cases' permits run out, week by week and case by case."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.dashboard_widgets import (
    case_filters,
    case_link_column,
    case_links,
    empty_caseload_guide,
    level_text,
    numbers,
    paged,
    pager,
    shown_caption,
)
from dashboard.figures.permits import PermitBar, timeline, weekly_expiries
from dashboard.i18n import _, current_language, date_text, date_widget_format, label
from models.dashboards.permits import Band, PermitSort

BAND_NAMES = {
    Band.EXPIRED: _("Expired"),
    Band.DAYS_30: _("Within 30 days"),
    Band.DAYS_60: _("In 31–60 days"),
    Band.DAYS_90: _("In 61–90 days"),
    Band.LATER: _("Later"),
}
WINDOWS = {
    30: _("Expired or within 30 days"),
    60: _("Expired or within 60 days"),
    90: _("Expired or within 90 days"),
    None: _("All permits"),
}
SORTS = {
    PermitSort.EXPIRY: _("Expiry, soonest first"),
    PermitSort.EXPIRY_LATEST: _("Expiry, latest first"),
    PermitSort.RISK: _("Risk level, highest first"),
    PermitSort.CODE: _("Case code"),
}


def expiry_text(code: str, permit: str, expires_on: dt.date, days_left: int) -> str:
    """A bar's hover text: when the permit runs out, or how long ago it ran out."""
    if days_left < 0:
        return _(
            "{code}: {permit}, expired on {date}, {days} days ago",
            code=code,
            permit=permit,
            date=date_text(expires_on),
            days=-days_left,
        )
    return _(
        "{code}: {permit}, expires {date} ({days} days)",
        code=code,
        permit=permit,
        date=date_text(expires_on),
        days=days_left,
    )


actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Permit expiry"))
empty_caseload_guide(actor)
st.caption(
    _(
        "Open cases whose permit has an end date, counted from today ({today}).",
        today=date_text(today),
    )
)
filters = case_filters("permits", actor=actor, fields=("category", "permit", "level", "org"))
summary = data.expiry_summary(actor=actor, today=today, filters=filters)

columns = st.columns(len(Band) + 1)
for column, band in zip(columns, Band, strict=False):
    with column, st.container(border=True):
        st.metric(BAND_NAMES[band], summary.by_band[band])
with columns[-1], st.container(border=True):
    st.metric(_("No end date"), summary.no_expiry_date)
st.caption(_("No end date: no permit, or a permit without an end date."))

st.plotly_chart(
    weekly_expiries(
        [week for week, _n in summary.weekly],
        [n for _w, n in summary.weekly],
        title=_("Permits expiring in each of the next 26 weeks"),
        x_title=_("Week starting"),
        y_title=_("Permits"),
        language=current_language(),
    ),
    key="permits_weekly_chart",
)
numbers(
    pd.DataFrame(
        {
            _("Week starting"): [date_text(week) for week, _n in summary.weekly],
            _("Permits"): [n for _w, n in summary.weekly],
        }
    ),
    key="permits_weekly_numbers",
)

st.subheader(_("Permits, case by case"))
left, right = st.columns(2)
window = left.selectbox(
    _("Show"), list(WINDOWS), format_func=WINDOWS.__getitem__, index=2, key="permits_window"
)
sort = right.selectbox(_("Sort by"), list(SORTS), format_func=SORTS.__getitem__, key="permits_sort")
page, offset = paged(
    lambda offset: data.permits_page(
        actor=actor, today=today, filters=filters, within_days=window, sort=sort, offset=offset
    ),
    key="permits_page",
)
if page.rows:
    pager(page.total, key="permits_page")
    shown_caption(offset, len(page.rows), page.total)
    bars = [
        PermitBar(
            row.code,
            row.issued_on or row.expires_on,
            row.expires_on,
            row.band,
            expiry_text(row.code, label(row.permit_type), row.expires_on, row.days_left),
        )
        for row in page.rows
    ]
    st.plotly_chart(
        timeline(
            bars,
            today=today,
            band_names=BAND_NAMES,
            today_label=_("Today"),
            title=_("Permit validity of the cases on this page"),
            x_title=_("Date"),
            language=current_language(),
        ),
        key="permits_timeline",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "case": case_links([row.code for row in page.rows]),
                "permit": [label(row.permit_type) for row in page.rows],
                "issued": [row.issued_on for row in page.rows],
                "expires": [row.expires_on for row in page.rows],
                "days_left": [row.days_left for row in page.rows],
                "band": [BAND_NAMES[row.band] for row in page.rows],
                "level": [level_text(row.level) for row in page.rows],
                "caseworker": [row.caseworker or _("Not assigned") for row in page.rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key="permits_table",
        column_config={
            "case": case_link_column(_("Case")),
            "permit": _("Permit"),
            "issued": st.column_config.DateColumn(_("Issued"), format=date_widget_format()),
            "expires": st.column_config.DateColumn(_("Expires"), format=date_widget_format()),
            "days_left": st.column_config.NumberColumn(_("Days left")),
            "band": _("When"),
            "level": _("Risk level"),
            "caseworker": _("Caseworker"),
        },
    )
else:
    st.info(_("No open case matches these filters."))
