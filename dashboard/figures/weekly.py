"""The weekly review's chart: the caseload of each caseworker."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import ORANGE, SKY_BLUE, VERMILLION, plain, plain_all, styled


@remembered
def caseload_chart(
    caseworkers: list[str],
    *,
    critical: list[int],
    high: list[int],
    other: list[int],
    names: tuple[str, str, str],
    title: str,
    x_title: str,
) -> go.Figure:
    """Horizontal stacked bars, one per caseworker: critical, high and other open cases.
    ``names`` are the legend entries of the three parts, in that order."""
    figure = go.Figure()
    labels = plain_all(caseworkers)
    for values, name, colour in zip(
        (critical, high, other), names, (VERMILLION, ORANGE, SKY_BLUE), strict=True
    ):
        figure.add_bar(
            y=labels,
            x=values,
            name=plain(name),
            orientation="h",
            marker_color=colour,
            hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return styled(figure, title=title, x_title=x_title, height=max(240, 60 + 26 * len(caseworkers)))
