"""Weekly review: the coordinator's Monday morning, limited to the cases the user may see."""

from typing import Literal

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.dashboard_widgets import (
    case_link_column,
    case_links,
    empty_caseload_guide,
    level_text,
    numbers,
    paged,
    pager,
    reasons_text,
    shown_caption,
)
from dashboard.figures.weekly import caseload_chart
from dashboard.i18n import _, date_text, label
from dashboard.referral_widgets import overdue_section
from models.access import Action, permits
from models.dashboards.weekly import Tile, caseload_chart_rows, week_start
from models.enums import Stage

TILE_TEXT: dict[Tile, tuple[str, Literal["off", "inverse"]]] = {
    Tile.OPEN: (_("Open cases"), "off"),
    Tile.INTAKES: (_("New intakes (7 days)"), "off"),
    Tile.DETAINED: (_("In detention now"), "inverse"),
    Tile.EXTRADITION: (_("Extradition proceedings"), "inverse"),
    Tile.EXPIRING: (_("Permits expiring within 30 days"), "inverse"),
    Tile.EXPIRED: (_("Permits expired"), "inverse"),
    Tile.STALE: (_("No update for 14 days or more"), "inverse"),
}

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Weekly review"))
empty_caseload_guide(actor)
st.caption(
    _(
        "The week from {start} to {end}. Each tile compares today with the same day last week.",
        start=date_text(week_start(today)),
        end=date_text(today),
    )
)

for column, value in zip(
    st.columns(4) + st.columns(3), data.weekly_tiles(actor=actor, today=today), strict=True
):
    text, colour = TILE_TEXT[value.tile]
    with column, st.container(border=True):
        if value.last_week is None:
            st.metric(
                text,
                value.now,
                help=_("No history is kept for this, so there is no comparison with last week."),
            )
        else:
            st.metric(
                text,
                value.now,
                delta=value.now - value.last_week,
                delta_color=colour,
                help=_("Last week: {count}", count=value.last_week),
            )

st.subheader(_("Urgent cases"))
st.caption(_("Open cases at high or critical risk, most urgent first."))
urgent, offset = paged(
    lambda offset: data.urgent_cases(actor=actor, today=today, offset=offset),
    key="weekly_urgent_page",
)
if urgent.rows:
    pager(urgent.total, key="weekly_urgent_page")
    shown_caption(offset, len(urgent.rows), urgent.total)
    st.dataframe(
        pd.DataFrame(
            {
                "case": case_links([row.code for row in urgent.rows]),
                "level": [level_text(row.level) for row in urgent.rows],
                "days_left": pd.Series(
                    [row.permit_days_left for row in urgent.rows], dtype="Int64"
                ),
                "caseworker": [row.caseworker or _("Not assigned") for row in urgent.rows],
                "reasons": [reasons_text(row.reasons) for row in urgent.rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key="weekly_urgent",
        column_config={
            "case": case_link_column(_("Case")),
            "level": _("Risk level"),
            "reasons": st.column_config.TextColumn(_("Reasons"), width="large"),
            "caseworker": _("Caseworker"),
            "days_left": st.column_config.NumberColumn(
                _("Days left on permit"), help=_("Negative: the permit expired that many days ago.")
            ),
        },
    )
else:
    st.success(_("No open case is at high or critical risk."))

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(_("Caseload of each caseworker"))
    loads = data.caseloads(actor=actor, today=today)
    if loads:
        names = [row.caseworker or _("Not assigned") for row in loads]
        chart = caseload_chart_rows(loads)
        bars = [(row.caseworker or "", row) for row in chart.largest]
        if chart.unassigned:
            bars.append((_("Not assigned"), chart.unassigned))
        if chart.rest:
            bars.append((_("{count} other caseworkers", count=chart.rest_caseworkers), chart.rest))
        st.plotly_chart(
            caseload_chart(
                [name for name, _row in bars],
                critical=[row.critical for _name, row in bars],
                high=[row.urgent - row.critical for _name, row in bars],
                other=[row.open_cases - row.urgent for _name, row in bars],
                names=(_("Critical risk"), _("High risk"), _("Other open cases")),
                title=_("Open cases per caseworker (the largest caseloads)")
                if chart.rest
                else _("Open cases per caseworker"),
                x_title=_("Open cases"),
            ),
            key="weekly_caseload_chart",
        )
        numbers(
            pd.DataFrame(
                {
                    _("Caseworker"): names,
                    _("Open cases"): [row.open_cases for row in loads],
                    _("High or critical risk"): [row.urgent for row in loads],
                    _("Critical risk"): [row.critical for row in loads],
                }
            ),
            key="weekly_caseload_numbers",
        )
    else:
        st.info(_("There are no open cases."))

with right:
    st.subheader(_("What changed this week"))
    changes = data.week_changes(actor=actor, today=today)
    moves, closures = sum(changes.stage_moves.values()), sum(changes.closures.values())
    a, b = st.columns(2)
    a.metric(_("Stage moves"), moves)
    b.metric(_("Closures"), closures)
    a.metric(_("Detentions"), changes.detentions)
    b.metric(_("Releases"), changes.releases)
    if changes.stage_moves:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Stage reached"): [
                        label(stage) for stage in Stage if stage in changes.stage_moves
                    ],
                    _("Cases"): [changes.stage_moves[s] for s in Stage if s in changes.stage_moves],
                }
            ),
            hide_index=True,
            width="stretch",
            key="weekly_moves",
        )
    if changes.closures:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Outcome"): [label(outcome) for outcome in changes.closures],
                    _("Cases"): list(changes.closures.values()),
                }
            ),
            hide_index=True,
            width="stretch",
            key="weekly_closures",
        )

if permits(actor, Action.REFER_CASE):
    overdue_section(actor, today)
