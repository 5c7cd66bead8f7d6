"""The pure figure builders: data in, a plotly figure out, in the colour-blind-safe palette."""

from __future__ import annotations

import datetime as dt

from dashboard.figures import style
from dashboard.figures.map import HOME_COUNTRY, CityBubble, Outline, caseload_map, outlines
from dashboard.figures.permits import BAND_COLOURS, PermitBar, timeline, weekly_expiries
from dashboard.figures.pipeline import cohort_heatmap, funnel, horizontal_bars
from dashboard.figures.triage import levels_by_category
from dashboard.figures.weekly import caseload_chart
from models.dashboards.permits import Band
from models.risk import RiskLevel

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
TODAY = dt.date(2026, 11, 23)


def test_every_series_and_level_colour_is_from_the_okabe_ito_palette():
    assert set(style.SERIES) <= OKABE_ITO
    assert set(style.LEVEL_COLOURS.values()) <= OKABE_ITO
    assert set(BAND_COLOURS.values()) <= OKABE_ITO


def test_the_boundary_file_gives_kazakhstan_and_its_neighbours():
    shapes = outlines()
    countries = {shape.country for shape in shapes}
    assert {HOME_COUNTRY, "KG", "UZ", "RU", "CN"} <= countries
    kazakhstan = next(shape for shape in shapes if shape.country == HOME_COUNTRY)
    assert len(kazakhstan.lons) == len(kazakhstan.lats) > 100
    assert all(45 < lon < 90 for lon in kazakhstan.lons if lon is not None)


def test_the_map_sizes_bubbles_by_cases_and_colours_them_by_urgent_share():
    cities = [CityBubble("Almaty", 43.2, 76.9, 40, 10), CityBubble("Oral", 51.2, 51.4, 4, 4)]
    border = (Outline(HOME_COUNTRY, [50.0, 80.0, 80.0, None], [45.0, 45.0, 55.0, None]),)
    figure = caseload_map(
        cities,
        title="Open cases per city",
        colour_title="Share urgent",
        hover="%{customdata[0]}: %{customdata[1]}",
        borders=border,
    )
    bubbles = figure.data[-1]
    assert list(bubbles.marker.size) == [40, 4]
    assert list(bubbles.marker.color) == [0.25, 1.0]
    assert [list(row) for row in bubbles.customdata] == [
        ["Almaty", 40, 10, 25],
        ["Oral", 4, 4, 100],
    ]
    assert {trace.type for trace in figure.data} == {"scatter"}  # no geo: nothing fetched
    assert figure.layout.title.text == "Open cases per city"
    assert list(figure.data[1].x) == [50.0, 80.0, 80.0, None]


def test_the_map_of_no_city_still_draws_the_outlines():
    figure = caseload_map([], title="t", colour_title="c", hover="h")
    assert len(figure.data[1].x) > 100
    assert list(figure.data[-1].x) == []


def test_the_timeline_draws_one_bar_per_permit_ending_at_expiry_with_today_and_bands():
    bars = [
        PermitBar(
            "WP-26-0001",
            TODAY - dt.timedelta(days=100),
            TODAY - dt.timedelta(days=5),
            Band.EXPIRED,
            "expired",
        ),
        PermitBar(
            "WP-26-0002",
            TODAY - dt.timedelta(days=10),
            TODAY + dt.timedelta(days=20),
            Band.DAYS_30,
            "soon",
        ),
    ]
    figure = timeline(
        bars,
        today=TODAY,
        band_names={b: b.value for b in Band},
        today_label="Today",
        title="Permits",
        x_title="Date",
    )
    expired = next(trace for trace in figure.data if trace.name == "expired")
    assert expired.marker.color == style.VERMILLION
    assert list(expired.base) == [(TODAY - dt.timedelta(days=100)).isoformat()]
    assert list(expired.x) == [96 * 86_400_000]  # issue day to expiry day, inclusive
    shapes = figure.layout.shapes
    assert len([s for s in shapes if s.type == "rect"]) == 3
    assert any(s.type == "line" and s.x0 == TODAY.isoformat() for s in shapes)


def test_weekly_expiries_highlight_the_next_four_weeks():
    weeks = [TODAY + dt.timedelta(weeks=w) for w in range(6)]
    figure = weekly_expiries(weeks, [1, 2, 3, 4, 5, 6], title="t", x_title="x", y_title="y")
    assert list(figure.data[0].y) == [1, 2, 3, 4, 5, 6]
    assert list(figure.data[0].marker.color) == [style.ORANGE] * 4 + [style.SKY_BLUE] * 2


def test_russian_date_axes_and_hovers_are_numeric():
    weeks = [TODAY + dt.timedelta(weeks=w) for w in range(2)]
    russian = weekly_expiries(weeks, [1, 2], title="t", x_title="x", y_title="y", language="ru")
    assert russian.layout.xaxis.tickformat == "%d.%m"
    assert russian.data[0].hovertemplate.startswith("%{x|%d.%m.%Y}: ")
    english = weekly_expiries(weeks, [1, 2], title="t", x_title="x", y_title="y")
    assert english.layout.xaxis.tickformat == "%d %b"
    bar = PermitBar("WP-26-0001", TODAY, TODAY + dt.timedelta(days=9), Band.DAYS_30, "soon")
    drawn = timeline(
        [bar],
        today=TODAY,
        band_names={b: b.value for b in Band},
        today_label="Сегодня",
        title="t",
        x_title="x",
        language="ru",
    )
    assert drawn.layout.xaxis.tickformat == "%d.%m.%Y"


def test_pipeline_builders_keep_their_numbers():
    assert list(funnel(["A", "B"], [10, 7], title="t").data[0].x) == [10, 7]
    bars = horizontal_bars(["A", "B"], [19.0, 32.5], title="t", x_title="x")
    assert list(bars.data[0].text) == ["19", "32.5"]
    heat = cohort_heatmap(
        ["2026-01"], ["A", "B"], [[1.0, 0.5]], title="t", x_title="x", y_title="y"
    )
    assert [list(row) for row in heat.data[0].z] == [[1.0, 0.5]]


def test_stacked_bars_put_critical_first_and_add_up():
    figure = levels_by_category(
        ["Journalist"],
        {level: [int(level) + 1] for level in RiskLevel},
        level_names={level: level.name for level in RiskLevel},
        title="t",
        x_title="x",
    )
    assert [trace.name for trace in figure.data] == ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    assert [trace.marker.color for trace in figure.data] == [
        style.VERMILLION,
        style.ORANGE,
        style.YELLOW,
        style.SKY_BLUE,
    ]
    chart = caseload_chart(
        ["A"], critical=[1], high=[2], other=[3], names=("c", "h", "o"), title="t", x_title="x"
    )
    assert sum(trace.x[0] for trace in chart.data) == 6
