"""The resettlement pipeline page: funnel, days per stage, exits, splits and cohorts."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from models.enums import Category, Outcome, Stage
from models.i18n import country_name, format_month, format_number, translate
from tests.factories import (
    idle_caseworker,
    open_dashboard,
    seeded_world,
)
from tests.oracle import Rows, expected_pipeline


@pytest.fixture
def world(database_url):
    return seeded_world(database_url)


def open_page(page_test, database_url, actor):
    return open_dashboard(page_test, "pipeline.py", database_url, actor)


def charts(at) -> dict[str, dict]:
    """The page's figures by title."""
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {figure["layout"]["title"]["text"]: figure for figure in figures}


def check_page(at, rows: Rows, cases: list) -> None:
    funnel, medians, exits = expected_pipeline(rows, cases)
    drawn = charts(at)
    assert drawn["Cases that reached each stage"]["data"][0]["x"] == [funnel[s] for s in Stage]
    days = drawn["Median days spent in each stage"]["data"][0]
    assert dict(zip(days["y"], days["x"], strict=True)) == {
        s.label: medians[s] for s in Stage if medians[s] is not None
    }
    exit_bars = drawn["Closed cases by outcome"]["data"][0]
    assert dict(zip(exit_bars["y"], exit_bars["x"], strict=True)) == {
        o.label: exits.get(o.value, 0) for o in Outcome if o is not Outcome.DUPLICATE
    }
    by_category = {
        trace["name"]: trace["y"] for trace in drawn["Stages reached, by category"]["data"]
    }
    for category in Category:
        members = [c for c in cases if c.category == category]
        if members:
            assert by_category[category.label] == list(expected_pipeline(rows, members)[0].values())
    cohorts = drawn["Intake cohorts: share of each month's intake that reached each stage"]["data"][
        0
    ]
    for month, shares in zip(cohorts["y"], cohorts["z"], strict=True):
        members = [c for c in cases if format_month(c.opened_on, "en") == month]
        reached = expected_pipeline(rows, members)[0]
        assert shares == [reached[s] / len(members) for s in Stage]


@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_every_chart_matches_the_stage_history_of_the_users_cases(
    page_test, database_url, world, username
):
    rows, actors = world
    actor = actors[username]
    check_page(open_page(page_test, database_url, actor), rows, rows.visible(actor))


def test_the_funnel_table_shows_conversion_between_stages(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    table = open_page(page_test, database_url, actor).dataframe[0].value
    funnel = expected_pipeline(rows, rows.visible(actor))[0]
    stages = list(Stage)
    assert list(table["Cases that reached it"]) == [funnel[s] for s in stages]
    assert table["Share of the stage before"][0] == "—"
    assert table["Share of the stage before"][1] == f"{funnel[stages[1]] / funnel[stages[0]]:.0%}"


def test_the_destination_split_counts_later_stages_per_country(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    table = next(df.value for df in at.dataframe if "Destination country" in df.value.columns)
    countries = Counter(c.destination_country for c in rows.visible(actor) if c.destination_country)
    codes = {country_name(code, "en"): code for code in countries}
    assert set(table["Destination country"]) == set(codes)
    for _, row in table.iterrows():
        code = codes[row["Destination country"]]
        members = [c for c in rows.visible(actor) if c.destination_country == code]
        reached = expected_pipeline(rows, members)[0]
        assert row[Stage.VISA_APPLICATION.label] == reached[Stage.VISA_APPLICATION]
        assert row[Stage.RELOCATED.label] == reached[Stage.RELOCATED]


def test_a_russian_reader_sees_country_names_and_decimal_commas(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_dashboard(page_test, "pipeline.py", database_url, actor, language="ru")
    column = translate("Destination country", "ru")
    table = next(df.value for df in at.dataframe if column in df.value.columns)
    codes = {c.destination_country for c in rows.visible(actor) if c.destination_country}
    assert set(table[column]) == {country_name(code, "ru") for code in codes}
    assert "Германия" in set(table[column])
    medians = expected_pipeline(rows, rows.visible(actor))[1]
    assert list(at.dataframe[0].value[translate("Median days in stage", "ru")]) == [
        format_number(medians[s], "ru", decimals=1, trailing_zeros=False) for s in Stage
    ]


def test_filtering_by_category_narrows_every_chart(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    at.multiselect(key="pipeline_filter_category").set_value([Category.JOURNALIST]).run()
    assert not at.exception
    check_page(at, rows, [c for c in rows.visible(actor) if c.category == "journalist"])


def test_a_caseworker_without_cases_is_told_there_is_nothing(page_test, database_url, world):
    at = open_page(page_test, database_url, idle_caseworker(database_url))
    assert not at.get("plotly_chart")
    assert at.info[0].value == "No case matches these filters."
