"""Resettlement pipeline: how far cases get, how long each stage takes, how cases leave."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.dashboard_widgets import case_filters, empty_caseload_guide, numbers
from dashboard.figures.pipeline import cohort_heatmap, funnel, horizontal_bars, reached_by_group
from dashboard.figures.style import ORANGE
from dashboard.i18n import _, country, label, month_text, number_text, percent_text
from models.dashboards.pipeline import STAGES, conversion
from models.enums import Category, Outcome

COHORT_MONTHS = 24
TOP_DESTINATIONS = 6

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Resettlement pipeline"))
empty_caseload_guide(actor)
st.caption(
    _(
        "Every case ever opened, open or closed. A case has reached a stage when its "
        "furthest stage is that one or a later one."
    )
)
filters = case_filters("pipeline", actor=actor, fields=("category", "org"))
pipeline_numbers = data.pipeline_data(actor=actor, today=today, filters=filters)
reached = pipeline_numbers.funnel()
stage_names = [label(stage) for stage in STAGES]

if not reached[STAGES[0]]:
    st.info(_("No case matches these filters."))
    st.stop()

shares = conversion(reached)
medians = pipeline_numbers.median_days()
left, right = st.columns(2, gap="large")
with left:
    st.plotly_chart(
        funnel(stage_names, [reached[s] for s in STAGES], title=_("Cases that reached each stage")),
        key="pipeline_funnel",
    )
with right:
    shown = {s: days for s in STAGES if (days := medians[s]) is not None}
    st.plotly_chart(
        horizontal_bars(
            [label(s) for s in shown],
            list(shown.values()),
            texts=[number_text(d, decimals=1, trailing_zeros=False) for d in shown.values()],
            title=_("Median days spent in each stage"),
            x_title=_("Days"),
        ),
        key="pipeline_days",
    )
numbers(
    pd.DataFrame(
        {
            _("Stage"): stage_names,
            _("Cases that reached it"): [reached[s] for s in STAGES],
            _("Share of the stage before"): [percent_text(shares[s]) for s in STAGES],
            _("Median days in stage"): [
                number_text(medians[s], decimals=1, trailing_zeros=False) for s in STAGES
            ],
        }
    ),
    key="pipeline_funnel_numbers",
)

by_destination = {
    d: reached
    for d, reached in pipeline_numbers.split(lambda group: group.destination).items()
    if isinstance(d, str) and d
}
destinations = sorted(by_destination, key=lambda d: -by_destination[d][STAGES[0]])
late = STAGES[3:]
left, right = st.columns(2, gap="large")
with left:
    exits = {o: pipeline_numbers.exits.get(o, 0) for o in Outcome if o is not Outcome.DUPLICATE}
    st.plotly_chart(
        horizontal_bars(
            [label(o) for o in exits],
            list(exits.values()),
            title=_("Closed cases by outcome"),
            x_title=_("Cases"),
            colour=ORANGE,
        ),
        key="pipeline_exits",
    )
    numbers(
        pd.DataFrame({_("Outcome"): [label(o) for o in exits], _("Cases"): list(exits.values())}),
        key="pipeline_exits_numbers",
    )
with right:
    if destinations:
        top = destinations[:TOP_DESTINATIONS]
        st.plotly_chart(
            reached_by_group(
                [country(d) for d in top],
                {label(s): [by_destination[d][s] for d in top] for s in late},
                title=_("Later stages reached, by destination country"),
                x_title=_("Destination country"),
                y_title=_("Cases"),
            ),
            key="pipeline_destinations",
        )
        numbers(
            pd.DataFrame(
                {
                    _("Destination country"): [country(d) for d in destinations],
                    **{label(s): [by_destination[d][s] for d in destinations] for s in late},
                }
            ),
            key="pipeline_destinations_numbers",
        )

by_category = pipeline_numbers.split(lambda group: group.category)
categories = [c for c in Category if c in by_category]
st.plotly_chart(
    reached_by_group(
        stage_names,
        {label(c): [by_category[c][s] for s in STAGES] for c in categories},
        title=_("Stages reached, by category"),
        x_title=_("Stage"),
        y_title=_("Cases"),
    ),
    key="pipeline_categories",
)
numbers(
    pd.DataFrame(
        {
            _("Category"): [label(c) for c in categories],
            **{label(s): [by_category[c][s] for c in categories] for s in STAGES},
        }
    ),
    key="pipeline_categories_numbers",
)

cohorts = {
    month: reached
    for month, reached in pipeline_numbers.split(lambda group: group.intake_month).items()
    if isinstance(month, dt.date)
}
months = sorted(cohorts)[-COHORT_MONTHS:]
cohort_shares: list[list[float | None]] = [
    [cohorts[m][s] / cohorts[m][STAGES[0]] for s in STAGES] for m in months
]
st.plotly_chart(
    cohort_heatmap(
        [month_text(m) for m in months],
        stage_names,
        cohort_shares,
        title=_("Intake cohorts: share of each month's intake that reached each stage"),
        x_title=_("Stage"),
        y_title=_("Intake month"),
    ),
    key="pipeline_cohorts",
)
numbers(
    pd.DataFrame(
        {
            _("Intake month"): [month_text(m) for m in months],
            _("Cases"): [cohorts[m][STAGES[0]] for m in months],
            **{
                label(s): [percent_text(row[i]) for row in cohort_shares]
                for i, s in enumerate(STAGES)
            },
        }
    ),
    key="pipeline_cohort_numbers",
)
