"""Caseload map: open cases per city over the outlines of Kazakhstan and its neighbours."""

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.dashboard_widgets import case_filters, empty_caseload_guide, numbers
from dashboard.figures.map import CityBubble, caseload_map
from dashboard.i18n import _, country, current_language, percent_text
from models.dashboards.caseload_map import CityCount
from models.i18n import Language

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Caseload map"))
empty_caseload_guide(actor)
st.caption(
    _(
        "Open cases per city: the size of a bubble is the number of cases, its colour the "
        "share at high or critical risk. Hovering shows counts only."
    )
)
filters = case_filters("map", actor=actor)
cities = data.cases_per_city(actor=actor, today=today, filters=filters)
russian = current_language() == Language.RU


def city_name(row: CityCount) -> str:
    if row.city_key is None:
        return _("No city recorded")
    return str(row.name_ru if russian else row.name_en)


on_map = [row for row in cities if row.on_map]
off_map = [row for row in cities if not row.on_map]
total = sum(row.open_cases for row in cities)
urgent = sum(row.urgent for row in cities)
a, b, c = st.columns(3)
a.metric(_("Open cases"), total)
b.metric(_("High or critical risk"), urgent)
c.metric(_("Cities"), len([row for row in cities if row.city_key is not None]))

if cities:
    st.plotly_chart(
        caseload_map(
            [
                CityBubble(city_name(r), r.lat, r.lon, r.open_cases, r.urgent)
                for r in on_map
                if r.lat is not None and r.lon is not None  # as ``on_map`` says
            ],
            title=_("Open cases per city"),
            colour_title=_("Share urgent"),
            hover=_(
                "{city}: {open} open cases, {urgent} at high or critical risk ({share}%)",
                city="%{customdata[0]}",
                open="%{customdata[1]}",
                urgent="%{customdata[2]}",
                share="%{customdata[3]}",
            ),
        ),
        key="map_chart",
        config={"displaylogo": False, "scrollZoom": True},
    )
    numbers(
        pd.DataFrame(
            {
                _("City"): [city_name(r) for r in on_map],
                _("Country"): [country(r.country) for r in on_map],
                _("Open cases"): [r.open_cases for r in on_map],
                _("High or critical risk"): [r.urgent for r in on_map],
                _("Share urgent"): [percent_text(r.urgent_share) for r in on_map],
            }
        ),
        key="map_numbers",
    )
    if off_map:
        st.subheader(_("Not on the map"))
        st.caption(_("These places have no coordinates, so their cases are counted here."))
        st.dataframe(
            pd.DataFrame(
                {
                    _("City"): [city_name(r) for r in off_map],
                    _("Open cases"): [r.open_cases for r in off_map],
                    _("High or critical risk"): [r.urgent for r in off_map],
                }
            ),
            hide_index=True,
            width="stretch",
            key="map_off_map",
        )
else:
    st.info(_("No open case matches these filters."))
