"""Risk triage charts: open cases by level and category, and by reason."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import BLUE, LEVEL_COLOURS, plain, plain_all, styled
from models.risk import RiskLevel


@remembered
def levels_by_category(
    categories: list[str],
    counts: dict[RiskLevel, list[int]],
    *,
    level_names: dict[RiskLevel, str],
    title: str,
    x_title: str,
) -> go.Figure:
    """Horizontal bars per category, stacked by risk level from critical to low."""
    figure = go.Figure()
    for level in sorted(RiskLevel, reverse=True):
        figure.add_bar(
            y=plain_all(categories),
            x=counts[level],
            name=plain(level_names[level]),
            orientation="h",
            marker={"color": LEVEL_COLOURS[level], "line": {"color": "#555555", "width": 0.5}},
            hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return styled(figure, title=title, x_title=x_title, height=max(260, 90 + 36 * len(categories)))


@remembered
def reasons_chart(reasons: list[str], counts: list[int], *, title: str, x_title: str) -> go.Figure:
    """Horizontal bars: how many open cases each rule applies to."""
    figure = go.Figure(
        go.Bar(
            y=plain_all(reasons),
            x=counts,
            orientation="h",
            marker_color=BLUE,
            text=counts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    return styled(figure, title=title, x_title=x_title, height=max(260, 70 + 30 * len(reasons)))
