"""Every figure builder escapes every string it is given: planted markup reaches the figure
only as entities, which plotly draws as the characters typed, never as a tag."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from dashboard.figures import impact, pipeline, triage, weekly
from dashboard.figures.map import HOME_COUNTRY, CityBubble, Outline, caseload_map
from dashboard.figures.permits import PermitBar, timeline, weekly_expiries
from dashboard.figures.style import plain
from models.dashboards.permits import Band
from models.risk import RiskLevel

# What an attacker would type as a display name, an organisation or a city.
FETCH = '<span style="fill:url(http://attacker.example/x.svg)">Anna</span>'
LINK = '<a href="http://attacker.example/">Click</a>'
BREAK = "Anna<br>Second line"
ENTITY = "Tom &amp; Jerry"  # drawn as typed: "&amp;", not "&"
PLANTED = [FETCH, LINK, BREAK, ENTITY]
# plotly's own tags, which only our templates may hold.
TEMPLATE_TAGS = {"<extra>", "</extra>"}
TAG = re.compile(r"<\s*/?\s*[A-Za-z]")
TODAY = dt.date(2026, 11, 23)


def strings(value: object) -> list[str]:
    """Every string anywhere in a figure's JSON."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def assert_no_markup(figure, planted: str) -> None:  # type: ignore[no-untyped-def]
    texts = strings(json.loads(figure.to_json()))
    for text in texts:
        bare = text
        for tag in TEMPLATE_TAGS:
            bare = bare.replace(tag, "")
        assert not TAG.search(bare), text
        assert 'attacker.example/x.svg)">' not in text
    # The planted text is there, escaped, and plotly's entity decoding gives it back as typed.
    assert any(html.escape(planted, quote=False) in text for text in texts)


def builders(text: str) -> dict[str, object]:
    """Each builder with ``text`` in every string argument that can carry user text."""
    return {
        "weekly": weekly.caseload_chart(
            [text, "Boris"],
            critical=[1, 0],
            high=[0, 1],
            other=[2, 3],
            names=(text, text, text),
            title=text,
            x_title=text,
        ),
        "triage levels": triage.levels_by_category(
            [text],
            {level: [1] for level in RiskLevel},
            level_names=dict.fromkeys(RiskLevel, text),
            title=text,
            x_title=text,
        ),
        "triage reasons": triage.reasons_chart([text], [3], title=text, x_title=text),
        "funnel": pipeline.funnel([text, "b"], [5, 3], title=text),
        "bars": pipeline.horizontal_bars([text], [2.0], title=text, x_title=text),
        "groups": pipeline.reached_by_group(
            [text], {text: [1]}, title=text, x_title=text, y_title=text
        ),
        "cohorts": pipeline.cohort_heatmap(
            [text], [text], [[0.5]], title=text, x_title=text, y_title=text
        ),
        "timeline": timeline(
            [PermitBar(text, TODAY, TODAY + dt.timedelta(days=20), Band.DAYS_30, text)],
            today=TODAY,
            band_names=dict.fromkeys(Band, text),
            today_label=text,
            title=text,
            x_title=text,
        ),
        "expiries": weekly_expiries([TODAY], [2], title=text, x_title=text, y_title=text),
        "map": caseload_map(
            [CityBubble(text, 43.2, 76.9, 10, 2)],
            title=text,
            colour_title=text,
            hover="%{customdata[0]}: %{customdata[1]}",
            borders=(Outline(HOME_COUNTRY, [50.0, 80.0, None], [45.0, 45.0, None]),),
        ),
        "trend": impact.trend_figure(
            quarters=[text, "Q2"], series={text: [1, None]}, title=text, y_title=text
        ),
        "impact bars": impact.bar_figure(labels=[text], values=[4], title=text, x_title=text),
        "impact groups": impact.grouped_bar_figure(
            groups=[text], series={text: [1]}, title=text, y_title=text
        ),
    }


@pytest.mark.parametrize("planted", PLANTED, ids=["fetch", "link", "line break", "entity"])
@pytest.mark.parametrize("name", list(builders("x")))
def test_planted_markup_reaches_no_figure_as_a_tag(name, planted):
    assert_no_markup(builders(planted)[name], planted)


def test_plain_text_is_left_as_it_is():
    assert plain("Алматы — Almaty (5%)") == "Алматы — Almaty (5%)"
    assert plain('She said "hi"') == 'She said "hi"'
