"""Figures of the impact report: published counts in, plotly figures out.

Hidden counts arrive as ``None`` and are drawn as gaps: a chart never guesses a number that
the table withholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import LEVEL_COLOURS, SERIES, plain, plain_all, styled
from models.funder import ReportTable, TableKey
from models.risk import RiskLevel
from reports.impact import number_or_none

Counts = Sequence[int | None]


def _room_for_labels(figure: go.Figure) -> go.Figure:
    """Margins that grow to fit the axis labels, also outside Streamlit (the HTML report)."""
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


@remembered
def trend_figure(
    *, quarters: Sequence[str], series: Mapping[str, Counts], title: str, y_title: str
) -> go.Figure:
    """One line per series across the quarters; a hidden count breaks the line."""
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_trace(
            go.Scatter(
                x=plain_all(quarters),
                y=list(values),
                name=plain(name),
                mode="lines+markers",
                connectgaps=False,
                line={"color": SERIES[index % len(SERIES)], "width": 2},
                hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
            )
        )
    styled(figure, title=title, y_title=y_title)
    figure.update_yaxes(rangemode="tozero")
    return _room_for_labels(figure)


@remembered
def bar_figure(
    *,
    labels: Sequence[str],
    values: Counts,
    title: str,
    x_title: str,
    colours: Sequence[str] | None = None,
) -> go.Figure:
    """Horizontal bars in the given order, first at the top; hidden counts have no bar."""
    figure = go.Figure(
        go.Bar(
            x=list(values),
            y=plain_all(labels),
            orientation="h",
            marker={"color": list(colours) if colours else SERIES[0]},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    styled(figure, title=title, x_title=x_title, height=max(260, 60 + 32 * len(labels)))
    figure.update_yaxes(autorange="reversed")
    return _room_for_labels(figure)


@remembered
def grouped_bar_figure(
    *, groups: Sequence[str], series: Mapping[str, Counts], title: str, y_title: str
) -> go.Figure:
    """Bars side by side: one bar per series within each group."""
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_trace(
            go.Bar(
                x=plain_all(groups),
                y=list(values),
                name=plain(name),
                marker={"color": SERIES[index % len(SERIES)]},
            )
        )
    styled(figure, title=title, y_title=y_title)
    figure.update_layout(barmode="group")
    return _room_for_labels(figure)


def report_figure(table: ReportTable, *, count_title: str, all_label: str) -> go.Figure | None:
    """The chart of one report table (None for a table that is left out): trends across the
    quarters (the "earlier" column left out), bars for the others."""
    safe = table.safe
    if safe is None:
        return None
    rows = {
        label: [number_or_none(v) for v in line]
        for label, line in zip(table.row_labels, safe.cells, strict=True)
    }
    if table.key in (TableKey.PEOPLE, TableKey.OUTCOMES):
        series = {label: values[1:] for label, values in rows.items()}
        if safe.column_totals is not None:
            series = {all_label: [number_or_none(v) for v in safe.column_totals[1:]], **series}
        return trend_figure(
            quarters=table.column_labels[1:], series=series, title=table.title, y_title=count_title
        )
    if table.key is TableKey.NEEDS:
        by_column = {
            column: [values[j] for values in rows.values()]
            for j, column in enumerate(table.column_labels)
        }
        return grouped_bar_figure(
            groups=table.row_labels, series=by_column, title=table.title, y_title=count_title
        )
    if table.key is TableKey.RISK and safe.row_totals is not None:
        colours = [LEVEL_COLOURS[level] for level in RiskLevel]
        return bar_figure(
            labels=table.row_labels,
            values=[number_or_none(v) for v in safe.row_totals],
            title=table.title,
            x_title=count_title,
            colours=colours,
        )
    return bar_figure(
        labels=table.row_labels,
        values=[values[0] for values in rows.values()],
        title=table.title,
        x_title=count_title,
    )
