"""Permit expiry charts: a timeline of permits and the weekly count of expiries ahead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard.figures.memo import remembered
from dashboard.figures.style import (
    BLUE,
    ORANGE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
    plain,
    plain_all,
    styled,
)
from models.dashboards.permits import Band
from models.i18n import PLOT_DATE_FORMATS, PLOT_DAY_FORMATS, Language

BAND_COLOURS = {
    Band.EXPIRED: VERMILLION,
    Band.DAYS_30: ORANGE,
    Band.DAYS_60: YELLOW,
    Band.DAYS_90: SKY_BLUE,
    Band.LATER: BLUE,
}
DAY_MS = 86_400_000
PAST_DAYS = 365  # at most this far back: long permits start off the left edge
FUTURE_MARGIN_DAYS = 14


@dataclass(frozen=True)
class PermitBar:
    code: str
    starts_on: dt.date
    expires_on: dt.date
    band: Band
    hover: str  # already translated


@remembered
def timeline(
    bars: list[PermitBar],
    *,
    today: dt.date,
    band_names: dict[Band, str],
    today_label: str,
    title: str,
    x_title: str,
    language: str = Language.EN,
) -> go.Figure:
    """One horizontal bar per permit, from issue to expiry, coloured by how soon it runs out;
    today marked, with shaded 30, 60 and 90-day bands. Expired permits are vermillion.
    Dates on the axis are written as ``language`` writes them (Plotly's own, in English)."""
    figure = go.Figure()
    for band in Band:
        chosen = [bar for bar in bars if bar.band is band]
        if not chosen:
            continue
        figure.add_bar(
            y=plain_all(bar.code for bar in chosen),
            base=[bar.starts_on.isoformat() for bar in chosen],
            x=[(bar.expires_on - bar.starts_on).days * DAY_MS + DAY_MS for bar in chosen],
            orientation="h",
            name=plain(band_names[band]),
            marker={"color": BAND_COLOURS[band], "line": {"color": "#444444", "width": 0.4}},
            customdata=[[plain(bar.hover)] for bar in chosen],
            hovertemplate="%{customdata[0]}<extra></extra>",
        )
    for days, opacity in ((30, 0.16), (60, 0.10), (90, 0.06)):
        figure.add_vrect(
            x0=(today + dt.timedelta(days=days - 30 if days > 30 else 0)).isoformat(),
            x1=(today + dt.timedelta(days=days)).isoformat(),
            fillcolor=ORANGE,
            opacity=opacity,
            line_width=0,
            layer="below",
        )
    figure.add_vline(x=today.isoformat(), line={"color": "#222222", "width": 2, "dash": "dot"})
    figure.add_annotation(
        x=today.isoformat(),
        y=1,
        yref="paper",
        text=plain(today_label),
        showarrow=False,
        yanchor="bottom",
        xanchor="left",
        font={"size": 12},
    )
    figure.update_layout(barmode="overlay")
    first = max(
        min((bar.starts_on for bar in bars), default=today), today - dt.timedelta(days=PAST_DAYS)
    )
    last = max([today + dt.timedelta(days=95), *(bar.expires_on for bar in bars)])
    figure.update_xaxes(
        type="date",
        tickformat=None if language == Language.EN else PLOT_DATE_FORMATS[Language(language)],
        range=[
            (first - dt.timedelta(days=FUTURE_MARGIN_DAYS)).isoformat(),
            (last + dt.timedelta(days=FUTURE_MARGIN_DAYS)).isoformat(),
        ],
    )
    figure.update_yaxes(autorange="reversed", type="category", automargin=True)
    return styled(figure, title=title, x_title=x_title, height=max(300, 110 + 22 * len(bars)))


@remembered
def weekly_expiries(
    week_starts: list[dt.date],
    counts: list[int],
    *,
    title: str,
    x_title: str,
    y_title: str,
    language: str = Language.EN,
) -> go.Figure:
    """Columns: permits expiring in each of the coming weeks; the first four stand out.
    Dates are written as ``language`` writes them: 23.11 and 23.11.2026 in Russian."""
    dates = Language(language)
    colours = [ORANGE if index < 4 else SKY_BLUE for index in range(len(week_starts))]
    figure = go.Figure(
        go.Bar(
            x=[day.isoformat() for day in week_starts],
            y=counts,
            marker_color=colours,
            hovertemplate=f"%{{x|{PLOT_DATE_FORMATS[dates]}}}: %{{y}}<extra></extra>",
        )
    )
    figure.update_xaxes(type="date", tickformat=PLOT_DAY_FORMATS[dates])
    return styled(figure, title=title, x_title=x_title, y_title=y_title, height=320)
