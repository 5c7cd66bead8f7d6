"""The caseload map, drawn on plain cartesian axes (longitude, latitude) so that the browser
needs no base map: country outlines come from seed_data/boundaries.geojson as line traces,
cities are bubbles. Plotly's geo maps would fetch a topojson base map from a CDN."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import URGENCY_SCALE, plain, styled

BOUNDARIES = Path(__file__).resolve().parents[2] / "seed_data" / "boundaries.geojson"
HOME_COUNTRY = "KZ"
# The frame: Kazakhstan and its neighbours, wide enough for the cities people moved on to.
LON_RANGE = (15.0, 92.0)
LAT_RANGE = (34.5, 57.0)
MAX_BUBBLE_PX = 46
LABELLED_CITIES = 8  # the largest cities get their name beside the bubble


@dataclass(frozen=True)
class CityBubble:
    name: str
    lat: float
    lon: float
    open_cases: int
    urgent: int


@dataclass(frozen=True)
class Outline:
    country: str
    lons: list[float | None]
    lats: list[float | None]


@cache
def outlines(path: Path = BOUNDARIES) -> tuple[Outline, ...]:
    """Every country of the boundary file as one polyline, rings separated by ``None``."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    result = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        lons: list[float | None] = []
        lats: list[float | None] = []
        for polygon in polygons:
            for ring in polygon:
                lons += [point[0] for point in ring] + [None]
                lats += [point[1] for point in ring] + [None]
        result.append(Outline(feature["properties"]["iso2"], lons, lats))
    return tuple(result)


def _outline_trace(shapes: list[Outline], *, fill: str, line: str, name: str) -> go.Scatter:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for shape in shapes:
        lons += shape.lons
        lats += shape.lats
    return go.Scatter(
        x=lons,
        y=lats,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"color": line, "width": 0.8},
        hoverinfo="skip",
        showlegend=False,
        name=name,
    )


@remembered
def caseload_map(
    cities: list[CityBubble],
    *,
    title: str,
    colour_title: str,
    hover: str,
    borders: tuple[Outline, ...] | None = None,
) -> go.Figure:
    """Bubbles over country outlines: area is the number of open cases of a city, colour the
    share of them at high or critical risk. ``hover`` is a plotly hover template that may use
    ``%{customdata[0]}`` (city), ``[1]`` (open cases), ``[2]`` (urgent), ``[3]`` (share)."""
    shapes = list(outlines() if borders is None else borders)
    figure = go.Figure()
    figure.add_trace(
        _outline_trace(
            [s for s in shapes if s.country != HOME_COUNTRY],
            fill="#F4F4F2",
            line="#B8B8B8",
            name="neighbours",
        )
    )
    figure.add_trace(
        _outline_trace(
            [s for s in shapes if s.country == HOME_COUNTRY],
            fill="#E8EEF3",
            line="#6B7C8C",
            name=HOME_COUNTRY,
        )
    )
    largest = max((c.open_cases for c in cities), default=1)
    ranked = sorted(cities, key=lambda c: -c.open_cases)[:LABELLED_CITIES]
    figure.add_trace(
        go.Scatter(
            x=[c.lon for c in cities],
            y=[c.lat for c in cities],
            mode="markers+text",
            text=[plain(c.name) if c in ranked else "" for c in cities],
            textposition="middle right",
            textfont={"size": 12, "color": "#262730"},
            name="cities",
            showlegend=False,
            customdata=[
                [plain(c.name), c.open_cases, c.urgent, round(100 * c.urgent / c.open_cases)]
                for c in cities
            ],
            hovertemplate=hover + "<extra></extra>",
            marker={
                "size": [c.open_cases for c in cities],
                "sizemode": "area",
                "sizeref": 2.0 * largest / MAX_BUBBLE_PX**2,
                "sizemin": 5,
                "color": [c.urgent / c.open_cases for c in cities],
                "cmin": 0,
                "cmax": 1,
                "colorscale": URGENCY_SCALE,
                "opacity": 0.85,
                "line": {"color": "#333333", "width": 0.8},
                "colorbar": {
                    "title": {"text": plain(colour_title)},
                    "tickformat": ".0%",
                    "thickness": 12,
                    "len": 0.8,
                },
            },
        )
    )
    mid_lat = math.radians(sum(LAT_RANGE) / 2)
    figure.update_xaxes(range=list(LON_RANGE), visible=False, constrain="domain")
    figure.update_yaxes(
        range=list(LAT_RANGE),
        visible=False,
        scaleanchor="x",
        scaleratio=1 / math.cos(mid_lat),
        constrain="domain",
    )
    figure = styled(figure, title=title, height=470)
    figure.update_layout(plot_bgcolor="#FBFCFD", dragmode="pan")
    return figure
