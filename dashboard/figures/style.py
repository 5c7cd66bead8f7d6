"""The colour-blind-safe palette (Okabe and Ito, 2008), the layout every chart shares, and
``plain``, which every string passes through on its way into a figure.

plotly draws a subset of HTML in titles, tick labels, legend names, text and hover labels:
a display name such as ``<span style="fill:url(http://host/x.svg)">`` makes the browser fetch
that URL, and ``<a href>`` draws an off-site link. Escaped, the same text is drawn as typed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import plotly.graph_objects as go

from models.risk import RiskLevel

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SERIES = [BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION, YELLOW, BLACK]

LEVEL_COLOURS = {
    RiskLevel.LOW: SKY_BLUE,
    RiskLevel.MEDIUM: YELLOW,
    RiskLevel.HIGH: ORANGE,
    RiskLevel.CRITICAL: VERMILLION,
}
# A single-hue sequential scale (pale to vermillion): readable with any colour blindness.
URGENCY_SCALE = [[0.0, "#FBE3CF"], [0.5, ORANGE], [1.0, VERMILLION]]
FONT = "Source Sans Pro, sans-serif"  # Streamlit's bundled font: nothing is fetched


def plain(text: object) -> str:
    """``text`` as a string plotly shows exactly as typed: ``& < >`` become entities, which
    plotly turns back into characters after it has looked for markup. Quotes are left as
    they are (plotly knows no ``&quot;``), harmless once no tag can open."""
    return html.escape(str(text), quote=False)


def plain_all(texts: Iterable[object]) -> list[str]:
    """``plain`` of each of ``texts``."""
    return [plain(text) for text in texts]


def styled(
    figure: go.Figure, *, title: str, x_title: str = "", y_title: str = "", height: int = 360
) -> go.Figure:
    """Apply the shared title, axis titles, margins and font (each title made ``plain``)."""
    figure.update_layout(
        title={"text": plain(title), "x": 0, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT, "size": 13, "color": "#262730"},
        margin={"l": 10, "r": 30, "t": 48, "b": 10},
        height=height,
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT}},
    )
    figure.update_xaxes(title_text=plain(x_title), gridcolor="#E6E6E6", zerolinecolor="#CCCCCC")
    figure.update_yaxes(title_text=plain(y_title), gridcolor="#E6E6E6", zerolinecolor="#CCCCCC")
    return figure
