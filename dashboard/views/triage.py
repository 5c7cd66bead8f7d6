"""Risk triage: every open case's level and the reasons that set it."""

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
    reasons_text,
    shown_caption,
)
from dashboard.figures.triage import levels_by_category, reasons_chart
from dashboard.i18n import _, label
from models.enums import Category
from models.risk import RiskLevel

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Risk triage"))
empty_caseload_guide(actor)
st.caption(
    _(
        "Open cases by risk level. The rules are the same everywhere in Waypoint; each "
        "case lists the reasons that set its level."
    )
)
filters = case_filters("triage", actor=actor)
summary = data.triage_summary(actor=actor, today=today, filters=filters)
by_level = summary.by_level()

for column, level in zip(st.columns(4), sorted(RiskLevel, reverse=True), strict=True):
    with column, st.container(border=True):
        st.metric(_(level.label), by_level[level])

if sum(by_level.values()):
    left, right = st.columns(2, gap="large")
    categories = [
        c for c in Category if any(summary.by_level_and_category.get((lv, c)) for lv in RiskLevel)
    ]
    with left:
        st.plotly_chart(
            levels_by_category(
                [label(c) for c in categories],
                {
                    lv: [summary.by_level_and_category.get((lv, c), 0) for c in categories]
                    for lv in RiskLevel
                },
                level_names={lv: _(lv.label) for lv in RiskLevel},
                title=_("Open cases by category and risk level"),
                x_title=_("Open cases"),
            ),
            key="triage_levels_chart",
        )
        numbers(
            pd.DataFrame(
                {
                    _("Category"): [label(c) for c in categories],
                    **{
                        _(lv.label): [
                            summary.by_level_and_category.get((lv, c), 0) for c in categories
                        ]
                        for lv in sorted(RiskLevel, reverse=True)
                    },
                }
            ),
            key="triage_levels_numbers",
        )
    with right:
        reasons = [r for r, n in summary.by_reason.items() if n]
        st.plotly_chart(
            reasons_chart(
                [_(r) for r in reasons],
                [summary.by_reason[r] for r in reasons],
                title=_("How often each rule applies"),
                x_title=_("Open cases"),
            ),
            key="triage_reasons_chart",
        )
        numbers(
            pd.DataFrame(
                {
                    _("Reason"): [_(r) for r in summary.by_reason],
                    _("Open cases"): list(summary.by_reason.values()),
                }
            ),
            key="triage_reasons_numbers",
        )

st.subheader(_("Cases, most urgent first"))
page, offset = paged(
    lambda offset: data.triage_cases(actor=actor, today=today, filters=filters, offset=offset),
    key="triage_page",
)
if page.rows:
    pager(page.total, key="triage_page")
    shown_caption(offset, len(page.rows), page.total)
    st.dataframe(
        pd.DataFrame(
            {
                "case": case_links([row.code for row in page.rows]),
                "level": [level_text(row.level) for row in page.rows],
                "days_left": pd.Series([row.permit_days_left for row in page.rows], dtype="Int64"),
                "category": [label(row.category) for row in page.rows],
                "stage": [label(row.stage) for row in page.rows],
                "caseworker": [row.caseworker or _("Not assigned") for row in page.rows],
                "reasons": [reasons_text(row.reasons) or "—" for row in page.rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key="triage_cases",
        column_config={
            "case": case_link_column(_("Case")),
            "level": _("Risk level"),
            "reasons": st.column_config.TextColumn(_("Reasons"), width="large"),
            "category": _("Category"),
            "stage": _("Stage"),
            "caseworker": _("Caseworker"),
            "days_left": st.column_config.NumberColumn(_("Days left on permit")),
        },
    )
else:
    st.info(_("No open case matches these filters."))
