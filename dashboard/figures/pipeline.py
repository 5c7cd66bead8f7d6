"""Resettlement pipeline charts: the funnel, days per stage, exits and intake cohorts."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import BLUE, SERIES, SKY_BLUE, plain, plain_all, styled


@remembered
def funnel(stages: list[str], counts: list[int], *, title: str) -> go.Figure:
    """How many cases reached each stage, with the share of the stage before."""
    figure = go.Figure(
        go.Funnel(
            y=plain_all(stages),
            x=counts,
            textinfo="value+percent previous",
            marker={"color": BLUE},
            connector={"line": {"color": "#BBBBBB"}},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    return styled(figure, title=title, height=380)


@remembered
def horizontal_bars(
    labels: list[str],
    values: list[float],
    *,
    title: str,
    x_title: str,
    colour: str = SKY_BLUE,
    texts: list[str] | None = None,
) -> go.Figure:
    """Plain horizontal bars with their values printed (days per stage, exits by outcome);
    ``texts``: the values as the reader writes them, when not plain numbers."""
    figure = go.Figure(
        go.Bar(
            y=plain_all(labels),
            x=values,
            orientation="h",
            marker_color=colour,
            text=plain_all(texts) if texts is not None else [f"{value:g}" for value in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    return styled(figure, title=title, x_title=x_title, height=max(260, 80 + 34 * len(labels)))


@remembered
def reached_by_group(
    columns: list[str],
    groups: dict[str, list[int]],
    *,
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """Grouped bars: along the x axis ``columns`` (stages, or countries), one bar per group
    (a category, or a stage) with the cases that reached it."""
    figure = go.Figure()
    for index, (name, counts) in enumerate(groups.items()):
        figure.add_bar(
            x=plain_all(columns),
            y=counts,
            name=plain(name),
            marker_color=SERIES[index % len(SERIES)],
            hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(barmode="group")
    return styled(figure, title=title, x_title=x_title, y_title=y_title, height=380)


@remembered
def cohort_heatmap(
    months: list[str],
    stages: list[str],
    shares: list[list[float | None]],
    *,
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """Rows are intake months, columns stages; each cell the share of the cohort that reached
    the stage (blue scale, colour-blind safe)."""
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=plain_all(stages),
            y=plain_all(months),
            zmin=0,
            zmax=1,
            colorscale=[[0, "#FFFFFF"], [1, BLUE]],
            text=[[f"{v:.0%}" if v is not None else "" for v in row] for row in shares],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
            colorbar={"tickformat": ".0%", "thickness": 12},
        )
    )
    figure.update_yaxes(autorange="reversed", type="category")
    return styled(
        figure,
        title=title,
        x_title=x_title,
        y_title=y_title,
        height=max(320, 90 + 24 * len(months)),
    )
