"""The case list: the cases the user may see, filtered and searched, one page at a time.

Rows show codes, never names; a name can be searched by roles that may read identities. The
list is not cached: a search term may itself be a name.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.dashboard_widgets import empty_caseload_guide
from dashboard.forms import choice_select, optional_enum_select
from dashboard.i18n import _, _n, current_language, date_text, label
from dashboard.links import CASE_LINK_DISPLAY, case_url
from models.access import Action, permits
from models.case_queries import (
    PAGE_SIZE,
    SEARCH_MAX_CHARS,
    CaseListFilters,
    case_list,
    caseworker_choices,
    city_choices,
)
from models.enums import CaseStatus, Category, Stage
from models.errors import ValidationError
from models.risk import RiskLevel

SEARCH = "wp_cases_search"
STATUS = "wp_cases_status"
STAGE = "wp_cases_stage"
RISK = "wp_cases_risk"
CITY = "wp_cases_city"
CASEWORKER = "wp_cases_caseworker"
EXPIRING = "wp_cases_expiring"
PAGE = "wp_cases_page"


def filters_form(
    cities: list[tuple[int, str]], caseworkers: list[tuple[int, str]]
) -> CaseListFilters:
    search_help = (
        _("Case code, or a name in Cyrillic or Latin letters.")
        if permits(actor, Action.READ_IDENTITY)
        else _("Case code.")
    )
    search = st.text_input(_("Search"), key=SEARCH, help=search_help, max_chars=SEARCH_MAX_CHARS)
    first, second, third = st.columns(3)
    with first:
        status = optional_enum_select(_("Status"), CaseStatus, value=CaseStatus.OPEN, key=STATUS)
        stage = optional_enum_select(_("Stage"), Stage, value=None, key=STAGE)
    with second:
        risk_level = optional_enum_select(
            _("Risk level"),
            RiskLevel,  # type: ignore[type-var]  # an IntEnum with labels, not a LabelledEnum (StrEnum)
            value=None,
            key=RISK,
        )
        city = choice_select(_("City"), cities, value=None, key=CITY)
    with third:
        caseworker = choice_select(_("Caseworker"), caseworkers, value=None, key=CASEWORKER)
        expiring = st.number_input(
            _("Permit expires within (days)"),
            min_value=0,
            max_value=3650,
            value=None,
            step=30,
            key=EXPIRING,
        )
    return CaseListFilters(
        status=status,
        stage=stage,
        risk_level=risk_level,
        city_id=city,
        caseworker_id=caseworker,
        expiring_within_days=None if expiring is None else int(expiring),
        search=search,
    )


def display(rows: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            _("Case"): rows["code"].map(case_url),
            _("Risk"): rows["risk_level"].map(
                lambda v: "—" if pd.isna(v) else _(RiskLevel(int(v)).label)
            ),
            _("Category"): rows["category"].map(lambda v: label(Category(v))),
            _("City"): rows["city"].fillna("—"),
            _("Stage"): rows["stage"].map(lambda v: label(Stage(v))),
            _("Status"): rows["status"].map(lambda v: label(CaseStatus(v))),
            _("Permit expires on"): rows["permit_expires_on"].map(date_text),
            _("Caseworker"): rows["caseworker"].fillna("—"),
        }
    )
    return shown


actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Cases"))
empty_caseload_guide(actor)
filters = filters_form(
    [(c.id, c.name) for c in data.read(city_choices, language=current_language())],
    [(c.id, c.name) for c in data.read(caseworker_choices, actor=actor)],
)
page_number = int(st.session_state.get(PAGE, 1) or 1)
try:
    result = data.read(
        case_list,
        actor=actor,
        filters=filters,
        today=today,
        page=page_number,
        page_size=PAGE_SIZE,
        language=current_language(),
    )
except ValidationError as refused:
    st.error(_(refused.messages["search"], **refused.params["search"]))
    st.stop()
if result.capped:
    st.caption(
        _(
            "More than {total} cases match; the list shows the first {total}. "
            "Narrow the filters to see the others.",
            total=result.total,
        )
    )
else:
    st.caption(
        _n("{total} case matches.", "{total} cases match.", result.total, total=result.total)
    )
if result.total:
    st.dataframe(
        display(result.rows),
        hide_index=True,
        width="stretch",
        column_config={_("Case"): st.column_config.LinkColumn(display_text=CASE_LINK_DISPLAY)},
    )
    if st.session_state.get(PAGE, 1) != result.page:
        st.session_state[PAGE] = result.page  # the filters left fewer pages
    st.number_input(_("Page"), min_value=1, max_value=result.pages, step=1, key=PAGE)
    st.caption(_("Page {page} of {pages}", page=result.page, pages=result.pages))
else:
    st.info(_("No case matches these filters."))
