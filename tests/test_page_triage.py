"""The risk triage page, its numbers checked against plain Python over the seeded rows."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from dashboard.links import case_url
from models.enums import Category
from models.risk import RiskLevel
from tests.factories import (
    idle_caseworker,
    open_dashboard,
    seeded_world,
)
from tests.oracle import Rows

LEVEL_LABELS = {
    RiskLevel.CRITICAL: "Critical risk",
    RiskLevel.HIGH: "High risk",
    RiskLevel.MEDIUM: "Medium risk",
    RiskLevel.LOW: "Low risk",
}
CATEGORY_LABELS = {c: c.label for c in Category}


@pytest.fixture
def world(database_url):
    return seeded_world(database_url)


def open_page(page_test, database_url, actor):
    return open_dashboard(page_test, "triage.py", database_url, actor)


def check_page(at, rows: Rows, cases: list) -> None:
    levels = Counter(rows.level(c) for c in cases)
    assert {m.label: m.value for m in at.metric} == {
        LEVEL_LABELS[level]: str(levels[level]) for level in RiskLevel
    }
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    by_level_and_category = Counter(
        (rows.level(c), CATEGORY_LABELS[Category(c.category)]) for c in cases
    )
    drawn = {}
    for trace in charts[0]["data"]:
        level = next(lv for lv, text in LEVEL_LABELS.items() if text == trace["name"])
        drawn.update({(level, cat): n for cat, n in zip(trace["y"], trace["x"], strict=True) if n})
    assert drawn == dict(by_level_and_category)
    reasons = Counter(reason for c in cases for reason in rows.reasons(c))
    bars = charts[1]["data"][0]
    assert dict(zip(bars["y"], bars["x"], strict=True)) == dict(reasons)
    table = at.dataframe[-1].value
    assert list(table["case"]) == [case_url(c.code) for c in rows.most_urgent_first(cases)[:50]]
    assert list(table["reasons"]) == [
        "; ".join(rows.reasons(c)) or "—" for c in rows.most_urgent_first(cases)[:50]
    ]


@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_levels_reasons_and_cases_match_the_users_open_cases(
    page_test, database_url, world, username
):
    rows, actors = world
    actor = actors[username]
    at = open_page(page_test, database_url, actor)
    check_page(at, rows, rows.open_cases(actor))


def test_filtering_by_category_and_level_narrows_every_number(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    at.multiselect(key="triage_filter_category").set_value([Category.DESERTER]).run()
    deserters = [c for c in rows.open_cases(actor) if c.category == "deserter"]
    check_page(at, rows, deserters)
    at.multiselect(key="triage_filter_level").set_value([RiskLevel.CRITICAL, RiskLevel.HIGH])
    at.run()
    assert not at.exception
    urgent = [c for c in deserters if rows.level(c) >= RiskLevel.HIGH]
    check_page(at, rows, urgent)


def test_a_caseworker_without_cases_sees_zero_and_no_table(page_test, database_url, world):
    at = open_page(page_test, database_url, idle_caseworker(database_url))
    assert {m.value for m in at.metric} == {"0"}
    assert not at.get("plotly_chart")
    assert at.info[0].value == "No open case matches these filters."
